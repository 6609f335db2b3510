"""Gradients specialized to the kinds, dtypes and shapes of their arguments (compiler/specialize.py).

Every specialized gradient must equal the generic one and central differences: the specialization is
a rewrite of helper calls for known shapes, checked when it is made, and these tests check it again
from the outside, on broadcasting shapes, size-1 axes, 0-d arrays, Python floats and float32.
"""
import re

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import ssagrad
from ssagrad.compiler import SPECIALIZATIONS, cache, compile_gradient


def mlp(w1, b1, w2, b2, x, y):
    h = np.tanh(x @ w1 + b1)
    out = h @ w2 + b2
    return np.mean((out - y) ** 2)


def broadcasting(a, b, c):
    return np.sum(np.sin(a * b + c) ** 2) + np.mean(a / (1.5 + b ** 2))


def generic(f, wrt, *args):
    """The gradients from the generic code (no signature), which the call path does not use for arrays."""
    return compile_gradient(f, wrt, True, True).function(*args)[1]


def check_against_generic(f, wrt, *args):
    ours = ssagrad.grad(f, wrt=wrt)(*args)
    theirs = generic(f, wrt, *args)
    for g, h, i in zip(ours, theirs, wrt):
        assert np.shape(g) == np.shape(args[i])
        np.testing.assert_allclose(g, h, rtol=1e-12, atol=1e-14)
    if all(np.size(a) for a in args):  # the mean of an empty array is NaN: nothing to difference
        ssagrad.check_grads(f, *args, wrt=wrt, modes=("rev",))


def test_the_mlp_gradient_reads_like_hand_written_backprop():
    rng = np.random.default_rng(0)
    args = (rng.normal(size=(8, 16)), rng.normal(size=16), rng.normal(size=(16, 1)), rng.normal(size=1),
            rng.normal(size=(16, 8)), rng.normal(size=(16, 1)))
    g = ssagrad.grad(mlp, wrt=(0, 1, 2, 3))
    assert "unbroadcast" in g.source  # before any call: the generic code
    g(*args)
    source = g.source
    for helper in ("unbroadcast", "matmul_grad", "unmean", "unsum"):
        assert helper not in source
    assert "db1 = dadd.sum(axis=0)" in source and "dw1 = x.T @ dadd" in source
    assert "dpow = dmlp / 16" in source and "np.full" not in source  # the mean's gradient is a number
    assert g.source_for(*args) == source
    check_against_generic(mlp, (0, 1, 2, 3), *args)


SHAPES = [((3,), (3,), ()), ((2, 3), (3,), (1, 3)), ((2, 1), (1, 4), (2, 4)), ((), (), ()), ((1,), (4, 1), (4, 3)),
          ((2, 3, 4), (3, 1), (1,)), ((0, 3), (3,), ())]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_broadcasting_shapes(shapes):
    rng = np.random.default_rng(1)
    args = [rng.uniform(0.5, 1.5, size=s) for s in shapes]
    check_against_generic(broadcasting, (0, 1, 2), *args)


def test_python_floats_float32_and_0d_arrays():
    check_against_generic(broadcasting, (0, 1, 2), 0.3, 0.7, -0.2)
    check_against_generic(broadcasting, (0, 1, 2), np.array(0.3), 0.7, np.array([0.1, 0.2]))
    a = np.linspace(0.5, 1.0, 6, dtype=np.float32).reshape(2, 3)
    grads = ssagrad.grad(broadcasting, wrt=(0, 1, 2))(a, np.float32(0.7), np.ones(3, np.float32))
    expected = generic(broadcasting, (0, 1, 2), a, np.float32(0.7), np.ones(3, np.float32))
    for g, e, x in zip(grads, expected, (a, np.float32(0.7), np.ones(3, np.float32))):
        assert np.result_type(g) == np.float32 and np.shape(g) == np.shape(x)
        np.testing.assert_allclose(g, e, rtol=1e-6)


def ramp(x):
    return np.sum(np.arange(x, 3.0, 0.5) ** 2)


def masked(x):
    return np.sum(x[x > 0.5] ** 2) + np.sum(np.zeros(int(np.sum(x > 0.5))) + 1.0) * np.sum(x)


def test_shapes_that_depend_on_values_are_not_assumed():
    for x in (0.25, 0.75, 1.6):  # np.arange's length depends on x
        assert ssagrad.grad(ramp)(x) == pytest.approx(2 * len(np.arange(x, 3.0, 0.5)) * x + 0.5 * 2 * sum(
            range(len(np.arange(x, 3.0, 0.5)))))
    for x in (np.array([0.1, 0.9, 0.7]), np.array([0.9, 0.2, 0.3])):  # the mask selects a value-dependent count
        ssagrad.check_grads(masked, x, modes=("rev",))


