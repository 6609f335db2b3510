"""What generated gradients of SciPy calls run (``compiler/rules/scipy_*.py``).

Apart from the rest of the runtime, this module imports SciPy: only the rules
for SciPy functions use it, and only when SciPy is installed.
"""
import numpy as np

from .complex_grads import refuse_complex
import scipy.linalg as scipy_linalg
import scipy.special as special

from .containers import GradientList
from .linalg import cholesky_grad, cholesky_tangent, inv_grad

# -- scipy.special ---------------------------------------------------------------------------------


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
    """Samples as rows ``(n, dim)`` minus the mean, the covariance as SciPy makes it (a number times the
    identity, a diagonal, or the symmetric matrix of the lower triangle), and ``cov^-1 (x - mean)``; the
    dimension comes from the mean, else from the covariance, as in SciPy."""
    dim = int(np.size(mean)) if mean is not None else (1 if np.ndim(cov) < 2 else np.shape(cov)[0])
    rows = np.reshape(x, (-1, dim))
    if mean is not None:
        rows = rows - np.reshape(mean, (dim,))
    sigma = _covariance(cov, dim)
    alpha = np.linalg.solve(sigma, rows.T).T
    return rows, sigma, alpha


def _covariance(cov, dim):
    if np.ndim(cov) == 0:
        return cov * np.eye(dim)
    if np.ndim(cov) == 1:
        return np.diag(cov)
    return _symmetric_from_lower(cov)


def mvn_logpdf_grads(g, x, mean, cov):
    """Gradients in ``x``, ``mean`` and ``cov`` of ``scipy.stats.multivariate_normal.logpdf(x, mean, cov)``.
    For a matrix ``cov`` the gradient is lower triangular (SciPy reads the lower triangle), which on
    symmetric covariances gives the same derivatives as the symmetric gradient; for a number (times the
    identity) or a vector (the diagonal) it has their shape."""
    rows, sigma, alpha = _mvn_parts(x, mean, cov)
    weights = np.broadcast_to(np.reshape(g, (-1,)), (rows.shape[0],))
    weighted = weights[:, None] * alpha
    dx = np.reshape(-weighted, np.shape(x))
    dmean = None if mean is None else np.reshape(np.sum(weighted, axis=0), np.shape(mean))  # size dim, as SciPy checks
    full = 0.5 * (alpha.T @ weighted - np.sum(weights) * np.linalg.inv(sigma))
    if np.ndim(cov) == 0:
        dcov = np.trace(full)
    elif np.ndim(cov) == 1:
        dcov = np.reshape(np.diagonal(full), np.shape(cov))
    else:
        dcov = 2.0 * np.tril(full, -1) + np.diag(np.diag(full))
    return dx, dmean, dcov


def mvn_logpdf_tangent(dx, dmean, dcov, x, mean, cov, result):
    """Tangent of ``scipy.stats.multivariate_normal.logpdf`` along the tangents given (``None``: none)."""
    rows, sigma, alpha = _mvn_parts(x, mean, cov)
    out = np.zeros(rows.shape[0])
    if dx is not None:
        out = out - np.sum(alpha * np.reshape(dx, rows.shape), axis=-1)
    if dmean is not None:
        out = out + alpha @ np.broadcast_to(np.reshape(dmean, (-1,)), (rows.shape[1],))
    if dcov is not None:
        dsigma = _covariance(dcov, rows.shape[1])
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


# -- scipy.linalg ----------------------------------------------------------------------------------

def _t(x):
    return np.swapaxes(x, -1, -2)


def _outer(g, x):
    """``g x^T`` for the solutions of one (vectors) or several (columns) right-hand sides."""
    return np.multiply.outer(g, x) if np.ndim(g) == 1 else g @ _t(x)


def _triangle(x, lower, unit_diagonal=False):
    """The triangle of ``x`` a triangular solve reads (without the diagonal when it is taken as ones)."""
    part = np.tril(x) if lower else np.triu(x)
    return part - np.tril(np.triu(x)) if unit_diagonal else part


def _read_from_triangle(x, lower):
    """The symmetric matrix a function sees that reads only one triangle of ``x``."""
    return np.tril(x) + _t(np.tril(x, -1)) if lower else np.triu(x) + _t(np.triu(x, 1))


def _triangle_form(g, lower):
    """The gradient ``g`` in a symmetric matrix as a gradient in the triangle it was read from: an entry off
    the diagonal stands for itself and its mirror."""
    if lower:
        return np.tril(g + _t(g), -1) + np.tril(np.triu(g))
    return np.triu(g + _t(g), 1) + np.tril(np.triu(g))


def _transposes(trans) -> bool:
    if trans in (0, "N"):
        return False
    if trans in (1, 2, "T", "C"):
        return True
    raise ValueError(f"unknown trans={trans!r}")


