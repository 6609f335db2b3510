"""The Numba backend (issue 17): gradients of @numba.njit functions, and grad(f, jit="numba").

Every gradient is checked against ssagrad's Python gradient of the same function (the same numbers, to
rounding) and against central finite differences. Numba compiles are slow: each test compiles few
functions, and the functions are small.
"""
import numpy as np
import pytest

numba = pytest.importorskip("numba")

import ssagrad  # noqa: E402
from ssagrad.compiler import DifferentiationError  # noqa: E402
from ssagrad.runtime import dot_grad_left, dot_grad_right, matmul_grad_left, matmul_grad_right  # noqa: E402
from ssagrad.runtime import numba_helpers  # noqa: E402,F401 -- the helpers' Numba implementations


@numba.njit
def energy(x, k):
    e = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d
    return e


@numba.njit
def logistic(r, x0):
    x = x0
    for i in range(1000):
        x = r * x * (1.0 - x)
    return x


@numba.njit
def lv_rhs(x, y, a, b, c, d):
    return a * x - b * x * y, c * x * y - d * y


@numba.njit
def lotka_volterra(a, b, c, d, x, y, h):
    for i in range(200):
        k1x, k1y = lv_rhs(x, y, a, b, c, d)
        k2x, k2y = lv_rhs(x + 0.5 * h * k1x, y + 0.5 * h * k1y, a, b, c, d)
        k3x, k3y = lv_rhs(x + 0.5 * h * k2x, y + 0.5 * h * k2y, a, b, c, d)
        k4x, k4y = lv_rhs(x + h * k3x, y + h * k3y, a, b, c, d)
        x = x + h / 6.0 * (k1x + 2 * k2x + 2 * k3x + k4x)
        y = y + h / 6.0 * (k1y + 2 * k2y + 2 * k3y + k4y)
    return x + y


@numba.njit(fastmath=True)
def fast_square_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
    return s


