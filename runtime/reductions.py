"""Adjoints of reductions that need more than spreading the gradient back."""
import numpy as np

from .broadcast import shape_of, size_of
from .complex_grads import abs_slope, is_complex, refuse_complex


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def _keep(g, x, axis, keepdims):
    """``g`` with the reduced axes of ``x`` restored as size-1 axes (ready to broadcast against x)."""
    ndim = np.ndim(x)
    if keepdims or ndim == 0 or np.ndim(g) == 0:  # a scalar broadcasts as it is
        return g
    return np.reshape(g, tuple(1 if i in _axes(axis, ndim) else n for i, n in enumerate(shape_of(x))))


def extremum_grad(g, a, result, axis=None, keepdims=False):
    """Gradient of max/min: the entries equal to the extremum share the gradient evenly."""
    winners = a == _keep(result, a, axis, keepdims)
    count = np.sum(winners, axis=axis, keepdims=True)
    return winners * (_keep(g, a, axis, keepdims) / count)


def _last_axis_groups(a, axes):
    """``a`` with ``axes`` moved last and merged into one: ``(array, how to undo it)``."""
    ndim = np.ndim(a)
    others = [i for i in range(ndim) if i not in axes]
    moved = np.transpose(a, others + list(axes))
    shape = moved.shape
    merged = np.reshape(moved, shape[:len(others)] + (-1,))
    order = [int(i) for i in np.argsort(others + list(axes))]  # a list: Dask's transpose tests `if axes`
    return merged, lambda m: np.transpose(np.reshape(m, shape), order)


def prod_grad(g, a, axis=None, keepdims=False):
    """Gradient of ``np.prod``: each entry gets the product of the others (exact with zeros)."""
    if np.ndim(a) == 0:
        return g * np.ones_like(a)
    merged, undo = _last_axis_groups(a, _axes(axis, np.ndim(a)))
    ones = np.ones_like(merged[..., :1])
    before = np.cumprod(np.concatenate([ones, merged[..., :-1]], axis=-1), axis=-1)
    after = np.flip(np.cumprod(np.concatenate([ones, np.flip(merged, -1)[..., :-1]], axis=-1), axis=-1), -1)
    return _keep(g, a, axis, keepdims) * undo(before * after)


def var_grad(g, a, axis=None, ddof=0, keepdims=False):
    """Gradient of ``np.var``."""
    count = size_of(a) if axis is None else int(np.prod([shape_of(a)[i] for i in _axes(axis, np.ndim(a))]))
    centered = a - np.mean(a, axis=axis, keepdims=True)
    if is_complex(a):  # the mean of |a - mean|**2: conj(centered), in the convention of complex_grads.py
        return np.real(_keep(g, a, axis, keepdims)) * 2.0 * np.conj(centered) / (count - ddof)
    return _keep(g, a, axis, keepdims) * 2.0 * centered / (count - ddof)


def std_grad(g, a, result, axis=None, ddof=0, keepdims=False):
    """Gradient of ``np.std``: the variance's, over twice the deviation (0 where it is 0)."""
    if is_complex(a):  # a real result: its gradient is real (complex_grads.py)
        g = np.real(g)
    twice = 2.0 * _keep(result, a, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(twice == 0, 0.0, _keep(g, a, axis, keepdims) / np.where(twice == 0, 1.0, twice))
    return var_grad(1.0, a, axis, ddof, True) * scale


def cumsum_grad(g, a, axis=None):
    """Gradient of ``np.cumsum``: a cumulative sum from the end."""
    if axis is None:
        return np.reshape(np.flip(np.cumsum(np.flip(np.ravel(g)))), shape_of(a))
    return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)


def cumprod_grad(g, a, axis=None):
    """Gradient of ``np.cumprod``, exact with zeros.

    d a_i = prod(a_<i) * S_i with S_i = g_i + a_{i+1} S_{i+1}: a scan from the end,
    vectorized across the other axes.
    """
    if axis is None:
        return np.reshape(cumprod_grad(np.ravel(g), np.ravel(a), 0), shape_of(a))
    a_last = np.moveaxis(a, axis, -1)
    g_last = np.moveaxis(g, axis, -1)
    n = a_last.shape[-1]
    scan = np.zeros(np.broadcast_shapes(a_last.shape, g_last.shape))
    running = np.zeros(scan.shape[:-1])
    for i in range(n - 1, -1, -1):
        running = g_last[..., i] + (a_last[..., i + 1] * running if i + 1 < n else 0.0)
        scan[..., i] = running
    ones = np.ones_like(a_last[..., :1])
    before = np.cumprod(np.concatenate([ones, a_last[..., :-1]], axis=-1), axis=-1)
    return np.moveaxis(before * scan, -1, axis)


