"""The runtime helpers, as Numba compiles them: one implementation per argument type.

Generated gradients call ``unbroadcast``, ``zeros_like``, ``unindex``, ...
(runtime/). For the Numba backend (compiler/numba_backend.py) each gets a
``numba.extending.overload``: at typing time Numba picks the implementation
for the types at hand (a float, an array of a given rank), and LLVM inlines
it, so a scalar ``unbroadcast(g, x)`` costs nothing. A helper or an argument
type without an implementation here is not compiled: the backend refuses it
before Numba sees it (``SUPPORTED``), or Numba's typing fails and the backend
reports the user's line.

Importing this module imports Numba; nothing else in runtime/ does.
"""
import numpy as np
from numba import literal_unroll, njit as numba_njit, types
from numba.extending import overload
from numba.np.numpy_support import as_dtype

from . import broadcast, complex_grads, construction, containers, elementwise, indexing, numpy_grads, ownership, \
    products


class SharedWrite(Exception):
    """Raised by compiled code where the Python gradient's ``check_unshared`` raises: an in-place write
    would reach another name's memory. Its argument numbers the located error to raise instead."""


def copied(x):
    """``np.copy`` of what a write overwrites: a scalar stays a scalar (Numba's ``np.copy`` takes arrays)."""
    return np.copy(x)


def summed_keeping(g, axis):
    """``g.sum(axis=axis, keepdims=True)``, which Numba's sum does not take."""
    return g.sum(axis=axis, keepdims=True)


def shares_memory(a, b) -> bool:
    """May writing into ``a`` change ``b``? (``SharedMemoryCheck`` for arrays and scalars.)"""
    return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.may_share_memory(a, b)


def _is_scalar(t) -> bool:
    return isinstance(t, (types.Float, types.Integer, types.Boolean))


def _is_array(t) -> bool:
    return isinstance(t, types.Array)


def _is_basic_index(t) -> bool:
    """An index naming each entry once: ints, slices, ``...``, and tuples of them."""
    if isinstance(t, (types.Integer, types.SliceType, types.EllipsisType)):
        return True
    return isinstance(t, types.BaseTuple) and all(isinstance(i, (types.Integer, types.SliceType, types.EllipsisType))
                                                  for i in t)


def _rows_then_basic(t, ndim) -> bool:
    """A tuple index whose first entry is a one-dimensional integer array (the rows) and whose others are
    ints and slices (``y[idx, 1:]``): each row index names the entries of one sub-array, once."""
    return isinstance(t, types.BaseTuple) and len(t) >= 1 and len(t) <= ndim and _index_array(t.types[0]) \
        and all(isinstance(i, (types.Integer, types.SliceType)) for i in t.types[1:])


def _in_bounds(i, n):
    """``i`` as an index into an axis of length ``n`` (negative ones from the end), or IndexError: the
    scatter loops below write where it points, which Numba does not check."""
    if i < -n or i >= n:
        raise IndexError("index out of bounds")
    return i + n if i < 0 else i


@overload(_in_bounds)
def _in_bounds_impl(i, n):
    return _in_bounds  # the same code, compiled by Numba


@overload(broadcast.like)
def _like(x):
    # the tape keeps x for its shape and dtype only: the value itself serves (None too, where a branch
    # did not define x: Numba's Optional, which the reversed branch that reads it never sees as None)
    if _is_scalar(x) or _is_array(x) or isinstance(x, (types.Optional, types.NoneType)):
        return lambda x: x


def _placeholder(t) -> bool:
    """The type of a value a branch may leave as None (a function's result before it returns): Numba's
    Optional of a scalar, or None. Its gradient is never read; Python's is a zero too."""
    return isinstance(t, types.NoneType) or isinstance(t, types.Optional) and _is_scalar(t.type)


@overload(broadcast.zeros_like)
def _zeros_like(x):
    if _placeholder(x):
        return lambda x: 0.0
    if isinstance(x, types.Optional) and _is_array(x.type):
        # an array result before its function returns: its gradient is read only where it holds the array,
        # so None's zero needs only the type (an empty array of it)
        shape, dtype = (0,) * x.type.ndim, as_dtype(x.type.dtype)
        return lambda x: np.zeros(shape if x is None else x.shape, dtype)
    if isinstance(x, types.Float) and x.bitwidth == 64:
        return lambda x: 0.0
    if _is_scalar(x):
        make = as_dtype(x).type  # the zero in x's precision (np.float32(0), np.int64(0), np.bool_(0))
        return lambda x: make(0)
    if _is_array(x):
        return lambda x: np.zeros_like(x)


