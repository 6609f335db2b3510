"""Undoing broadcasting and reductions: the transposes of implicit expansion."""
import math

import numpy as np

from .containers import zeros_of_container


SMALL = 1 << 16  # arrays up to this size are cheaper to fill than to broadcast a view over


def shape_of(x):
    """``np.shape(x)``, without its call overhead for the common NumPy array and Python float."""
    kind = type(x)
    if kind is np.ndarray:
        return x.shape
    if kind is float:
        return ()
    return np.shape(x)


def size_of(x) -> int:
    """``np.size(x)`` from the shape, so arrays that dispatch (Dask) need not be computed for it."""
    return math.prod(shape_of(x))


_ZERO = bytes(16)  # one zero of any dtype up to complex128


def like(x):
    """What a loop's tape keeps of an array its reversed body reads only for its shape and dtype: an
    array of that shape and dtype whose entries all sit on one zero byte string (no memory to speak of)."""
    if type(x) is np.ndarray and x.dtype.itemsize <= 16 and not x.dtype.hasobject:
        return np.ndarray(x.shape, x.dtype, _ZERO, 0, (0,) * x.ndim)
    return x


def zeros_like(x):
    """A zero gradient for ``x``: ``0.0`` for a Python float (fast scalar arithmetic), an empty partial
    gradient for a container, else ``np.zeros_like``."""
    if type(x) is float:
        return 0.0
    if isinstance(x, (dict, list, tuple)):
        return zeros_of_container(x)
    return np.zeros_like(x)


def zero_tangent(x):
    """A zero tangent for ``x``: like ``zeros_like``, but a container gets a container of zeros, every
    entry there to read (a gradient's partial container leaves entries out)."""
    if isinstance(x, (list, tuple)):
        return type(x)(zero_tangent(item) for item in x) if type(x) in (list, tuple) else \
            [zero_tangent(item) for item in x]
    if isinstance(x, dict):
        return {key: zero_tangent(item) for key, item in x.items()}
    return zeros_like(x)


def broadcast_like(t, result):
    """A tangent grown to its value's shape (an operand that broadcast contributes to every entry). A list's
    or a dict's (the gradient of ``parts`` in ``parts = np.split(x, 2); parts[0]``, differentiated again) is
    already one entry per item."""
    if isinstance(result, (list, tuple, dict)):
        return t
    shape = shape_of(result)
    if shape_of(t) == shape:
        return t
    return np.broadcast_to(t, shape)


def is_complex(x) -> bool:
    """Is ``x`` a complex number or an array of complex dtype (without converting anything)?"""
    kind = type(x)
    if kind is float or kind is int or kind is bool:
        return False
    if kind is complex:
        return True
    if kind is np.ndarray:
        return x.dtype.kind == "c"
    return getattr(getattr(x, "dtype", None), "kind", None) == "c"


def unbroadcast(g, x):
    """Sum the gradient ``g`` of a broadcast result back to the shape of ``x``."""
    if type(g) is float and type(x) is float:
        return g
    if isinstance(x, (list, tuple, dict)):  # a container's gradient is one entry per item: nothing broadcast
        return g
    if is_complex(g) and not is_complex(x):
        g = np.real(g)  # a real operand of a complex operation: the real part (runtime/complex_grads.py)
    shape = shape_of(x)
    g_shape = shape_of(g)
    if g_shape == shape:
        return g
    # an ndarray's own .sum skips np.sum's dispatch: a few microseconds on small arrays
    total = g.sum if type(g) is np.ndarray else (lambda **kw: np.sum(g, **kw))
    extra = len(g_shape) - len(shape)
    if extra > 0:
        g = total(axis=tuple(range(extra)))
        g_shape = g_shape[extra:]
        total = g.sum if type(g) is np.ndarray else (lambda **kw: np.sum(g, **kw))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and i < len(g_shape) and g_shape[i] != 1)
    if stretched:
        g = total(axis=stretched, keepdims=True)
    if np.shape(g) != shape:  # g was smaller than x: a scalar seed, say
        g = np.broadcast_to(g, shape)
    return g


def _positive_axes(axis, ndim):
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def unsum(g, x, axis=None, keepdims=False):
    """The gradient of ``np.sum(x, axis, keepdims=keepdims)``: spread ``g`` over ``x``."""
    shape = shape_of(x)
    if axis is not None and not keepdims and shape:
        g = np.expand_dims(g, _positive_axes(axis, len(shape)))
    if type(x) is not np.ndarray and np.ndim(x) > 0:  # another array type (Dask): stay in it, stay lazy
        return np.ones_like(x) * g
    if np.ndim(g) == 0 and type(x) is np.ndarray and x.size <= SMALL:
        return np.full(shape, g)  # cheaper than a broadcast view for small arrays
    return np.broadcast_to(g, shape)


def unmean(g, x, axis=None, keepdims=False):
    """The gradient of ``np.mean(x, axis, keepdims=keepdims)``."""
    shape = shape_of(x)
    if axis is None:
        count = size_of(x)
    else:
        count = 1
        for a in _positive_axes(axis, len(shape)):
            count *= shape[a]
    if count == 0:  # the mean of nothing: x is empty, and so is its gradient
        return zeros_like(x)
    return unsum(g / count, x, axis, keepdims)  # divide the small gradient, not the spread one
