"""Adjoints of joining, splitting and rearranging arrays."""
import numpy as np

from .broadcast import shape_of, size_of
from .containers import GradientList
from .indexing import _writable, untake


def _split(g, sizes, axis):
    """``np.split(g, sizes, axis)``; other array types by slicing (Dask has no np.split: its fallback would
    compute ``g`` into a NumPy array)."""
    if _writable(g):
        return np.split(g, sizes, axis=axis)
    bounds = [0, *(int(s) for s in sizes), shape_of(g)[axis]]
    index = [slice(None)] * np.ndim(g)
    pieces = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        index[axis] = slice(start, stop)
        pieces.append(g[tuple(index)])
    return pieces


def unconcatenate(g, arrays, axis=0):
    """Gradients of ``np.concatenate(arrays, axis)``: ``g`` cut back into the pieces."""
    if axis is None:
        flat = np.ravel(g)
        sizes = np.cumsum([size_of(a) for a in arrays])[:-1]
        return GradientList(np.reshape(part, shape_of(a)) for part, a in zip(_split(flat, sizes, 0), arrays))
    sizes = np.cumsum([shape_of(a)[axis] for a in arrays])[:-1]
    return GradientList(_split(g, sizes, axis))


def unstack(g, arrays, axis=0):
    """Gradients of ``np.stack(arrays, axis)``."""
    return GradientList(np.take(g, i, axis=axis) for i in range(len(arrays)))


def unvstack(g, arrays):
    pieces = unconcatenate(g, [np.atleast_2d(a) for a in arrays], axis=0)
    return GradientList(np.reshape(p, shape_of(a)) for p, a in zip(pieces, arrays))


def unhstack(g, arrays):
    axis = 0 if np.ndim(np.atleast_1d(arrays[0])) == 1 else 1
    pieces = unconcatenate(g, [np.atleast_1d(a) for a in arrays], axis=axis)
    return GradientList(np.reshape(p, shape_of(a)) for p, a in zip(pieces, arrays))


def unsplit(grads, parts, ary, axis=0):
    """Gradient of ``np.split``/``np.array_split``: the pieces' gradients joined (zeros where unused)."""
    filled = [np.zeros_like(p) if g is None else g for g, p in zip(grads, parts)]
    return np.reshape(np.concatenate(filled, axis=axis), shape_of(ary))


def untile(g, a, reps):
    """Gradient of ``np.tile``: the tiles' gradients summed."""
    reps = (reps,) if np.ndim(reps) == 0 else tuple(reps)
    shape = shape_of(a)
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    interleaved = [n for pair in zip(reps, shape) for n in pair]
    summed = np.sum(np.reshape(g, interleaved), axis=tuple(range(0, 2 * ndim, 2)))
    return np.reshape(summed, shape_of(a))


def unrepeat(g, a, repeats, axis=None):
    """Gradient of ``np.repeat``: each entry collects the gradients of its copies."""
    if axis is None:
        flat_a = np.ravel(a)
        return np.reshape(unrepeat(np.ravel(g), flat_a, repeats, 0), shape_of(a))
    counts = np.broadcast_to(repeats, (shape_of(a)[axis],))
    if not _writable(g, a):  # Dask has no np.add.reduceat; repeat is a take (each index repeated): its transpose
        return untake(g, a, np.repeat(np.arange(shape_of(a)[axis]), counts), axis)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(int)
    summed = np.add.reduceat(g, starts, axis=axis) if size_of(g) else np.zeros_like(a)
    empty = counts == 0  # reduceat copies a value through for empty groups
    if np.any(empty):
        summed = np.where(np.reshape(empty, [-1 if i == axis % np.ndim(a) else 1 for i in range(np.ndim(a))]),
                          0.0, summed)
    return summed


def unpad(g, array, pad_width):
    """Gradient of ``np.pad`` in constant mode: the gradient of the middle."""
    widths = np.broadcast_to(pad_width, (np.ndim(array), 2))
    index = tuple(slice(int(before), int(before) + n) for (before, _), n in zip(widths, shape_of(array)))
    return g[index]


def _diagonal_index(shape, offset, axis1, axis2):
    """An index selecting the given diagonal of an array of ``shape`` (as ``np.diagonal`` does)."""
    n1, n2 = shape[axis1], shape[axis2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    rows = np.arange(length) + max(0, -offset)
    cols = np.arange(length) + max(0, offset)
    index = [slice(None)] * len(shape)
    index[axis1], index[axis2] = rows, cols
    return tuple(index), length


def undiagonal(g, a, offset=0, axis1=0, axis2=1):
    """Gradient of ``np.diagonal``: ``g`` written on that diagonal of zeros."""
    if type(a) is not np.ndarray and np.ndim(a) >= 2:  # Dask cannot write through two index arrays
        return _diagonal_by_mask(g, a, offset, axis1 % np.ndim(a), axis2 % np.ndim(a))
    out = np.zeros_like(a)
    index, _ = _diagonal_index(shape_of(a), offset, axis1 % np.ndim(a), axis2 % np.ndim(a))
    # advanced indices on two axes put the diagonal axis first when they are not adjacent
    moved = np.moveaxis(out, (axis1 % np.ndim(a), axis2 % np.ndim(a)), (-2, -1))
    rows, cols = index[axis1 % np.ndim(a)], index[axis2 % np.ndim(a)]
    moved[..., rows, cols] = g
    return np.moveaxis(moved, (-2, -1), (axis1 % np.ndim(a), axis2 % np.ndim(a)))


def _diagonal_by_mask(g, a, offset, axis1, axis2):
    """``undiagonal`` without writing into an array (other array types, Dask): ``g`` padded to the length
    of the rows, then kept on the diagonal by a mask."""
    n1, n2 = shape_of(a)[axis1], shape_of(a)[axis2]
    length = np.shape(g)[-1]
    if length == 0:  # an empty diagonal (Dask cannot pad an empty axis)
        return np.zeros_like(a)
    first = min(max(0, -offset), n1)  # the row the diagonal starts in
    rows = np.pad(g, [(0, 0)] * (np.ndim(g) - 1) + [(first, n1 - first - length)])
    mask = np.arange(n1)[:, None] + offset == np.arange(n2)[None, :]
    out = np.where(mask, rows[..., :, None], np.zeros((), dtype=a.dtype))
    return np.moveaxis(out, (-2, -1), (axis1, axis2)).astype(a.dtype, copy=False)


def undiag(g, v, k=0):
    """Gradient of ``np.diag``: take the diagonal back (v 1-d), or put it in place (v 2-d)."""
    if np.ndim(v) == 1:
        return np.diagonal(g, k)
    return undiagonal(g, v, k)


def untrace(g, a, offset=0, axis1=0, axis2=1):
    """Gradient of ``np.trace``."""
    ones = np.ones(np.shape(np.diagonal(a, offset, axis1, axis2)))
    return undiagonal(np.expand_dims(g, -1) * ones, a, offset, axis1, axis2)