# a zero tangent of a number or an array is zeros_like's (containers are not compiled)
overload(broadcast.zero_tangent)(_zeros_like)


@overload(broadcast.broadcast_like)
def _broadcast_like(t, result):
    # a tangent grown to its value's shape: the same numbers as Python's (a broadcast view there, a new
    # array here: nothing writes into a tangent)
    if _is_scalar(t) and _is_scalar(result):
        return lambda t, result: t
    if _is_scalar(t) and _is_array(result):
        return lambda t, result: np.full(result.shape, t)
    if _is_array(t) and _is_array(result) and t.ndim <= result.ndim:
        dtype = as_dtype(t.dtype)
        if t.ndim == result.ndim:
            def same_rank(t, result):
                if t.shape == result.shape:
                    return t
                out = np.empty(result.shape, dtype)
                out[...] = t
                return out
            return same_rank

        def grown(t, result):
            out = np.empty(result.shape, dtype)
            out[...] = t
            return out
        return grown


@overload(broadcast.shape_of)
def _shape_of(x):
    if _is_scalar(x) or _is_array(x):
        return lambda x: np.shape(x)


def _sum_to(g, shape):
    """``g`` summed over the axes broadcasting stretched, and spread over those it did not (an axis of 1 in
    ``g`` where ``shape`` has more), to ``shape`` (of ``g``'s rank or less): ``unbroadcast``'s arrays."""
    return broadcast.unbroadcast(g, np.zeros(shape))


def _next_index(index, shape):
    """``index`` moved to the next entry of an array of ``shape``, in C order (in place)."""
    axis = len(shape) - 1
    while axis >= 0:
        index[axis] += 1
        if index[axis] < shape[axis]:
            return
        index[axis] = 0
        axis -= 1


@overload(_next_index)
def _next_index_impl(index, shape):
    return _next_index  # the same code, compiled by Numba


@overload(_sum_to)
def _sum_to_impl(g, shape):
    if _is_array(g):
        def impl(g, shape):
            out = np.zeros(shape, dtype=g.dtype)
            flat_out = out.reshape(-1)
            flat_g = np.ascontiguousarray(g).reshape(-1)
            gshape = g.shape
            extra = len(gshape) - len(shape)
            index = np.zeros(len(gshape), dtype=np.int64)
            for k in range(flat_g.size):  # sum: each entry of g into the entry of out it broadcast to
                target = 0
                for axis in range(len(shape)):
                    n = shape[axis]
                    kept = n != 1 and gshape[axis + extra] != 1
                    target = target * n + (index[axis + extra] if kept else 0)
                flat_out[target] += flat_g[k]
                _next_index(index, gshape)
            spread = False
            for axis in range(len(shape)):
                spread = spread or (gshape[axis + extra] == 1 and shape[axis] != 1)
            if spread:  # an axis of 1 in g: its sums (at index 0) are the same along it
                where = np.zeros(len(shape), dtype=np.int64)
                for o in range(flat_out.size):
                    source = 0
                    for axis in range(len(shape)):
                        source = source * shape[axis] + (0 if gshape[axis + extra] == 1 else where[axis])
                    flat_out[o] = flat_out[source]
                    _next_index(where, shape)
            return out
        return impl


@overload(broadcast.unbroadcast)
def _unbroadcast(g, x):
    if _is_scalar(g) and (_is_scalar(x) or _placeholder(x)):
        return lambda g, x: g
    if _is_array(g) and _is_scalar(x):
        return lambda g, x: np.sum(g)
    if _is_scalar(g) and _is_array(x):
        return lambda g, x: np.full(x.shape, g)
    if _is_array(g) and _is_array(x) and g.ndim >= x.ndim:
        if g.ndim == x.ndim:
            def same_rank(g, x):
                if g.shape == x.shape:
                    return g
                return _sum_to(g, x.shape)
            return same_rank
        return lambda g, x: _sum_to(g, x.shape)


