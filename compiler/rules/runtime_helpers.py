"""Adjoint rules of the runtime helpers that generated code calls, so that a generated gradient (or tangent
function) can itself be differentiated in reverse mode: reverse over reverse (``hessian(f, mode="reverse")``),
reverse over forward (``grad`` of ``jvp``).

Most helpers are linear in the gradient they take, ``g``; their adjoint is the operation they undo (the
adjoint of ``unsum`` is ``np.sum``, of ``unindex`` indexing). Arguments that only give a shape (the ``x`` of
``unbroadcast(g, x)``) get no gradient. A helper that gives a matrix product's gradient is bilinear in
``g`` and the other operand: for ``L(g, a, b)``, the gradient of ``<g, P(a, b)>`` in ``a``,
``<d, L(g, a, b)> = <g, P(d, b)>``, which names both adjoints. Their tangent rules are in ``tangents.py``.

Helpers that return one gradient per item of a list (``unconcatenate``) are registered with
``outputs="list"``: generated code unpacks their result (``da, db = unconcatenate(...)``) or indexes it.
"""
import numpy as np

from ...runtime import (
    added_at, array_grad, astype_grad, cumsum_grad, dot_grad_left, dot_grad_right, extremum_grad, head_grad,
    inner_grad_left, inner_grad_right, item_grad, kron_grad, last_grad, matmul_grad_left, matmul_grad_right,
    outer_grad_left, outer_grad_right, select_grads, select_tangent, set_at, sinc_derivative, sort_tangent,
    tensordot_grad_left, tensordot_grad_right, unbroadcast, unconcatenate, undiag, undiagonal, unhstack, unindex,
    unmean, unpad, unrepeat, unsort, unsplit, unstack, unsum, untake, untake_along_axis, untile, untrace,
    unvstack, var_grad, vdot_grad, written_part, zero_at, zeros_like)
from ...runtime.transposes import filled, sinc_second_derivative, stacked_gradient, with_last_empty
from . import adjoint
from .tangents import linear, tangent

# -- undoing broadcasting and reductions -----------------------------------------------------------------


@adjoint(unbroadcast)
def _(result, g, x):
    d[g] = unbroadcast(d[result], g)  # a sum one way is a broadcast the other (and a scalar seed's sum)


@adjoint(unsum)
def _(result, g, x, axis=None, keepdims=False):
    d[g] = np.sum(d[result], axis=axis, keepdims=keepdims)


@adjoint(unmean)
def _(result, g, x, axis=None, keepdims=False):
    d[g] = np.mean(d[result], axis=axis, keepdims=keepdims)


@adjoint(extremum_grad)
def _(result, g, a, result_of_max, axis=None, keepdims=False):
    d[g] = np.sum(d[result] * extremum_grad(1.0, a, result_of_max, axis=axis, keepdims=keepdims), axis=axis,
                  keepdims=keepdims)


@adjoint(cumsum_grad)
def _(result, g, a, axis=None):
    d[g] = np.cumsum(d[result], axis=axis)


@adjoint(var_grad)
def _(result, g, a, axis=None, ddof=0, keepdims=False):
    d[g] = np.sum(d[result] * var_grad(1.0, a, axis=axis, ddof=ddof, keepdims=True), axis=axis, keepdims=keepdims)
    d[a] = var_grad(1.0, d[result] * unsum(g, a, axis=axis, keepdims=keepdims), axis=axis, ddof=ddof,
                    keepdims=True)  # centering is its own transpose


# -- indexing and writing ----------------------------------------------------------------------------------


@adjoint(unindex)
def _(result, g, x, index):
    d[g] = d[result][index]


@adjoint(zero_at)
def _(result, g, index):
    d[g] = zero_at(d[result], index)


@adjoint(written_part)
def _(result, g, index):
    d[g] = set_at(zeros_like(g), index, d[result])  # the last of repeated writes wins, as in written_part


@adjoint(set_at)
def _(result, a, index, v):
    d[a] = zero_at(d[result], index)
    d[v] = unbroadcast(written_part(d[result], index), v)


@adjoint(added_at)
def _(result, a, index, v):
    d[a] = d[result]
    d[v] = unbroadcast(d[result][index], v)


@adjoint(untake)
def _(result, g, a, indices, axis=None):
    d[g] = np.take(d[result], indices, axis=axis)


@adjoint(untake_along_axis)
def _(result, g, arr, indices, axis):
    d[g] = np.take_along_axis(d[result], indices, axis)


@adjoint(unsort)
def _(result, g, a, axis=-1):
    d[g] = sort_tangent(d[result], a, axis)


# -- joining, splitting and rearranging ----------------------------------------------------------------


@adjoint(unconcatenate, outputs="list")
def _(result, g, arrays, axis=0):
    d[g] = unsplit(d[result], arrays, g, axis)


@adjoint(unsplit)
def _(result, grads, parts, ary, axis=0):
    d[grads] = unconcatenate(d[result], parts, axis)


@adjoint(unstack, outputs="list")
def _(result, g, arrays, axis=0):
    d[g] = np.stack(filled(d[result], arrays), axis)


@adjoint(unvstack, outputs="list")
def _(result, g, arrays):
    d[g] = np.vstack(filled(d[result], arrays))


@adjoint(unhstack, outputs="list")
def _(result, g, arrays):
    d[g] = np.hstack(filled(d[result], arrays))


@adjoint(untile)
def _(result, g, a, reps):
    d[g] = np.tile(d[result], reps)


