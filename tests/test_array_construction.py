"""Building arrays from differentiable values, as a user writes it: gradients flow into every element.

Each function here was silently given a gradient of zero once (np.array of a nested list, np.linspace,
np.r_, np.c_) or had no rule (np.column_stack). Anything without a rule must refuse, at the line, rather
than be taken for a constant.
"""
import math

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError

HERE = __file__


def reverse_and_forward(fn, args, expected):
    """``grad`` and ``jvp`` (one unit direction per argument) against the closed-form gradients."""
    wrt = tuple(range(len(args)))
    grads = ssagrad.grad(fn, wrt=wrt)(*args)
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)
    for i, e in enumerate(expected):
        for index in np.ndindex(np.shape(args[i])):
            tangents = [np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0 for a in args]
            if isinstance(args[i], np.ndarray):
                tangents[i][index] = 1.0
            else:
                tangents[i] = 1.0
            value, derivative = ssagrad.jvp(fn, tuple(args), tuple(tangents))
            assert value == pytest.approx(fn(*args), rel=1e-12)
            assert derivative == pytest.approx(np.asarray(e)[index], rel=1e-12, abs=1e-12)


# -- np.array / np.asarray of displays --------------------------------------------------------------


def matrix_of_one_scalar(x):
    return np.sum(np.array([[x, x * 1.0], [x ** 2, x / 2.0]]))


def test_a_nested_list_of_one_scalar():
    x = 1.3
    reverse_and_forward(matrix_of_one_scalar, [x], [1.0 + 1.0 + 2.0 * x + 0.5])
    ssagrad.check_grads(matrix_of_one_scalar, x)


def weighted_block(a, b):
    m = np.asarray(((a, b), (b * a, 2.0 * a)))  # tuples, arrays as entries: shape (2, 2, 3)
    return np.sum(m * np.arange(12.0).reshape(2, 2, 3))


def test_a_nested_tuple_of_arrays():
    a, b = np.array([0.3, -1.2, 2.0]), np.array([1.1, 0.4, -0.7])
    w = np.arange(12.0).reshape(2, 2, 3)
    reverse_and_forward(weighted_block, [a, b], [w[0, 0] + w[1, 0] * b + 2.0 * w[1, 1], w[0, 1] + w[1, 0] * a])
    ssagrad.check_grads(weighted_block, a, b)


def three_deep(x, y):
    return np.sum(np.sin(np.array([[[x, y], [y, 1.0]], [[0.5, x * y], [x, x]]])))


def copy_of_an_array(x):
    y = np.array(x)
    return np.sum(y ** 3)


def test_deeper_nesting_constants_and_a_plain_copy():
    ssagrad.check_grads(three_deep, 0.7, -0.4)
    x = np.array([0.5, -1.5, 2.0])
    reverse_and_forward(copy_of_an_array, [x], [3.0 * x ** 2])


def as_integers(x):
    return np.sum(np.array([x, 2.0 * x], dtype=int) * 1.5)


def test_a_cast_to_integers_is_refused_at_the_line():
    err = raises_at(as_integers, "np.array([x, 2.0 * x], dtype=int)", 1.3)
    assert "floating dtypes only" in str(err)


# -- np.linspace ------------------------------------------------------------------------------------


def samples_squared(x, y):
    return np.sum(np.linspace(x, y, 5) ** 2)


def test_linspace_between_two_scalars():
    x, y = 0.4, 2.1
    t = np.arange(5) / 4.0
    s = x + t * (y - x)
    reverse_and_forward(samples_squared, [x, y], [np.sum(2 * s * (1 - t)), np.sum(2 * s * t)])
    ssagrad.check_grads(samples_squared, x, y)


def grid(a, b):
    return np.sum(np.sin(np.linspace(a, b, 4, endpoint=False, axis=-1)) * np.arange(24.0).reshape(2, 3, 4))


def test_linspace_between_arrays_that_broadcast_along_another_axis():
    ssagrad.check_grads(grid, np.array([0.1, -0.3, 0.8]), np.array([[1.0], [2.0]]))


def with_step(x, y):
    pair = np.linspace(x, y, 5, retstep=True)
    return np.sum(pair[0]) * pair[1]


def test_linspace_with_its_step_is_refused_at_the_line():
    err = raises_at(with_step, "np.linspace(x, y, 5, retstep=True)", 0.4, 2.1)
    assert "(stop - start) / (num - 1)" in str(err)


# -- np.r_ and np.c_ --------------------------------------------------------------------------------


def doubled(x):
    return np.sum(np.r_[x, x] ** 2)


def test_r_of_the_same_array_twice():
    x = np.array([0.5, -1.0, 2.5])
    reverse_and_forward(doubled, [x], [4.0 * x])
    ssagrad.check_grads(doubled, x)


def with_a_range(x, s):
    return np.sum(np.r_[x, 0:3, s, 2.0] * np.arange(1.0, 9.0))


def test_r_with_a_constant_range_and_a_scalar():
    x = np.array([0.5, -1.0, 2.5])
    reverse_and_forward(with_a_range, [x, 0.3], [np.array([1.0, 2.0, 3.0]), 7.0])


def columns(x, y):
    return np.sum(np.c_[x, y] ** 2 * np.array([1.0, 3.0]))


def test_c_of_two_vectors_makes_columns():
    x, y = np.array([0.5, -1.0, 2.5]), np.array([1.5, 0.2, -0.3])
    reverse_and_forward(columns, [x, y], [2.0 * x, 6.0 * y])
    ssagrad.check_grads(columns, x, y)


