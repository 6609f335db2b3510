"""vjp and reverse-mode jacobian of Numba dispatchers (and with jit="numba") compiled with Numba (issue 17).

Every pullback is checked against the Python vjp (jit=False) at rtol 1e-12 and against central differences
of <cotangent, f>; that the compiled code ran is checked through the Numba dispatchers the vjp code was
compiled into, and by making the Python path raise.
"""
import functools

import numpy as np
import pytest

numba = pytest.importorskip("numba")

import ssagrad  # noqa: E402
from ssagrad import transforms  # noqa: E402
from ssagrad.compiler import DifferentiationError  # noqa: E402
from test_numba import _fd, energy  # noqa: E402 -- central differences; the chain energy, a scalar result


@numba.njit
def cyclic(x):                      # a loop writing into an array it made
    y = np.empty_like(x)
    for i in range(x.shape[0]):
        y[i] = x[i] * x[(i + 1) % x.shape[0]]
    return y


@numba.njit
def orbit(r, x0):                   # scalars in, the states of a loop out
    out = np.empty(12)
    x = x0
    for i in range(12):
        x = r * x * (1.0 - x)
        out[i] = x
    return out


@numba.njit
def rhs(x, y, a, b):
    return a * x - b * x * y, b * x * y - a * y


@numba.njit
def predator_prey(a, b, x, y):      # calls another @njit function; a tuple result
    for i in range(30):
        k1x, k1y = rhs(x, y, a, b)
        k2x, k2y = rhs(x + 0.05 * k1x, y + 0.05 * k1y, a, b)
        x = x + 0.05 * k2x
        y = y + 0.05 * k2y
    return x, y


@numba.njit
def trajectory(a, b, state):        # calls another @njit function in a loop writing a matrix
    out = np.empty((15, 2))
    x = state[0]
    y = state[1]
    for i in range(15):
        dx, dy = rhs(x, y, a, b)
        x = x + 0.05 * dx
        y = y + 0.05 * dy
        out[i, 0] = x
        out[i, 1] = y
    return out


@numba.njit
def thresholds(x, a):               # branches in a loop
    y = np.zeros_like(x)
    for i in range(x.shape[0]):
        if x[i] > 0.5:
            y[i] = a * x[i] ** 2
        else:
            y[i] = np.sin(a * x[i])
    return y


@numba.njit
def layers(w, x):                   # matrix products
    h = x.copy()
    for i in range(3):
        h = np.tanh(w @ h)
    return h


@numba.njit
def outer(x, w):                    # a matrix result
    return np.tanh(w.reshape(-1, 1) * x.reshape(1, -1))


@numba.njit
def pooled(x):                      # fewer outputs than inputs: auto picks reverse mode
    out = np.zeros(3)
    for i in range(x.shape[0]):
        out[i % 3] += np.sin(x[i]) * x[(i + 1) % x.shape[0]]
    return out


@numba.njit(fastmath=True)
def running_sum(x):
    out = np.empty_like(x)
    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]
        out[i] = s
    return out


@numba.njit
def until(x, a):                    # a while loop: its tape stays a list
    while x < 10.0:
        x = x * a + 1.0
    return x


@numba.njit
def in_place(x, a):                 # writes into its argument
    x[0] = a * x[1]
    return x * x


def plain(x, w):                    # no dispatcher: jit="numba"
    return np.sin(x) * w[::-1]


def sorts(x):
    return np.sort(x) * x


def maxima(x):
    return np.max(x, axis=0)


def row_sums(x):
    return np.sum(x.reshape(2, 3), axis=1) * 2.0


X6 = np.linspace(0.1, 0.9, 6) ** 2
W3 = np.arange(9.0).reshape(3, 3) / 20 - 0.2

CASES = [
    (cyclic, (X6,)),
    (cyclic, (np.array([0.5, -1.5, 2.0]),)),
    (pooled, (np.linspace(-1.0, 1.0, 8),)),
    (orbit, (2.5, 0.3)),
    (energy, (X6, 0.7)),
    (predator_prey, (1.0, 0.5, 1.2, 0.7)),
    (trajectory, (1.0, 0.5, np.array([1.2, 0.7]))),
    (thresholds, (np.linspace(0.07, 0.93, 6), 0.7)),
    (layers, (W3, np.array([0.3, -0.2, 0.5]))),
    (outer, (np.linspace(0.1, 1.0, 3), np.array([0.5, -1.0]))),
    (running_sum, (np.linspace(-1.0, 1.0, 5),)),
    (until, (1.5, 1.2)),
    (in_place, (np.array([1.0, 2.0, 3.0]), 0.5)),
    (plain, (np.linspace(0.0, 1.0, 4), np.array([1.0, -2.0, 0.5, 3.0]))),
]
IDS = ["writes", "writes-3", "accumulates", "scalars-in", "scalar-out", "calls-njit-tuple", "calls-njit-matrix",
       "branches", "matrix", "matrix-out", "fastmath", "while", "writes-argument", "plain-function"]