def solve_triangular_grads(g, a, b, x, trans=0, lower=False, unit_diagonal=False):
    """Gradients in ``a`` and ``b`` of ``x = scipy.linalg.solve_triangular(a, b, trans, lower, unit_diagonal)``."""
    transposed = _transposes(trans)
    gb = scipy_linalg.solve_triangular(a, g, trans=0 if transposed else 1, lower=lower, unit_diagonal=unit_diagonal)
    ga = -_outer(gb, x)
    return _triangle(_t(ga) if transposed else ga, lower, unit_diagonal), gb


def solve_triangular_tangent(da, db, a, b, x, trans=0, lower=False, unit_diagonal=False):
    """Tangent of ``scipy.linalg.solve_triangular`` along ``da`` or ``db`` (the other ``None``)."""
    transposed = _transposes(trans)
    if da is not None:
        dt = _triangle(da, lower, unit_diagonal)
        rhs = -((_t(dt) if transposed else dt) @ x)
    else:
        rhs = db
    return scipy_linalg.solve_triangular(a, rhs, trans=trans, lower=lower, unit_diagonal=unit_diagonal)


def cholesky_upper_grad(g, upper):
    """Gradient of ``U = scipy.linalg.cholesky(a)`` (upper, reading the upper triangle of ``a``)."""
    refuse_complex('scipy.linalg.cholesky', upper)
    return _t(cholesky_grad(_t(np.triu(g)), _t(upper)))


def cholesky_upper_tangent(da, upper):
    refuse_complex('scipy.linalg.cholesky', upper)
    return _t(cholesky_tangent(_t(da), _t(upper)))


def _first(parts):
    """The gradient (or tangent) of the first item of a pair: ``None`` where there is none."""
    if parts is None or isinstance(parts, (int, float)):
        return None
    return parts[0]


def cho_factor_grad(g, a, factored, lower=False):
    """Gradient in ``a`` of ``(c, lower) = scipy.linalg.cho_factor(a, lower)``. ``c`` holds the factor in one
    triangle and ``a``'s own entries in the other (SciPy leaves them there), so those pass straight through."""
    refuse_complex('scipy.linalg.cho_factor', a)
    gc = _first(g)
    if gc is None:
        return np.zeros_like(a)
    c = factored[0]
    if lower:
        return cholesky_grad(np.tril(gc), np.tril(c)) + np.triu(gc, 1)
    return cholesky_upper_grad(gc, np.triu(c)) + np.tril(gc, -1)


def cho_factor_tangent(da, a, factored, lower=False):
    refuse_complex('scipy.linalg.cho_factor', a)
    c = factored[0]
    if lower:
        return (cholesky_tangent(da, np.tril(c)) + np.triu(da, 1), None)
    return (cholesky_upper_tangent(da, np.triu(c)) + np.tril(da, -1), None)


def cho_solve_grads(g, factored, b, x):
    """Gradients in the factor and in ``b`` of ``x = scipy.linalg.cho_solve((c, lower), b)``: the factor's
    as a pair (for ``c``; none for the flag), in the triangle ``c`` holds the factor in."""
    refuse_complex('scipy.linalg.cho_solve', b, x)
    c, lower = factored[0], factored[1]
    gb = scipy_linalg.cho_solve((c, lower), g)
    ga = -_outer(gb, x)
    both = ga + _t(ga)
    gc = np.tril(both @ np.tril(c)) if lower else np.triu(np.triu(c) @ both)
    return GradientList([gc, 0.0]), gb  # 0.0, not None: the flag's gradients add up where it is used twice


def cho_solve_tangent(dfactored, db, factored, b, x):
    """Tangent of ``scipy.linalg.cho_solve`` along the factor's tangent (a pair) or ``db``."""
    refuse_complex('scipy.linalg.cho_solve', b, x)
    c, lower = factored[0], factored[1]
    if dfactored is not None:
        dc = _first(dfactored)
        if dc is None:
            return np.zeros_like(x)
        if lower:
            factor, dfactor = np.tril(c), np.tril(dc)
            da = dfactor @ _t(factor) + factor @ _t(dfactor)
        else:
            factor, dfactor = np.triu(c), np.triu(dc)
            da = _t(dfactor) @ factor + _t(factor) @ dfactor
        return -scipy_linalg.cho_solve((c, lower), da @ x)
    return scipy_linalg.cho_solve((c, lower), db)


def _permutation(piv):
    """``perm`` with ``a[perm] = L @ U`` for LAPACK's row interchanges ``piv`` (row i swapped with piv[i])."""
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return perm


def _lu_parts(factored):
    lu, piv = factored[0], factored[1]
    n = lu.shape[-1]
    return np.tril(lu, -1) + np.eye(n), np.triu(lu), _permutation(piv)