@overload(broadcast.unsum)
def _unsum(g, x, axis=None, keepdims=False):
    if not (axis is None or isinstance(axis, types.NoneType)):
        return None  # only the sum of everything
    if _is_scalar(g) and _is_array(x):
        return lambda g, x, axis=None, keepdims=False: np.full(x.shape, g)
    if _is_scalar(g) and _is_scalar(x):
        return lambda g, x, axis=None, keepdims=False: g


@overload(broadcast.unmean)
def _unmean(g, x, axis=None, keepdims=False):
    if not (axis is None or isinstance(axis, types.NoneType)):
        return None  # only the mean of everything
    if _is_scalar(g) and _is_array(x):
        def impl(g, x, axis=None, keepdims=False):
            if x.size == 0:  # the mean of nothing: x is empty, and so is its gradient
                return np.zeros(x.shape)
            return np.full(x.shape, g / x.size)
        return impl
    if _is_scalar(g) and _is_scalar(x):
        return lambda g, x, axis=None, keepdims=False: g


def _index_array(t) -> bool:
    """A one-dimensional array of integers: ``x[[0, 2, 2]]`` (the list becomes an array for Numba)."""
    return isinstance(t, types.Array) and t.ndim == 1 and isinstance(t.dtype, types.Integer)


def _mask(t) -> bool:
    return isinstance(t, types.Array) and t.ndim == 1 and isinstance(t.dtype, types.Boolean)


@overload(indexing.unindex)
def _unindex(g, x, index):
    if _is_array(x) and _is_basic_index(index):
        def impl(g, x, index):
            out = np.zeros_like(x)
            out[index] = g
            return out
        return impl
    if _is_array(x) and _is_array(g) and (_index_array(index) and g.ndim == x.ndim
                                          or _all_index_arrays(index, x.ndim) and g.ndim == 1):
        def gathered(g, x, index):  # x[idx], x[rows, cols]: an entry named twice gets both gradients, as
            out = np.zeros_like(x)  # np.add.at adds them
            add_at(out, index, g)
            return out
        return gathered
    if _is_array(x) and _rows_then_basic(index, x.ndim) and _is_array(g):
        def gathered_rows(g, x, index):  # x[idx, 1:]: each row's part gets its gradient, repeats add up
            out = np.zeros_like(x)
            rows, rest = index[0], index[1:]
            for k in range(rows.shape[0]):
                at = (_in_bounds(rows[k], out.shape[0]),) + rest
                out[at] = out[at] + g[k]
            return out
        return gathered_rows
    if _is_array(x) and x.ndim == 1 and _mask(index):
        def masked(g, x, index):
            out = np.zeros_like(x)
            taken = 0
            for i in range(x.shape[0]):
                if index[i]:
                    out[i] = g[taken]
                    taken += 1
            return out
        return masked


@overload(indexing.zero_at)
def _zero_at(g, index):
    # (an entry named twice is zeroed twice: the same as once)
    if _is_array(g) and (_is_basic_index(index) or g.ndim == 1 and _index_array(index)
                         or _rows_then_basic(index, g.ndim)):
        def impl(g, index):
            out = g.copy()
            out[index] = 0
            return out
        return impl
    if _is_array(g) and _index_array(index):
        def rows(g, index):
            out = g.copy()
            for k in range(index.shape[0]):
                out[_in_bounds(index[k], out.shape[0])] = 0
            return out
        return rows
    if _is_array(g) and _all_index_arrays(index, g.ndim):
        def entries(g, index):
            out = g.copy()
            for k in range(_broadcast_count(index)):
                out[_entry(index, k, out.shape)] = 0
            return out
        return entries


