"""Every rule against central finite differences, on scalars, 0-d, 1-d, 2-d, empty and broadcast shapes."""
import math
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ssagrad
from gradcheck import assert_matches_finite_differences, values, weights_like

SHAPES = [None, (), (3,), (2, 3), (0,)]  # None: a Python float
EXAMPLES = settings(max_examples=8, deadline=None)


def make_unary(op):
    def unary(x, w):
        return np.sum(op(x) * w)
    unary.__name__ = f"unary_{getattr(op, '__name__', op)}"
    return unary


# (function, domain low, high, keep away from zero)
UNARY = {
    "exp": (np.exp, -2, 2, False), "log": (np.log, 0.2, 3, False), "sin": (np.sin, -3, 3, False),
    "cos": (np.cos, -3, 3, False), "tan": (np.tan, -1.2, 1.2, False), "tanh": (np.tanh, -3, 3, False),
    "sqrt": (np.sqrt, 0.2, 3, False), "abs": (np.abs, -2, 2, True), "absolute": (np.absolute, -2, 2, True),
    "square": (np.square, -2, 2, False), "negative": (np.negative, -2, 2, False),
    "positive": (np.positive, -2, 2, False), "builtin_abs": (abs, -2, 2, True),
}
UNARY_FUNCTIONS = {name: make_unary(spec[0]) for name, spec in UNARY.items()}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
@EXAMPLES
@given(data=st.data())
def test_unary_numpy_rules(name, shape, data):
    _, low, high, away = UNARY[name]
    x = data.draw(values(shape, low, high, away))
    fn = UNARY_FUNCTIONS[name]
    assert_matches_finite_differences(fn, (x, weights_like(x)), wrt=(0,))


MATH = {"exp": (math.exp, -2, 2), "log": (math.log, 0.2, 3), "sin": (math.sin, -3, 3), "cos": (math.cos, -3, 3),
        "tan": (math.tan, -1.2, 1.2), "tanh": (math.tanh, -3, 3), "sqrt": (math.sqrt, 0.2, 3)}


def make_math(op):
    def scalar(x):
        return 3.0 * op(x)
    return scalar


MATH_FUNCTIONS = {name: make_math(spec[0]) for name, spec in MATH.items()}


@pytest.mark.parametrize("name", MATH)
@EXAMPLES
@given(data=st.data())
def test_math_rules(name, data):
    _, low, high = MATH[name]
    x = data.draw(values(None, low, high))
    g = assert_matches_finite_differences(MATH_FUNCTIONS[name], (x,), wrt=(0,))
    assert type(g[0]) is float


def add(x, y, w):
    return np.sum((x + y) * w)


def sub(x, y, w):
    return np.sum((x - y) * w)


def mul(x, y, w):
    return np.sum(x * y * w)


def div(x, y, w):
    return np.sum(x / y * w)


def pow_(x, y, w):
    return np.sum(x ** y * w)


def make_binary(op):
    def binary(x, y, w):
        return np.sum(op(x, y) * w)
    binary.__name__ = f"binary_{op.__name__}"
    return binary


# (function, domain of x, domain of y); y of divide kept away from zero, x of power positive
BINARY = {
    "+": (add, (-2, 2), (-2, 2)), "-": (sub, (-2, 2), (-2, 2)), "*": (mul, (-2, 2), (-2, 2)),
    "/": (div, (-2, 2), (0.5, 2)), "**": (pow_, (0.5, 2), (-2, 2)),
    "np.add": (make_binary(np.add), (-2, 2), (-2, 2)), "np.subtract": (make_binary(np.subtract), (-2, 2), (-2, 2)),
    "np.multiply": (make_binary(np.multiply), (-2, 2), (-2, 2)),
    "np.divide": (make_binary(np.divide), (-2, 2), (0.5, 2)), "np.power": (make_binary(np.power), (0.5, 2), (-2, 2)),
    "np.maximum": (make_binary(np.maximum), (-2, 2), (-2, 2)), "np.minimum": (make_binary(np.minimum), (-2, 2), (-2, 2)),
}
BROADCAST_PAIRS = [(None, None), (None, (3,)), ((), (2, 3)), ((3,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4)),
                   ((2, 1, 3), (4, 1)), ((0, 3), (3,))]


@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
@pytest.mark.parametrize("name", BINARY)
@EXAMPLES
@given(data=st.data())
def test_binary_rules_with_broadcasting(name, shapes, data):
    fn, (xl, xh), (yl, yh) = BINARY[name]
    x = data.draw(values(shapes[0], xl, xh))
    y = data.draw(values(shapes[1], yl, yh))
    out = np.broadcast(np.asarray(x), np.asarray(y))
    w = weights_like(x + y if np.ndim(x + y) == 0 else np.zeros(out.shape))
    if name in ("np.maximum", "np.minimum"):  # the kink is not differentiable: keep away from ties
        y = np.where(np.abs(np.asarray(x) - y) < 1e-3, y + 0.1, y)
        y = float(y) if shapes[1] is None else y
    assert_matches_finite_differences(fn, (x, y, w), wrt=(0, 1))


def square(x):
    return np.sum(x ** 2)


