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


# -- scipy.stats -----------------------------------------------------------------------------------

def _symmetric_from_lower(a):
    """The symmetric matrix SciPy's multivariate normal reads from ``a``: its lower triangle."""
    lower = np.tril(a)
    return lower + np.swapaxes(np.tril(a, -1), -1, -2)


def _mvn_parts(x, mean, cov):
    """Samples as rows ``(n, dim)`` minus the mean, the symmetric covariance, and ``cov^-1 (x - mean)``."""
    if np.ndim(cov) != 2:
        raise NotImplementedError("the derivative rules of scipy.stats.multivariate_normal.logpdf take the "
                                  "covariance as a matrix (pass np.diag(v) or s * np.eye(dim))")
    dim = np.shape(cov)[-1]
    rows = np.reshape(x, (-1, dim))
    if mean is not None:
        rows = rows - mean
    sigma = _symmetric_from_lower(cov)
    alpha = np.linalg.solve(sigma, rows.T).T
    return rows, sigma, alpha


def mvn_logpdf_grads(g, x, mean, cov):
    """Gradients in ``x``, ``mean`` and ``cov`` of ``scipy.stats.multivariate_normal.logpdf(x, mean, cov)``;
    the one in ``cov`` is lower triangular (SciPy reads the lower triangle), which on symmetric
    covariances gives the same derivatives as the symmetric gradient."""
    rows, sigma, alpha = _mvn_parts(x, mean, cov)
    weights = np.broadcast_to(np.reshape(g, (-1,)), (rows.shape[0],))
    weighted = weights[:, None] * alpha
    dx = np.reshape(-weighted, np.shape(x))
    dmean = None if mean is None else unbroadcast(np.sum(weighted, axis=0), mean)
    full = 0.5 * (alpha.T @ weighted - np.sum(weights) * np.linalg.inv(sigma))
    dcov = 2.0 * np.tril(full, -1) + np.diag(np.diag(full))
    return dx, dmean, dcov


def mvn_logpdf_tangent(dx, dmean, dcov, x, mean, cov, result):
    """Tangent of ``scipy.stats.multivariate_normal.logpdf`` along the tangents given (``None``: none)."""
    rows, sigma, alpha = _mvn_parts(x, mean, cov)
    out = np.zeros(rows.shape[0])
    if dx is not None:
        out = out - np.sum(alpha * np.reshape(dx, rows.shape), axis=-1)
    if dmean is not None:
        out = out + alpha @ np.broadcast_to(dmean, (rows.shape[1],))
    if dcov is not None:
        dsigma = _symmetric_from_lower(dcov)
        out = out + 0.5 * np.sum((alpha @ dsigma) * alpha, axis=-1) - 0.5 * np.trace(np.linalg.solve(sigma, dsigma))
    return np.reshape(out, np.shape(result))


def _simplex(x, alpha):
    """``x`` with its last entry appended when it has one fewer than ``alpha`` (as SciPy's dirichlet does)."""
    if np.shape(x)[0] == np.shape(alpha)[0]:
        return x, False
    last = 1.0 - np.sum(x, axis=0, keepdims=True)
    return np.concatenate([x, last], axis=0), True


def dirichlet_logpdf_grads(g, x, alpha):
    """Gradients in ``x`` (entries as rows, samples as columns, as SciPy takes them) and ``alpha`` of
    ``scipy.stats.dirichlet.logpdf(x, alpha)``."""
    alpha = np.asarray(alpha)
    full, appended = _simplex(x, alpha)
    extra = (slice(None),) + (None,) * (np.ndim(full) - 1)
    dfull = g * (alpha[extra] - 1.0) / full
    dx = dfull[:-1] - dfull[-1:] if appended else dfull
    dalpha = np.sum(g * (special.digamma(np.sum(alpha)) - special.digamma(alpha)[extra] + np.log(full)),
                    axis=tuple(range(1, np.ndim(full))))
    return dx, dalpha


def dirichlet_logpdf_tangent(dx, dalpha, x, alpha):
    """Tangent of ``scipy.stats.dirichlet.logpdf`` along ``dx`` or ``dalpha`` (the other ``None``)."""
    alpha = np.asarray(alpha)
    full, appended = _simplex(x, alpha)
    extra = (slice(None),) + (None,) * (np.ndim(full) - 1)
    if dx is not None:
        dfull = np.concatenate([dx, -np.sum(dx, axis=0, keepdims=True)], axis=0) if appended else dx
        return np.sum((alpha[extra] - 1.0) / full * dfull, axis=0)
    return np.sum((special.digamma(np.sum(alpha)) - special.digamma(alpha)[extra] + np.log(full)) * dalpha[extra],
                  axis=0)
