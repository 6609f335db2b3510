"""Rules for ``scipy.special``, registered under the functions themselves (``scipy.special.expit``)
when a rule is first looked up while SciPy is imported (``_load_scipy_rules`` in ``__init__.py``),
so a call resolves to its rule whatever name the function was imported as.

Elementwise functions get their tangents derived from the adjoints (``tangents.elementwise``). An argument
that has no derivative (the integer order ``n`` of ``polygamma``) is refused where it is differentiated:
``d[n] = POLYGAMMA_ORDER``, a ``NoDerivative`` read only when ``n`` needs a gradient (or, in a tangent
rule, has a tangent), makes the call a located ``DifferentiationError``, never a gradient of zeros. (The
template instantiation resolves free names through the template's globals, which ``refusing`` replaces
by a dict that raises on reading a ``NoDerivative``.)
"""
import numpy as np
import scipy.special as sc

from ...runtime import broadcast_like, safe_div, unbroadcast
from ...runtime.scipy_grads import i1_derivative
from . import _ADJOINTS, adjoint
from .tangents import _TANGENTS, elementwise, tangent

SQRT_PI = float(np.sqrt(np.pi))
SQRT_2PI = float(np.sqrt(2.0 * np.pi))
LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))


# -- arguments without a derivative --------------------------------------------------------------------

class NoDerivative:
    """A template name that stands for "this argument has no derivative": instantiating a statement
    that reads it (one kept because the argument needs a gradient or has a tangent) refuses the call."""

    def __init__(self, message):
        self.message = message


class _Refusing(dict):
    """A template's globals, where reading a ``NoDerivative`` raises its message (the compiler reports
    it at the user's call, as "cannot differentiate this call of ...")."""

    def __getitem__(self, name):
        value = dict.__getitem__(self, name)
        if isinstance(value, NoDerivative):
            raise TypeError(value.message)
        return value


def refusing(*fns):
    """Let the adjoint and tangent templates of ``fns`` refuse through ``NoDerivative`` names."""
    for fn in fns:
        for registry in (_ADJOINTS, _TANGENTS):
            if fn in registry and not isinstance(registry[fn].globals, _Refusing):
                registry[fn].globals = _Refusing(registry[fn].globals)


POLYGAMMA_ORDER = NoDerivative("scipy.special.polygamma(n, x) has no derivative in the order n (an integer): "
                               "differentiate in x only, or cut n with ssagrad.stop_gradient(n)")

# -- one argument --------------------------------------------------------------------------------------


@adjoint(sc.expit)
def _(result, x):
    d[x] = d[result] * result * (1.0 - result)


@adjoint(sc.logit)
def _(result, x):
    d[x] = safe_div(d[result], x * (1.0 - x))


@adjoint(sc.gammaln)
def _(result, x):
    d[x] = d[result] * sc.digamma(x)


@adjoint(sc.digamma)  # scipy.special.psi is the same function
def _(result, x):
    d[x] = d[result] * sc.polygamma(1, x)


@adjoint(sc.gamma)
def _(result, x):
    d[x] = d[result] * result * sc.digamma(x)


@adjoint(sc.erf)
def _(result, x):
    d[x] = d[result] * (2.0 / SQRT_PI) * np.exp(-x * x)


@adjoint(sc.erfc)
def _(result, x):
    d[x] = -d[result] * (2.0 / SQRT_PI) * np.exp(-x * x)


@adjoint(sc.erfinv)
def _(result, x):
    d[x] = d[result] * (SQRT_PI / 2.0) * np.exp(result * result)


@adjoint(sc.erfcinv)
def _(result, x):
    d[x] = -d[result] * (SQRT_PI / 2.0) * np.exp(result * result)


@adjoint(sc.entr)
def _(result, x):
    d[x] = -d[result] * (1.0 + np.log(x))


@adjoint(sc.ndtr)
def _(result, x):
    d[x] = d[result] * np.exp(-0.5 * x * x) / SQRT_2PI


@adjoint(sc.log_ndtr)
def _(result, x):
    d[x] = d[result] * np.exp(-0.5 * x * x - LOG_SQRT_2PI - result)  # phi / Phi, accurate in the left tail


@adjoint(sc.ndtri)
def _(result, x):
    d[x] = d[result] * SQRT_2PI * np.exp(0.5 * result * result)


@adjoint(sc.i0)
def _(result, x):
    d[x] = d[result] * sc.i1(x)


@adjoint(sc.i1)
def _(result, x):
    d[x] = d[result] * i1_derivative(x)


@adjoint(sc.j0)
def _(result, x):
    d[x] = -d[result] * sc.j1(x)


@adjoint(sc.j1)
def _(result, x):
    d[x] = d[result] * 0.5 * (sc.j0(x) - sc.jv(2, x))