def loop(x, n):
    s = x
    for i in range(n):
        s = np.tanh(s * 1.5) + x[i % 3]
    return np.sum(s)


def test_a_loop_and_an_int_argument():
    x = np.array([0.2, -0.4, 0.9])
    for n in (0, 1, 4):
        check_against_generic(loop, (0,), x, n)


def test_signatures_are_bounded_per_function():
    def f(x):
        return np.sum(np.sin(x) ** 2)
    g = ssagrad.grad(f)
    for n in range(1, SPECIALIZATIONS + 5):  # a new shape each call, as a varying batch size would give
        x = np.linspace(0, 1, n)
        np.testing.assert_allclose(g(x), np.sin(2 * x))
    assert len(g._variants) <= SPECIALIZATIONS
    specialized = cache.count(f, lambda k: len(k) > 7)
    assert specialized <= SPECIALIZATIONS


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([1, 2, 3]), min_size=0, max_size=3),
       st.lists(st.booleans(), min_size=3, max_size=3))
def test_random_broadcasting_against_the_generic_gradient(shape, ones):
    a_shape = tuple(shape)
    b_shape = tuple(1 if keep else n for n, keep in zip(shape, ones))[-2:]
    rng = np.random.default_rng(len(shape))
    args = [rng.uniform(0.5, 1.5, size=a_shape), rng.uniform(0.5, 1.5, size=b_shape), 0.3]
    check_against_generic(broadcasting, (0, 1, 2), *args)


def test_a_known_signature_skips_the_checks_only_after_they_passed():
    def f(x):
        return np.sum(x * 2.0)
    g = ssagrad.grad(f)
    for _ in range(2):  # an integer array is refused every time, not only on the first call
        with pytest.raises(ssagrad.DifferentiationError, match="integer"):
            g(np.arange(3))
    np.testing.assert_allclose(g(np.ones(3)), 2.0)
    np.testing.assert_allclose(g(np.ones(3)), 2.0)


def guarded_log(x):
    return np.sum(np.where(x > 0, np.log(np.abs(x) + (x <= 0)), 0.0))


def cross_entropy(w, X, y):
    p = 1 / (1 + np.exp(-(X @ w)))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_division_is_plain_only_where_nothing_is_masked_out():
    rng = np.random.default_rng(3)
    X, w, y = rng.normal(size=(32, 8)), rng.normal(size=8) * 0.1, (rng.random(32) > 0.5) * 1.0
    g = ssagrad.grad(cross_entropy)
    np.testing.assert_allclose(g(w, X, y), X.T @ (1 / (1 + np.exp(-(X @ w))) - y) / 32, rtol=1e-10)
    assert "safe_div" not in g.source
    x = np.array([0.0, 0.5, -1.0])
    h = ssagrad.grad(guarded_log)
    np.testing.assert_allclose(h(x), [0.0, 2.0, 0.0])  # finite at 0: the masked-out branch contributes 0
    assert "safe_div" in h.source


def rnn(W, h, xs):
    for x in xs:
        h = np.tanh(W @ h + x)
    return np.sum(h ** 2)


def float_chain(x):
    for _ in range(20):
        x = np.sin(x) + 0.1 * np.cos(x)
    return x


def test_loops_are_specialized_and_agree_with_the_generic_gradient():
    rng = np.random.default_rng(4)
    W, h, xs = rng.normal(size=(4, 4)) * 0.5, rng.normal(size=4), rng.normal(size=(5, 4))
    check_against_generic(rnn, (0, 1, 2), W, h, xs)
    assert "matmul_grad" not in ssagrad.grad(rnn, wrt=(0, 1, 2)).source_for(W, h, xs)
    check_against_generic(float_chain, (0,), 0.3)  # a float, then NumPy float64 scalars: math.sin/cos
    assert "math.cos(x_1)" in ssagrad.grad(float_chain).source_for(0.3)


def branchy(a, b):
    if np.sum(a) > 0:
        c = a * b
    else:
        c = a - b
    return np.sum(c ** 2)


def test_branches_with_broadcasting():
    rng = np.random.default_rng(5)
    for sign in (1.0, -1.0):
        check_against_generic(branchy, (0, 1), sign * rng.uniform(0.5, 1.5, size=(3, 2)), rng.normal(size=2))


def affine(a, b):
    return np.tanh(a * b + 0.5)


def calls_one_helper_with_two_signatures(m, v, s):
    return np.sum(affine(m, v)) + np.sum(affine(v, m)) + np.sum(affine(v, s))


