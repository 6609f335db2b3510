"""Adjoints of ``np.linalg`` functions. Matrices are the last two axes; leading axes are batches."""
import numpy as np

from .complex_grads import refuse_complex


def _t(x):
    return np.swapaxes(x, -1, -2)


def _lower_form(sym):
    """The gradient for a function that reads only the lower triangle of its (symmetric) input.

    ``sym`` is the gradient with respect to a symmetric matrix; an entry below the
    diagonal stands for both itself and its mirror, so it takes both shares.
    """
    n = sym.shape[-1]
    return np.tril(sym + _t(sym), -1) + sym * np.eye(n)


def inv_grad(g, result):
    return -_t(result) @ g @ _t(result)


def det_grad(g, a, result):
    return (g * result)[..., None, None] * _t(np.linalg.inv(a))


def slogdet_grad(g_logdet, a):
    refuse_complex('np.linalg.slogdet', a)
    if g_logdet is None:
        return np.zeros_like(a)
    return np.asarray(g_logdet)[..., None, None] * _t(np.linalg.inv(a))


def solve_grad_b(g, a, b):
    """Gradient of ``x = np.linalg.solve(a, b)`` with respect to ``b``."""
    return np.linalg.solve(_t(a), g)


def solve_grad_a(g, a, b, x):
    """Gradient of ``x = np.linalg.solve(a, b)`` with respect to ``a``."""
    gb = np.linalg.solve(_t(a), g)
    if np.ndim(b) == 1:
        return -np.multiply.outer(gb, x) if np.ndim(a) == 2 else -gb[..., :, None] * x[..., None, :]
    return -gb @ _t(x)


def cholesky_grad(g, lower):
    """Gradient of ``L = np.linalg.cholesky(a)`` (which reads the lower triangle of ``a``)."""
    refuse_complex('np.linalg.cholesky', lower)
    n = lower.shape[-1]
    phi = np.tril(_t(lower) @ g) * (1.0 - 0.5 * np.eye(n))  # lower part, diagonal halved
    inverse = np.linalg.inv(lower)
    sym = _t(inverse) @ phi @ inverse
    return _lower_form(0.5 * (sym + _t(sym)))