@adjoint(sc.y0)
def _(result, x):
    d[x] = -d[result] * sc.y1(x)


@adjoint(sc.y1)
def _(result, x):
    d[x] = d[result] * 0.5 * (sc.y0(x) - sc.yn(2, x))


# -- two arguments (broadcasting) ----------------------------------------------------------------------

@adjoint(sc.polygamma)
def _(result, n, x):
    d[n] = POLYGAMMA_ORDER
    d[x] = unbroadcast(d[result] * sc.polygamma(n + 1, x), x)


@tangent(sc.polygamma)
def _(result, n, x):
    d[result] = d[n] * POLYGAMMA_ORDER
    d[result] = broadcast_like(d[x] * sc.polygamma(n + 1, x), result)


@adjoint(sc.beta)
def _(result, a, b):
    d[a] = unbroadcast(d[result] * result * (sc.digamma(a) - sc.digamma(a + b)), a)
    d[b] = unbroadcast(d[result] * result * (sc.digamma(b) - sc.digamma(a + b)), b)


@adjoint(sc.betaln)
def _(result, a, b):
    d[a] = unbroadcast(d[result] * (sc.digamma(a) - sc.digamma(a + b)), a)
    d[b] = unbroadcast(d[result] * (sc.digamma(b) - sc.digamma(a + b)), b)


@adjoint(sc.xlogy)
def _(result, x, y):
    d[x] = unbroadcast(d[result] * np.log(y), x)
    d[y] = unbroadcast(d[result] * safe_div(x, y), y)  # 0 where x is 0, as xlogy is


@adjoint(sc.xlog1py)
def _(result, x, y):
    d[x] = unbroadcast(d[result] * np.log1p(y), x)
    d[y] = unbroadcast(d[result] * safe_div(x, 1.0 + y), y)


elementwise(sc.expit, sc.logit, sc.gammaln, sc.digamma, sc.gamma, sc.erf, sc.erfc, sc.erfinv, sc.erfcinv, sc.entr,
            sc.ndtr, sc.log_ndtr, sc.ndtri, sc.i0, sc.i1, sc.j0, sc.j1, sc.y0, sc.y1, sc.beta, sc.betaln, sc.xlogy,
            sc.xlog1py)
refusing(sc.polygamma)

# -- reductions along an axis --------------------------------------------------------------------------


@adjoint(sc.logsumexp)
def _(result, a, axis=None, b=None, keepdims=False, return_sign=False):
    if return_sign:
        raise NotImplementedError("scipy.special.logsumexp(..., return_sign=True) has no derivative rule: "
                                  "the sign is piecewise constant; call it without return_sign")
    if keepdims or axis is None:  # the weights exp(a - result) = b-weighted softmax, shaped like a (and b)
        weights = np.exp(a - result)
        d[a] = unbroadcast(d[result] * weights if b is None else d[result] * weights * b, a)
        d[b] = unbroadcast(d[result] * weights, b)
    else:
        weights = np.exp(a - np.expand_dims(result, axis))
        d[a] = unbroadcast(np.expand_dims(d[result], axis) * weights if b is None else
                           np.expand_dims(d[result], axis) * weights * b, a)
        d[b] = unbroadcast(np.expand_dims(d[result], axis) * weights, b)


@tangent(sc.logsumexp)
def _(result, a, axis=None, b=None, keepdims=False, return_sign=False):
    if return_sign:
        raise NotImplementedError("scipy.special.logsumexp(..., return_sign=True) has no tangent rule: "
                                  "the sign is piecewise constant; call it without return_sign")
    if keepdims or axis is None:
        weights = np.exp(a - result)
    else:
        weights = np.exp(a - np.expand_dims(result, axis))
    if b is None:
        d[result] = np.sum(weights * d[a], axis=axis, keepdims=keepdims)
    else:
        d[result] = np.sum(weights * b * d[a], axis=axis, keepdims=keepdims)
        d[result] = np.sum(weights * d[b], axis=axis, keepdims=keepdims)


@adjoint(sc.softmax)
def _(result, x, axis=None):
    d[x] = result * (d[result] - np.sum(d[result] * result, axis=axis, keepdims=True))


@tangent(sc.softmax)
def _(result, x, axis=None):
    d[result] = result * (d[x] - np.sum(d[x] * result, axis=axis, keepdims=True))


@adjoint(sc.log_softmax)
def _(result, x, axis=None):
    d[x] = d[result] - np.exp(result) * np.sum(d[result], axis=axis, keepdims=True)


@tangent(sc.log_softmax)
def _(result, x, axis=None):
    d[result] = d[x] - np.sum(np.exp(result) * d[x], axis=axis, keepdims=True)