@overload(indexing.written_part)
def _written_part(g, index):
    # a copy, never a view: the backend updates adjoints in place (compiler/numba_rewrite.py)
    if _is_array(g) and isinstance(index, types.EllipsisType):
        return lambda g, index: g.copy()  # (Numba reads g[...] by no implementation)
    if _is_array(g) and _is_basic_index(index) and not (
            isinstance(index, types.BaseTuple) and any(isinstance(i, types.EllipsisType) for i in index)):
        ints = 1 if isinstance(index, types.Integer) else len(index) if isinstance(index, types.BaseTuple) else -1
        if ints == g.ndim and all(isinstance(i, types.Integer) for i in getattr(index, "types", [index])):
            return lambda g, index: g[index]
        return lambda g, index: g[index].copy()
    if _is_array(g) and g.ndim == 1 and _index_array(index):
        def last_write(g, index):  # an entry written twice: only the last write NumPy kept gets the gradient
            winner = np.full(g.shape[0], -1)
            for k in range(index.shape[0]):
                winner[_in_bounds(index[k], g.shape[0])] = k
            part = np.zeros(index.shape[0], g.dtype)
            for k in range(index.shape[0]):
                if winner[_in_bounds(index[k], g.shape[0])] == k:
                    part[k] = g[index[k]]
            return part
        return last_write
    if _is_array(g) and g.ndim >= 2 and _index_array(index):
        def last_of_rows(g, index):  # y[idx] = v into a matrix: a row named twice keeps the last write
            n = g.shape[0]
            winner = np.full(n, -1)
            for k in range(index.shape[0]):
                winner[_in_bounds(index[k], n)] = k
            part = np.zeros((index.shape[0],) + g.shape[1:], g.dtype)
            for k in range(index.shape[0]):
                row = _in_bounds(index[k], n)
                if winner[row] == k:
                    part[k] = g[row]
            return part
        return last_of_rows
    if _is_array(g) and g.ndim >= 2 and _all_index_arrays(index, g.ndim):
        def last_of_entries(g, index):  # y[rows, cols] = v: an entry named twice keeps the last write
            count = _broadcast_count(index)
            winner = np.full(g.shape, -1)
            for k in range(count):
                winner[_entry(index, k, g.shape)] = k
            part = np.zeros(count, g.dtype)
            for k in range(count):
                at = _entry(index, k, g.shape)
                if winner[at] == k:
                    part[k] = g[at]
            return part
        return last_of_entries
    if _is_array(g) and _rows_then_basic(index, g.ndim):
        def last_rows(g, index):  # y[idx, 1:] = v: a row named twice keeps the last write, as in NumPy
            rows = index[0]
            n = g.shape[0]
            winner = np.full(n, -1)
            for k in range(rows.shape[0]):
                winner[_in_bounds(rows[k], n)] = k
            part = g[index].copy()
            for k in range(rows.shape[0]):
                if winner[_in_bounds(rows[k], n)] != k:
                    part[k] = 0
            return part
        return last_rows


def _all_index_arrays(t, ndim) -> bool:
    """A tuple of one-dimensional integer arrays, one an axis (up to three): ``y[rows, columns]``."""
    return isinstance(t, types.BaseTuple) and len(t) == ndim and 1 <= ndim <= 3 \
        and all(_index_array(i) for i in t.types)


def add_at(a, index, v):
    """``np.add.at(a, index, v)``: Numba has no ``ufunc.at``; the backend calls this instead."""
    np.add.at(a, index, v)


@overload(add_at)
def _add_at(a, index, v):
    # the entries index names, in order, each gets its v added (repeats add up); v a number, or one value
    # an index entry (a row of the shape a[index[k]] for a one-dimensional index into a matrix)
    if not _is_array(a) or not (_is_scalar(v) or _is_array(v)):
        return None
    if _index_array(index):
        if _is_scalar(v) or v.ndim < a.ndim:  # the same value at each entry
            def same(a, index, v):
                n = a.shape[0]
                for k in range(index.shape[0]):
                    a[_in_bounds(index[k], n)] += v
            return same
        if v.ndim == a.ndim:
            def each(a, index, v):
                n = a.shape[0]
                if v.shape[0] != index.shape[0] and v.shape[0] != 1:
                    raise ValueError("np.add.at: the values do not match the index")
                for k in range(index.shape[0]):
                    a[_in_bounds(index[k], n)] += v[k if v.shape[0] != 1 else 0]
            return each
        return None
    if _all_index_arrays(index, a.ndim) and (_is_scalar(v) or v.ndim == 1):
        scalar = _is_scalar(v)

        def entries(a, index, v):
            count = _broadcast_count(index)
            if not scalar and v.shape[0] != count and v.shape[0] != 1:
                raise ValueError("np.add.at: the values do not match the index")
            for k in range(count):
                a[_entry(index, k, a.shape)] += v if scalar else v[k if v.shape[0] != 1 else 0]
        return entries


