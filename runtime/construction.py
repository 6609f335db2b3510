"""Gradients and tangents of building arrays from values: ``np.linspace``, ``np.arange``, ``np.full``,
``np.r_[...]``, ``np.c_[...]`` and ``np.column_stack``."""
import numpy as np

from .broadcast import shape_of, unbroadcast
from .containers import GradientList


def linspace_ramp(result, num, endpoint=True, axis=0):
    """How far along from start to stop each sample of ``result = np.linspace(...)`` is (0 ... 1),
    shaped to broadcast against ``result`` along ``axis``: sample i is start + ramp[i] * (stop - start)."""
    ramp = np.arange(num) / max(num - 1 if endpoint else num, 1)
    shape = [1] * np.ndim(result)
    shape[axis] = num
    return np.reshape(ramp, shape)


def _inexact(result) -> bool:
    return np.issubdtype(np.result_type(result), np.inexact)


def unfill(g, fill_value, result):
    """Gradient of the fill value of ``result = np.full(shape, fill_value)`` (or ``np.full_like``):
    ``g`` summed back to its shape; none when ``result`` has an integer dtype (rounding is piecewise
    constant)."""
    if not _inexact(result):
        return np.zeros_like(fill_value) if type(fill_value) is not float else 0.0
    return unbroadcast(g, fill_value)


def fill_tangent(t, result):
    """Tangent of ``result = np.full(shape, fill_value)`` (or ``np.full_like``) for a fill value's
    tangent ``t``: ``t`` everywhere; zero when ``result`` has an integer dtype."""
    if not _inexact(result):
        return np.zeros(shape_of(result))
    return np.broadcast_to(t, shape_of(result))


def _joined_shape(item, joiner):
    """The shape ``item`` takes inside ``np.r_[...]`` or ``np.c_[...]`` (``joiner``), before joining."""
    if isinstance(item, slice):  # a range: the joiner itself says how long
        return np.shape(joiner[item])
    shape = shape_of(item)
    ndmin, trans1d = joiner.ndmin, joiner.trans1d
    if len(shape) >= ndmin:
        return shape
    padded = (1,) * (ndmin - len(shape)) + shape  # np.array(item, ndmin=ndmin)
    if trans1d == -1 or not shape:
        return padded
    # the item's own axes move to position trans1d (np.c_ makes a vector a column)
    k2 = ndmin - len(shape)
    k1 = trans1d if trans1d >= 0 else trans1d + k2 + 1
    return tuple(padded[a] for a in [*range(k1), *range(k2, ndmin), *range(k1, k2)])


def unjoin(g, joiner, items):
    """Gradients of ``np.r_[items]`` or ``np.c_[items]`` (``joiner``): ``g`` cut into each item's part
    and shaped like the item; ``None`` for a range (``0:3``). One item that is not a tuple gets its own."""
    several = type(items) is tuple
    items = items if several else (items,)
    widths = [_joined_shape(item, joiner)[joiner.axis] for item in items]
    pieces = np.split(g, np.cumsum(widths)[:-1], axis=joiner.axis)
    grads = GradientList(None if isinstance(item, slice) else np.reshape(piece, shape_of(item))
                         for piece, item in zip(pieces, items))
    return grads if several else grads[0]


def join_tangent(joiner, items, tangents):
    """Tangent of ``np.r_[items]`` or ``np.c_[items]``: the items' tangents joined the same way
    (zeros for a range, whose tangent is ``None``)."""
    if type(items) is not tuple:
        return joiner[tangents]
    return joiner[tuple(np.zeros(np.shape(joiner[item])) if isinstance(item, slice) else t
                        for item, t in zip(items, tangents))]


def uncolumn_stack(g, arrays):
    """Gradients of ``np.column_stack(arrays)``: a vector or number was one column, an array its own
    columns (axis 1)."""
    widths = [1 if len(shape_of(a)) < 2 else shape_of(a)[1] for a in arrays]
    pieces = np.split(g, np.cumsum(widths)[:-1], axis=1)
    return GradientList(np.reshape(p, shape_of(a)) for p, a in zip(pieces, arrays))