class _Runs:
    def __init__(self):
        self.dispatchers, self.python = [], 0


@pytest.fixture
def runs(monkeypatch):
    """The Numba dispatchers vjp code was compiled into, and how many times the Python vjp ran."""
    seen, jit_vjp, python_vjp = _Runs(), transforms.jit_vjp, transforms._python_vjp

    def spy(compiled, fn, options, args, seed):
        function = jit_vjp(compiled, fn, options, args, seed)
        seen.dispatchers.extend(translated.dispatcher for translated, _ in compiled.numba_variants.values()
                                if translated.dispatcher not in seen.dispatchers)
        return function

    def python(*args):
        seen.python += 1
        return python_vjp(*args)
    monkeypatch.setattr(transforms, "jit_vjp", spy)
    monkeypatch.setattr(transforms, "_python_vjp", python)
    return seen


def _python(f):
    return getattr(f, "py_func", f)


def _cotangents(value, rng):
    """A few cotangents shaped like ``value``."""
    def one(v):
        return rng.standard_normal(np.shape(v)) if np.ndim(v) else float(rng.standard_normal())
    return [tuple(one(v) for v in value) if isinstance(value, tuple) else one(value) for _ in range(3)]


def _copying(f):
    """f called on copies of its array arguments: one that writes into them changes no other call's."""
    return lambda *a: f(*(v.copy() if isinstance(v, np.ndarray) else v for v in a))


def _fd_jacobian(f, args, i):
    """Central differences of f with respect to argument i: shape output + input."""
    f = _copying(f)
    value = np.asarray(f(*args))
    rows = [_fd(lambda *a, k=k: np.ravel(f(*a))[k], args, i) for k in range(value.size)]
    return np.reshape(rows, value.shape + np.shape(args[i]))


def _fd_vjp(f, args, cotangent, i):
    """Central differences of <cotangent, f(args)> with respect to argument i."""
    def inner(*a):
        value = f(*a)
        pairs = zip(cotangent, value) if isinstance(value, tuple) else [(cotangent, value)]
        return sum(float(np.sum(np.asarray(c) * np.asarray(v))) for c, v in pairs)
    return _fd(_copying(inner), args, i)


@pytest.mark.parametrize("f, args", CASES, ids=IDS)
def test_vjp_compiled_with_numba(f, args, runs, rng):
    """The value and every pullback: the Python vjp's numbers (rtol 1e-12) and central differences; what
    ran is the Numba dispatcher compiled for the arguments and the cotangent, not Python."""
    kept = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    value, pullback = ssagrad.vjp(f, *args, jit="numba")
    cotangents = _cotangents(value, rng)
    kept_cotangents = [np.hstack([np.ravel(part) for part in np.atleast_1d(c)]) for c in cotangents]
    got = [pullback(c) for c in cotangents]
    for c, k in zip(cotangents, kept_cotangents):  # the code updates a copy of the cotangent, not the caller's
        np.testing.assert_array_equal(np.hstack([np.ravel(part) for part in np.atleast_1d(c)]), k)
    assert runs.python == 0 and len(runs.dispatchers) == 1
    (dispatcher,) = runs.dispatchers
    assert isinstance(dispatcher, numba.core.registry.CPUDispatcher) and dispatcher.signatures
    for a, k in zip(args, kept):  # the caller's arrays are left as they were
        np.testing.assert_array_equal(a, k)
    want_value, want_pullback = ssagrad.vjp(f, *args, jit=False)
    np.testing.assert_allclose(value, want_value, rtol=1e-12, atol=1e-14)
    for cotangent, gradients in zip(cotangents, got):
        assert len(gradients) == len(args)
        for i, (g, want) in enumerate(zip(gradients, want_pullback(cotangent))):
            assert np.shape(g) == np.shape(args[i]) and type(g) is type(want)
            np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(g, _fd_vjp(_python(f), args, cotangent, i), rtol=1e-6, atol=1e-7)
        for g, direct in zip(gradients, dispatcher(cotangent, *args)[1]):  # what the pullback ran
            np.testing.assert_array_equal(g, direct)