def test_a_helper_called_with_two_signatures_gets_a_function_for_each():
    """Each call runs the specialization made for its arguments (they were once bound under one name, and
    the last one compiled served every call), and `.source` shows each under the name it is called by."""
    rng = np.random.default_rng(7)
    args = rng.normal(size=(2, 3)), rng.normal(size=3), 0.7
    check_against_generic(calls_one_helper_with_two_signatures, (0, 1, 2), *args)
    gradient = ssagrad.grad(calls_one_helper_with_two_signatures, wrt=(0, 1, 2))
    gradient(*args)
    called = set(re.findall(r"\b(affine_(?:forward|backward)\w*)\(", gradient.source.split("\ndef affine")[0]))
    defined = set(re.findall(r"^def (affine_\w+)\(", gradient.source, re.M))
    assert len(called) == 6 and called == defined


def linear_springs(x, v, k, steps):
    for _ in range(steps):
        for _ in range(2):  # the inner loop's tape is saved on the outer one's
            force = k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x)
            v = v + 0.1 * force
        x = x + 0.1 * v
    return np.sum(x ** 2)


def test_a_loop_whose_reversed_body_reads_nothing_counts_its_iterations():
    """Linear steps: the specialized backward sweep reads no value of the loop, only how many times it ran;
    the tapes of shapes (`like(...)`) planned for the generic code become counts (the inner loop's count
    is what the outer loop's tape keeps)."""
    rng = np.random.default_rng(6)
    args = rng.normal(size=5), rng.normal(size=5), 0.5, 3
    check_against_generic(linear_springs, (0, 1), *args)
    source = ssagrad.grad(linear_springs, wrt=(0, 1)).source_for(*args)
    assert not re.search(r"\blike\(", source)
    assert "for _ in range(count):" in source and "for count in reversed(tape" in source
    assert "np.negative" not in source  # the rule's np.negative(shift) of a constant is folded


def mean_returned(x):
    return np.mean(x)


def two_means(x, y):
    return np.mean(x) * np.mean(y) + np.sum(np.mean(x, axis=0))


def mean_indexed(x):
    a = np.mean(x ** 2)
    return a + np.sum(x[0])


def test_an_evenly_spread_gradient_is_a_number_only_where_every_reader_agrees():
    """`np.full(shape, g / n)` becomes `g / n` only when each statement reading it gives the same result
    (checked on stand-ins): a gradient the function returns, or one summed, indexed or multiplied by
    another such number, keeps its array."""
    rng = np.random.default_rng(8)
    for f, args in ((mean_returned, (rng.normal(size=(3, 2)),)), (two_means, (rng.normal(size=(3, 2)),
                                                                              rng.normal(size=4))),
                    (mean_indexed, (rng.normal(size=(3, 2)),)), (mlp, (rng.normal(size=(4, 5)), rng.normal(size=5),
                                                                       rng.normal(size=(5, 2)), 0.3,
                                                                       rng.normal(size=(6, 4)),
                                                                       rng.normal(size=(6, 2))))):
        wrt = tuple(i for i, a in enumerate(args) if np.ndim(a) or isinstance(a, float))[:4]
        check_against_generic(f, wrt, *args)
    assert "np.full((3, 2)" in ssagrad.grad(mean_returned).source_for(rng.normal(size=(3, 2)))