def matrix_and_column(m, v):
    return np.sum(np.sin(np.c_[m, v, 0:2]))


def test_c_of_a_matrix_a_vector_and_a_range():
    ssagrad.check_grads(matrix_and_column, np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([-0.5, 0.9]))


def range_from(x):
    return np.sum(np.r_[x:5.0] ** 2)


def test_a_range_with_differentiable_bounds_is_refused_at_the_line():
    raises_at(range_from, "np.r_[x:5.0]", 0.5, match="bounds of a slice")


def arange_to(x):
    return np.sum(np.arange(x) * 2.0)


def test_np_arange_of_a_stop_alone_does_not_depend_on_it():
    assert ssagrad.grad(arange_to)(3.5) == 0.0


# -- np.column_stack, np.row_stack --------------------------------------------------------------------


def stacked_columns(x, y):
    return np.sum(np.column_stack([x, y]) ** 2 * np.array([1.0, 3.0, 5.0]))


def test_column_stack_of_a_vector_and_a_matrix():
    x, y = np.array([0.5, -1.0]), np.array([[1.5, 0.2], [-0.3, 0.7]])
    reverse_and_forward(stacked_columns, [x, y], [2.0 * x, 2.0 * y * np.array([3.0, 5.0])])
    ssagrad.check_grads(stacked_columns, x, y)


@pytest.mark.skipif(not hasattr(np, "row_stack"), reason="np.row_stack is gone from this NumPy")
@pytest.mark.filterwarnings("ignore:`row_stack` alias is deprecated")
def test_row_stack_is_vstack():
    def rows(x, y):
        return np.sum(np.row_stack((x, y)) ** 2 * np.arange(1.0, 7.0).reshape(2, 3))
    x, y = np.array([0.5, -1.0, 2.0]), np.array([1.5, 0.2, -0.3])
    reverse_and_forward(rows, [x, y], [2.0 * x * [1.0, 2.0, 3.0], 2.0 * y * [4.0, 5.0, 6.0]])


# -- no rule: a located error, never a constant ---------------------------------------------------------


def line_of(fn, text):
    import inspect
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


def raises_at(fn, text, *args, match=None):
    """Both modes refuse ``fn`` at the line containing ``text``, with the file, line, column and source."""
    errors = []
    with pytest.raises(DifferentiationError, match=match) as info:
        ssagrad.grad(fn, wrt=tuple(range(len(args))))(*args)
    errors.append(info.value)
    with pytest.raises(DifferentiationError, match=match) as info:
        ssagrad.jvp(fn, args, tuple(np.ones_like(a) if isinstance(a, np.ndarray) else 1.0 for a in args))
    errors.append(info.value)
    for err in errors:
        assert err.filename == HERE
        assert err.lineno == line_of(fn, text)
        assert text in err.source_line
        assert err.source_line in str(err) and "^" in str(err)
    line = errors[0].location.line
    assert errors[0].col == line.index(text)  # the caret under the call
    assert errors[1].col in (line.index(text), len(line) - len(line.lstrip()))  # forward mode: or its statement
    return errors[0]


def interpolated(x):
    return np.sum(np.interp(x, [0.0, 1.0], [1.0, 3.0]))


def uniques(x):
    return np.sum(np.unique(x) ** 2)


def reversed_sum(x):
    return sum(reversed([x, 2.0 * x]))


def mesh(x):
    return np.sum(np.mgrid[x:2.0:3j])


@pytest.mark.parametrize("fn, text", [(interpolated, "np.interp("), (uniques, "np.unique("),
                                      (reversed_sum, "reversed("), (mesh, "np.mgrid[")])
def test_a_function_without_a_rule_is_refused_where_it_is_called(fn, text):
    raises_at(fn, text, 0.4)


def shapes_and_counts(x):
    n = len(x)
    z = np.zeros(n) + np.arange(n) * np.sign(x[0])
    return np.sum(z * x) + np.sum(np.ones_like(x)) + float(np.argmax(x))


def test_functions_declared_without_a_gradient_still_give_none():
    x = np.array([0.5, -1.0, 2.5])
    np.testing.assert_array_equal(ssagrad.grad(shapes_and_counts)(x), [0.0, 1.0, 2.0])


# -- declarations that hid a gradient ---------------------------------------------------------------------


def step_at_zero(h):
    return np.sum(np.heaviside(np.array([0.0, -1.0, 0.0, 2.0]), h) * np.array([1.0, 2.0, 3.0, 4.0]))


def signed(x, y):
    return math.copysign(x, y) * 3.0


def filled(x):
    return np.sum(np.full((2, 3), x) ** 2) + np.sum(np.arange(x, 3.0, 0.5))


def power(v):
    return v[0] ** v[1]


def test_functions_once_declared_constant_have_their_gradients():
    reverse_and_forward(step_at_zero, [0.5], [4.0])  # the value at 0 is h: entries 0 and 2
    reverse_and_forward(signed, [1.5, -2.0], [-3.0, 0.0])
    x = 0.25  # np.arange(x, 3.0, 0.5): six samples x, x + 0.5, ...
    reverse_and_forward(filled, [x], [12.0 * x + 6.0])
    v = np.array([1.7, 2.3])  # d2/dx dy x ** y = x ** (y - 1) (1 + y log x): the log's own derivative counts
    hessian = ssagrad.hessian(power)(v)
    cross = v[0] ** (v[1] - 1) * (1 + v[1] * np.log(v[0]))
    np.testing.assert_allclose([hessian[0, 1], hessian[1, 0]], [cross, cross], rtol=1e-12)