@adjoint(unrepeat)
def _(result, g, a, repeats, axis=None):
    d[g] = np.repeat(d[result], repeats, axis=axis)


@adjoint(unpad)
def _(result, g, array, pad_width):
    d[g] = np.pad(d[result], pad_width)


@adjoint(undiagonal)
def _(result, g, a, offset=0, axis1=0, axis2=1):
    d[g] = np.diagonal(d[result], offset, axis1, axis2)


@adjoint(undiag)
def _(result, g, v, k=0):
    d[g] = np.diag(d[result], k)


@adjoint(untrace)
def _(result, g, a, offset=0, axis1=0, axis2=1):
    d[g] = np.trace(d[result], offset, axis1, axis2)


# -- lists and casts -------------------------------------------------------------------------------------


@adjoint(head_grad)
def _(result, g):
    d[g] = with_last_empty(d[result])


@adjoint(last_grad)
def _(result, g, item):
    d[g] = unindex(d[result], g, -1)


@adjoint(item_grad)
def _(result, g, index, item):
    d[g] = unindex(d[result], g, index)


@adjoint(array_grad, outputs="list")
def _(result, g, obj):
    d[g] = stacked_gradient(d[result], obj)


@adjoint(astype_grad)
def _(result, g, x, dtype):
    d[g] = astype_grad(d[result], g, dtype)  # back in g's dtype; nothing through a cast to integers


# -- elementwise -------------------------------------------------------------------------------------------


@adjoint(select_grads, outputs="list")
def _(result, g, condlist, choicelist):
    d[g] = unbroadcast(select_tangent(condlist, d[result], choicelist), g)


@adjoint(select_tangent)
def _(result, condlist, tangents, choicelist):
    d[tangents] = select_grads(d[result], condlist, choicelist)


@adjoint(sinc_derivative)
def _(result, x, sinc):
    # sinc is np.sinc(x), which generated code always passes: d/dx of the whole, with sinc held by x
    d[x] = d[result] * sinc_second_derivative(x)


# -- products: L(g, a, b) is the gradient of <g, P(a, b)> in a, R(g, a, b) in b ---------------------------


@adjoint(matmul_grad_left)
def _(result, g, a, b):
    d[g] = np.matmul(d[result], b)
    d[b] = matmul_grad_right(g, d[result], b)


@adjoint(matmul_grad_right)
def _(result, g, a, b):
    d[g] = np.matmul(a, d[result])
    d[a] = matmul_grad_left(g, a, d[result])


@adjoint(dot_grad_left)
def _(result, g, a, b):
    d[g] = np.dot(d[result], b)
    d[b] = dot_grad_right(g, d[result], b)


@adjoint(dot_grad_right)
def _(result, g, a, b):
    d[g] = np.dot(a, d[result])
    d[a] = dot_grad_left(g, a, d[result])


@adjoint(inner_grad_left)
def _(result, g, a, b):
    d[g] = np.inner(d[result], b)
    d[b] = inner_grad_right(g, d[result], b)


@adjoint(inner_grad_right)
def _(result, g, a, b):
    d[g] = np.inner(a, d[result])
    d[a] = inner_grad_left(g, a, d[result])


@adjoint(outer_grad_left)
def _(result, g, a, b):
    d[g] = np.outer(d[result], b)
    d[b] = outer_grad_right(g, d[result], b)


@adjoint(outer_grad_right)
def _(result, g, a, b):
    d[g] = np.outer(a, d[result])
    d[a] = outer_grad_left(g, a, d[result])


@adjoint(tensordot_grad_left)
def _(result, g, a, b, axes=2):
    d[g] = np.tensordot(d[result], b, axes)
    d[b] = tensordot_grad_right(g, d[result], b, axes)


@adjoint(tensordot_grad_right)
def _(result, g, a, b, axes=2):
    d[g] = np.tensordot(a, d[result], axes)
    d[a] = tensordot_grad_left(g, a, d[result], axes)


@adjoint(vdot_grad)  # the gradient of vdot(a, b) in a: g * b, shaped like a
def _(result, g, a, b):
    d[g] = np.vdot(d[result], b)
    d[b] = vdot_grad(g, b, d[result])


@adjoint(kron_grad)
def _(result, g, a, b, which):
    if which == 0:
        d[g] = np.kron(d[result], b)
        d[b] = kron_grad(g, d[result], b, 1)
    else:
        d[g] = np.kron(a, d[result])
        d[a] = kron_grad(g, a, d[result], 0)


# -- tangents of helpers whose tangent is not declared with the others in tangents.py -------------------------

linear(written_part, select_grads)
linear(set_at, added_at, positions=(0, 2))
linear(select_tangent, positions=(1,))
linear(vdot_grad, positions=(0, 2), kind="multi")  # vdot_grad(g, a, b): a gives only the shape


@tangent(kron_grad)
def _(result, g, a, b, which):
    d[result] = kron_grad(d[g], a, b, which)
    if which == 0:  # the gradient in a: linear in b, a gives only the shape
        d[result] = kron_grad(g, a, d[b], 0)
    else:
        d[result] = kron_grad(g, d[a], b, 1)


@tangent(sinc_derivative)
def _(result, x, sinc):
    d[result] = d[x] * sinc_second_derivative(x)


@tangent(unsplit)
def _(result, grads, parts, ary, axis=0):
    d[result] = unsplit(d[grads], parts, ary, axis)