def norm_grad(g, x, result, ord=None, axis=None, keepdims=False):
    """Gradient of ``np.linalg.norm``: vector norms of any order, and the matrix norms
    ``'fro'``, ``'nuc'``, 1, -1, 2, -2, inf and -inf. ``x`` may be a list (``np.linalg.norm([a, b])``):
    the gradient is then an array, one entry (or row) per item."""
    if isinstance(x, (list, tuple)):
        x = np.array(x)
    ndim = np.ndim(x)
    matrix = (axis is None and ndim == 2 and ord is not None) or (isinstance(axis, tuple) and len(axis) == 2)
    axis_used = None if axis is None and ord is None else (axis if axis is not None else tuple(range(ndim)))
    g_k = _keep(g, x, axis_used, keepdims)
    n_k = _keep(result, x, axis_used, keepdims)
    if matrix and ord not in (None, "fro"):
        refuse_complex(f"np.linalg.norm(ord={ord!r})", x)
        return _matrix_norm_grad(g_k, x, ord, axis_used)
    if is_complex(x):  # |x| is not holomorphic: conj(x) / |x| where a real x has sign(x) (complex_grads.py)
        g_k = np.real(g_k)
    if ord in (None, 2, "fro"):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n_k == 0, 0.0, g_k * (np.conj(x) if is_complex(x) else x) / np.where(n_k == 0, 1.0, n_k))
    if ord == 1:
        return g_k * abs_slope(x)
    if ord in (np.inf, -np.inf):
        winners = np.abs(x) == n_k
        return g_k * abs_slope(x) * winners / np.sum(winners, axis=axis_used, keepdims=True)
    if ord == 0:
        return np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n_k == 0, 0.0, np.abs(x) / np.where(n_k == 0, 1.0, n_k))
    return g_k * abs_slope(x) * ratio ** (ord - 1)


def _matrix_norm_grad(g_k, x, ord, axes):
    """Matrix norms over ``axes`` (two of them); ``g_k`` has them as size-1 axes."""
    rows, cols = (a % np.ndim(x) for a in axes)
    moved = np.moveaxis(x, (rows, cols), (-2, -1))
    g_m = g_k if np.ndim(g_k) == 0 else np.moveaxis(g_k, (rows, cols), (-2, -1))
    if ord in ("nuc", 2, -2):
        u, s, vt = np.linalg.svd(moved, full_matrices=False)
        if ord == "nuc":
            grad = u @ vt
        else:
            k = 0 if ord == 2 else -1
            grad = u[..., :, k, None] * vt[..., None, k, :]
    elif ord in (1, -1, np.inf, -np.inf):
        over = -2 if ord in (1, -1) else -1  # column sums (1) or row sums (inf)
        sums = np.sum(np.abs(moved), axis=over, keepdims=True)
        target = np.max(sums, axis=-1 if over == -2 else -2, keepdims=True) if ord in (1, np.inf) else \
            np.min(sums, axis=-1 if over == -2 else -2, keepdims=True)
        winners = sums == target
        grad = np.sign(moved) * winners / np.sum(winners, axis=-1 if over == -2 else -2, keepdims=True)
    else:
        raise ValueError(f"no gradient rule for the matrix norm ord={ord!r}")
    return np.moveaxis(g_m * grad, (-2, -1), (rows, cols))


def cumprod_tangent(dx, a, axis=None):
    """Tangent of ``np.cumprod``, exact with zeros: T_i = T_{i-1} a_i + P_{i-1} dx_i along the axis."""
    if axis is None:
        return cumprod_tangent(np.ravel(dx), np.ravel(a), 0)
    a_last = np.moveaxis(a, axis, -1)
    d_last = np.moveaxis(np.broadcast_to(dx, np.shape(a)), axis, -1)
    out = np.zeros(np.shape(a_last))
    running = np.zeros(a_last.shape[:-1])
    product = np.ones(a_last.shape[:-1])
    for i in range(a_last.shape[-1]):
        running = running * a_last[..., i] + product * d_last[..., i]
        product = product * a_last[..., i]
        out[..., i] = running
    return np.moveaxis(out, -1, axis)


def sort_tangent(dx, a, axis=-1):
    """Tangent of ``np.sort``: the tangents, in the order the sort put their entries."""
    if axis is None:
        return np.ravel(dx)[np.argsort(a, axis=None, kind="stable")]
    return np.take_along_axis(np.broadcast_to(dx, np.shape(a)), np.argsort(a, axis=axis, kind="stable"), axis)
