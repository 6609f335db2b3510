"""Numba versions of the helpers that cut a gradient back into pieces (``np.concatenate``, ``np.stack``,
``np.column_stack``) and of the adjoints of ``np.linspace``, ``np.cumsum``, ``np.clip``, ``np.diff`` and
``np.prod`` -- each for the forms Numba's own NumPy takes (no ``axis`` for cumsum, diff and prod).

Imported by runtime/numba_helpers.py, which lists them in ``SUPPORTED``. Each gives the numbers of the
Python helper it stands for: the same operations in the same order.
"""
import numpy as np
from numba import types
from numba.extending import overload

from . import construction, elementwise, numpy_grads, reductions, shapes


def _is_array(t) -> bool:
    return isinstance(t, types.Array)


def _is_scalar(t) -> bool:
    return isinstance(t, (types.Number, types.Boolean))


def _absent(t) -> bool:
    return t is None or isinstance(t, (types.NoneType, types.Omitted))


def _cut_back(count, widths, axis_code, signature="g, arrays, axis=0"):
    """An implementation ``impl(signature)`` returning ``g`` cut along an axis into ``count`` pieces of
    the given widths (code text, one per piece), each reshaped to its array's shape. ``g`` is seen as
    (before, along, after) so one slice serves every rank and axis; pieces are copies (the Python helpers
    return views: the same numbers)."""
    lines = [f"def impl({signature}):",
             f"    ax = {axis_code}",
             "    whole = np.ascontiguousarray(g)",
             "    before = 1",
             "    for i in range(ax):",
             "        before *= whole.shape[i]",
             "    after = 1",
             "    for i in range(ax + 1, whole.ndim):",
             "        after *= whole.shape[i]",
             "    seen = whole.reshape((before, whole.shape[ax], after))",
             "    start = 0"]
    for k in range(count):
        lines += [f"    stop = start + {widths[k]}",
                  f"    piece{k} = seen[:, start:stop, :].copy().reshape(arrays[{k}].shape)",
                  "    start = stop"]
    lines.append(f"    return ({''.join(f'piece{k}, ' for k in range(count))})")
    namespace = {"np": np}
    exec("\n".join(lines), namespace)  # one implementation per number of pieces: a tuple's length is its type
    return namespace["impl"]


def _arrays_of(arrays, g):
    return _is_array(g) and isinstance(arrays, types.BaseTuple) and len(arrays) > 0 \
        and all(_is_array(t) for t in arrays.types)


@overload(shapes.unconcatenate)
def _unconcatenate(g, arrays, axis=0):
    if _arrays_of(arrays, g) and isinstance(axis, (types.Integer, types.Omitted, int)):
        return _cut_back(len(arrays), [f"arrays[{k}].shape[ax]" for k in range(len(arrays))], "axis % g.ndim")


@overload(shapes.unstack)
def _unstack(g, arrays, axis=0):
    if _arrays_of(arrays, g) and isinstance(axis, (types.Integer, types.Omitted, int)):
        return _cut_back(len(arrays), ["1"] * len(arrays), "axis % g.ndim")


@overload(construction.uncolumn_stack)
def _uncolumn_stack(g, arrays):
    if _arrays_of(arrays, g) and g.ndim == 2:  # a vector was one column, a matrix its own columns
        widths = ["1" if t.ndim < 2 else f"arrays[{k}].shape[1]" for k, t in enumerate(arrays.types)]
        return _cut_back(len(arrays), widths, "1", "g, arrays")


@overload(construction.linspace_ramp)
def _linspace_ramp(result, num, endpoint=True, axis=0):
    # Numba's np.linspace(start, stop, num) makes a vector of numbers: the ramp along it
    if _is_array(result) and result.ndim == 1:
        def impl(result, num, endpoint=True, axis=0):
            return np.arange(num) / max(num - 1 if endpoint else num, 1)
        return impl


@overload(reductions.cumsum_grad)
def _cumsum_grad(g, a, axis=None):
    # Numba's np.cumsum takes no axis: the flattened sum, from the end
    if _is_array(g) and _is_array(a) and _absent(axis):
        def impl(g, a, axis=None):
            return np.ascontiguousarray(np.cumsum(g.ravel()[::-1])[::-1]).reshape(a.shape)
        return impl


@overload(elementwise.clip_share)
def _clip_share(a, a_min, a_max):
    if not (_is_array(a) or _is_scalar(a)):
        return None
    if _absent(a_min) and _absent(a_max):
        if _is_array(a):
            return lambda a, a_min, a_max: np.ones(a.shape, dtype=np.bool_)
        return lambda a, a_min, a_max: True
    if _absent(a_min):
        return lambda a, a_min, a_max: a <= a_max
    if _absent(a_max):
        return lambda a, a_min, a_max: a >= a_min
    return lambda a, a_min, a_max: (a >= a_min) & (a <= a_max)


@overload(numpy_grads.diff_grad)
def _diff_grad(g, a, n=1, axis=-1, prepend=None, append=None, part=1):
    # Numba's np.diff(a, n) differences along the last axis, with nothing prepended or appended: the
    # gradient of a is (-1)**n n differences of g padded with n zeros on both sides (as in Python)
    if _is_array(g) and _is_array(a) and _absent(prepend) and _absent(append):
        def impl(g, a, n=1, axis=-1, prepend=None, append=None, part=1):
            if part != 1 or axis % a.ndim != a.ndim - 1:
                raise ValueError("diff_grad: only the gradient of a, along the last axis, is compiled")
            if n == 0:
                return g.copy()
            width = g.shape[-1]
            padded = np.zeros(g.shape[:-1] + (width + 2 * n,))
            padded[..., n:n + width] = g
            full = np.diff(padded, n)
            return -full if n % 2 else full
        return impl


@overload(numpy_grads.diff_tangent)
def _diff_tangent(t, a, n=1, axis=-1, prepend=None, append=None, part=1):
    # (a Hessian's tangent code) the differences of a's tangent, along the last axis, as Numba's np.diff
    if _is_array(t) and _is_array(a) and t.ndim == a.ndim and _absent(prepend) and _absent(append):
        def impl(t, a, n=1, axis=-1, prepend=None, append=None, part=1):
            if part != 1 or axis % a.ndim != a.ndim - 1:
                raise ValueError("diff_tangent: only the tangent of a, along the last axis, is compiled")
            if n == 0:
                return t.copy()
            return np.diff(np.ascontiguousarray(t), n)
        return impl


@overload(reductions.prod_grad)
def _prod_grad(g, a, axis=None, keepdims=False):
    # Numba's np.prod takes no axis: each entry gets the product of the others (before it, after it)
    if _is_scalar(g) and _absent(axis) and _is_scalar(a):
        return lambda g, a, axis=None, keepdims=False: g * 1.0
    if _is_scalar(g) and _absent(axis) and _is_array(a):
        def impl(g, a, axis=None, keepdims=False):
            merged = a.ravel()
            ones = np.ones_like(merged[:1])
            before = np.cumprod(np.concatenate((ones, merged[:-1])))
            after = np.cumprod(np.concatenate((ones, merged[::-1][:-1])))[::-1]
            return g * (before * after).reshape(a.shape)
        return impl


SUPPORTED = {shapes.unconcatenate, shapes.unstack, construction.uncolumn_stack, construction.linspace_ramp,
             reductions.cumsum_grad, elementwise.clip_share, numpy_grads.diff_grad, numpy_grads.diff_tangent,
             reductions.prod_grad}