def _broadcast_count(index):
    """How many entries a tuple of index arrays names (one of length 1 stands for every entry, as NumPy
    broadcasts it), or NumPy's error for lengths that do not broadcast."""
    count = 1
    for axis in literal_unroll(index):
        n = axis.shape[0]
        if n != 1:
            if count != 1 and n != count:
                raise IndexError("shape mismatch: indexing arrays could not be broadcast together")
            count = n
    return count


@overload(_broadcast_count)
def _broadcast_count_impl(index):
    return _broadcast_count  # the same code, compiled by Numba


def _entry(index, k, shape):
    """The k-th entry a tuple of index arrays names in an array of ``shape``, as a tuple of in-bounds ints."""
    return tuple(_in_bounds(axis[k if axis.shape[0] != 1 else 0], n) for axis, n in zip(index, shape))


@overload(_entry)
def _entry_impl(index, k, shape):
    def at(axis, k, n):
        return _in_bounds(axis[k if axis.shape[0] != 1 else 0], n)
    at = numba_njit(at)
    if len(index) == 1:
        return lambda index, k, shape: (at(index[0], k, shape[0]),)
    if len(index) == 2:
        return lambda index, k, shape: (at(index[0], k, shape[0]), at(index[1], k, shape[1]))
    if len(index) == 3:
        return lambda index, k, shape: (at(index[0], k, shape[0]), at(index[1], k, shape[1]),
                                        at(index[2], k, shape[2]))


def stacked(items):
    """``np.array(list(items))``: numbers, or arrays of one shape stacked along a new first axis (the
    backend's ``np.array([a, b])``, which Numba does not take for arrays)."""
    return np.array(list(items))


@overload(stacked)
def _stacked(items):
    if not isinstance(items, types.BaseTuple) or len(items) == 0:
        return None
    kinds = list(items.types)
    if all(_is_array(t) for t in kinds) and len({t.ndim for t in kinds}) == 1:
        dtype = np.result_type(*[as_dtype(t.dtype) for t in kinds])

        def arrays(items):
            first = items[0]
            out = np.empty((len(items),) + first.shape, dtype)
            k = 0
            for item in literal_unroll(items):
                if item.shape != first.shape:
                    raise ValueError("np.array of arrays of different shapes")
                out[k] = item
                k += 1
            return out
        return arrays
    if all(isinstance(t, (types.Number, types.Boolean)) for t in kinds):
        dtype = np.result_type(*[as_dtype(t) for t in kinds])

        def numbers(items):
            out = np.empty(len(items), dtype)
            k = 0
            for item in literal_unroll(items):
                out[k] = item
                k += 1
            return out
        return numbers


def array_copy(x):
    """``np.array(x)`` for one value: a copy of an array (Numba's np.array takes no array), else np.array."""
    return np.array(x)


@overload(array_copy)
def _array_copy(x):
    if _is_array(x):
        return lambda x: x.copy()
    return lambda x: np.array(x)


@overload(containers.array_grad)
def _array_grad(g, obj):
    # np.array(x) of an array (a copy): its gradient is g; a list literal's items are read from g by the
    # gradient itself (dm[0], dm[1], ...)
    if _is_array(obj) or _is_scalar(obj):
        return lambda g, obj: g


def _result_dtype(a, v):
    """``np.result_type(a, v)`` for Numba types: the dtype set_at's and added_at's copy of ``a`` takes."""
    return np.result_type(as_dtype(a.dtype), as_dtype(v.dtype if _is_array(v) else v))


@overload(indexing.set_at)
def _set_at(a, index, v):
    # the tangent of a[index] = v: a copy with v written there (an entry written twice: the last write)
    if _is_array(a) and (_is_scalar(v) or _is_array(v)) and (
            _is_basic_index(index) or _index_array(index) or _rows_then_basic(index, a.ndim)
            or _all_index_arrays(index, a.ndim)):
        dtype = _result_dtype(a, v)

        def impl(a, index, v):
            out = a.astype(dtype)
            out[index] = v
            return out
        return impl


@overload(construction.fill_tangent)
def _fill_tangent(t, result):
    # the tangent of np.full(shape, fill): the fill's tangent everywhere (broadcast_like's), zero for an
    # integer result
    if _is_array(result) and not isinstance(result.dtype, (types.Float, types.Complex)):
        return lambda t, result: np.zeros(result.shape)
    return _broadcast_like(t, result)


