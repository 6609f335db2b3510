"""Gradients and tangents of the rest of NumPy's array API: differences (``np.diff``, ``np.gradient``),
``np.cross``, ``np.append``, the ``*split`` family, ``np.rollaxis``, ``np.partition``, ufunc methods
(``np.maximum.accumulate``), einsum's other spellings (``...``, the sublist form), powers at zero, and
``np.linalg``'s ``eig``, ``eigvals``, ``eigvalsh``, ``eigh(UPLO='U')`` and the singular vectors.

Each helper that takes a gradient ``g`` (or a tangent ``t``) is linear in it.
"""
import numpy as np

from .complex_grads import refuse_complex

from .broadcast import shape_of
from .containers import GradientList
from .indexing import untake_along_axis
from .linalg import _inverse_gaps, _t, eigh_grad, eigh_tangents
from .products import einsum_grads


def _sum_to(g, shape):
    """``g`` summed over the axes that broadcasting added or stretched, to ``shape``."""
    shape = tuple(shape)
    g_shape = np.shape(g)
    if g_shape == shape:
        return g
    extra = len(g_shape) - len(shape)
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
    return np.reshape(np.sum(g, axis=axes), shape)


# -- powers ------------------------------------------------------------------------------------------------


def power_slope(x, y):
    """``d(x ** y)/dx = y * x ** (y - 1)``, but 0 where ``y == 0`` (``x ** 0`` is 1 everywhere, also at
    ``x = 0``, where ``0 * 0 ** -1`` would be NaN, or a ZeroDivisionError for Python floats)."""
    if isinstance(x, (int, float)) and isinstance(y, (int, float)):
        if y == 0:
            return 0.0
        if x == 0 and y < 1:  # an infinite slope (0 < y < 1), as NumPy gives it, not a ZeroDivisionError
            with np.errstate(divide="ignore"):
                return float(y * np.power(float(x), y - 1.0))
        return y * x ** (y - 1)
    zero = np.equal(y, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, y * np.power(x, np.where(zero, 1.0, np.subtract(y, 1.0))))


def power_curvature(x, y):
    """``d(y * x ** (y - 1))/dx = y * (y - 1) * x ** (y - 2)``, 0 where ``y`` is 0 or 1 (also at ``x = 0``)."""
    flat = np.logical_or(np.equal(y, 0), np.equal(y, 1))
    return np.where(flat, 0.0, y * power_slope(x, np.where(flat, 2.0, np.subtract(y, 1.0))))