def branches(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            s = s + a * x[i] ** 2
        else:
            s = s - np.sin(a * x[i])
    return s


def writes(x, a):
    y = np.zeros(x.shape[0])
    for i in range(x.shape[0]):
        y[i] = a * x[i] ** 2
    y[0] = 3.0 * y[1]
    return np.sum(y * y)


def until(x, a):
    while x < 10.0:
        x = x * a + 1.0
    return x


def nested(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        t = x[i]
        for j in range(3):
            t = a * t * (1.0 - t) + 0.1 * j
        s = s + t * x[i]
    return s


def spring_states(x, v, k):
    for i in range(50):
        v = v - 0.01 * k * x
        x = x + 0.01 * v
    return np.sum(x * x) + np.sum(v)


def matrix_steps(w, x):
    h = x.copy()
    for i in range(4):
        h = np.tanh(w @ h)
    return np.sum(h ** 2)


def stops(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + a * x[i] * x[i]
        if s > 1.0:
            break
    return s


def skips(x, a):
    s = 0.0
    for i in range(x.shape[0]):
        if x[i] < 0.3:
            continue
        s = s + np.sin(a * x[i]) * s + x[i]
    return s


def returns_early(x, a):
    for i in range(10):
        x = x * a
        if x > 5.0:
            return x
    return x * 2.0


def ranges(x, a):
    s = 0.0
    for i in range(2, x.shape[0]):
        s = s + a * x[i] * x[i - 2]
    for i in range(0, x.shape[0], 2):
        s = s * 0.5 + a * x[i] ** 3
    for i in reversed(range(x.shape[0])):
        s = s * 0.9 + x[i]
    return s


def broadcast_weights(x, w):
    if np.sum(x) > 0:
        out = np.tanh(x) * w
    else:
        out = x ** 2 * w
    return np.sum(out)


def _closure_over(A):
    def through_a_closure(x, w):  # A's shape is not part of the signature: the product helpers stay
        h = np.tanh(A @ x)
        return np.sum(np.dot(w, h) ** 2) + np.sum(x @ A.T)
    return through_a_closure


through_a_closure = _closure_over(np.arange(12.0).reshape(3, 4) / 10 - 0.5)


def aliased_write(x, a):
    y = x
    y[0] = a * y[1]
    return np.sum(y * x)


def calls_njit(x, k):
    return energy(x, k) * 2.0


def not_compilable(x, c):
    p = np.polyval(c, 2.0)
    return np.sum(x * x) * p


def helper_without_numba(x):
    s = np.einsum("i,i->", x, x)
    return s * 2.0


def _fd(f, args, i, eps=1e-6):
    """Central differences of f with respect to argument i."""
    x = np.asarray(args[i], dtype=float)
    out = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        up, down = list(args), list(args)
        up[i] = x + step if x.shape else float(x + eps)
        down[i] = x - step if x.shape else float(x - eps)
        out[index] = (f(*up) - f(*down)) / (2 * eps)
    return out if x.shape else float(out)


def _check(f, wrt, args, fd_tolerance=1e-5):
    """The Numba gradient equals the Python gradient (to rounding) and central differences."""
    primal = getattr(f, "py_func", f)
    gradient = ssagrad.grad(f, wrt=wrt, jit="numba")
    compiled = gradient(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    assert isinstance(gradient._last.function, (numba.core.registry.CPUDispatcher, type(_check)))
    assert gradient._last.translated.dispatcher.signatures  # compiled by Numba, not run in Python
    python = ssagrad.grad(primal, wrt=wrt)(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    for got, want in zip(compiled, python):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
        assert type(got) is type(want)
    for got, i in zip(compiled, wrt):
        np.testing.assert_allclose(got, _fd(primal, args, i), rtol=fd_tolerance, atol=fd_tolerance)
    return compiled


def test_chain_energy_of_a_dispatcher():
    x = np.linspace(0.0, 1.0, 12) ** 2
    dE = ssagrad.grad(energy, wrt=(0, 1))
    dx, dk = dE(x, 0.7)
    python = ssagrad.grad(energy.py_func, wrt=(0, 1))(x, 0.7)
    np.testing.assert_allclose(dx, python[0], rtol=1e-12, atol=1e-15)
    assert dk == pytest.approx(python[1], rel=1e-12)
    np.testing.assert_allclose(dx, _fd(energy.py_func, (x, 0.7), 0), atol=1e-6)
    assert dk == pytest.approx(_fd(energy.py_func, (x, 0.7), 1), rel=1e-6)
    source = dE.source
    # no tape: each reversed iteration computes d from x and its index again (the same numbers)
    assert "np.empty(" not in source and ".append(" not in source and "reversed(" not in source
    assert "        i = step\n" in source and source.count("d = x[add] - x[i]") == 2
    assert "dx[i] = dx[i] + ditem_2" in source        # the adjoint updated in place, O(1) an iteration
    assert isinstance(dE._last.translated.dispatcher, numba.core.registry.CPUDispatcher)
    # a keyword argument takes the generic (unspecialized) gradient: compiled by Numba too, same numbers
    by_keyword = dE(x, k=0.7)
    np.testing.assert_allclose(by_keyword[0], dx, rtol=1e-12, atol=1e-15)
    assert by_keyword[1] == pytest.approx(dk, rel=1e-12) and hasattr(dE._last, "translated")


def test_logistic_map_1000_steps():
    dr, dx0 = _check(logistic, (0, 1), (2.5, 0.3))
    assert np.isfinite(dr) and dr != 0.0
    source = ssagrad.grad(logistic, wrt=(0, 1)).source_for(2.5, 0.3)
    # the carried x is kept in a preallocated array; r * x and 1 - x are computed again from it
    assert "tape_x_1 = np.empty(len(range(1000)))" in source and "tape_mul" not in source
    assert "append" not in source and source.count("mul = r * x_1") == 2


def test_value_and_grad_of_a_dispatcher():
    value, (dr, dx0) = ssagrad.value_and_grad(logistic, wrt=(0, 1))(2.5, 0.3)
    assert value == pytest.approx(logistic(2.5, 0.3), rel=1e-12)
    assert dr == pytest.approx(ssagrad.grad(logistic.py_func, wrt=(0, 1))(2.5, 0.3)[0], rel=1e-12)


def test_rk4_lotka_volterra_calls_an_njit_function():
    args = (1.0, 0.5, 0.3, 0.8, 1.2, 0.7, 0.01)
    _check(lotka_volterra, (0, 1, 2, 3), args, fd_tolerance=1e-6)
    source = ssagrad.grad(lotka_volterra, wrt=(0, 1, 2, 3)).source_for(*args)
    assert "def lv_rhs_forward(" in source and "def lv_rhs_backward(" in source


def test_python_gradient_of_a_function_calling_an_njit_function():
    # a Numba dispatcher inside differentiated code is differentiated through its py_func
    x = np.linspace(0.0, 1.0, 6)
    dx, dk = ssagrad.grad(calls_njit, wrt=(0, 1))(x, 0.7)
    np.testing.assert_allclose(dx, _fd(calls_njit, (x, 0.7), 0), atol=1e-6)
    assert dk == pytest.approx(_fd(calls_njit, (x, 0.7), 1), rel=1e-6)


def test_the_dispatchers_options_are_the_gradients():
    x = np.linspace(0.0, 1.0, 5)
    d = ssagrad.grad(fast_square_sum)
    np.testing.assert_allclose(d(x), 2 * x, rtol=1e-12)
    assert d._last.translated.dispatcher.targetoptions["fastmath"] is True
    python = ssagrad.grad(fast_square_sum, jit=False)  # the Python gradient of py_func
    np.testing.assert_allclose(python(x), 2 * x, rtol=1e-12)
    assert not hasattr(python._last, "translated")


@pytest.mark.parametrize("f, wrt, args", [
    (branches, (0, 1), (np.linspace(0.07, 0.93, 6), 0.7)),
    (writes, (0, 1), (np.linspace(0.1, 1.0, 6), 0.7)),
    (until, (0, 1), (1.5, 1.2)),
    (nested, (0, 1), (np.linspace(0.1, 0.9, 5), 2.5)),
    (spring_states, (0, 1, 2), (np.linspace(0.0, 1.0, 4), np.linspace(1.0, 2.0, 4), 0.3)),
    (matrix_steps, (0, 1), (np.arange(9.0).reshape(3, 3) / 20 - 0.2, np.array([0.3, -0.2, 0.5]))),
    (stops, (0, 1), (np.linspace(0.2, 0.9, 6), 0.7)),
    (skips, (0, 1), (np.linspace(0.05, 0.95, 7), 0.7)),
    (returns_early, (0, 1), (1.3, 1.7)),
    (returns_early, (0, 1), (0.1, 1.1)),
    (ranges, (0, 1), (np.linspace(0.1, 0.9, 7), 0.7)),
    (broadcast_weights, (0, 1), (np.linspace(0.1, 0.9, 6).reshape(2, 3), np.array([[0.3], [-0.4]]))),
    (through_a_closure, (0, 1), (np.array([0.3, -0.2, 0.5, 0.1]), np.array([[0.2, -0.1, 0.4], [0.3, 0.5, -0.6]]))),
    (through_a_closure, (0, 1), (np.array([0.3, -0.2, 0.5, 0.1]), np.array([0.2, -0.1, 0.4]))),
], ids=["branch", "array-writes", "while", "nested-loops", "array-state", "matrix", "break", "continue",
        "early-return", "no-early-return", "ranges", "keepdims", "products-matrix", "products-vector"])
def test_plain_functions_with_jit_numba(f, wrt, args):
    _check(f, wrt, args)
    source = ssagrad.grad(f, wrt=wrt, jit="numba").source_for(*args)
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    assert "reversed(" not in code  # Numba has no reversed(): tapes are read by index


def test_a_write_through_an_alias_is_the_located_error():
    x = np.linspace(0.0, 1.0, 4)
    with pytest.raises(DifferentiationError, match="changes 'x' too") as python:
        ssagrad.grad(aliased_write, wrt=(0, 1))(x.copy(), 0.7)
    with pytest.raises(DifferentiationError, match="changes 'x' too") as compiled:
        ssagrad.grad(aliased_write, wrt=(0, 1), jit="numba")(x.copy(), 0.7)
    assert compiled.value.lineno == python.value.lineno == aliased_write.__code__.co_firstlineno + 2


def test_what_numba_cannot_compile_is_a_located_error_not_a_fallback():
    x = np.linspace(0.1, 1.0, 5)
    with pytest.raises(DifferentiationError) as error:
        ssagrad.grad(not_compilable, jit="numba")(x, np.array([1.0, 2.0]))
    assert error.value.lineno == not_compilable.__code__.co_firstlineno + 1
    assert "numpy.polyval" in error.value.message and "Numba cannot compile" in error.value.message
    assert "TypingError" not in str(error.value)
    # the Python gradient runs it
    assert np.allclose(ssagrad.grad(not_compilable)(x, np.array([1.0, 2.0])), 2 * x * 4.0)


def test_a_helper_without_a_numba_version_is_a_located_error():
    with pytest.raises(DifferentiationError, match=r"einsum_grads\(\), which has no Numba") as error:
        ssagrad.grad(helper_without_numba, jit="numba")(np.linspace(0.1, 1.0, 5))
    assert error.value.lineno == helper_without_numba.__code__.co_firstlineno + 1


def test_unsupported_options_are_refused():
    with pytest.raises(ValueError, match="jit must be"):
        ssagrad.grad(until, jit="cuda")
    with pytest.raises(ValueError, match="reverse"):
        ssagrad.grad(until, jit="numba", mode="forward")
    with pytest.raises(ValueError, match="has_aux"):
        ssagrad.grad(until, jit="numba", has_aux=True)


@pytest.mark.parametrize("g_shape, x_shape", [((2, 3), (2, 1)), ((2, 1), (2, 3)), ((3, 4, 5), (4, 1)),
                                              ((3, 1, 5), (1, 4, 5)), ((2, 3), (3,)), ((4, 1), (4, 1)),
                                              ((1, 1), (3, 2)), ((0, 3), (3,)), ((3,), ())])
def test_unbroadcast_compiled_is_unbroadcast(g_shape, x_shape):
    # sums over the axes broadcasting stretched, and spreads over an axis of 1 in g (as Python's does)
    from ssagrad.runtime import unbroadcast
    rng = np.random.default_rng(0)
    g, x = rng.normal(size=g_shape), rng.normal(size=x_shape)
    x = float(x) if x_shape == () else x
    compiled = numba.njit(lambda g, x: unbroadcast(g, x))(g, x)
    expected = unbroadcast(g, x)
    assert np.shape(compiled) == np.shape(expected)
    np.testing.assert_allclose(compiled, expected, rtol=1e-14, atol=1e-15)


@numba.njit
def _compiled_products(g, a, b):
    return matmul_grad_left(g, a, b), matmul_grad_right(g, a, b), dot_grad_left(g, a, b), dot_grad_right(g, a, b)


@pytest.mark.parametrize("a_shape, b_shape", [((2, 3), (3, 4)), ((2, 3), (3,)), ((3,), (3, 4)), ((3,), (3,))])
def test_product_gradients_compiled_are_the_python_ones(a_shape, b_shape):
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=a_shape), rng.normal(size=b_shape)
    g = rng.normal(size=np.shape(a @ b))
    g = float(g) if np.ndim(g) == 0 else g
    helpers = (matmul_grad_left, matmul_grad_right, dot_grad_left, dot_grad_right)
    for compiled, helper in zip(_compiled_products(g, a, b), helpers):
        np.testing.assert_allclose(compiled, helper(g, a, b), rtol=1e-13, atol=1e-14)


@numba.njit
def _sine_weighted(x, w):
    return np.sum(np.sin(x) * x * w)


def test_other_transforms_take_a_dispatcher():
    """jvp, vjp, jacobian, hessian and hvp of an @njit function differentiate its py_func (jvp, the
    forward-mode jacobian, hessian and hvp compiled with Numba; vjp in Python): the same numbers as for the
    Python function."""
    x, w, v = np.linspace(0.1, 1.0, 4), np.array([1.0, 2.0, 0.5, -1.0]), np.array([0.3, -0.2, 0.5, 1.0])
    python = _sine_weighted.py_func
    for transform in (lambda f: ssagrad.jvp(f, (x, w), (v, np.zeros(4))),
                      lambda f: ssagrad.vjp(f, x, w)[1](1.0),
                      lambda f: ssagrad.jacobian(f)(x, w),
                      lambda f: ssagrad.hessian(f)(x, w),
                      lambda f: ssagrad.hvp(f)(x, w, v)):
        for got, want in zip(np.atleast_1d(transform(_sine_weighted)), np.atleast_1d(transform(python))):
            np.testing.assert_allclose(got, want, rtol=1e-13)
    slope = ssagrad.jvp(_sine_weighted, (x, w), (v, np.zeros(4)))[1]
    np.testing.assert_allclose(slope, _fd(python, (x, w), 0) @ v, rtol=1e-6)
    hessian = ssagrad.hessian(_sine_weighted)(x, w)
    gradient = ssagrad.grad(python)
    columns = [(gradient(x + 1e-5 * e, w) - gradient(x - 1e-5 * e, w)) / 2e-5 for e in np.eye(4)]
    np.testing.assert_allclose(hessian, np.stack(columns, axis=-1), rtol=1e-6, atol=1e-8)


@numba.njit
def _power_series(x, c):
    s = 0.0
    for i in range(4):
        s += c * x ** i  # x ** 0 too: its slope is 0, also at x = 0
    return s


@pytest.mark.parametrize("x", [0.0, 0.7, -1.3])
def test_powers_with_a_loop_index_exponent(x):
    dx, dc = _check(_power_series, (0, 1), (x, 0.5))
    assert dx == pytest.approx(0.5 * (1 + 2 * x + 3 * x ** 2))


@numba.njit
def _gather(x, idx):
    return np.sum(np.sin(x[idx]) * 2.0)


def _last_write(x, y):
    y[[0, 2, 2, -1]] = x * 2.0  # the second write to y[2] wins: x[1] reaches nothing
    return np.sum(y ** 2)


def _masked(x):
    t = x[x > 0.2]
    return np.sum(t ** 3)


def test_integer_array_and_mask_indices():
    """Reads through an index array (repeated and negative entries add up), writes through a list index
    (the last write to an entry wins) and a mask read compile with Numba: the Python numbers."""
    x = np.linspace(0.1, 1.0, 5)
    (dx,) = _check(_gather, (0,), (x, np.array([0, 2, 2, -1])))
    np.testing.assert_allclose(dx, [2 * np.cos(0.1), 0.0, 4 * np.cos(x[2]), 0.0, 2 * np.cos(1.0)], rtol=1e-12)
    dx, _ = _check(_last_write, (0, 1), (np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(5) + 0.5))
    np.testing.assert_allclose(dx, [8.0, 0.0, 24.0, 32.0])  # d sum((2x)^2) = 8x, where the write survived
    _check(_masked, (0,), (x,))


# -- the dispatcher's options: fastmath, cache, parallel ----------------------------------------------------

@numba.njit(fastmath={"nsz", "arcp", "contract"})
def _flagged_energy(x, k):
    e = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d
    return e


def test_fastmath_flags_as_a_set():
    """fastmath given as a set of LLVM flags (unhashable: it used to stop the gradient) is the gradient's."""
    x = np.linspace(0.0, 1.0, 9) ** 2
    _check(_flagged_energy, (0, 1), (x, 0.7))
    d = ssagrad.grad(_flagged_energy, wrt=(0, 1))
    d(x, 0.7)
    assert d._last.translated.dispatcher.targetoptions["fastmath"] == {"nsz", "arcp", "contract"}


@numba.njit(boundscheck=True, error_model="numpy", nogil=True)
def _checked_energy(x, k):
    e = 0.0
    for i in range(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d / x[i + 1]
    return e


def test_boundscheck_error_model_and_nogil_are_the_gradients():
    x = np.linspace(0.1, 1.0, 9) ** 2
    _check(_checked_energy, (0, 1), (x, 0.7))
    d = ssagrad.grad(_checked_energy, wrt=(0, 1))
    d(x, 0.7)
    options = d._last.translated.dispatcher.targetoptions
    assert options["boundscheck"] is True and options["error_model"] == "numpy" and options["nogil"] is True


@numba.njit(parallel=True)
def _parallel_energy(x, k):
    e = 0.0
    for i in numba.prange(x.shape[0] - 1):
        d = x[i + 1] - x[i]
        e += k * d * d
    return e


@numba.njit(parallel=True)
def _parallel_squares(x, a):
    y = np.empty(x.shape[0])
    for i in numba.prange(x.shape[0]):
        y[i] = a * x[i] ** 2
    return np.sum(y * x)


@pytest.mark.parametrize("f", [_parallel_energy, _parallel_squares])
def test_prange_is_range_in_the_gradient(f):
    """A prange loop is differentiated as a range loop: the gradient is compiled with parallel=True (its
    array expressions may run in parallel) but its loops are serial, since the reversed loop adds into
    adjoints every iteration shares (dk, da). No warning that nothing ran in parallel."""
    import warnings
    x = np.linspace(0.1, 1.0, 11) ** 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", numba.core.errors.NumbaPerformanceWarning)
        _check(f, (0, 1), (x, 0.7))
    d = ssagrad.grad(f, wrt=(0, 1))
    d(x, 0.7)
    assert d._last.translated.dispatcher.targetoptions["parallel"] is True
    assert "prange" not in "\n".join(line for line in d.source.splitlines() if not line.strip().startswith("#"))
    # the Python gradient of the py_func walks the same loop
    python = ssagrad.grad(f, wrt=(0, 1), jit=False)(x, 0.7)
    np.testing.assert_allclose(python[0], _fd(f.py_func, (x, 0.7), 0), rtol=1e-6, atol=1e-8)


_CACHED = '''
import sys
import numba, numpy as np, ssagrad

@numba.njit(cache=True)
def rates(x, y, a, b):
    return a * x - b * x * y, b * x * y - a * y

def closure(A):
    @numba.njit(cache=True)
    def weighted(x, k):
        return np.sum(np.tanh(A @ x) * k)
    return weighted

@numba.njit(cache=True)
def steps(a, b, x, y):
    for i in range(50):
        kx, ky = rates(x, y, a, b)
        x = x + 0.01 * kx
        y = y + 0.01 * ky
    return x * y

@numba.njit(cache=True)
def into(x, y):
    y[0] = x[1] * 2.0           # the gradient checks that y shares no memory with x
    return np.sum(y * x)

def written():
    x = np.array([0.3, -0.2, 0.5])
    e = ssagrad.grad(into, wrt=(0, 1))
    got = [a.tolist() for a in e(x, np.ones(3))]
    want = [a.tolist() for a in ssagrad.grad(into.py_func, wrt=(0, 1))(x, np.ones(3))]
    try:
        e(x, x)
        raised = "no error"
    except ssagrad.DifferentiationError as error:
        raised = f"{error.lineno} {'shares memory with' in str(error)}"
    return f"{got == want} {sum(e._last.translated.dispatcher.stats.cache_hits.values())} {raised}"

@numba.njit(cache=True)
def into_another(x, y):
    y[1] = x[0] * 3.0           # another check, compiled before into's in the first run only
    return np.sum(y * y)

if sys.argv[1:] == ["written-first"]:  # compiled in another order: the same source, the same cache
    print(written())
else:
    ssagrad.grad(into_another, wrt=(0, 1))(np.array([0.3, -0.2, 0.5]), np.ones(3))
d = ssagrad.grad(steps, wrt=(0, 1))
print(repr(d(0.7, 0.4, 1.2, 0.8)))
print(repr(ssagrad.grad(steps.py_func, wrt=(0, 1))(0.7, 0.4, 1.2, 0.8)))
t = d._last.translated
print(t.cache_key is not None and all(c.cache_key for c in t.callees), sum(t.dispatcher.stats.cache_hits.values()))
x = np.array([0.3, -0.2, 0.5])
for A in (np.eye(3), 2.0 * np.eye(3)):   # the same source, another array: another cache entry
    g = ssagrad.grad(closure(A), wrt=(0,))
    print(g(x, 0.5)[0].tolist(), ssagrad.grad(closure(A).py_func, wrt=(0,))(x, 0.5)[0].tolist(), sep=";")
if sys.argv[1:] != ["written-first"]:
    print(written())
'''


def _run_cached(tmp_path, cache_dir, *argv):
    import os
    import subprocess
    import sys
    script = tmp_path / "cached.py"
    script.write_text(_CACHED)
    env = dict(os.environ, SSAGRAD_NUMBA_CACHE_DIR=str(cache_dir))
    env.pop("NUMBA_CACHE_DIR", None)
    done = subprocess.run([sys.executable, str(script), *argv], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_cache_true_caches_the_gradient_across_processes(tmp_path):
    """cache=True: the generated gradient is written to a file named by a hash of its source and of what
    it reads (an array by its bytes), so Numba caches it; a second process loads it (cache hits) and gets
    the same numbers as the Python gradient. Two closures over different arrays are two entries."""
    first = _run_cached(tmp_path, tmp_path / "cache")
    second = _run_cached(tmp_path, tmp_path / "cache", "written-first")
    second = second[1:] + second[:1]  # its lines in the first run's order
    for lines in (first, second):
        compiled, python = eval(lines[0]), eval(lines[1])
        np.testing.assert_allclose(compiled, python, rtol=1e-12)
        for line in lines[3:5]:
            got, want = line.split(";")
            np.testing.assert_allclose(eval(got), eval(want), rtol=1e-12)
    assert first[3] != first[4]  # the second array's gradient is its own, not the first one's cached
    assert first[:2] == second[:2] and first[3:5] == second[3:5]
    assert first[2] == "True 0" and second[2] == "True 1"  # compiled, then loaded from the cache
    # a gradient checking for shared memory: cached too (its check numbered by its error, not by the order
    # gradients were compiled in), and the check still raises the located error
    line = next(k for k, text in enumerate(_CACHED.splitlines(), 1) if text.startswith("    y[0] = x[1] * 2.0"))
    assert first[5] == f"True 0 {line} True" and second[5] == f"True 1 {line} True"
    assert len(list((tmp_path / "cache").glob("*.py"))) == 7  # steps, its 2 callees, 2 closures, into, into_another


def test_cache_true_without_a_writable_directory_compiles_without_a_cache(tmp_path):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    lines = _run_cached(tmp_path, blocked / "cache")
    np.testing.assert_allclose(eval(lines[0]), eval(lines[1]), rtol=1e-12)
    assert lines[2] == "False 0"


# -- constructs whose helpers have loop versions: np.add.at, np.array of arrays, rows written, out= -------

def _scattered(x, w):
    y = np.zeros(4) + w
    np.add.at(y, [0, 0, 2, -1], x)        # repeats add up; -1 is the last entry
    return np.sum(y ** 2)


def _scattered_entries(s, w):
    y = np.sin(w)
    np.add.at(y, (np.array([0, 1, 1]), np.array([2, 0, 0])), s)   # one number into entries of a matrix
    return np.sum(np.sin(y))


def _scattered_rows(x, w):
    y = w * 1.0
    np.add.at(y, np.array([2, 0, 2]), x)    # rows of a matrix, one row of x each
    return np.sum(y ** 3)


def _stacked_rows(a, b):
    m = np.array([a, b * 2.0, a])          # Numba's np.array takes no list of arrays
    return np.sum(m ** 2 * np.arange(3.0)[:, None])


def _copied_then_written(x, s):
    b = np.array(x)
    b[0] = s
    return np.sum(b ** 2) + np.sum(x ** 3)


def _rows_written(x, w):
    y = w * 1.0
    y[np.array([1, -2, 0]), 1:] = x         # row 1 twice (-2 of 3): the second write wins
    return np.sum(y ** 3)


def _written_out(x, w):
    y = w * 1.0
    np.exp(x, out=y)                        # y[...] = exp(x): zero_at(dy, ...) in the gradient
    z = np.multiply(y, 2.0, y)
    return np.sum(z * y) + np.sum(y)


M23 = np.arange(6.0).reshape(2, 3) / 7 + 0.1


@pytest.mark.parametrize("f, wrt, args", [
    (_scattered, (0, 1), (np.array([1.0, 2.0, 3.0, -0.5]), 0.3)),
    (_scattered_entries, (0, 1), (0.7, M23)),
    (_scattered_rows, (0, 1), (np.arange(6.0).reshape(3, 2) / 5, np.arange(6.0).reshape(3, 2) / 9 - 0.2)),
    (_stacked_rows, (0, 1), (np.array([0.3, -0.5, 0.7]), np.array([1.0, 2.0, 0.5]))),
    (_copied_then_written, (0, 1), (np.array([0.3, -0.5, 0.7, 1.1]), 0.4)),
    (_rows_written, (0, 1), (np.arange(6.0).reshape(3, 2) / 5 + 0.1, np.arange(9.0).reshape(3, 3) / 7 - 0.4)),
    (_written_out, (0,), (np.array([0.3, -0.5, 0.7, 1.1, 0.2]), np.zeros(5))),
], ids=["add.at", "add.at-entries", "add.at-rows", "array-of-arrays", "array-copy", "rows-and-slice", "out="])
def test_helpers_with_loop_versions(f, wrt, args):
    """The constructs docs/numba.md used to list as refused compile: the Python gradient's numbers."""
    _check(f, wrt, args)
    source = ssagrad.grad(f, wrt=wrt, jit="numba").source_for(*args)
    code = "\n".join(line for line in source.splitlines() if not line.strip().startswith("#"))
    assert "np.add.at(" not in code and "np.array([a, " not in code  # Numba has neither


def test_row_writes_keep_the_last_one():
    x = np.arange(6.0).reshape(3, 2) / 5 + 0.1
    dx, dw = _check(_rows_written, (0, 1), (x, np.zeros((3, 3)) + 0.5))
    # x[0] went into row 1, which x[1] (row -2 of 3) overwrote: it reaches nothing
    np.testing.assert_array_equal(dx[0], 0.0)
    np.testing.assert_allclose(dx[1:], 3 * x[1:] ** 2, rtol=1e-12)
    np.testing.assert_array_equal(dw[:2, 1:], 0.0)  # rows 0 and 1 right of column 0 were overwritten


@pytest.mark.parametrize("a, index, v", [
    (np.zeros(4), np.array([0, 0, 2, -1]), np.array([1.0, 2.0, 3.0, 4.0])),
    (np.zeros(4), np.array([0, 0, 2]), 1.5),
    (np.zeros(4), np.array([0, 0, 2]), np.array([1.5])),
    (np.zeros((3, 2)), np.array([0, 0, 2]), np.array([1.0, 2.0])),
    (np.zeros((3, 2)), np.array([0, 0, 2]), np.arange(6.0).reshape(3, 2)),
    (np.zeros((3, 2)), np.array([0, 0, 2]), np.arange(3.0).reshape(3, 1)),
    (np.zeros((3, 2)), (np.array([0, 0, 2]), np.array([1, 1, -2])), np.array([1.0, 2.0, 3.0])),
    (np.zeros((3, 2)), (np.array([0, 0, 2]), np.array([1, 1, -2])), 0.5),
    (np.zeros((2, 3, 2)), (np.array([0, 0, 1]), np.array([1, 1, 2]), np.array([0, 0, 1])), np.array([1.0, 2, 3])),
])
def test_add_at_compiled_is_np_add_at(a, index, v):
    compiled = numba.njit(lambda a, index, v: numba_helpers.add_at(a, index, v))
    want = a.copy()
    np.add.at(want, index, v)
    got = a.copy()
    compiled(got, index, v)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("a, index, v", [(np.zeros(4), np.array([0, 5]), 1.0),
                                         (np.zeros(4), np.array([0, 1, 2]), np.array([1.0, 2.0])),
                                         (np.zeros((3, 2)), (np.array([0, 0, 2]), np.array([1, 1])), 1.0),
                                         (np.zeros((3, 2)), (np.array([0, -4]), np.array([1, 1])), 1.0)])
def test_add_at_compiled_raises_where_np_add_at_does(a, index, v):
    """An index out of bounds or values of another length: an error, as from NumPy, never a write past
    the array (Numba does not check bounds)."""
    compiled = numba.njit(lambda a, index, v: numba_helpers.add_at(a, index, v))
    with pytest.raises((IndexError, ValueError)):
        np.add.at(a.copy(), index, v)
    with pytest.raises((IndexError, ValueError)):
        compiled(a.copy(), index, v)


@pytest.mark.parametrize("g, index", [
    (np.arange(9.0).reshape(3, 3), (np.array([1, -2, 0]), slice(1, None))),
    (np.arange(12.0).reshape(3, 4), (np.array([2, 2, 2]), 3)),
    (np.arange(24.0).reshape(4, 3, 2), (np.array([0, 3, 0, -1]), slice(None), 1)),
    (np.arange(6.0), Ellipsis),
    (np.arange(6.0).reshape(2, 3), Ellipsis),
    (np.arange(12.0).reshape(3, 4), np.array([2, 0, -1, 1])),                        # rows, -1 is row 2
    (np.arange(12.0).reshape(3, 4), (np.array([0, 1, 1, 0]), np.array([2, 0, 0, -2]))),  # entries, repeats
    (np.arange(12.0).reshape(3, 4), (np.array([0, 1, 1]), np.array([3]))),           # broadcast, as NumPy does
    (np.arange(24.0).reshape(2, 3, 4), (np.array([0, 1, 1]), np.array([2, 0, 0]), np.array([1, 3, 3]))),
])
def test_written_part_and_zero_at_compiled_are_the_python_ones(g, index):
    from ssagrad.runtime import indexing
    parts = numba.njit(lambda g, index: (indexing.written_part(g, index), indexing.zero_at(g, index)))(g, index)
    for got, want in zip(parts, (indexing.written_part(g, index), indexing.zero_at(g, index))):
        np.testing.assert_array_equal(got, want)


def _rows_read(x):
    t = x[np.array([1, 1, -1]), 1:]          # row 1 twice: its gradients add up
    return np.sum(np.sin(t) * t)


def test_rows_beside_a_slice_read():
    _check(_rows_read, (0,), (np.arange(12.0).reshape(3, 4) / 7 - 0.3,))


# -- jvp compiled with Numba ---------------------------------------------------------------------------------

def _directional(f, primals, tangents, eps=1e-6):
    """Central differences of f along the tangents (None: held fixed)."""
    step = [0.0 * np.asarray(p) if t is None else eps * np.asarray(t) for p, t in zip(primals, tangents)]
    up = [p + s if isinstance(p, np.ndarray) else float(p + s) for p, s in zip(primals, step)]
    down = [p - s if isinstance(p, np.ndarray) else float(p - s) for p, s in zip(primals, step)]
    return (np.asarray(f(*up)) - np.asarray(f(*down))) / (2 * eps)


@pytest.mark.parametrize("f, primals, tangents", [
    (logistic, (2.5, 0.3), (1.0, 0.5)),
    (energy, (np.linspace(0.0, 1.0, 6) ** 2, 0.7), (np.linspace(-1.0, 1.0, 6), 0.3)),
    (lotka_volterra, (1.0, 0.5, 0.3, 0.8, 1.2, 0.7, 0.01), (1.0, None, None, None, 0.5, None, None)),
    (_sine_weighted, (np.linspace(0.1, 1.0, 4), np.array([1.0, 2.0, 0.5, -1.0])),
     (np.array([0.3, -0.2, 0.5, 1.0]), None)),
    (writes, (np.linspace(0.1, 1.0, 6), 0.7), (np.linspace(1.0, -1.0, 6), 0.5)),
    (until, (1.5, 1.2), (1.0, 0.0)),
    (branches, (np.linspace(0.07, 0.93, 6), 0.7), (np.ones(6), 1.0)),
    (matrix_steps, (np.arange(9.0).reshape(3, 3) / 20 - 0.2, np.array([0.3, -0.2, 0.5])),
     (np.ones((3, 3)), np.array([1.0, -1.0, 0.5]))),
    (_scattered, (np.array([1.0, 2.0, 3.0, -0.5]), 0.3), (np.array([0.5, -1.0, 1.0, 2.0]), 1.0)),
], ids=["logistic", "energy", "rk4-calls-njit", "array", "writes", "while", "branches", "matrix", "add.at"])
def test_jvp_compiled_with_numba(f, primals, tangents):
    """jvp of a dispatcher (or with jit="numba") runs the tangent code compiled by Numba: the Python jvp's
    numbers and central differences along the tangent."""
    from ssagrad.compiler import compile_jvp
    from ssagrad.api import _parameters
    python_function = getattr(f, "py_func", f)
    value, tangent = ssagrad.jvp(f, primals, tangents, jit="numba")
    want_value, want_tangent = ssagrad.jvp(python_function, primals, tangents)
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tangent, want_tangent, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tangent, _directional(python_function, primals, tangents), rtol=1e-6, atol=1e-7)
    params = _parameters(python_function)
    compiled = compile_jvp(python_function, tuple(p for p, t in zip(params, tangents) if t is not None))
    (translated, _), = [v for k, v in compiled.numba_variants.items()]
    assert translated.dispatcher.signatures  # compiled by Numba, not run in Python


def test_jvp_of_a_dispatcher_is_compiled_unless_jit_is_false():
    x, t = np.linspace(0.1, 1.0, 5), np.linspace(1.0, 2.0, 5)
    compiled = ssagrad.jvp(fast_square_sum, (x,), (t,))
    python = ssagrad.jvp(fast_square_sum, (x,), (t,), jit=False)
    assert compiled[1] == pytest.approx(python[1], rel=1e-12) and python[1] == pytest.approx(2 * x @ t)
    from ssagrad.compiler import compile_jvp
    (translated, _), = compile_jvp(fast_square_sum.py_func, ("x",)).numba_variants.values()
    assert translated.dispatcher.targetoptions["fastmath"] is True  # the dispatcher's options
    with pytest.raises(ValueError, match="jit must be"):
        ssagrad.jvp(fast_square_sum, (x,), (t,), jit="cuda")


def test_jvp_numba_cannot_compile_is_a_located_error():
    x, c = np.linspace(0.1, 1.0, 5), np.array([1.0, 2.0])
    with pytest.raises(DifferentiationError) as error:
        ssagrad.jvp(not_compilable, (x, c), (np.ones(5), None), jit="numba")
    assert error.value.lineno == not_compilable.__code__.co_firstlineno + 1
    assert "numpy.polyval" in error.value.message and "TypingError" not in str(error.value)
    assert ssagrad.jvp(not_compilable, (x, c), (np.ones(5), None))[1] == pytest.approx(2 * np.sum(x) * 4.0)


@pytest.mark.parametrize("t, result", [(np.arange(3.0), np.zeros((2, 3))),
                                       (np.arange(2.0).reshape(2, 1), np.zeros((2, 3))),
                                       (np.arange(3.0), np.zeros(3)), (1.5, np.zeros((2, 2))), (1.5, 2.0),
                                       (np.ones((1, 3)), np.zeros((4, 3)))])
def test_tangent_helpers_compiled_are_the_python_ones(t, result):
    from ssagrad.runtime import broadcast, indexing
    got = numba.njit(lambda t, r: broadcast.broadcast_like(t, r))(t, result)
    want = broadcast.broadcast_like(t, result)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    if isinstance(result, np.ndarray) and result.ndim == 1:
        a, index, v = np.arange(4.0), np.array([0, 2, 2]), np.array([1.0, 2.0, 3.0])
        compiled = numba.njit(lambda a, i, v: (indexing.set_at(a, i, v), indexing.added_at(a, i, v)))(a, index, v)
        for got, want in zip(compiled, (indexing.set_at(a, index, v), indexing.added_at(a, index, v))):
            np.testing.assert_array_equal(got, want)
        assert not np.shares_memory(compiled[0], a) and a[0] == 0.0  # copies: a is left as it was


@pytest.mark.parametrize("a, b", [(1.0, 2), (1j, 2.0), (True, 3), (np.ones(2), np.zeros(2, dtype=np.int64)),
                                  (np.arange(6.0).reshape(2, 3), np.ones((2, 3)))])
def test_stacked_is_np_array_of_a_list(a, b):
    """np.array([a, b]) of values computed at run time becomes stacked((a, b)) for Numba: NumPy's array,
    dtype included; arrays of different shapes are an error, as in NumPy (of different ranks, a typing
    error, which the backend reports at the user's line)."""
    got, want = numba.njit(lambda a, b: numba_helpers.stacked((a, b)))(a, b), np.array([a, b])
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    if isinstance(a, np.ndarray):
        with pytest.raises(ValueError):
            numba.njit(lambda a, b: numba_helpers.stacked((a, b)))(a, np.ones(a.shape[:-1] + (7,)))


def _rows_gathered(x):
    t = x[np.array([2, 0, 2])]              # rows of a matrix, row 2 twice
    return np.sum(np.sin(t) * t)


def _entries_gathered(x):
    t = x[np.array([0, 1, 1]), np.array([2, 0, 0])]   # entries, (1, 0) twice
    return np.sum(t ** 3)


def _rows_scattered(x, w):
    y = w * 1.0
    y[np.array([1, 0, 1])] = x             # row 1 twice: x[0] is overwritten
    return np.sum(y ** 3)


def _entries_scattered(x, w):
    y = w * 1.0
    y[np.array([0, 1, 1]), np.array([2, 0, 0])] = x   # entry (1, 0) twice: x[1] is overwritten
    return np.sum(y ** 3)


@pytest.mark.parametrize("f, wrt, args", [
    (_rows_gathered, (0,), (np.arange(9.0).reshape(3, 3) / 7 - 0.3,)),
    (_entries_gathered, (0,), (M23,)),
    (_rows_scattered, (0, 1), (np.arange(9.0).reshape(3, 3) / 5, np.arange(9.0).reshape(3, 3) / 7 - 0.3)),
    (_entries_scattered, (0, 1), (np.array([0.5, -0.3, 0.8]), M23)),
], ids=["rows-read", "entries-read", "rows-written", "entries-written"])
def test_index_arrays_into_matrices(f, wrt, args):
    """An index array into a matrix's rows, and one index array an axis, read and written: the Python
    gradient's numbers, and (through the tangent helpers) the Python jvp's."""
    compiled = _check(f, wrt, args)
    if f is _rows_scattered:
        np.testing.assert_array_equal(compiled[0][0], 0.0)  # the overwritten row reaches nothing
    if f is _entries_scattered:
        assert compiled[0][1] == 0.0
    tangents = tuple(np.ones(np.shape(a)) for a in args)
    got = ssagrad.jvp(f, args, tangents, jit="numba")
    want = ssagrad.jvp(f, args, tangents)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


# -- second derivatives compiled with Numba ------------------------------------------------------------------

def _laplacian(n):
    """The Hessian of sum((x[i+1] - x[i])**2) over x."""
    h = 2 * np.eye(n) - np.eye(n, k=1) - np.eye(n, k=-1)
    h[0, 0] = h[-1, -1] = 1.0
    return 2 * h


def _gradient_differences(f, args, index, eps=1e-5):
    """Central differences of f's (Python) gradient with respect to argument ``index``: the Hessian's columns."""
    gradient = ssagrad.grad(f, wrt=index)
    x = np.asarray(args[index], dtype=float)
    columns = []
    for e in np.eye(x.size):
        step = e.reshape(x.shape) * eps if x.shape else float(e[0] * eps)
        up, down = list(args), list(args)
        up[index], down[index] = x + step, x - step
        if not x.shape:
            up[index], down[index] = float(up[index]), float(down[index])
        columns.append(np.ravel((gradient(*up) - gradient(*down)) / (2 * eps)))
    return np.stack(columns, axis=-1).reshape(x.shape + x.shape)


@pytest.fixture
def compiled_by_numba(monkeypatch):
    """The Numba dispatchers the second derivatives' tangent code was compiled into (jit_jvp's)."""
    from ssagrad.compiler import numba_backend
    seen, original = [], numba_backend.jit_jvp

    def spy(compiled, fn, options, args):
        function = original(compiled, fn, options, args)
        seen.extend(translated.dispatcher for translated, _ in compiled.numba_variants.values())
        return function
    monkeypatch.setattr(numba_backend, "jit_jvp", spy)
    return seen


@pytest.mark.parametrize("f, index, args, exact", [
    (energy, 0, (np.linspace(0.0, 1.0, 7) ** 2, 0.7), lambda x, k: k * _laplacian(x.size)),
    (energy, 1, (np.linspace(0.0, 1.0, 7) ** 2, 0.7), lambda x, k: 0.0),
    (fast_square_sum, 0, (np.linspace(0.1, 0.9, 5),), lambda x: 2 * np.eye(x.size)),
    (_power_series, 0, (0.7, 0.5), lambda x, c: c * (2 + 6 * x)),
    (_power_series, 0, (0.0, 0.5), lambda x, c: c * (2 + 6 * x)),
    (logistic, 0, (2.5, 0.3), None),
    (logistic, 1, (2.5, 0.3), None),
    (_sine_weighted, 0, (np.linspace(0.1, 1.0, 4), np.array([1.0, 2.0, 0.5, -1.0])),
     lambda x, w: np.diag(w * (2 * np.cos(x) - x * np.sin(x)))),
    (branches, 0, (np.linspace(0.07, 0.93, 6), 0.7), None),
    (writes, 0, (np.linspace(0.1, 1.0, 6), 0.7), None),
    (spring_states, 0, (np.linspace(0.0, 1.0, 4), np.linspace(1.0, 2.0, 4), 0.3), None),
    (stops, 0, (np.linspace(0.2, 0.9, 6), 0.7), None),
    (matrix_steps, 1, (np.arange(9.0).reshape(3, 3) / 20 - 0.2, np.array([0.3, -0.2, 0.5])), None),
    (broadcast_weights, 0, (np.linspace(0.1, 0.9, 6).reshape(2, 3), np.array([[0.3], [-0.4]])), None),
    (_scattered, 0, (np.array([1.0, 2.0, 3.0, -0.5]), 0.3), None),
    (_rows_gathered, 0, (np.arange(9.0).reshape(3, 3) / 7 - 0.3,), None),
], ids=["energy-x", "energy-k", "fastmath", "powers", "powers-at-0", "logistic-r", "logistic-x0", "array",
        "branches", "writes", "array-state", "break", "matrix", "keepdims", "add.at", "rows-read"])
def test_hessian_compiled_with_numba(f, index, args, exact, compiled_by_numba):
    """hessian (forward over reverse) of a dispatcher, or with jit="numba": the gradient's tangent code
    compiled by Numba; the Python hessian's numbers, central differences of the gradient, the closed form."""
    check_second_order(f, index, args, exact, compiled_by_numba)


def check_second_order(f, index, args, exact, compiled_by_numba):
    """The Numba hessian and hvp of ``f`` in argument ``index`` (run by Numba) equal the Python ones, central
    differences of the gradient and ``exact(*args)`` (unless None). Returns the Hessian."""
    python_function = getattr(f, "py_func", f)
    got = ssagrad.hessian(f, wrt=index, jit="numba")(*args)
    assert compiled_by_numba and all(d.signatures for d in compiled_by_numba)  # run by Numba, not Python
    want = ssagrad.hessian(python_function, wrt=index)(*args)
    assert np.shape(got) == np.shape(want) == np.shape(args[index]) * 2
    # bit for bit but for matrix products (Numba's and NumPy's sum in other orders: ~1e-14)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, _gradient_differences(python_function, args, index), rtol=1e-5, atol=1e-6)
    if exact is not None:
        np.testing.assert_allclose(got, exact(*args), rtol=1e-12, atol=1e-14)
    v = np.linspace(-1.0, 1.0, np.size(args[index])).reshape(np.shape(args[index]))
    v = v if np.ndim(v) else 0.6
    product = ssagrad.hvp(f, wrt=index, jit="numba")(*args, v)
    np.testing.assert_allclose(product, ssagrad.hvp(python_function, wrt=index)(*args, v), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.ravel(product), np.reshape(want, (np.size(v), -1)) @ np.ravel(v),
                               rtol=1e-12, atol=1e-12)
    return got


def test_hessian_of_a_dispatcher_is_compiled_unless_jit_is_false(compiled_by_numba):
    x = np.linspace(0.0, 1.0, 6) ** 2
    hessian = ssagrad.hessian(energy)
    np.testing.assert_allclose(hessian(x, 0.7), 0.7 * _laplacian(6), rtol=1e-12)
    np.testing.assert_allclose(hessian(x * 2.0, 0.3), 0.3 * _laplacian(6), rtol=1e-12)  # same signature
    assert len(compiled_by_numba) == 1
    python = ssagrad.hessian(energy, jit=False)(x, 0.7)
    assert len(compiled_by_numba) == 1
    np.testing.assert_allclose(python, 0.7 * _laplacian(6), rtol=1e-12)
    (dispatcher,) = compiled_by_numba
    assert dispatcher.targetoptions.get("fastmath") in (None, False)
    ssagrad.hessian(fast_square_sum)(x)
    assert compiled_by_numba[-1].targetoptions["fastmath"] is True  # the dispatcher's options
    with pytest.raises(ValueError, match="mode='forward'"):
        ssagrad.hessian(energy, mode="reverse")
    with pytest.raises(ValueError, match="mode='forward'"):
        ssagrad.hvp(branches, mode="reverse", jit="numba")
    np.testing.assert_allclose(ssagrad.hessian(energy, mode="reverse", jit=False)(x, 0.7), 0.7 * _laplacian(6))
    with pytest.raises(ValueError, match="jit must be"):
        ssagrad.hessian(energy, jit="cuda")


def test_second_derivatives_numba_cannot_compile_are_located_errors():
    # (a loop keeping its tape in a list compiles now: tests/test_numba_second_order.py)
    x, c = np.linspace(0.1, 1.0, 5), np.array([1.0, 2.0])
    with pytest.raises(DifferentiationError) as error:
        ssagrad.hvp(not_compilable, jit="numba")(x, c, np.ones(5))
    assert error.value.lineno == not_compilable.__code__.co_firstlineno + 1
    assert "numpy.polyval" in error.value.message and "TypingError" not in str(error.value)
    # no fallback with jit="numba"; the Python code (no jit) runs it
    assert ssagrad.hvp(not_compilable)(x, c, np.ones(5)).shape == (5,)


def test_a_value_computed_again_reads_the_index_of_its_step():
    """The reversed loop computes d = x[i + 1] - x[i] again; with the tape holding no index (only dk wanted),
    it binds i to its step's index itself (it used to read the forward loop's last i: a wrong gradient)."""
    x = np.linspace(0.0, 1.0, 7) ** 2
    dk = _check(energy, (1,), (x, 0.7))[0]
    assert dk == pytest.approx(np.sum(np.diff(x) ** 2), rel=1e-12)
    source = ssagrad.grad(energy, wrt=1).source_for(x, 0.7)
    assert "        i = step\n" in source


@numba.njit
def _outer_sum(x):
    s = 0.0
    for i in range(x.shape[0]):
        s += np.sum(x * x[i])
    return s


def test_past_the_specialized_signatures_each_shape_gets_its_own_numba_layout():
    """Past SPECIALIZATIONS signatures the generic gradient serves every shape; its Numba version lays tapes
    out for the shapes at hand, so it is compiled once per kind of arguments (it was reused for the next
    shape: a Numba broadcasting error at the 10th size, and a size-1 array could have been broadcast)."""
    from ssagrad.compiler import SPECIALIZATIONS
    g = ssagrad.grad(_outer_sum)
    for n in list(range(2, SPECIALIZATIONS + 5)) + [1, 3]:
        x = np.linspace(0.1, 1.0, n)
        np.testing.assert_allclose(g(x), 2 * np.sum(x) * np.ones(n), rtol=1e-12)  # of (sum x)^2


@numba.njit
def _weighted_squares(x, k=2.0):
    s = 0.0
    for i in range(x.shape[0]):
        s += k * x[i] ** 2
    return s


def test_a_parameter_left_at_its_default_is_passed_to_the_numba_gradient():
    """Numba compiles the gradient for every parameter: one left at its default is passed its default
    (it was a located 'Signature mismatch' refusal)."""
    x = np.linspace(0.1, 1.0, 4)
    for _ in range(2):  # the first call compiles; the second takes the checked way
        np.testing.assert_allclose(ssagrad.grad(_weighted_squares)(x), 4.0 * x, rtol=1e-12)
        dx, dk = ssagrad.grad(_weighted_squares, wrt=(0, 1))(x)
        np.testing.assert_allclose(dx, 4.0 * x, rtol=1e-12)
        np.testing.assert_allclose(dk, np.sum(x ** 2), rtol=1e-12)
    np.testing.assert_allclose(ssagrad.grad(_weighted_squares)(x, 3.0), 6.0 * x, rtol=1e-12)