def set_in_place(a, index, v):
    """``set_at(a, index, v)`` where nothing reads ``a`` afterwards (compiler/numba_versions.py): ``v`` written
    into ``a`` itself when ``a``'s dtype holds it, else into a copy of the dtype both take."""
    if np.result_type(a, v) != a.dtype:
        return indexing.set_at(a, index, v)
    a[index] = v
    return a


def add_in_place(a, index, v):
    """``added_at(a, index, v)`` where nothing reads ``a`` afterwards: ``v`` added into ``a`` itself when its
    dtype holds it (repeats add up), else into a copy."""
    if np.result_type(a, v) != a.dtype:
        return indexing.added_at(a, index, v)
    np.add.at(a, index, v)
    return a


@overload(set_in_place)
def _set_in_place(a, index, v):
    if _set_at(a, index, v) is not None and _result_dtype(a, v) == as_dtype(a.dtype):
        def impl(a, index, v):
            a[index] = v
            return a
        return impl
    return _set_at(a, index, v)


@overload(add_in_place)
def _add_in_place(a, index, v):
    if _is_array(a) and (_is_scalar(v) or _is_array(v)) and _result_dtype(a, v) == as_dtype(a.dtype):
        def impl(a, index, v):
            add_at(a, index, v)
            return a
        return impl
    return _added_at(a, index, v)


@overload(indexing.added_at)
def _added_at(a, index, v):
    # the tangent of np.add.at(a, index, v): a copy with v added there (repeats add up)
    if _is_array(a) and (_is_scalar(v) or _is_array(v)):
        dtype = _result_dtype(a, v)

        def impl(a, index, v):
            out = a.astype(dtype)
            add_at(out, index, v)
            return out
        return impl


@overload(numpy_grads.power_slope)
def _power_slope(x, y):
    # d(x ** y)/dx for a number y (the exponent of a loop's x ** i): 0 where y is 0, as in Python
    if _is_scalar(x) and _is_scalar(y):
        def scalar(x, y):
            if y == 0:
                return 0.0
            return y * x ** (y - 1.0)
        return scalar
    if _is_array(x) and _is_scalar(y):
        def array(x, y):
            if y == 0:
                return np.zeros(x.shape)
            return y * x ** (y - 1.0)
        return array


@overload(numpy_grads.power_curvature)
def _power_curvature(x, y):
    # d(y * x ** (y - 1))/dx for a number y (a Hessian of x ** i in a loop): 0 where y is 0 or 1, as in Python
    if _is_scalar(x) and _is_scalar(y):
        def scalar(x, y):
            if y == 0 or y == 1:
                return 0.0
            z = y - 1.0
            return y * (z * x ** (z - 1.0))
        return scalar
    if _is_array(x) and _is_scalar(y):
        def array(x, y):
            if y == 0 or y == 1:
                return np.zeros(x.shape)
            z = y - 1.0
            return y * (z * x ** (z - 1.0))
        return array


@overload(elementwise.safe_div)
def _safe_div(g, d):
    if _is_scalar(g) and _is_scalar(d):
        return lambda g, d: g / d if g != 0 else 0.0
    if _is_array(g) or _is_array(d):
        return lambda g, d: np.where(g == 0, 0.0, g / d)


@overload(elementwise.tie_share)
def _tie_share(x, result, other):
    if _is_scalar(x) and _is_scalar(result) and _is_scalar(other):
        return lambda x, result, other: (1.0 if x == result else 0.0) / (1.0 + (1.0 if x == other else 0.0))
    if all(_is_scalar(t) or _is_array(t) for t in (x, result, other)):  # np.maximum of arrays: NumPy's formula
        return lambda x, result, other: (x == result) / (1.0 + (x == other))


@overload(complex_grads.real_like)
def _real_like(g, x):
    if _is_scalar(g) or (_is_array(g) and not isinstance(g.dtype, types.Complex)):
        return lambda g, x: g  # (real values only: the Numba backend has no complex gradients)


@overload(complex_grads.abs_slope)
def _abs_slope(x):
    if _is_scalar(x) or (_is_array(x) and not isinstance(x.dtype, types.Complex)):
        return lambda x: np.sign(x)


@overload(elementwise.replace_zero)
def _replace_zero(x, value):
    if _is_scalar(x):
        return lambda x, value: value if x == 0 else x
    if _is_array(x):
        return lambda x, value: np.where(x == 0, value, x)