def cube_float_power(x):
    return np.sum(x ** 3.0)


def reciprocal_power(x):
    return np.sum(x ** -1)


@pytest.mark.parametrize("fn, closed_form", [
    (square, lambda x: 2 * x), (cube_float_power, lambda x: 3 * x ** 2), (reciprocal_power, lambda x: -x ** -2.0),
])
def test_constant_powers_match_closed_forms(fn, closed_form):
    x = np.array([0.5, 1.5, -2.0])
    np.testing.assert_allclose(ssagrad.grad(fn)(x), closed_form(x), rtol=1e-14)


def test_maximum_and_minimum_split_ties_evenly():
    def relu_sum(x):
        return np.sum(np.maximum(x, 0.0))

    def min_sum(x, y):
        return np.sum(np.minimum(x, y))
    np.testing.assert_array_equal(ssagrad.grad(relu_sum)(np.array([-1.0, 0.0, 2.0])), [0.0, 0.5, 1.0])
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ssagrad.grad(min_sum, wrt=(0, 1))(x, y), ([1.0, 0.5, 0.0], [0.0, 0.5, 1.0]))


# -- reductions -----------------------------------------------------------------

def make_reduction(reduce, axis, keepdims):
    def reduction(x, w):
        return np.sum(reduce(x, axis=axis, keepdims=keepdims) * w)
    return reduction


REDUCTIONS = [(r, axis, keep) for r in (np.sum, np.mean) for axis, keep in
              [(None, False), (None, True), (0, False), (1, True), (-1, False), ((0, 1), False), ((0, 2), True)]]


@pytest.mark.parametrize("reduce, axis, keepdims", REDUCTIONS, ids=str)
@EXAMPLES
@given(data=st.data())
def test_reductions_with_axis_and_keepdims(reduce, axis, keepdims, data):
    x = data.draw(values((2, 3, 4)))
    fn = make_reduction(reduce, axis, keepdims)
    w = weights_like(reduce(x, axis=axis, keepdims=keepdims))
    assert_matches_finite_differences(fn, (x, w), wrt=(0,))


def plain_sum(x):
    return np.sum(x)


def plain_mean(x):
    return np.mean(x)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3)], ids=str)
def test_sum_and_mean_closed_forms(shape):
    x = np.ones(shape)
    np.testing.assert_array_equal(ssagrad.grad(plain_sum)(x), np.ones(shape))
    np.testing.assert_allclose(ssagrad.grad(plain_mean)(x), np.full(shape, 1 / max(x.size, 1)))


def method_sums(x):
    return x.sum() + x.mean(axis=0).sum() + np.sum(x.T * 2)


def test_array_methods_lower_to_numpy_rules():
    x = np.arange(6.0).reshape(2, 3)
    assert_matches_finite_differences(method_sums, (x,), wrt=(0,))


# -- products -------------------------------------------------------------------

def matmul_op(a, b, w):
    return np.sum((a @ b) * w)


PRODUCTS = {"@": matmul_op, "np.matmul": make_binary(np.matmul), "np.dot": make_binary(np.dot)}
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                 ((2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)), ((2, 0), (0, 3))]
DOT_ONLY_SHAPES = [((), (3,)), ((2, 3), ()), ((2, 2, 3), (4, 3, 5))]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES + DOT_ONLY_SHAPES, ids=str)
@pytest.mark.parametrize("name", PRODUCTS)
@EXAMPLES
@given(data=st.data())
def test_products(name, shapes, data):
    if shapes in DOT_ONLY_SHAPES and name != "np.dot":
        pytest.skip("matmul takes no scalars and broadcasts batches where dot contracts them")
    a = data.draw(values(shapes[0]))
    b = data.draw(values(shapes[1]))
    product = np.dot(a, b) if name == "np.dot" else np.matmul(a, b)
    assert_matches_finite_differences(PRODUCTS[name], (a, b, weights_like(product)), wrt=(0, 1))


# -- shapes ---------------------------------------------------------------------

def transpose_default(x, w):
    return np.sum(np.transpose(x) * w)


def transpose_axes(x, w):
    return np.sum(np.transpose(x, (1, 2, 0)) * w)


def transpose_method(x, w):
    return np.sum(x.transpose(2, 0, 1) * w)


def reshape_function(x, w):
    return np.sum(np.reshape(x, (4, 6)) * w)


def reshape_method(x, w):
    return np.sum(x.reshape(6, -1) * w)


@pytest.mark.parametrize("fn", [transpose_default, transpose_axes, transpose_method, reshape_function,
                                reshape_method])
def test_shape_rules(fn, rng):
    x = rng.normal(size=(2, 3, 4))
    w = rng.normal(size=_forward_shape(fn, x).shape)
    assert_matches_finite_differences(fn, (x, w), wrt=(0,))


def _forward_shape(fn, x):
    return {"transpose_default": np.transpose(x), "transpose_axes": np.transpose(x, (1, 2, 0)),
            "transpose_method": x.transpose(2, 0, 1), "reshape_function": x.reshape(4, 6),
            "reshape_method": x.reshape(6, -1)}[fn.__name__]