def test_compiling_for_a_signature_warns_about_nothing():
    """Kinds are found by running each operation on stand-in values; a stand-in matrix may be singular, and
    SciPy then warned (LinAlgWarning) on the user's first call."""
    import warnings
    linalg = pytest.importorskip("scipy.linalg")

    def f(a, b):
        c = linalg.cho_factor(a @ a.T + np.eye(3))
        return np.sum(linalg.cho_solve(c, b)) + np.sum(linalg.solve_triangular(a, b)) \
            + np.sum(linalg.solve(a, b)) + linalg.det(a) + np.sum(linalg.lu_solve(linalg.lu_factor(a), b))
    a, b = np.eye(3) + 0.1 * np.arange(9.0).reshape(3, 3), np.ones(3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ssagrad.grad(f, wrt=(0, 1))(a, b)
    assert not caught, [str(w.message) for w in caught]


def _sum_of_squares(x):
    return np.sum(x * x) * 0.5


def test_later_calls_return_new_writeable_gradients_of_the_inputs_kinds():
    """After the first call, a straight-line specialized gradient's results come back as they are (no
    fitting): each call must still give new, writeable arrays of each input's dtype and shape."""
    rng = np.random.default_rng(3)
    args = (rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(5, 2)), rng.normal(size=2),
            rng.normal(size=(6, 4)), rng.normal(size=(6, 2)))
    g = ssagrad.grad(mlp, wrt=(0, 1, 2, 3))
    first = g(*args)
    expected = [np.copy(a) for a in first]
    for _ in range(2):
        again = g(*args)
        for new, old, arg, want in zip(again, first, args, expected):
            assert new is not old and not np.shares_memory(new, old) and new.flags.writeable
            assert new.dtype == arg.dtype and new.shape == arg.shape
            np.testing.assert_allclose(new, want, rtol=1e-12)
            new += 1.0  # the caller owns it
    # arguments of the same kinds laid out in Fortran order or as strided views: the same gradients
    views = [np.asfortranarray(a) if a.ndim == 2 else np.repeat(a, 2)[::2] for a in args]
    for new, want in zip(g(*views), expected):
        np.testing.assert_allclose(new, want, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_later_calls_keep_the_inputs_dtype(dtype):
    x = np.arange(1.0, 4.0, dtype=dtype)
    g = ssagrad.grad(_sum_of_squares)
    for _ in range(3):
        gradient = g(x)
        assert gradient.dtype == dtype and gradient.flags.writeable and not np.shares_memory(gradient, x)
        np.testing.assert_allclose(gradient, x, rtol=1e-6)


def _through_transpose(x):
    return np.sum(x.T * 2.0)


def _one_entry(x):
    return x[0, 1] * 3.0


def _weighted(x, c):
    return np.sum(x * c)


def _through_reshape(x):
    return np.sum(np.reshape(x, (-1,)) ** 2)


def _mean_scaled(x, c):
    return np.mean(x) * np.sum(c)


def _sum_of_both(x, c):
    return np.sum(x + c)  # one array is both gradients in the generated code


@pytest.mark.parametrize("f, wrt", [(_through_transpose, 0), (_one_entry, 0), (_weighted, 0),
                                    (_through_reshape, 0), (_mean_scaled, 0), (_sum_of_both, (0, 1))])
def test_every_call_returns_arrays_of_its_own(f, wrt):
    """Whether later calls fit the gradients or return them as they come (a view through .T or reshape is
    fitted; a new array is not), each call's gradients are new arrays, shared with nothing: not with the
    last call's, not with the arguments, not with each other."""
    x, c = np.arange(6.0).reshape(2, 3) + 1.0, np.full((2, 3), 2.0)
    gradient = ssagrad.grad(f, wrt=wrt)
    args = (x, c) if f.__code__.co_argcount == 2 else (x,)
    seen = []
    for _ in range(4):
        got = gradient(*args)
        got = got if isinstance(got, tuple) else (got,)
        for g in got:
            assert g.flags.writeable and g.shape == x.shape
            assert not any(np.shares_memory(g, other) for other in list(args) + seen)
            seen.append(g)


def _chain_energy(x, k):
    e = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d
    return e


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_a_loop_over_entries_updates_the_gradient_in_place(n):
    """Reading x[i] in a loop adds into one entry of dx per iteration: the specialized gradient does it in
    place (dx[i] = dx[i] + ...), not with a new array of x's size each time (quadratic in the length); the
    numbers are the generic gradient's and the closed form's."""
    x = np.linspace(0.0, 1.0, n) ** 2
    gradient = ssagrad.grad(_chain_energy, wrt=(0, 1))
    dx, dk = gradient(x, 0.7)
    source = gradient.source
    assert "dx[i] = dx[i] + " in source and "unindex(" not in source
    d = np.diff(x)
    expected = np.zeros(n)
    expected[1:] += 1.4 * d
    expected[:-1] -= 1.4 * d
    np.testing.assert_allclose(dx, expected, rtol=1e-12, atol=1e-15)
    assert dk == pytest.approx(np.sum(d * d), rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(dx, generic(_chain_energy, (0, 1), x, 0.7)[0], rtol=1e-12, atol=1e-15)
    again = gradient(x, 0.7)[0]  # a new array each call: the in-place updates start from fresh zeros
    np.testing.assert_array_equal(again, dx)
    assert not np.shares_memory(again, dx)


_SPECIAL = st.sampled_from([0.0, -0.0, 1.0, 1.0 + 1e-13, 1.0 + 1e-11, np.inf, -np.inf, np.nan, 1e308, -1e308])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_SPECIAL | st.floats(allow_nan=True), _SPECIAL | st.floats(allow_nan=True)),
                min_size=0, max_size=4), st.booleans())
def test_the_replacement_check_compares_as_allclose(pairs, as_complex):
    from ssagrad.compiler.specialize import _close
    a = np.array([p[0] for p in pairs], dtype=complex if as_complex else float)
    b = np.array([p[1] for p in pairs], dtype=a.dtype)
    with np.errstate(all="ignore"):
        assert _close(a, b) == bool(np.allclose(a, b, rtol=1e-12, atol=0.0))
        for x, y in zip(a.tolist(), b.tolist()):
            assert _close(x, y) == bool(np.allclose(x, y, rtol=1e-12, atol=0.0))