@overload(ownership.own)
def _own(value):
    if _is_array(value):
        return lambda value: value.copy()
    if _is_scalar(value):
        return lambda value: value


@overload(containers.walked_length)
def _walked_length(sequence, line=None, col=None):
    # what Numba passes in is an array or a typed list, never a dict or a set: the length, with no check
    return lambda sequence, line=None, col=None: len(sequence)


@overload(summed_keeping)
def _summed_keeping(g, axis):
    if _is_array(g) and isinstance(axis, types.Integer):
        if g.ndim == 1:
            return lambda g, axis: np.full(1, np.sum(g))
        return lambda g, axis: np.expand_dims(np.sum(g, axis=axis), axis)


@overload(copied)
def _copied(x):
    if _is_array(x):
        return lambda x: x.copy()
    if _is_scalar(x):
        return lambda x: x


def _bounds(a):
    """The first and one-past-last byte address an array's entries may occupy (np.may_share_memory's test)."""
    low = high = a.ctypes.data
    for axis in range(a.ndim):
        reach = (a.shape[axis] - 1) * a.strides[axis]
        if reach < 0:
            low += reach
        else:
            high += reach
    return low, high + a.itemsize


@overload(_bounds)
def _bounds_impl(a):
    if _is_array(a):
        return _bounds  # the same code, compiled by Numba


@overload(shares_memory)
def _shares_memory(a, b):
    if _is_array(a) and _is_array(b):
        def impl(a, b):
            if a.size == 0 or b.size == 0:
                return False
            a_low, a_high = _bounds(a)
            b_low, b_high = _bounds(b)
            return a_low < b_high and b_low < a_high
        return impl
    return lambda a, b: False


def _product_grad(g, a, b, left: bool):
    """The gradient of ``a @ b`` (and of ``np.dot(a, b)``, the same for these ranks) with respect to ``a``
    (``left``) or ``b``, for vectors and matrices; None for other ranks (Numba's typing then refuses)."""
    if not (_is_array(a) and _is_array(b) and a.ndim in (1, 2) and b.ndim in (1, 2)):
        return None
    ranks = (a.ndim, b.ndim)
    if ranks == (2, 2):
        return (lambda g, a, b: g @ b.T) if left else (lambda g, a, b: a.T @ g)
    if ranks == (2, 1):
        return (lambda g, a, b: np.outer(g, b)) if left else (lambda g, a, b: a.T @ g)
    if ranks == (1, 2):
        return (lambda g, a, b: b @ g) if left else (lambda g, a, b: np.outer(a, g))
    return (lambda g, a, b: g * b) if left else (lambda g, a, b: g * a)


@overload(products.matmul_grad_left)
def _matmul_grad_left(g, a, b):
    return _product_grad(g, a, b, True)


@overload(products.matmul_grad_right)
def _matmul_grad_right(g, a, b):
    return _product_grad(g, a, b, False)


@overload(products.dot_grad_left)
def _dot_grad_left(g, a, b):
    return _product_grad(g, a, b, True)


@overload(products.dot_grad_right)
def _dot_grad_right(g, a, b):
    return _product_grad(g, a, b, False)


# The runtime helpers that compiled gradients may call, and the module of each (for error messages).
SUPPORTED = {broadcast.like, broadcast.zeros_like, broadcast.shape_of, broadcast.unbroadcast, broadcast.unsum,
             broadcast.unmean, indexing.unindex, indexing.zero_at, indexing.written_part, elementwise.safe_div,
             elementwise.tie_share, elementwise.replace_zero, complex_grads.real_like, complex_grads.abs_slope,
             numpy_grads.power_slope, numpy_grads.power_curvature, ownership.own, copied, shares_memory,
             summed_keeping, add_at, stacked, array_copy, containers.array_grad, containers.walked_length, broadcast.zero_tangent,
             broadcast.broadcast_like, indexing.set_at, indexing.added_at, set_in_place, add_in_place,
             construction.fill_tangent,
             products.matmul_grad_left, products.matmul_grad_right, products.dot_grad_left, products.dot_grad_right}

from . import numba_cuts  # noqa: E402 -- cutting gradients back (concatenate, stack) and a few reductions' adjoints
SUPPORTED |= numba_cuts.SUPPORTED