def _inverse_gaps(w):
    """``F[..., i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it (infinite where eigenvalues repeat)."""
    off = 1.0 - np.eye(w.shape[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(off > 0, 1.0 / np.where(off > 0, w[..., None, :] - w[..., :, None], 1.0), 0.0)


def eigh_grad(g_w, g_v, w, v):
    """Gradient of ``w, v = np.linalg.eigh(a)`` (lower triangle). Eigenvalues must be distinct for ``g_v``."""
    refuse_complex('np.linalg.eigh', v)
    inner = np.zeros(np.shape(v)[:-2] + (v.shape[-1], v.shape[-1]))
    if g_w is not None:
        inner = inner + g_w[..., None, :] * np.eye(v.shape[-1])
    if g_v is not None:
        inner = inner + _inverse_gaps(w) * (_t(v) @ g_v)
    sym = v @ inner @ _t(v)
    return _lower_form(0.5 * (sym + _t(sym)))


def qr_grad(g_q, g_r, q, r):
    """Gradient of ``q, r = np.linalg.qr(a)`` (reduced, rows >= columns), after Seeger et al. (2017)."""
    refuse_complex('np.linalg.qr', q, r)
    g_q = np.zeros_like(q) if g_q is None else g_q
    g_r = np.zeros_like(r) if g_r is None else g_r
    m = r @ _t(g_r) - _t(g_q) @ q
    copied = np.tril(m) + _t(np.tril(m, -1))
    rhs = g_q + q @ copied
    return _t(np.linalg.solve(r, _t(rhs)))  # rhs @ r^-T


def _reduced_svd(a):
    """``np.linalg.svd(a, full_matrices=False)``. Dask's svd wants one of the matrix's axes in a single chunk
    (tall-and-skinny or short-and-fat): the shorter one is rechunked so."""
    if type(a) is np.ndarray or not hasattr(a, "rechunk"):
        return np.linalg.svd(a, full_matrices=False)
    m, n = a.shape[-2:]
    return np.linalg.svd(a.rechunk({a.ndim - 1 if m >= n else a.ndim - 2: -1}), full_matrices=False)


def svdvals_grad(g, a):
    """Gradient of the singular values ``np.linalg.svd(a, compute_uv=False)``."""
    refuse_complex('np.linalg.svd', a)
    u, _, vt = _reduced_svd(a)
    return (u * g[..., None, :]) @ vt


def lstsq_grads(g, a, b, x, g_residuals=None):
    """Gradients of ``x = np.linalg.lstsq(a, b)[0]`` for ``a`` of full column rank: ``(da, db)``."""
    refuse_complex('np.linalg.lstsq', a, b)
    if g_residuals is not None:
        raise NotImplementedError("the residuals returned by np.linalg.lstsq have no gradient rule; "
                                  "compute them as np.sum((a @ x - b) ** 2)")
    if g is None:
        return np.zeros_like(a), np.zeros_like(b)
    vector = np.ndim(b) == 1
    g2 = g[:, None] if vector else g
    x2 = x[:, None] if vector else x
    b2 = b[:, None] if vector else b
    y = np.linalg.solve(_t(a) @ a, g2)
    residual = b2 - a @ x2
    da = residual @ _t(y) - a @ y @ _t(x2)
    db = a @ y
    return da, (db[:, 0] if vector else db)


def pinv_grad(g, a, p):
    """Gradient of ``p = np.linalg.pinv(a)`` (constant rank), after Golub and Pereyra (1973)."""
    refuse_complex('np.linalg.pinv', a)
    eye_m = np.eye(a.shape[-2])
    eye_n = np.eye(a.shape[-1])
    return (-_t(p) @ g @ _t(p) + (eye_m - a @ p) @ _t(g) @ p @ _t(p)
            + _t(p) @ p @ _t(g) @ (eye_n - p @ a))


def solve_tangent(a, da, x, b):
    """The part of the tangent of ``x = np.linalg.solve(a, b)`` that comes from ``a``: ``-a^-1 da x``."""
    return -np.linalg.solve(a, da @ x)


def _symmetric_from_lower(da):
    """The symmetric change a function that reads only the lower triangle of its input sees."""
    return np.tril(da) + _t(np.tril(da, -1))


def cholesky_tangent(da, lower):
    """Tangent of ``L = np.linalg.cholesky(a)``: ``L Φ(L^-1 dA L^-T)``, Φ the lower part, diagonal halved."""
    refuse_complex('np.linalg.cholesky', lower)
    inverse = np.linalg.inv(lower)
    inner = inverse @ _symmetric_from_lower(da) @ _t(inverse)
    return lower @ (np.tril(inner) * (1.0 - 0.5 * np.eye(lower.shape[-1])))


def eigh_tangents(da, w, v):
    """Tangents of ``w, v = np.linalg.eigh(a)``: ``dw = diag(V^T dA V)``, ``dV = V (F ∘ V^T dA V)``.

    ``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal: eigenvalues must be distinct for ``dV``.
    """
    refuse_complex('np.linalg.eigh', v)
    projected = _t(v) @ _symmetric_from_lower(da) @ v
    # repeated eigenvalues make dV infinite or NaN (it is undefined there); dw stays exact, and a
    # program that uses only w should not be warned about dV
    with np.errstate(invalid="ignore"):
        dv = v @ (_inverse_gaps(w) * projected)
    return np.diagonal(projected, axis1=-2, axis2=-1).copy(), dv


def qr_tangents(da, q, r):
    """Tangents of ``q, r = np.linalg.qr(a)`` (reduced, rows >= columns).

    ``X = Q^T dA R^-1`` splits into ``Ω = Q^T dQ`` (antisymmetric) and ``dR R^-1``
    (upper triangular): Ω's lower part is X's, so ``dR = (X - Ω) R`` and
    ``dQ = dA R^-1 - Q (X - Ω)``.
    """
    refuse_complex('np.linalg.qr', q, r)
    da_r_inv = _t(np.linalg.solve(_t(r), _t(da)))  # dA R^-1, without forming the inverse
    x = _t(q) @ da_r_inv
    below = np.tril(x, -1)
    upper = x - (below - _t(below))
    return da_r_inv - q @ upper, upper @ r


def svdvals_tangent(da, a):
    """Tangent of the singular values of ``a``: ``ds_i = u_i^T dA v_i`` (distinct values)."""
    refuse_complex('np.linalg.svd', a)
    u, _, vt = _reduced_svd(a)
    return np.sum(u * (da @ _t(vt)), axis=-2)


def pinv_tangent(da, a, p):
    """Tangent of ``p = np.linalg.pinv(a)`` (constant rank), after Golub and Pereyra (1973)."""
    refuse_complex('np.linalg.pinv', a)
    eye_m = np.eye(a.shape[-2])
    eye_n = np.eye(a.shape[-1])
    return (-p @ da @ p + p @ _t(p) @ _t(da) @ (eye_m - a @ p)
            + (eye_n - p @ a) @ _t(da) @ _t(p) @ p)


def lstsq_tangents(da, db, a, b, x, residuals):
    """Tangents of ``x, residuals, rank, sv = np.linalg.lstsq(a, b)`` (``a`` of full column rank), from
    ``da`` or ``db`` (the other None): ``dx = (A^T A)^-1 (A^T (db - dA x) + dA^T r)``, ``dres = 2 r·(db - dA x)``
    with ``r = b - A x`` (``A^T r = 0``), and the singular values' tangent."""
    refuse_complex('np.linalg.lstsq', a, b)
    vector = np.ndim(b) == 1
    x2, b2 = (x[:, None], b[:, None]) if vector else (x, b)
    r = b2 - a @ x2
    if da is None:
        change = db[:, None] if vector else db
        dx = np.linalg.solve(_t(a) @ a, _t(a) @ change)
        dsv = np.zeros(min(a.shape))
    else:
        change = -(da @ x2)
        dx = np.linalg.solve(_t(a) @ a, _t(a) @ change + _t(da) @ r)
        dsv = svdvals_tangent(da, a)
    dres = 2.0 * np.sum(r * change, axis=0) if np.size(residuals) else np.zeros(np.shape(residuals))
    return (dx[:, 0] if vector else dx), dres, np.zeros(()), dsv