def power_slope_in_y(x, y):
    """``d(y * x ** (y - 1))/dy = x ** (y - 1) * (1 + y log x)``, for second derivatives; 0 at ``x = 0``
    except where ``y == 1`` (there it is 1)."""
    safe = np.where(np.equal(x, 0), 1.0, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(np.equal(x, 0), np.where(np.equal(y, 1), 1.0, 0.0),
                         np.power(safe, np.subtract(y, 1.0)) * (1.0 + y * np.log(np.abs(safe))))
    return value


# -- differences -------------------------------------------------------------------------------------------


def _diff_pieces(a, axis, prepend, append):
    """The shapes np.diff joins along ``axis`` (prepend, a, append; None when absent) and the axis."""
    shape = shape_of(a)
    axis = axis % len(shape)
    shapes = []
    for value in (prepend, a, append):
        if value is None:
            shapes.append(None)
        elif value is not a and np.ndim(value) == 0:  # a number: broadcast to one slice of a
            shapes.append(shape[:axis] + (1,) + shape[axis + 1:])
        else:
            shapes.append(shape_of(value))
    return shapes, axis


def diff_grad(g, a, n=1, axis=-1, prepend=None, append=None, part=1):
    """Gradient of ``np.diff(a, n, axis, prepend=..., append=...)`` in ``a`` (part 1), ``prepend`` (0) or
    ``append`` (2). The transpose of one difference is minus a difference of ``g`` padded with a zero on
    both sides, so n differences transpose to ``(-1)**n`` n differences of ``g`` padded with n zeros."""
    originals = (prepend, a, append)
    if n == 0:  # np.diff(a, 0) is a itself (prepend and append are ignored)
        return g if part == 1 else np.zeros_like(np.asarray(originals[part], dtype=float))
    shapes, axis = _diff_pieces(a, axis, prepend, append)
    widths = [(0, 0)] * np.ndim(g)
    widths[axis] = (n, n)
    full = np.diff(np.pad(g, widths), n, axis=axis)
    if n % 2:
        full = -full
    start = sum(s[axis] for s in shapes[:part] if s is not None)
    index = [slice(None)] * np.ndim(full)
    index[axis] = slice(start, start + shapes[part][axis])
    piece = full[tuple(index)]
    return _sum_to(piece, shape_of(originals[part])) if part != 1 else piece


def diff_tangent(t, a, n=1, axis=-1, prepend=None, append=None, part=1):
    """The tangent of ``np.diff(...)`` from the tangent ``t`` of ``a`` (part 1), ``prepend`` (0) or
    ``append`` (2), the others held fixed."""
    if n == 0:
        return t if part == 1 else np.zeros(shape_of(a))
    shapes, axis = _diff_pieces(a, axis, prepend, append)
    pieces = [np.broadcast_to(t, s) if i == part else np.zeros(s) for i, s in enumerate(shapes) if s is not None]
    return np.diff(np.concatenate(pieces, axis=axis), n, axis=axis)


def _gradient_axes(f, varargs, axis):
    """np.gradient's axes and, for each, the spacing argument it uses (a tuple: () for 1.0)."""
    ndim = np.ndim(f)
    axes = tuple(range(ndim)) if axis is None else ((axis,) if np.ndim(axis) == 0 else tuple(axis))
    axes = tuple(a % ndim for a in axes)
    if len(varargs) == 0:
        spacings = [()] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacings = [(varargs[0],)] * len(axes)
    else:
        spacings = [(v,) for v in varargs]
    return axes, spacings


def _gradient_weights(m, spacing, edge_order):
    """np.gradient along an axis of length ``m`` as weights by offset: ``out[i] = sum_o w[o][i] * f[i + o]``,
    ``o`` in -2..2. Every output reads at most three consecutive entries, so applying np.gradient to the
    indicator of the indices ``j % 3 == r`` gives the coefficient of the one of them it reads."""
    i = np.arange(m)
    start = np.clip(i - 1, 0, max(m - 3, 0))
    if edge_order == 1:
        start = np.where(i == m - 1, max(m - 2, 0), start)
    weights = {o: np.zeros(m) for o in range(-2, 3)}
    for r in range(3):
        coef = np.gradient((i % 3 == r).astype(float), *spacing, edge_order=edge_order)
        offset = start + (r - start) % 3 - i
        for o in range(-2, 3):
            weights[o] = weights[o] + np.where(offset == o, coef, 0.0)
    return weights


def _shift(x, o):
    """``x`` moved ``o`` places along its first axis (``out[i] = x[i - o]``), zeros where nothing arrives:
    concatenation and slicing, which Dask arrays take too."""
    if o == 0:
        return x
    o = min(abs(o), np.shape(x)[0]) * (1 if o > 0 else -1)
    zeros = np.zeros((abs(o),) + tuple(np.shape(x)[1:]), dtype=np.result_type(x, 1.0))
    return np.concatenate([zeros, x[:np.shape(x)[0] - o]]) if o > 0 else np.concatenate([x[-o:], zeros])


def _gradient_one(g, axis, spacing, edge_order, transpose):
    """np.gradient of ``g`` along ``axis`` (``transpose`` False: the tangent), or its transpose (the gradient)."""
    if isinstance(g, (list, tuple)):  # the tangent of np.gradient([a, b, c]): a list of numbers
        g = np.array(g)
    m = np.shape(g)[axis]
    weights = _gradient_weights(m, tuple(float(s) if np.ndim(s) == 0 else np.asarray(s, dtype=float)
                                         for s in spacing), edge_order)
    moved = np.moveaxis(g, axis, 0)
    shape = (m,) + (1,) * (np.ndim(g) - 1)
    out = 0.0
    for o, w in weights.items():
        if not np.any(w):
            continue
        if transpose:  # out[i + o] += w[i] * g[i]
            out = out + _shift(np.reshape(w, shape) * moved, o)
        else:  # out[i] += w[i] * g[i + o]
            out = out + np.reshape(w, shape) * _shift(moved, -o)
    return np.moveaxis(out * np.ones(shape) if np.ndim(out) == 0 else out, 0, axis)


def gradient_grad(g, f, varargs=(), axis=None, edge_order=1):
    """Gradient of ``np.gradient(f, *varargs, axis=axis, edge_order=edge_order)`` in ``f`` (linear in f).
    ``g`` is one array (one axis) or a list with ``None`` for the axes nothing used."""
    axes, spacings = _gradient_axes(f, varargs, axis)
    grads = [g] if len(axes) == 1 else list(g)
    out = np.zeros(shape_of(f))
    for k, (ax, spacing) in enumerate(zip(axes, spacings)):
        if grads[k] is not None:
            out = out + _gradient_one(np.broadcast_to(grads[k], shape_of(f)), ax, spacing, edge_order, True)
    return out


def gradient_spacing_grads(g, result, f, varargs=(), axis=None):
    """Gradients of ``np.gradient(f, *varargs, ...)`` in its spacing arguments: a number ``h`` divides the
    result along its axes, so its gradient is ``-<g, result> / h``. Coordinate arrays have no rule."""
    axes, spacings = _gradient_axes(f, varargs, axis)
    grads = [g] if len(axes) == 1 else list(g)
    results = [result] if len(axes) == 1 else list(result)
    out = [0.0 for _ in varargs]
    for k, spacing in enumerate(spacings):
        if not spacing or grads[k] is None:
            continue
        if np.ndim(spacing[0]) != 0:
            raise NotImplementedError("np.gradient with coordinate arrays has no gradient rule in the coordinates; "
                                      "pass a number as the spacing, or cut the coordinates with "
                                      "ssagrad.stop_gradient")
        slot = 0 if len(varargs) == 1 else k
        out[slot] = out[slot] - np.sum(grads[k] * results[k]) / spacing[0]
    return GradientList(out)


def gradient_tangent(t, f, varargs=(), axis=None, edge_order=1):
    """The tangent of ``np.gradient(f, ...)`` from the tangent ``t`` of ``f``: np.gradient of ``t``, one
    array per axis (a list that adds entry by entry when several)."""
    axes, spacings = _gradient_axes(f, varargs, axis)
    out = [_gradient_one(t, ax, spacing, edge_order, False) for ax, spacing in zip(axes, spacings)]
    return out[0] if len(out) == 1 else GradientList(out)


def gradient_spacing_tangent(dvarargs, result, f, varargs=(), axis=None):
    """The tangent of ``np.gradient(f, *varargs)`` from the tangents of its spacing numbers."""
    axes, spacings = _gradient_axes(f, varargs, axis)
    results = [result] if len(axes) == 1 else list(result)
    out = []
    for k, spacing in enumerate(spacings):
        slot = 0 if len(varargs) == 1 else k
        if not spacing or dvarargs[slot] is None:
            out.append(np.zeros(shape_of(results[k])))
        elif np.ndim(spacing[0]) != 0:
            raise NotImplementedError("np.gradient with coordinate arrays has no tangent rule in the "
                                      "coordinates; pass a number as the spacing")
        else:
            out.append(-results[k] * dvarargs[slot] / spacing[0])
    return out[0] if len(out) == 1 else GradientList(out)


# -- products, joining and rearranging ----------------------------------------------------------------------


def _three(x, axis):
    """Vectors along ``axis`` moved last, a 2-vector padded with a zero third component."""
    x = np.moveaxis(np.asarray(x), axis, -1)
    if x.shape[-1] == 2:
        x = np.concatenate([x, np.zeros(x.shape[:-1] + (1,), dtype=x.dtype)], axis=-1)
    return x


def cross_grad(g, a, b, which, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Gradient of ``np.cross(a, b, ...)`` in ``a`` (``which`` 0) or ``b`` (1): ``g . (a x b)`` is
    ``a . (b x g)`` and ``b . (g x a)``. 2-vectors are 3-vectors with a zero third component."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a3, b3 = _three(a, axisa), _three(b, axisb)
    na, nb = np.shape(a)[axisa], np.shape(b)[axisb]
    if na == 2 and nb == 2:  # the result is the third component alone
        g3 = np.zeros(np.shape(g) + (3,), dtype=np.result_type(g, 1.0))
        g3[..., 2] = g
    else:
        g3 = np.moveaxis(np.asarray(g), axisc, -1)
    x, axis_x, n = (a, axisa, na) if which == 0 else (b, axisb, nb)
    d = np.cross(b3, g3) if which == 0 else np.cross(g3, a3)
    d = d[..., :n]
    moved = np.moveaxis(np.zeros(np.shape(x), dtype=bool), axis_x, -1).shape
    return np.moveaxis(_sum_to(d, moved), -1, axis_x)


def cross_grad_left(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Gradient of ``np.cross(a, b, ...)`` in ``a`` (bilinear in ``g`` and ``b``)."""
    return cross_grad(g, a, b, 0, axisa, axisb, axisc, axis)


def cross_grad_right(g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Gradient of ``np.cross(a, b, ...)`` in ``b`` (bilinear in ``g`` and ``a``)."""
    return cross_grad(g, a, b, 1, axisa, axisb, axisc, axis)


def unappend(g, arr, values, axis=None, part=0):
    """Gradient of ``np.append(arr, values, axis)`` in ``arr`` (part 0) or ``values`` (1)."""
    if axis is None:
        flat = np.ravel(g)
        size = int(np.prod(np.shape(arr)))
        piece = flat[:size] if part == 0 else flat[size:]
        return np.reshape(piece, np.shape(arr if part == 0 else values))
    length = np.shape(arr)[axis]
    index = [slice(None)] * np.ndim(g)
    index[axis] = slice(0, length) if part == 0 else slice(length, None)
    return g[tuple(index)]


def append_part(t, arr, values, axis=None, part=0):
    """``t`` where ``arr`` (part 0) or ``values`` (1) sits in ``np.append(arr, values, axis)``, zeros elsewhere:
    the transpose of ``unappend``."""
    if part == 0:
        return np.append(t, np.zeros(np.shape(values)), axis)
    return np.append(np.zeros(np.shape(arr)), t, axis)


def split_axis(ary, kind):
    """The axis ``np.hsplit`` (``"h"``), ``np.vsplit`` (``"v"``) or ``np.dsplit`` (``"d"``) cuts ``ary`` along."""
    return {"h": 1 if np.ndim(ary) > 1 else 0, "v": 0, "d": 2}[kind]


def unsplit_along(grads, parts, ary, kind):
    """Gradient of ``np.hsplit``, ``np.vsplit`` or ``np.dsplit``: the pieces' gradients joined again."""
    axis = split_axis(ary, kind)
    filled = [np.zeros_like(p) if g is None else g for g, p in zip(grads, parts)]
    return np.reshape(np.concatenate(filled, axis=axis), shape_of(ary))


def rollaxis_order(ndim, axis, start=0):
    """The axes of ``np.rollaxis(a, axis, start)``, in the result's order (as NumPy computes it)."""
    axis = axis % ndim
    start = start + ndim if start < 0 else start
    if axis < start:
        start -= 1
    order = [i for i in range(ndim) if i != axis]
    order.insert(start, axis)
    return order


def unrollaxis(g, a, axis, start=0):
    """Gradient of ``np.rollaxis(a, axis, start)``."""
    return np.transpose(g, tuple(int(i) for i in np.argsort(rollaxis_order(np.ndim(a), axis, start))))


def _partition_source(a, result, axis):
    """Where each entry of ``result = np.partition(a, ...)`` came from, along ``axis``: both sort to the same
    values, so the k-th smallest entry of one is the k-th smallest of the other."""
    if axis is None:
        a, axis = np.ravel(a), -1
    order_a = np.argsort(a, axis=axis, kind="stable")
    order_r = np.argsort(result, axis=axis, kind="stable")
    source = np.empty_like(order_a)
    np.put_along_axis(source, order_r, order_a, axis=axis)
    return source, axis


def unpartition(g, a, result, axis=-1):
    """Gradient of ``np.partition``: each entry's gradient goes back where it came from."""
    source, along = _partition_source(a, result, axis)
    out = untake_along_axis(g, np.ravel(a) if axis is None else a, source, along)
    return np.reshape(out, np.shape(a))


def partition_tangent(t, a, result, axis=-1):
    """Tangent of ``np.partition``: the tangents in the order the partition put their entries."""
    source, along = _partition_source(a, result, axis)
    t = np.broadcast_to(t, np.shape(a))
    return np.take_along_axis(np.ravel(t) if axis is None else t, source, along)


# -- ufunc methods -------------------------------------------------------------------------------------------


def _accumulated_source(a, result, axis):
    """For ``result = np.maximum.accumulate(a, axis)`` (or minimum): the index along ``axis`` of the entry
    each running extremum is, the last one that set it."""
    shape = [1] * np.ndim(a)
    shape[axis] = np.shape(a)[axis]
    positions = np.reshape(np.arange(np.shape(a)[axis]), shape)
    return np.maximum.accumulate(np.where(np.equal(a, result), positions, 0), axis=axis)


def accumulate_extremum_grad(g, a, result, axis=0):
    """Gradient of ``np.maximum.accumulate`` / ``np.minimum.accumulate``."""
    axis = axis % np.ndim(a)
    return untake_along_axis(g, a, _accumulated_source(a, result, axis), axis)


def accumulate_extremum_tangent(t, a, result, axis=0):
    axis = axis % np.ndim(a)
    return np.take_along_axis(np.broadcast_to(t, np.shape(a)), _accumulated_source(a, result, axis), axis)


def outer_sum_grad(g, a, b, which):
    """Gradient of ``np.add.outer(a, b)`` (and ``np.subtract.outer`` with the sign applied by the rule)."""
    if which == 0:
        return np.sum(g, axis=tuple(range(np.ndim(a), np.ndim(g))))
    return np.sum(g, axis=tuple(range(np.ndim(a))))


# -- einsum's other spellings --------------------------------------------------------------------------------

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_spelled(subscripts, operands):
    """``(subscripts, operands)`` of any einsum call as a string without ``...`` and the arrays, plus, for
    each array, the shape it is broadcast to and its own shape (an ellipsis broadcasts). The sublist form
    ``einsum(x, [0, 1], y, [1, 2], [0, 2])`` comes as ``subscripts`` = x, ``operands`` = the rest."""
    if not isinstance(subscripts, str):
        items = [subscripts, *operands]
        output = items.pop() if len(items) % 2 else None
        arrays, lists = items[0::2], items[1::2]

        def spell(labels):
            return "".join("..." if label is Ellipsis else _LETTERS[label] for label in labels)
        subscripts = ",".join(spell(labels) for labels in lists)
        if output is not None:
            subscripts += "->" + spell(output)
        operands = arrays
    operands = list(operands)
    subscripts = subscripts.replace(" ", "")
    if "." not in subscripts:
        return subscripts, operands, None
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    free = [c for c in _LETTERS if c not in subscripts]
    counts = [np.ndim(op) - len(term.replace("...", "")) if "..." in term else 0 for term, op in zip(terms, operands)]
    width = max(counts)
    letters = "".join(free[:width])
    batch = np.broadcast_shapes(*[np.shape(op)[term.index("..."):term.index("...") + n]
                                  for term, op, n in zip(terms, operands, counts) if "..." in term])
    spelled, targets = [], []
    for term, op, n in zip(terms, operands, counts):
        if "..." not in term:
            spelled.append(term)
            targets.append((np.shape(op), 0, 0))
            continue
        before, after = term.split("...")
        spelled.append(before + letters + after)
        shape = np.shape(op)
        targets.append((shape[:len(before)] + batch + shape[len(before) + n:], len(before), width - n))
    if arrow:
        output = output.replace("...", letters)
    else:  # implicit output: the broadcast axes first, then the letters used once, in order
        joined = "".join(t.replace("...", "") for t in terms)
        output = letters + "".join(sorted(c for c in set(joined) if joined.count(c) == 1))
    return ",".join(spelled) + "->" + output, operands, targets


def einsum_all_grads(g, subscripts, operands):
    """Gradients of ``np.einsum(subscripts, *operands)`` in every array, in any spelling: ``...`` (with
    broadcasting) and the sublist form, where the first array is ``subscripts`` itself (its gradient comes
    first, and the label lists get ``None``)."""
    sublist = not isinstance(subscripts, str)
    spelled, arrays, targets = _einsum_spelled(subscripts, operands)
    if targets is None:
        grads = einsum_grads(g, spelled, arrays)
    else:
        grown = [np.broadcast_to(np.expand_dims(op, tuple(range(start, start + missing))), shape)
                 for op, (shape, start, missing) in zip(arrays, targets)]
        grads = []
        for grad, op, (_, start, missing) in zip(einsum_grads(g, spelled, grown), arrays, targets):
            grad = np.sum(grad, axis=tuple(range(start, start + missing)))  # the axes '...' added
            grads.append(_sum_to(grad, np.shape(op)))  # and those it stretched
    if not sublist:
        return GradientList(grads)
    out = [None] * (1 + len(operands))
    for k, grad in enumerate(grads):
        out[2 * k] = grad
    return GradientList(out)


def einsum_first_grad(g, subscripts, operands):
    """The gradient of the first array of an einsum in the sublist form (``subscripts`` is that array)."""
    return einsum_all_grads(g, subscripts, operands)[0]


def einsum_rest_grads(g, subscripts, operands):
    """The gradients of einsum's other arguments (one per argument after the first; None for labels)."""
    grads = einsum_all_grads(g, subscripts, operands)
    return GradientList(grads[1:]) if not isinstance(subscripts, str) else grads


def _einsum_grads_tangent(g, subscripts, operands, tangents):
    """The tangent of einsum's gradients (one per argument of the call: subscripts or the first array, then
    the operands) from the arrays' ``tangents`` (aligned with the arguments, None where there is none), ``g``
    held: each array's gradient is linear in every other array, and does not depend on its own values."""
    items = [subscripts, *operands]
    if isinstance(subscripts, str):
        positions = range(1, len(items))
    else:
        positions = range(0, len(items) - (len(items) % 2), 2)
    total = GradientList([None] * len(items))
    for j in positions:
        t = tangents[j]
        if t is None or isinstance(t, (list, tuple)):
            continue
        replaced = list(items)
        replaced[j] = t
        grads = einsum_all_grads(g, replaced[0], replaced[1:])
        grads = ([None] + list(grads)) if isinstance(subscripts, str) else list(grads)
        grads[j] = None
        total = total + GradientList(grads)
    return total


def _einsum_vjp(e, g, subscripts, operands):
    """Reverse over reverse through einsum's gradients: for ``<e, grads>`` (``e`` aligned with the call's
    arguments, None where nothing reached), ``(its gradient in g, its gradients in the arguments)``. Each
    gradient is ``J_k^T g`` for the linear map ``J_k`` of array k, so ``<e_k, J_k^T g>`` is the einsum with
    ``e_k`` in array k's place: its gradient in g is that einsum, and in any other array that einsum's
    gradient."""
    items = [subscripts, *operands]
    if isinstance(subscripts, str):
        positions = range(1, len(items))
    else:
        positions = range(0, len(items) - (len(items) % 2), 2)
    g_adj = np.zeros(np.shape(g))
    item_adj = GradientList([None] * len(items))
    for k in positions:
        if e[k] is None:
            continue
        replaced = list(items)
        replaced[k] = e[k]
        g_adj = g_adj + np.einsum(*replaced)
        grads = einsum_all_grads(g, replaced[0], replaced[1:])
        grads = ([None] + list(grads)) if isinstance(subscripts, str) else list(grads)
        grads[k] = None
        item_adj = item_adj + GradientList(grads)
    for k in positions:  # an array no other gradient reached: zeros
        if item_adj[k] is None:
            item_adj[k] = np.zeros(np.shape(items[k]))
    return g_adj, item_adj


def einsum_grads_vjp(e, g, subscripts, operands, which):
    """``_einsum_vjp`` for ``einsum_grads``/``einsum_rest_grads`` (``e`` one per operand): the gradient in g
    (``which`` 0), in the operands (1) or in the sublist form's first array (2)."""
    g_adj, item_adj = _einsum_vjp([None, *e], g, subscripts, operands)
    return g_adj if which == 0 else GradientList(item_adj[1:]) if which == 1 else item_adj[0]


def einsum_first_grad_vjp(e, g, subscripts, operands, which):
    """``_einsum_vjp`` for ``einsum_first_grad`` (``e`` for the first array): in g (0) or the operands (1)."""
    g_adj, item_adj = _einsum_vjp([e] + [None] * len(operands), g, subscripts, operands)
    return g_adj if which == 0 else GradientList(item_adj[1:])


def einsum_rest_tangent(g, subscripts, operands, d_operands):
    """The tangent of ``einsum_rest_grads`` (or ``einsum_grads``) from the operands' tangents."""
    return GradientList(_einsum_grads_tangent(g, subscripts, operands, [None, *d_operands])[1:])


def einsum_rest_tangent_first(g, subscripts, operands, d_first):
    """The tangent of ``einsum_rest_grads`` from the tangent of the sublist form's first array."""
    return GradientList(_einsum_grads_tangent(g, subscripts, operands, [d_first] + [None] * len(operands))[1:])


def einsum_first_tangent(g, subscripts, operands, d_operands):
    """The tangent of ``einsum_first_grad`` from the other arrays' tangents."""
    first = _einsum_grads_tangent(g, subscripts, operands, [None, *d_operands])[0]
    return np.zeros(np.shape(subscripts)) if first is None else first


# -- linear algebra ------------------------------------------------------------------------------------------


def _real_spectrum(w, name):
    if np.iscomplexobj(w):
        raise NotImplementedError(f"{name} returned complex eigenvalues: ssagrad differentiates it only where "
                                  "every eigenvalue is real (np.linalg.eigh for a symmetric matrix)")


def eig_grad(g_w, g_v, w, v):
    """Gradient of ``w, v = np.linalg.eig(a)`` for a real spectrum (distinct eigenvalues). With
    ``X = V^-1 dA V``: ``dw = diag(X)`` and ``dV = V (F o X)`` less its part along each (unit) column."""
    _real_spectrum(w, "np.linalg.eig")
    inner = np.zeros(np.shape(v))
    if g_w is not None:
        inner = inner + g_w[..., None, :] * np.eye(v.shape[-1])
    if g_v is not None:
        g0 = g_v - v * np.sum(v * g_v, axis=-2, keepdims=True)  # the unit-norm normalization's transpose
        inner = inner + _inverse_gaps(w) * (_t(v) @ g0)
    return np.linalg.solve(_t(v), inner @ _t(v))


def eig_tangents(da, w, v):
    """Tangents of ``w, v = np.linalg.eig(a)`` (real spectrum, distinct eigenvalues)."""
    _real_spectrum(w, "np.linalg.eig")
    x = np.linalg.solve(v, da @ v)
    with np.errstate(invalid="ignore"):
        dv = v @ (_inverse_gaps(w) * x)
    dv = dv - v * np.sum(v * dv, axis=-2, keepdims=True)
    return np.diagonal(x, axis1=-2, axis2=-1).copy(), dv


def eig_grad_dw(dw, g_v, w, v):
    """The tangent of ``eig_grad(g_w, g_v, w, v)`` from the eigenvalues' tangent (second derivatives)."""
    if g_v is None:
        return np.zeros(np.shape(v))
    f = _inverse_gaps(w)
    df = -f ** 2 * (dw[..., None, :] - dw[..., :, None])
    g0 = g_v - v * np.sum(v * g_v, axis=-2, keepdims=True)
    return np.linalg.solve(_t(v), (df * (_t(v) @ g0)) @ _t(v))


def eig_grad_dv(dv, g_w, g_v, w, v):
    """The tangent of ``eig_grad(g_w, g_v, w, v) = V^-T H V^T`` from the eigenvectors' tangent ``dv``."""
    n = v.shape[-1]
    h = np.zeros(np.shape(v))
    dh = np.zeros(np.shape(v))
    if g_w is not None:
        h = h + g_w[..., None, :] * np.eye(n)
    if g_v is not None:
        f = _inverse_gaps(w)
        g0 = g_v - v * np.sum(v * g_v, axis=-2, keepdims=True)
        dg0 = -dv * np.sum(v * g_v, axis=-2, keepdims=True) - v * np.sum(dv * g_v, axis=-2, keepdims=True)
        h = h + f * (_t(v) @ g0)
        dh = f * (_t(dv) @ g0 + _t(v) @ dg0)
    m = h @ _t(v)
    dm = dh @ _t(v) + h @ _t(dv)
    # d(V^-T M) = V^-T (dM - dV^T V^-T M)
    return np.linalg.solve(_t(v), dm - _t(dv) @ np.linalg.solve(_t(v), m))


def eig_grad_vjp(e, g_w, g_v, w, v, which):
    """The gradient of ``<e, eig_grad(g_w, g_v, w, v)>`` in ``g_w`` (``which`` 0), ``g_v`` (1), ``w`` (2) or
    ``v`` (3): reverse over reverse through eig. ``out = V^-T H V^T``, ``H = diag(g_w) + F o (V^T g0)``,
    ``g0 = g_v - V c`` with ``c`` the column sums of ``V o g_v``."""
    n = v.shape[-1]
    v_inv = np.linalg.inv(v)
    q = v_inv @ e @ v
    if which == 0:
        return np.diagonal(q, axis1=-2, axis2=-1).copy()
    f = _inverse_gaps(w)
    c = np.sum(v * g_v, axis=-2, keepdims=True) if g_v is not None else None
    g0 = g_v - v * c if g_v is not None else None
    g0_adj = v @ (f * q)
    b = np.sum(g0_adj * v, axis=-2, keepdims=True)
    if which == 1:
        return g0_adj - v * b
    if which == 2:
        if g_v is None:
            return np.zeros(np.shape(w))
        p = q * (_t(v) @ g0) * f ** 2
        return np.sum(p, axis=-1) - np.sum(p, axis=-2)
    h = np.zeros(np.shape(v))
    if g_w is not None:
        h = h + g_w[..., None, :] * np.eye(n)
    if g_v is not None:
        h = h + f * (_t(v) @ g0)
    out = np.linalg.solve(_t(v), h @ _t(v))
    v_inv_t = _t(v_inv)
    v_adj = -out @ _t(e) @ v_inv_t + _t(e) @ v_inv_t @ h
    if g_v is not None:
        v_adj = v_adj + g0 @ _t(f * q) - g0_adj * c - g_v * b
    return v_adj


def eigvals_grad_vjp(e, g, a, which):
    """The gradient of ``<e, eigvals_grad(g, a)>`` in ``g`` (``which`` 0) or ``a`` (1)."""
    w, v = np.linalg.eig(a)
    if which == 0:
        return eig_grad_vjp(e, g, None, w, v, 0)
    return eig_grad(None, eig_grad_vjp(e, g, None, w, v, 3), w, v)  # through the eigenvectors


def eigvals_grad_da(da, g, a):
    """The tangent of ``eigvals_grad(g, a)`` from the tangent ``da`` of ``a``."""
    w, v = np.linalg.eig(a)
    dw, dv = eig_tangents(da, w, v)
    return eig_grad_dv(dv, g, None, w, v)


def eigvals_grad(g, a):
    """Gradient of ``np.linalg.eigvals(a)`` (real spectrum)."""
    w, v = np.linalg.eig(a)
    return eig_grad(g, None, w, v)


def eigvals_tangent(da, a):
    w, v = np.linalg.eig(a)
    return eig_tangents(da, w, v)[0]


def upper(x):
    """A gradient for a function that reads the upper triangle, from the one for the lower: its transpose."""
    return np.swapaxes(x, -1, -2)


def eigvalsh_grad(g, a, UPLO="L"):
    """Gradient of ``np.linalg.eigvalsh(a, UPLO)``: the triangle it reads gets ``V diag(g) V^T``'s shares."""
    refuse_complex('np.linalg.eigvalsh', a)
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    lower = eigh_grad(g, None, w, v)
    return upper(lower) if UPLO == "U" else lower


def eigvalsh_tangent(da, a, UPLO="L"):
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    return eigh_tangents(upper(da) if UPLO == "U" else da, w, v)[0]


def _symmetric_lower(sym):
    from .linalg import _lower_form
    return _lower_form(0.5 * (sym + _t(sym)))


def eigh_grad_dw(dw, g_v, w, v):
    """The tangent of ``eigh_grad(g_w, g_v, w, v)`` from the eigenvalues' tangent ``dw`` (second derivatives
    through eigh): only the gaps ``F = 1 / (w_j - w_i)`` move, by ``-F**2 (dw_j - dw_i)``."""
    if g_v is None:
        return np.zeros(np.shape(v))
    f = _inverse_gaps(w)
    df = -f ** 2 * (dw[..., None, :] - dw[..., :, None])
    return _symmetric_lower(v @ (df * (_t(v) @ g_v)) @ _t(v))


def eigh_grad_dv(dv, g_w, g_v, w, v):
    """The tangent of ``eigh_grad(g_w, g_v, w, v)`` from the eigenvectors' tangent ``dv``."""
    n = v.shape[-1]
    inner = np.zeros(np.shape(v)[:-2] + (n, n))
    d_inner = np.zeros(np.shape(v)[:-2] + (n, n))
    if g_w is not None:
        inner = inner + g_w[..., None, :] * np.eye(n)
    if g_v is not None:
        inner = inner + _inverse_gaps(w) * (_t(v) @ g_v)
        d_inner = _inverse_gaps(w) * (_t(dv) @ g_v)
    d_sym = dv @ inner @ _t(v) + v @ inner @ _t(dv) + v @ d_inner @ _t(v)
    return _symmetric_lower(d_sym)


def _lower_form_transpose(e):
    """The transpose of ``_lower_form(0.5 * (s + s^T))``: the symmetric matrix whose entries below the
    diagonal are ``e``'s below it, mirrored, and whose diagonal is ``e``'s."""
    below = np.tril(e, -1)
    return below + _t(below) + e * np.eye(e.shape[-1])


def eigh_grad_vjp(e, g_w, g_v, w, v, which):
    """The gradient of ``<e, eigh_grad(g_w, g_v, w, v)>`` in ``g_w`` (``which`` 0), ``g_v`` (1), ``w`` (2) or
    ``v`` (3): reverse over reverse through eigh. ``X = V inner V^T``, ``inner = diag(g_w) + F o (V^T g_v)``."""
    n = v.shape[-1]
    s = _lower_form_transpose(e)
    q = _t(v) @ s @ v
    if which == 0:
        return np.diagonal(q, axis1=-2, axis2=-1).copy()
    f = _inverse_gaps(w)
    if which == 1:
        return v @ (f * q)
    if which == 2:
        if g_v is None:
            return np.zeros(np.shape(w))
        p = q * (_t(v) @ g_v) * f ** 2
        return np.sum(p, axis=-1) - np.sum(p, axis=-2)
    inner = np.zeros(np.shape(v)[:-2] + (n, n))
    if g_w is not None:
        inner = inner + g_w[..., None, :] * np.eye(n)
    out = np.zeros(np.shape(v))
    if g_v is not None:
        inner = inner + f * (_t(v) @ g_v)
        out = out + g_v @ _t(f * q)
    return out + s @ v @ (inner + _t(inner))


def eigvalsh_grad_vjp(e, g, a, UPLO, which):
    """The gradient of ``<e, eigvalsh_grad(g, a, UPLO)>`` in ``g`` (``which`` 0) or ``a`` (1)."""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    e = upper(e) if UPLO == "U" else e
    if which == 0:
        return eigh_grad_vjp(e, g, None, w, v, 0)
    g_v = eigh_grad_vjp(e, g, None, w, v, 3)  # through the eigenvectors (the eigenvalues do not enter)
    out = eigh_grad(None, g_v, w, v)
    return upper(out) if UPLO == "U" else out


def eigvalsh_grad_da(da, g, a, UPLO="L"):
    """The tangent of ``eigvalsh_grad(g, a, UPLO)`` from the tangent ``da`` of ``a``."""
    w, v = np.linalg.eigh(a, UPLO=UPLO)
    _, dv = eigh_tangents(upper(da) if UPLO == "U" else da, w, v)
    out = eigh_grad_dv(dv, g, None, w, v)
    return upper(out) if UPLO == "U" else out


def _svd_parts(result, a, full_matrices):
    u, s, vh = result
    m, n = np.shape(a)[-2:]
    if full_matrices and m != n:
        raise NotImplementedError("the singular vectors of np.linalg.svd have derivative rules for "
                                  "full_matrices=False (or a square matrix): the extra columns of a full U or "
                                  "V are any basis of a complement, with no derivative")
    return u, s, vh, m, n


def svd_grad(g, result, a, full_matrices=True):
    """Gradient of ``u, s, vh = np.linalg.svd(a, full_matrices=False)`` (real, distinct nonzero singular
    values), after Townsend (2016) as autograd writes it. ``g``: the three gradients, ``None`` where unused."""
    refuse_complex('np.linalg.svd', a)
    u, s, vh, m, n = _svd_parts(result, a, full_matrices)
    g_u, g_s, g_vh = (list(g) + [None] * 3)[:3] if g is not None else (None, None, None)
    v = _t(vh)
    k = s.shape[-1]
    eye = np.eye(k)
    f = 1.0 / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye) - eye  # 1 / (s_j^2 - s_i^2), 0 on the diagonal
    inner = np.zeros(np.shape(s) + (k,))
    if g_s is not None:
        inner = inner + eye * g_s[..., :, None]
    if g_u is not None:
        utgu = _t(u) @ g_u
        inner = inner + (f * (utgu - _t(utgu))) * s[..., None, :]
    if g_vh is not None:
        g_v = _t(g_vh)
        vtgv = _t(v) @ g_v
        inner = inner + s[..., :, None] * (f * (vtgv - _t(vtgv)))
    out = u @ inner @ vh
    if g_u is not None and m > n:
        out = out + (g_u - u @ (_t(u) @ g_u)) @ (_t(v) / s[..., :, None])
    if g_vh is not None and m < n:
        g_v = _t(g_vh)
        out = out + (u / s[..., None, :]) @ _t(g_v - v @ (_t(v) @ g_v))
    return out


def svd_grad_dresult(dresult, g, result, a, full_matrices=True):
    """The tangent of ``svd_grad(g, result, a)`` from the tangents ``(du, ds, dvh)`` of the factors (second
    derivatives through the singular vectors): the product rule through each term of ``svd_grad``."""
    u, s, vh, m, n = _svd_parts(result, a, full_matrices)
    du, ds, dvh = dresult
    g_u, g_s, g_vh = (list(g) + [None] * 3)[:3] if g is not None else (None, None, None)
    v, dv = _t(vh), _t(dvh)
    k = s.shape[-1]
    eye = np.eye(k)
    f = 1.0 / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye) - eye
    df = -f ** 2 * (2.0 * s[..., None, :] * ds[..., None, :] - 2.0 * s[..., :, None] * ds[..., :, None])
    inner = np.zeros(np.shape(s) + (k,))
    d_inner = np.zeros(np.shape(s) + (k,))
    if g_s is not None:
        inner = inner + eye * g_s[..., :, None]
    if g_u is not None:
        anti = _t(u) @ g_u - _t(g_u) @ u
        d_anti = _t(du) @ g_u - _t(g_u) @ du
        inner = inner + (f * anti) * s[..., None, :]
        d_inner = d_inner + (df * anti + f * d_anti) * s[..., None, :] + (f * anti) * ds[..., None, :]
    if g_vh is not None:
        g_v = _t(g_vh)
        anti = _t(v) @ g_v - _t(g_v) @ v
        d_anti = _t(dv) @ g_v - _t(g_v) @ dv
        inner = inner + s[..., :, None] * (f * anti)
        d_inner = d_inner + ds[..., :, None] * (f * anti) + s[..., :, None] * (df * anti + f * d_anti)
    out = du @ inner @ vh + u @ d_inner @ vh + u @ inner @ dvh
    if g_u is not None and m > n:
        rest = g_u - u @ (_t(u) @ g_u)
        d_rest = -du @ (_t(u) @ g_u) - u @ (_t(du) @ g_u)
        out = out + d_rest @ (_t(v) / s[..., :, None]) + rest @ (_t(dv) / s[..., :, None]
                                                                 - _t(v) * ds[..., :, None] / s[..., :, None] ** 2)
    if g_vh is not None and m < n:
        g_v = _t(g_vh)
        rest = g_v - v @ (_t(v) @ g_v)
        d_rest = -dv @ (_t(v) @ g_v) - v @ (_t(dv) @ g_v)
        out = out + (du / s[..., None, :] - u * ds[..., None, :] / s[..., None, :] ** 2) @ _t(rest) \
            + (u / s[..., None, :]) @ _t(d_rest)
    return out


def svd_grad_vjp(e, g, result, a, full_matrices=True, which=0):
    """The gradient of ``<e, svd_grad(g, result, a)>`` in ``g`` (``which`` 0) or in the factors ``result``
    (1), each a list ``[u, s, vh]``: the transposes of ``svd_grad``'s and ``svd_grad_dresult``'s terms."""
    u, s, vh, m, n = _svd_parts(result, a, full_matrices)
    g_u, g_s, g_vh = (list(g) + [None] * 3)[:3] if g is not None else (None, None, None)
    v = _t(vh)
    k = s.shape[-1]
    eye = np.eye(k)
    f = 1.0 / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye) - eye
    inner = np.zeros(np.shape(s) + (k,))
    if g_s is not None:
        inner = inner + eye * g_s[..., :, None]
    q = _t(u) @ e @ v
    gu_adj = np.zeros(np.shape(u))
    gvh_adj = np.zeros(np.shape(vh))
    u_adj = np.zeros(np.shape(u))
    v_adj = np.zeros(np.shape(v))
    s_adj = np.zeros(np.shape(s))
    f_adj = np.zeros(np.shape(q))
    if g_u is not None:
        anti = _t(u) @ g_u - _t(g_u) @ u
        inner = inner + (f * anti) * s[..., None, :]
        p = f * (q * s[..., None, :])
        u_adj = u_adj + g_u @ (_t(p) - p)
        gu_adj = gu_adj + u @ (p - _t(p))
        s_adj = s_adj + np.sum(q * f * anti, axis=-2)
        f_adj = f_adj + q * anti * s[..., None, :]
    if g_vh is not None:
        g_v = _t(g_vh)
        anti = _t(v) @ g_v - _t(g_v) @ v
        inner = inner + s[..., :, None] * (f * anti)
        p = f * (s[..., :, None] * q)
        v_adj = v_adj + g_v @ (_t(p) - p)
        gvh_adj = gvh_adj + _t(v @ (p - _t(p)))
        s_adj = s_adj + np.sum(q * f * anti, axis=-1)
        f_adj = f_adj + q * anti * s[..., :, None]
    # out = U inner Vh: the factors' own shares, and inner's through g_s
    u_adj = u_adj + e @ v @ _t(inner)
    v_adj = v_adj + _t(e) @ u @ inner
    gs_adj = np.diagonal(q, axis1=-2, axis2=-1).copy()
    # f = 1 / (s_j^2 - s_i^2): df = -f**2 (2 s_j ds_j - 2 s_i ds_i)
    pf = f_adj * f ** 2
    s_adj = s_adj + 2.0 * s * (np.sum(pf, axis=-1) - np.sum(pf, axis=-2))
    if g_u is not None and m > n:
        rest = g_u - u @ (_t(u) @ g_u)
        scaled = vh / s[..., :, None]
        rest_adj = e @ _t(scaled)
        scaled_adj = _t(rest) @ e
        v_adj = v_adj + _t(scaled_adj / s[..., :, None])
        s_adj = s_adj - np.sum(scaled_adj * vh, axis=-1) / s ** 2
        gu_adj = gu_adj + rest_adj - u @ (_t(u) @ rest_adj)
        u_adj = u_adj - rest_adj @ _t(g_u) @ u - g_u @ _t(rest_adj) @ u
    if g_vh is not None and m < n:
        g_v = _t(g_vh)
        rest = g_v - v @ (_t(v) @ g_v)
        scaled = u / s[..., None, :]
        scaled_adj = e @ rest
        rest_adj = _t(e) @ scaled
        u_adj = u_adj + scaled_adj / s[..., None, :]
        s_adj = s_adj - np.sum(scaled_adj * u, axis=-2) / s ** 2
        gvh_adj = gvh_adj + _t(rest_adj - v @ (_t(v) @ rest_adj))
        v_adj = v_adj - rest_adj @ _t(g_v) @ v - g_v @ _t(rest_adj) @ v
    if which == 0:
        return GradientList([gu_adj, gs_adj, gvh_adj])
    return GradientList([u_adj, s_adj, _t(v_adj)])


def svd_tangents(da, result, a, full_matrices=True):
    """Tangents of ``u, s, vh = np.linalg.svd(a, full_matrices=False)`` (real, distinct nonzero singular
    values), as JAX writes them."""
    u, s, vh, m, n = _svd_parts(result, a, full_matrices)
    v = _t(vh)
    k = s.shape[-1]
    eye = np.eye(k)
    ds_mat = _t(u) @ da @ v
    ds = np.diagonal(ds_mat, axis1=-2, axis2=-1).copy()
    f = 1.0 / (s[..., None, :] ** 2 - s[..., :, None] ** 2 + eye) - eye
    dss = s[..., None, :] * ds_mat
    sds = s[..., :, None] * ds_mat
    du = u @ (f * (dss + _t(dss)))
    dv = v @ (f * (sds + _t(sds)))
    if m > n:
        dav = da @ v
        du = du + (dav - u @ (_t(u) @ dav)) / s[..., None, :]
    if n > m:
        dau = _t(da) @ u
        dv = dv + (dau - v @ (_t(v) @ dau)) / s[..., None, :]
    return du, ds, _t(dv)
