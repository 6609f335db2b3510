"""The adjoint of reading ``x[index]``: put the gradient back where it was read from."""
import numpy as np

from .broadcast import shape_of, unbroadcast
from .containers import container_item_grad

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def _is_basic(index) -> bool:
    """Does ``x[index]`` name each element at most once (no fancy indexing)?"""
    if isinstance(index, tuple):
        return all(isinstance(i, _BASIC) for i in index)
    return isinstance(index, _BASIC)


def unindex(g, x, index):
    """The gradient of ``x[index]``: ``g`` placed into zeros shaped like ``x``.

    Integer-array indices may repeat an element; their gradients add up.
    For a dict, list or tuple ``x`` the gradient is a partial container.
    """
    if isinstance(x, (dict, list, tuple)):
        return container_item_grad(g, x, index)
    out = np.zeros_like(x)
    if _is_basic(index) and (index is None or isinstance(index, tuple) and any(i is None for i in index)):
        # x[:, None]: the new axes have length 1 and leave the others in order; write without them (Dask
        # cannot assign through None). (Beside an index array, None can move axes: left to np.add.at.)
        index = tuple(i for i in index if i is not None) if isinstance(index, tuple) else ()
        g = np.reshape(g, np.shape(x[index]))
    if _is_basic(index):
        out[index] = g
    elif not _writable(x, g) and _take_axis(index) is not None:  # x[idx], x[:, idx]: Dask has no np.add.at
        axis = _take_axis(index)
        return untake(g, x, index[axis] if isinstance(index, tuple) else index, axis)
    else:
        np.add.at(out, index, g)
    return out


def _take_axis(index):
    """The axis ``k`` when ``x[index]`` is ``np.take(x, idx, axis=k)``: ``index`` an integer array (or list), or
    a tuple of ``:`` with one integer array at ``k``; else None."""
    items = index if isinstance(index, tuple) else (index,)
    arrays = [k for k, i in enumerate(items) if not (isinstance(i, slice) and i == slice(None))]
    if len(arrays) != 1 or not isinstance(items[arrays[0]], (list, np.ndarray)):
        return None
    kind = np.asarray(items[arrays[0]]).dtype.kind
    return arrays[0] if kind in "iu" else None


def _writable(x, y=None) -> bool:
    """Are ``x`` and ``y`` NumPy arrays (or scalars, lists, None)? The scatter-adds below write into a zero
    array with ``np.add.at``; other array types (Dask: lazy, no ``np.add.at``) take a formulation without
    writes. (Two type tests on the NumPy path: these helpers run in every gradient of an indexing.)"""
    return (type(x) is np.ndarray or not hasattr(x, "__array_function__")) and \
        (type(y) is np.ndarray or not hasattr(y, "__array_function__"))


def _one_hot(indices, n):
    """``indices[..., None] == arange(n)`` (negative indices counted from the end): the scatter-add
    ``out[indices[k]] += g[k]`` as a product with it, for arrays that cannot be written into (Dask).
    It costs ``size(indices) * n``, where ``np.add.at`` costs ``size(indices)``."""
    indices = np.asarray(indices) if isinstance(indices, (list, tuple)) else indices
    return np.expand_dims(indices % n, -1) == np.arange(n)


def untake(g, a, indices, axis=None):
    """Gradient of ``np.take``: scatter-add back (indices may repeat)."""
    if not _writable(a, g):
        if axis is None:
            return np.reshape(untake(np.ravel(g), np.ravel(a), np.ravel(indices), 0), shape_of(a))
        axis = axis % np.ndim(a)
        hot = _one_hot(indices, shape_of(a)[axis])
        out = np.tensordot(g, hot.astype(np.result_type(g, a)), (list(range(axis, axis + np.ndim(hot) - 1)),
                                                                    list(range(np.ndim(hot) - 1))))
        return np.moveaxis(out, -1, axis)
    out = np.zeros_like(a)
    if axis is None:
        flat = np.ravel(out)  # a view of the fresh array
        np.add.at(flat, np.ravel(indices), np.ravel(g))
        return out
    index = [slice(None)] * np.ndim(a)
    index[axis] = indices
    np.add.at(out, tuple(index), g)
    return out


def _along_axis_index(indices, axis, ndim):
    """The fancy index that ``np.take_along_axis(a, indices, axis)`` reads."""
    index = []
    for dim in range(ndim):
        if dim == axis:
            index.append(indices)
        else:
            shape = [1] * ndim
            shape[dim] = np.shape(indices)[dim]
            index.append(np.arange(np.shape(indices)[dim]).reshape(shape))
    return tuple(index)


def untake_along_axis(g, arr, indices, axis):
    """Gradient of ``np.take_along_axis``: scatter-add back."""
    if not _writable(arr, g):
        if axis is None:
            return np.reshape(untake_along_axis(np.ravel(g), np.ravel(arr), np.ravel(indices), 0), shape_of(arr))
        axis = axis % np.ndim(arr)
        hot = _one_hot(np.moveaxis(indices, axis, -1), shape_of(arr)[axis])  # (..., k, n)
        out = np.sum(np.where(hot, np.moveaxis(g, axis, -1)[..., None], 0), axis=-2)
        return unbroadcast(np.moveaxis(out, -1, axis).astype(np.result_type(g, arr), copy=False), arr)
    out = np.zeros_like(arr)
    if axis is None:
        flat = np.ravel(out)
        np.add.at(flat, np.ravel(indices), np.ravel(g))
        return out
    np.add.at(out, _along_axis_index(indices, axis % np.ndim(arr), np.ndim(arr)), g)
    return out


def unsort(g, a, axis=-1):
    """Gradient of ``np.sort``: each sorted entry's gradient goes back where it came from."""
    if axis is None:
        order = np.argsort(a, axis=None, kind="stable")
        out = np.zeros(np.size(a), dtype=np.result_type(g, a))
        out[order] = np.ravel(g)
        return np.reshape(out, np.shape(a))
    order = np.argsort(a, axis=axis, kind="stable")
    out = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(g)), dtype=np.result_type(g, a))
    np.put_along_axis(out, order, g, axis=axis)
    return out


def zero_at(g, index):
    """A copy of the gradient ``g`` with the entries at ``index`` set to zero (they were overwritten)."""
    out = np.copy(g)  # np.copy dispatches (a Dask array stays one)
    out[index] = 0
    return out


def written_part(g, index):
    """``g[index]``: the gradient reaching the values ``a[index] = v`` wrote. Where an integer-array
    index names an entry twice, only the write NumPy kept (the last) reaches ``v``; the others were
    overwritten and get zero."""
    part = g[index]
    if _is_basic(index) or isinstance(index, np.ndarray) and index.dtype == bool:
        return part
    order = np.arange(np.size(part)).reshape(np.shape(part))
    winner = np.full(np.shape(g), -1)
    winner[index] = order  # the same write, with positions for values: what survives is what NumPy kept
    return np.where(winner[index] == order, part, 0.0)


def added_at(a, index, v):
    """A copy of ``a`` with ``v`` added at ``index`` (repeats add up): the tangent of ``np.add.at(a, index, v)``."""
    out = np.copy(a).astype(np.result_type(a, v))
    np.add.at(out, index, v)
    return out


def set_at(a, index, v):
    """A copy of ``a`` with ``v`` written at ``index``: the tangent of ``a[index] = v``."""
    out = np.copy(a).astype(np.result_type(a, v))
    out[index] = v
    return out
