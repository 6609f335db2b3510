"""What generated gradients of SciPy calls run (``compiler/rules/scipy_*.py``).

Apart from the rest of the runtime, this module imports SciPy: only the rules
for SciPy functions use it, and only when SciPy is installed.
"""
import numpy as np
import scipy.linalg as scipy_linalg
import scipy.special as special

from .broadcast import unbroadcast

# -- scipy.special ---------------------------------------------------------------------------------


def _kept(value, axis, ndim, keepdims):
    """A reduction's result with the reduced axes put back (length 1), to broadcast against its input."""
    if keepdims or axis is None:
        return value
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return np.expand_dims(value, tuple(a % ndim for a in axes))


def _reduced(value, axis, keepdims):
    return np.sum(value, axis=None if axis is None else (axis if np.ndim(axis) == 0 else tuple(axis)),
                  keepdims=keepdims)


def _logsumexp_weights(a, b, result, axis, keepdims):
    """``exp(a - logsumexp(a))``, shaped like ``a`` broadcast against ``b``."""
    ndim = max(np.ndim(a), np.ndim(b))
    with np.errstate(invalid="ignore"):
        return np.exp(a - _kept(result, axis, ndim, keepdims))


def logsumexp_grad_a(g, a, b, result, axis, keepdims):
    """Gradient in ``a`` of ``scipy.special.logsumexp(a, axis, b, keepdims)``: ``b exp(a - result)``."""
    ndim = max(np.ndim(a), np.ndim(b))
    weights = _logsumexp_weights(a, b, result, axis, keepdims)
    if b is not None:
        weights = weights * b
    return unbroadcast(_kept(g, axis, ndim, keepdims) * weights, a)


def logsumexp_grad_b(g, a, b, result, axis, keepdims):
    """Gradient in ``b`` (the weights) of ``scipy.special.logsumexp``: ``exp(a - result)``."""
    ndim = max(np.ndim(a), np.ndim(b))
    return unbroadcast(_kept(g, axis, ndim, keepdims) * _logsumexp_weights(a, b, result, axis, keepdims), b)


def logsumexp_tangent(da, db, a, b, result, axis, keepdims):
    """Tangent of ``scipy.special.logsumexp`` for the tangent ``da`` of ``a`` or ``db`` of ``b``."""
    weights = _logsumexp_weights(a, b, result, axis, keepdims)
    if da is not None:
        step = da if b is None else da * b
    else:
        step = db
    return _reduced(weights * step, axis, keepdims)


def softmax_grad(g, result, axis):
    """Gradient (and tangent: the Jacobian is symmetric) of ``scipy.special.softmax``."""
    axis = None if axis is None else (axis if np.ndim(axis) == 0 else tuple(axis))
    return result * (g - np.sum(g * result, axis=axis, keepdims=True))


def log_softmax_grad(g, result, axis):
    """Gradient of ``scipy.special.log_softmax``: ``g - softmax * sum(g)``."""
    axis = None if axis is None else (axis if np.ndim(axis) == 0 else tuple(axis))
    return g - np.exp(result) * np.sum(g, axis=axis, keepdims=True)


def log_softmax_tangent(t, result, axis):
    """Tangent of ``scipy.special.log_softmax``: ``t - sum(softmax * t)``."""
    axis = None if axis is None else (axis if np.ndim(axis) == 0 else tuple(axis))
    return t - np.sum(np.exp(result) * t, axis=axis, keepdims=True)


def xlogy_grad_y(x, y):
    """d/dy x log(y) = x / y, 0 where x is 0 (as xlogy is 0 there)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x / y)


def xlog1py_grad_y(x, y):
    """d/dy x log(1 + y) = x / (1 + y), 0 where x is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x == 0, 0.0, x / (1.0 + y))


def log_ndtr_derivative(x, result):
    """d/dx log Phi(x) = phi(x) / Phi(x), computed as exp(log phi(x) - log Phi(x)) so that it stays
    accurate far in the left tail (where both are tiny)."""
    return np.exp(-0.5 * x * x - 0.5 * np.log(2.0 * np.pi) - result)


def i1_derivative(x):
    """d/dx I1(x) = I0(x) - I1(x) / x, which is 1/2 at 0 (``scipy.special.iv(2, x)``, the other way to
    write it, is NaN at subnormal x)."""
    at_zero = np.abs(x) < 1e-100
    safe_x = np.where(at_zero, 1.0, x)
    return np.where(at_zero, 0.5, special.i0(x) - special.i1(x) / safe_x)