@pytest.mark.parametrize("f, wrt, args", [
    (cyclic, 0, (X6,)),
    (orbit, 0, (2.5, 0.3)),
    (trajectory, 2, (1.0, 0.5, np.array([1.2, 0.7]))),
    (thresholds, 0, (np.linspace(0.07, 0.93, 6), 0.7)),
    (layers, 0, (W3, np.array([0.3, -0.2, 0.5]))),
    (outer, 1, (np.linspace(0.1, 1.0, 3), np.array([0.5, -1.0]))),
    (running_sum, 0, (np.linspace(-1.0, 1.0, 5),)),
    (plain, 0, (np.linspace(0.0, 1.0, 4), np.array([1.0, -2.0, 0.5, 3.0]))),
], ids=["writes", "scalars-in", "calls-njit", "branches", "matrix", "matrix-out", "fastmath", "plain-function"])
def test_reverse_jacobian_compiled_with_numba(f, wrt, args, runs):
    """jacobian(mode="reverse"), one compiled pullback a row: the Python reverse Jacobian's numbers and
    central differences."""
    got = ssagrad.jacobian(f, wrt=wrt, mode="reverse", jit="numba")(*args)
    assert runs.python == 0 and runs.dispatchers and all(d.signatures for d in runs.dispatchers)
    want = ssagrad.jacobian(f, wrt=wrt, mode="reverse", jit=False)(*args)
    assert got.shape == want.shape == np.shape(f(*args)) + np.shape(args[wrt])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, _fd_jacobian(_python(f), args, wrt), rtol=1e-6, atol=1e-7)


def test_auto_jacobian_of_a_dispatcher_is_reverse_and_compiled(runs, monkeypatch):
    x = np.linspace(-1.0, 1.0, 8)
    monkeypatch.setattr(transforms, "jvp", None)  # forward mode would fail
    got = ssagrad.jacobian(pooled)(x)
    assert runs.python == 0 and len(runs.dispatchers) == 1
    np.testing.assert_allclose(got, ssagrad.jacobian(pooled, jit=False)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got, _fd_jacobian(pooled, (x,), 0), rtol=1e-6, atol=1e-7)
    assert runs.python == 1  # jit=False: the Python vjp


def test_the_dispatchers_options_pass_through_and_jit_false_is_python(runs):
    x = np.linspace(-1.0, 1.0, 5)
    value, pullback = ssagrad.vjp(running_sum, x)  # a dispatcher: Numba unless jit=False
    pullback(np.ones(5))
    (dispatcher,) = runs.dispatchers
    assert dispatcher.targetoptions["fastmath"] is True
    python_value, python_pullback = ssagrad.vjp(running_sum, x, jit=False)
    assert runs.python == 1 and len(runs.dispatchers) == 1
    # fastmath lets LLVM reassociate: the numbers agree to rounding, not bit for bit
    np.testing.assert_allclose(pullback(np.ones(5))[0], python_pullback(np.ones(5))[0], rtol=1e-12)
    ssagrad.vjp(plain, x, x)  # a plain function without jit: Python
    assert runs.python == 2 and len(runs.dispatchers) == 1
    for bad in ("cuda", True):
        with pytest.raises(ValueError, match="jit must be"):
            ssagrad.vjp(running_sum, x, jit=bad)
        with pytest.raises(ValueError, match="jit must be"):
            ssagrad.jacobian(running_sum, jit=bad)


def test_pullbacks_again_with_keywords_and_a_bound_argument(runs):
    """A pullback called twice gives the same numbers (each call runs both sweeps); a functools.partial's
    keywords reach the compiled code, which is then compiled at its first call."""
    x = np.linspace(0.1, 0.9, 6) ** 2
    _, pullback = ssagrad.vjp(in_place, x.copy(), 0.5)
    first, second = pullback(np.ones(6)), pullback(np.ones(6))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    value, pullback = ssagrad.vjp(functools.partial(energy, k=0.7), x)
    want_value, want_pullback = ssagrad.vjp(functools.partial(energy, k=0.7), x, jit=False)
    assert value == pytest.approx(want_value, rel=1e-12)
    np.testing.assert_allclose(pullback(2.0)[0], want_pullback(2.0)[0], rtol=1e-12)
    assert pullback(2.0)[1] is None and want_pullback(2.0)[1] is None  # k is the partial's keyword
    _, pullback = ssagrad.vjp(functools.partial(energy, x), 0.7)  # a bound first argument
    assert pullback(1.0)[0] == pytest.approx(np.sum(np.diff(x) ** 2), rel=1e-12)
    assert runs.python == 1