def lu_factor_grad(g, a, factored):
    """Gradient in ``a`` of ``(lu, piv) = scipy.linalg.lu_factor(a)`` (a square matrix): with ``a = P L U``,
    ``dA = P (dL U + L dU)``; the adjoint is ``P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T``."""
    glu = _first(g)
    if glu is None:
        return np.zeros_like(a)
    lower, upper, perm = _lu_parts(factored)
    inner = np.tril(_t(lower) @ np.tril(glu, -1), -1) + np.triu(np.triu(glu) @ _t(upper))
    inner = scipy_linalg.solve_triangular(lower, inner, trans=1, lower=True, unit_diagonal=True)
    inner = _t(scipy_linalg.solve_triangular(upper, _t(inner), lower=False))
    return inner[np.argsort(perm)]  # P inner: row perm[i] of the result is row i of inner


def lu_factor_tangent(da, a, factored):
    lower, upper, perm = _lu_parts(factored)
    inner = scipy_linalg.solve_triangular(lower, da[perm], lower=True, unit_diagonal=True)
    inner = _t(scipy_linalg.solve_triangular(upper, _t(inner), trans=1, lower=False))
    return (lower @ np.tril(inner, -1) + np.triu(inner) @ upper, None)


def lu_solve_grads(g, factored, b, x):
    """Gradients in the factors (a pair: ``lu``'s, none for the pivots) and in ``b`` of
    ``x = scipy.linalg.lu_solve((lu, piv), b)``."""
    lower, upper, perm = _lu_parts(factored)
    gb = scipy_linalg.lu_solve((factored[0], factored[1]), g, trans=1)
    ga = -_outer(gb, x)[perm]  # P^T gA
    glu = np.tril(ga @ _t(upper), -1) + np.triu(_t(lower) @ ga)
    return GradientList([glu, 0.0]), gb  # 0.0 for the pivots: their gradients add up where used twice


def lu_solve_tangent(dfactored, db, factored, b, x):
    """Tangent of ``scipy.linalg.lu_solve`` along the factors' tangent (a pair) or ``db``."""
    if dfactored is not None:
        dlu = _first(dfactored)
        if dlu is None:
            return np.zeros_like(x)
        lower, upper, perm = _lu_parts(factored)
        moved = (np.tril(dlu, -1) @ upper + lower @ np.triu(dlu)) @ x
        rhs = moved[np.argsort(perm)]  # P (dL U + L dU) x
        return -scipy_linalg.lu_solve((factored[0], factored[1]), rhs)
    return scipy_linalg.lu_solve((factored[0], factored[1]), db)


def expm_frechet(a, e):
    """The derivative of the matrix exponential at ``a`` along ``e``: the upper right block of
    ``expm([[a, e], [0, a]])`` (batches of matrices too)."""
    n = np.shape(a)[-1]
    top = np.concatenate([a, e], axis=-1)
    bottom = np.concatenate([np.zeros_like(a), a], axis=-1)
    return scipy_linalg.expm(np.concatenate([top, bottom], axis=-2))[..., :n, n:]


def expm_grad(g, a):
    """Gradient of ``scipy.linalg.expm(a)``: the derivative at ``a^T`` along ``g``."""
    return expm_frechet(_t(a), g)


def sqrtm_grad(g, root):
    """Gradient of ``X = scipy.linalg.sqrtm(a)`` (``X X = a``): the solution of ``X^T Y + Y X^T = g``."""
    return scipy_linalg.solve_sylvester(_t(root), _t(root), g)


def sqrtm_tangent(da, root):
    """Tangent of ``scipy.linalg.sqrtm``: the solution of ``X dX + dX X = dA``."""
    return scipy_linalg.solve_sylvester(root, root, da)


GENERAL = (None, "gen", "general")
SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")


def solve_grads(g, a, b, x, assume_a=None, lower=False):
    """Gradients in ``a`` and ``b`` of ``x = scipy.linalg.solve(a, b, assume_a=..., lower=...)``: for a
    symmetric ``assume_a``, SciPy reads one triangle of ``a`` (the upper unless ``lower``)."""
    matrix = a if assume_a in GENERAL else _read_from_triangle(a, lower)
    gb = np.linalg.solve(_t(matrix), g) if np.ndim(g) == 2 else np.linalg.solve(_t(matrix), g[:, None])[:, 0]
    ga = -_outer(gb, x)
    return (ga if assume_a in GENERAL else _triangle_form(ga, lower)), gb


def solve_tangent_of(da, db, a, b, x, assume_a=None, lower=False):
    """Tangent of ``scipy.linalg.solve`` along ``da`` or ``db`` (the other ``None``)."""
    symmetric = assume_a not in GENERAL
    matrix = _read_from_triangle(a, lower) if symmetric else a
    rhs = -((_read_from_triangle(da, lower) if symmetric else da) @ x) if da is not None else db
    return scipy_linalg.solve(matrix, rhs)


def inv_grad_of(g, a, result, assume_a=None, lower=False):
    """Gradient of ``scipy.linalg.inv(a, assume_a=..., lower=...)``."""
    grad = inv_grad(g, result)
    return grad if assume_a in GENERAL else _triangle_form(grad, lower)


def inv_tangent_of(da, result, assume_a=None, lower=False):
    change = da if assume_a in GENERAL else _read_from_triangle(da, lower)
    return -(result @ change @ result)