@numba.njit
def scaled(x, k=2.0):
    return x * np.sin(k * x)


def test_a_parameter_left_at_its_default(runs):
    """The compiled code is typed for every parameter: one the call leaves out gets its default."""
    x = np.linspace(-1.0, 1.0, 4)
    for args in ((x,), (x, 0.5)):
        value, pullback = ssagrad.vjp(scaled, *args)
        want_value, want_pullback = ssagrad.vjp(scaled, *args, jit=False)
        np.testing.assert_allclose(value, want_value, rtol=1e-12)
        got, want = pullback(x + 1.0), want_pullback(x + 1.0)
        assert len(got) == len(want) == 2 and (got[1] is None) == (len(args) == 1)
        for g, w in zip(got, want):
            if w is not None:
                np.testing.assert_allclose(g, w, rtol=1e-12)
    assert runs.python == 2 and len(runs.dispatchers) == 2
    # and the other transforms compiled with Numba: jvp (the forward jacobian), hessian and hvp
    np.testing.assert_allclose(ssagrad.jacobian(scaled)(x), np.diag(np.sin(2 * x) + 2 * x * np.cos(2 * x)),
                               rtol=1e-12)
    np.testing.assert_allclose(ssagrad.hessian(cubes)(x), np.diag(6 * 0.7 * x), rtol=1e-12)
    np.testing.assert_allclose(ssagrad.hvp(cubes)(x, x), 6 * 0.7 * x * x, rtol=1e-12)


@numba.njit
def cubes(x, k=0.7):
    return k * np.sum(x * x * x)


def test_a_cotangent_unlike_the_value_is_refused():
    """The compiled code is specialized to the value's shapes: another cotangent is an error, not broadcast."""
    _, pullback = ssagrad.vjp(cyclic, X6)
    with pytest.raises(ValueError, match=r"has shape \(\);.*\(6,\)"):
        pullback(1.0)
    _, pullback = ssagrad.vjp(predator_prey, 1.0, 0.5, 1.2, 0.7)
    with pytest.raises(ValueError, match="must be a tuple of 2"):
        pullback(np.ones(2))
    with pytest.raises(ValueError, match=r"cotangent\[1\] has shape \(2,\)"):
        pullback((1.0, np.ones(2)))


def _line_of(fn, text):
    with open(fn.__code__.co_filename) as source:
        lines = source.read().splitlines()
    return next(k for k, line in enumerate(lines, 1) if text in line and k >= fn.__code__.co_firstlineno)


@pytest.mark.parametrize("f, args, line, says", [
    # a helper with no Numba version: refused before Numba is asked
    (sorts, (np.array([3.0, 1.0, 2.0]),), "np.sort(x)", r"helper unsort\(\), which has no Numba"),
    # the function itself (its value comes from it compiled with Numba)
    (maxima, (np.arange(6.0).reshape(2, 3),), "np.max(x, axis=0)", "Numba cannot compile this line"),
    # the vjp code, which Numba cannot type
    (row_sums, (np.arange(6.0),), "np.sum(x.reshape", "cannot compile the gradient of this line"),
], ids=["helper", "primal", "vjp-code"])
def test_what_numba_cannot_compile_is_a_located_error(f, args, line, says):
    """jit="numba" never falls back to Python: the vjp, and the reverse Jacobian through it, refuse at the
    user's line; the Python vjp (no jit) runs the function."""
    for call in (lambda: ssagrad.vjp(f, *args, jit="numba"),
                 lambda: ssagrad.jacobian(f, mode="reverse", jit="numba")(*args)):
        with pytest.raises(DifferentiationError, match=says) as error:
            call()
        assert error.value.lineno == _line_of(f, line)
    value, pullback = ssagrad.vjp(f, *args)
    np.testing.assert_allclose(pullback(np.ones(np.shape(value)))[0],
                               _fd_vjp(f, args, np.ones(np.shape(value)), 0), rtol=1e-6, atol=1e-7)
