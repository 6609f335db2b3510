"""Tangent (forward-mode) rules: most come from a declaration, a few are templates.

* An elementwise function's Jacobian is diagonal, so its tangent is its
  adjoint read the other way: ``d[x] = d[result] * np.cos(x)`` becomes
  ``d[result] = d[x] * np.cos(x)`` (and ``unbroadcast`` goes: broadcasting
  happens by itself going forwards). Those are derived, not written.
* A function linear in some arguments (``sum``, ``reshape``, ``x[i]``,
  ``concatenate``) has as tangent the function itself applied to their
  tangents (JAX's insight: declare linearity once). A multilinear one
  (``@``, ``einsum``) sums one such term per argument.
* The rest are ``@tangent`` templates, in the same form as adjoint rules,
  reading ``d[x]`` and writing ``d[result]``; a term that reads the tangent
  of an argument that has none is dropped.
"""
import ast
import builtins
import math
import operator

import numpy as np

from ... import runtime
from ...runtime import complex_grads
from ...runtime import (select_tangent, broadcast_like, unbroadcast, zeros_like, cholesky_tangent, cumprod_tangent, eigh_tangents, qr_tangents, svdvals_tangent, pinv_tangent, lstsq_tangents, extremum_grad, norm_grad, prod_grad, replace_zero, safe_div, solve_tangent, sort_tangent,
                        std_grad, var_grad)
from ...runtime.construction import fill_tangent, join_tangent, linspace_ramp, uncolumn_stack, unfill, unjoin
from ...runtime.numpy_grads import (
    accumulate_extremum_grad, accumulate_extremum_tangent, cross_grad_left, cross_grad_right, diff_grad,
    diff_tangent, einsum_first_grad, einsum_first_tangent, einsum_rest_grads, einsum_rest_tangent,
    einsum_rest_tangent_first, eig_grad, eig_grad_dv, eig_grad_dw, eig_tangents, eigvals_grad, eigvals_grad_da, eigh_grad_dv, eigh_grad_dw, eigvals_tangent, eigvalsh_grad, eigvalsh_grad_da,
    eigvalsh_tangent, gradient_grad, gradient_spacing_tangent,
    gradient_tangent, outer_sum_grad, partition_tangent, power_curvature, power_slope, power_slope_in_y,
    svd_grad, svd_grad_dresult, svd_tangents, unappend, unpartition, unrollaxis, unsplit_along, upper, append_part)
from ..trees import clone
from ..templates import Template
from . import _ADJOINTS, _key, adjoint, floating, joins, nondifferentiable

_TANGENTS: dict = {}
_LINEAR: dict = {}   # fn -> ("joint" | "multi", argument positions, or "rest" for *args after the first)


def tangent(*fns):
    """Register the decorated template as the tangent rule of each of ``fns``."""
    def register(template_fn):
        template = Template(template_fn)
        for fn in fns:
            _TANGENTS[_key(fn)] = template
        return template_fn
    return register


def linear(*fns, positions=(0,), kind="joint"):
    """Declare ``fns`` linear (jointly) or multilinear (``kind="multi"``) in the arguments at ``positions``."""
    for fn in fns:
        _LINEAR[_key(fn)] = (kind, positions)


def linearity(fn):
    try:
        return _LINEAR.get(fn)
    except TypeError:
        return None


def tangent_rule(fn):
    try:
        return _TANGENTS.get(fn)
    except TypeError:
        return None


# -- derived from adjoint rules of elementwise functions ---------------------------------------

class _Reverse(ast.NodeTransformer):
    """``d[x] = E(d[result])`` -> ``d[result] = E(d[x])``, without the ``unbroadcast`` back to x."""

    def __init__(self, result):
        self.result = result
        self.arg = None

    def visit_Assign(self, node):
        target = node.targets[0]
        if _is_d(target):
            self.arg = target.slice  # a parameter, or an item of one (args[0])
            self.broadcasts = False
            node.value = self.visit(node.value)
            if self.broadcasts:  # going forwards the tangent must grow to the result's shape
                node.value = ast.Call(ast.Name("broadcast_like", ast.Load()),
                                      [node.value, ast.Name(self.result, ast.Load())], [])
            node.targets = [ast.Subscript(ast.Name("d", ast.Load()), ast.Name(self.result, ast.Load()), ast.Store())]
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id == "unbroadcast" and len(node.args) == 2:
            self.broadcasts = True
            return node.args[0]
        return node

    def visit_Subscript(self, node):
        if _is_d(node) and isinstance(node.slice, ast.Name) and node.slice.id == self.result:
            return ast.Subscript(ast.Name("d", ast.Load()), clone(self.arg), ast.Load())
        return self.generic_visit(node)


def _is_d(node):
    return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "d"


def elementwise(*fns):
    """Derive the tangent rules of elementwise functions from their adjoint rules."""
    for fn in fns:
        adjoint_template = _ADJOINTS[fn]
        tree = clone(adjoint_template.tree)
        tree = _Reverse(tree.args.args[0].arg).visit(tree)
        _TANGENTS[_key(fn)] = Template(adjoint_template.fn, ast.fix_missing_locations(tree),
                                       added_names={"broadcast_like": broadcast_like})


elementwise(
    operator.add, np.add, operator.sub, np.subtract, operator.mul, np.multiply, operator.truediv, np.divide,
    operator.mod, np.mod, np.remainder, np.fmod,
    np.exp, np.exp2, np.expm1, np.log, np.log2, np.log10, np.log1p, np.sqrt, np.cbrt, np.square, np.reciprocal,
    np.sin, np.cos, np.tan, np.arcsin, np.arccos, np.arctan, np.sinh, np.cosh, np.tanh, np.arcsinh,
    np.arccosh, np.arctanh, np.fabs, np.sinc, np.deg2rad, np.radians,
    np.rad2deg, np.degrees, np.maximum, np.minimum, np.fmax, np.fmin, builtins.max, builtins.min,
    np.arctan2, np.hypot, np.logaddexp, np.logaddexp2, np.clip, np.where, builtins.float,
    math.exp, math.expm1, math.log, math.log1p, math.log2, math.log10, math.sqrt, math.sin, math.cos,
    math.tan, math.asin, math.acos, math.atan, math.sinh, math.cosh, math.tanh, math.asinh, math.acosh,
    math.atanh, math.fabs, math.atan2, math.hypot, math.pow, math.copysign, np.heaviside,
)

# -- linear and multilinear functions -------------------------------------------------------------

linear(np.sum, np.mean, np.cumsum, np.transpose, np.reshape, np.ravel, np.squeeze, np.expand_dims,
       np.atleast_1d, np.atleast_2d, np.atleast_3d, np.swapaxes, np.moveaxis, np.broadcast_to, np.tile,
       np.repeat, np.flip, np.fliplr, np.flipud, np.roll, np.diag, np.diagonal, np.trace, np.triu, np.tril,
       np.take, np.take_along_axis, np.real, np.imag, np.conj, np.conjugate, np.copy, np.negative, np.positive,
       operator.neg, operator.pos, runtime.astype, np.pad, np.concatenate, np.stack, np.vstack, np.hstack,
       np.column_stack, np.split, np.array_split, builtins.sum)
linear(np.rot90, np.rollaxis, np.hsplit, np.vsplit, np.dsplit, np.add.reduce, np.add.accumulate)
linear(np.append, np.add.outer, np.subtract.outer, positions=(0, 1))
linear(np.cross, np.multiply.outer, positions=(0, 1), kind="multi")
if hasattr(np, "row_stack"):  # deprecated in NumPy 2
    linear(np.row_stack)
if hasattr(np, "astype"):
    linear(np.astype)
linear(runtime.appended, positions=(0, 1))
linear(operator.matmul, np.matmul, np.dot, np.vdot, np.inner, np.outer, np.tensordot, np.kron,
       positions=(0, 1), kind="multi")
linear(np.einsum, positions=tuple(range(64)), kind="multi")  # the sublist form's first argument is an array

# the runtime helpers of generated adjoint code, for derivatives of derivatives (hessians, grad of grad)
linear(runtime.broadcast_like, runtime.unbroadcast, runtime.unsum, runtime.unmean, runtime.zero_at, runtime.unindex, runtime.untake,
       runtime.untake_along_axis, runtime.unsort, runtime.cumsum_grad, runtime.unconcatenate, runtime.unstack,
       runtime.unvstack, runtime.unhstack, runtime.untile, runtime.unrepeat, runtime.unpad, runtime.undiag,
       runtime.undiagonal, runtime.untrace, runtime.extremum_grad, runtime.head_grad, runtime.last_grad,
       runtime.item_grad, runtime.array_grad, runtime.astype_grad, unjoin, uncolumn_stack, unfill, fill_tangent,
       diff_grad, diff_tangent, gradient_grad, gradient_tangent, unappend, unrollaxis, unpartition,
       partition_tangent, accumulate_extremum_grad, accumulate_extremum_tangent, upper, outer_sum_grad, append_part)
linear(cross_grad_left, positions=(0, 2), kind="multi")
linear(cross_grad_right, positions=(0, 1), kind="multi")
linear(join_tangent, positions=(2,))
linear(runtime.matmul_grad_left, runtime.dot_grad_left, runtime.inner_grad_left, runtime.outer_grad_left,
       runtime.tensordot_grad_left, positions=(0, 2), kind="multi")
linear(runtime.matmul_grad_right, runtime.dot_grad_right, runtime.inner_grad_right, runtime.outer_grad_right,
       runtime.tensordot_grad_right, runtime.var_grad, positions=(0, 1), kind="multi")
# (vdot_grad and kron_grad: with the other runtime helpers' adjoints, in runtime_helpers.py)
nondifferentiable(runtime.tie_share, runtime.clip_share, runtime.zeros_like, runtime.zero_tangent, linspace_ramp)

# -- complex numbers (runtime/complex_grads.py) ------------------------------------------------------------

linear(np.fft.fft, np.fft.ifft, np.fft.rfft, np.fft.irfft, np.fft.fft2, np.fft.fftn, np.fft.ifft2, np.fft.ifftn,
       np.fft.fftshift, np.fft.ifftshift, np.fft.rfft2, np.fft.rfftn, np.fft.irfft2, np.fft.irfftn)  # (real-)linear: the tangent is the transform's
linear(complex_grads.real_like, complex_grads.real_grad, complex_grads.imag_grad, complex_grads.conj_grad,
       complex_grads.fft_grad, complex_grads.fftn_grad, complex_grads.rfft_grad, complex_grads.rfftn_grad,
       complex_grads.irfftn_grad, complex_grads.irfft_grad)


@tangent(np.abs, np.absolute, builtins.abs)  # Re(t * slope): the tangent of a real function of x
def _(result, x):
    d[result] = np.real(d[x] * complex_grads.abs_slope(x))


@tangent(np.sign)
def _(result, x):
    d[result] = complex_grads.sign_grad(d[x], x)


@tangent(np.angle)
def _(result, z, deg=False):
    d[result] = complex_grads.angle_tangent(d[z], z, deg)


@tangent(complex_grads.abs_slope)
def _(result, x):
    d[result] = complex_grads.abs_slope_grad(d[x], x)


@adjoint(complex_grads.real_like)  # (second derivatives through np.abs: the identity on real values)
def _(result, g, x):
    d[g] = complex_grads.real_like(d[result], x)


from ..aliasing import MAY_SHARE  # noqa: E402
MAY_SHARE.add(complex_grads.real_like)  # g itself, for a complex x or a real g


@adjoint(complex_grads.abs_slope)
def _(result, x):
    d[x] = complex_grads.abs_slope_grad(d[result], x)


# -- templates: nonlinear functions that are not elementwise --------------------------------------

@tangent(operator.getitem)
def _(result, x, index):
    if joins(x, index):  # np.r_[a, 0:3, b]
        d[result] = join_tangent(x, index, d[index])
    elif hasattr(x, "__getitem__") and not isinstance(x, tuple):  # an object named when compiling (np.mgrid)
        raise NotImplementedError("indexing this object with values that depend on the differentiated inputs has "
                                  "no derivative rule (np.r_ and np.c_ without a directive string have one)")
    else:  # linear in x; integer or boolean indices carry no tangent
        d[result] = d[x][index]


@tangent(np.array, np.asarray)
def _(result, object, dtype=None, order=None, *, copy=None):
    if not floating(dtype):
        raise NotImplementedError("np.array and np.asarray have a tangent rule for floating dtypes only: a cast "
                                  "to integers has no derivative (cut it with ssagrad.stop_gradient)")
    d[result] = np.array(d[object], dtype=dtype)


@tangent(np.linspace)
def _(result, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if retstep or not floating(dtype):
        raise NotImplementedError("np.linspace has derivative rules for floating dtypes, without retstep=True "
                                  "(compute the step from the ends: (stop - start) / (num - 1))")
    d[result] = np.linspace(d[start], zeros_like(stop), num, endpoint=endpoint, axis=axis)  # linear in both ends
    d[result] = np.linspace(zeros_like(start), d[stop], num, endpoint=endpoint, axis=axis)


@tangent(np.arange)
def _(result, start, stop=None, step=None, dtype=None):
    if not floating(dtype):
        raise NotImplementedError("np.arange has a tangent rule for floating dtypes only")
    if stop is not None:  # np.arange(stop) alone: 0, 1, ... whatever stop is
        d[result] = fill_tangent(d[start], result)
        d[result] = d[step] * np.arange(np.size(result))


@tangent(np.full)
def _(result, shape, fill_value, dtype=None, order="C"):
    d[result] = fill_tangent(d[fill_value], result)


@tangent(np.full_like)
def _(result, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    d[result] = fill_tangent(d[fill_value], result)


@tangent(operator.pow, np.power, builtins.pow)
def _(result, x, y):
    if isinstance(y, (int, float)) and (y >= 1 or y < 0):  # a constant exponent: finite slope, or 0 ** y raises
        d[result] = broadcast_like(d[x] * y * x ** (y - 1), result)
    else:  # x ** 0 has slope 0 also at x = 0 (not 0 * 0 ** -1)
        d[result] = broadcast_like(d[x] * power_slope(x, y), result)
    # an exponent with no derivative may still have a tangent of zeros (an integer power saved on a tape, or
    # passed to a helper): its term is 0, not 0 * log(negative base) = NaN
    d[result] = broadcast_like(np.where(d[y] == 0, 0.0, d[y] * result * np.log(replace_zero(x, 1.0))), result)


@tangent(safe_div)
def _(result, g, d):
    d[result] = safe_div(d[g], d)
    d[result] = -safe_div(g * d[d], d ** 2)


@tangent(np.prod)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[result] = np.sum(prod_grad(1.0, a, axis=axis, keepdims=True) * d[a], axis=axis, keepdims=keepdims)


@tangent(np.var)
def _(result, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[result] = complex_grads.real_like(np.sum(var_grad(1.0, a, axis=axis, ddof=ddof, keepdims=True) * d[a],
                                               axis=axis, keepdims=keepdims), result)  # real for complex a


@tangent(np.std)
def _(result, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[result] = complex_grads.real_like(np.sum(std_grad(1.0, a, np.std(a, axis=axis, ddof=ddof, keepdims=True),
                                                        axis=axis, ddof=ddof, keepdims=True) * d[a],
                                               axis=axis, keepdims=keepdims), result)


@tangent(np.max, np.min, np.amax, np.amin)
def _(result, a, axis=None, keepdims=False):
    d[result] = np.sum(extremum_grad(1.0, a, result, axis=axis, keepdims=keepdims) * d[a], axis=axis,
                       keepdims=keepdims)


@tangent(np.linalg.norm)
def _(result, x, ord=None, axis=None, keepdims=False):
    d[result] = complex_grads.real_like(np.sum(norm_grad(1.0, x, result, ord=ord, axis=axis, keepdims=keepdims)
                                               * d[x], axis=axis, keepdims=keepdims), result)


@tangent(np.cumprod)
def _(result, a, axis=None, dtype=None):
    d[result] = cumprod_tangent(d[a], a, axis)


@tangent(np.sort)
def _(result, a, axis=-1, kind=None):
    d[result] = sort_tangent(d[a], a, axis)


@tangent(np.linalg.inv)
def _(result, a):
    d[result] = -(result @ d[a] @ result)


@tangent(np.linalg.det)
def _(result, a):
    d[result] = result * np.trace(np.linalg.solve(a, d[a]), axis1=-2, axis2=-1)


@tangent(np.linalg.solve)
def _(result, a, b):
    d[result] = solve_tangent(a, d[a], result, b)
    d[result] = np.linalg.solve(a, d[b])


@tangent(np.linalg.slogdet)
def _(results, a):
    d[results[1]] = np.trace(np.linalg.solve(a, d[a]), axis1=-2, axis2=-1)  # the sign is piecewise constant


@tangent(np.linalg.cholesky)
def _(result, a, upper=False):
    if upper:
        raise NotImplementedError("only the lower Cholesky factor (upper=False) has a tangent rule")
    d[result] = cholesky_tangent(d[a], result)


@tangent(np.linalg.eigh)
def _(results, a, UPLO="L"):
    if UPLO == "L":
        d[results] = eigh_tangents(d[a], results[0], results[1])
    elif UPLO == "U":  # the upper triangle read as the lower one of the transpose
        d[results] = eigh_tangents(upper(d[a]), results[0], results[1])
    else:
        raise NotImplementedError("eigh has tangent rules for UPLO='L' and UPLO='U', written as constants")


@tangent(np.linalg.eigvalsh)
def _(result, a, UPLO="L"):
    if UPLO != "L" and UPLO != "U":
        raise NotImplementedError("eigvalsh has tangent rules for UPLO='L' and UPLO='U', written as constants")
    d[result] = eigvalsh_tangent(d[a], a, UPLO)


@tangent(np.linalg.eig)
def _(results, a):
    d[results] = eig_tangents(d[a], results[0], results[1])


@tangent(np.linalg.eigvals)
def _(result, a):
    d[result] = eigvals_tangent(d[a], a)


@tangent(np.linalg.qr)
def _(results, a, mode="reduced"):
    if mode != "reduced":
        raise NotImplementedError("only qr(a, mode='reduced') has a tangent rule")
    d[results] = qr_tangents(d[a], results[0], results[1])


@tangent(np.select)
def _(result, condlist, choicelist, default=0):
    d[result] = select_tangent(condlist, d[choicelist], choicelist)
    d[result] = broadcast_like(np.where(np.any(condlist, axis=0), 0.0, d[default]), result)


@tangent(np.linalg.lstsq)
def _(results, a, b, rcond=None):
    d[results] = lstsq_tangents(d[a], None, a, b, results[0], results[1])
    d[results] = lstsq_tangents(None, d[b], a, b, results[0], results[1])


@tangent(np.linalg.svdvals)
def _(result, x):
    d[result] = svdvals_tangent(d[x], x)


@tangent(np.linalg.svd)
def _(result, a, full_matrices=True, compute_uv=True, hermitian=False):
    if compute_uv is False:
        d[result] = svdvals_tangent(d[a], a)
    else:  # u, s, vh: full_matrices=False, or a square matrix
        d[result] = svd_tangents(d[a], result, a, full_matrices)


@tangent(np.diff)
def _(result, a, n=1, axis=-1, prepend=None, append=None):
    d[result] = diff_tangent(d[a], a, n, axis, prepend, append, 1)
    d[result] = diff_tangent(d[prepend], a, n, axis, prepend, append, 0)
    d[result] = diff_tangent(d[append], a, n, axis, prepend, append, 2)


@tangent(np.gradient)
def _(result, f, *varargs, axis=None, edge_order=1):
    d[result] = gradient_tangent(d[f], f, varargs, axis, edge_order)
    d[result] = gradient_spacing_tangent(d[varargs], result, f, varargs, axis)


@tangent(runtime.eigh_grad)  # second derivatives through eigh: one term per argument that has a tangent
def _(result, g_w, g_v, w, v):
    d[result] = runtime.eigh_grad(d[g_w], None, w, v)
    d[result] = runtime.eigh_grad(None, d[g_v], w, v)
    d[result] = eigh_grad_dw(d[w], g_v, w, v)
    d[result] = eigh_grad_dv(d[v], g_w, g_v, w, v)


@tangent(eig_grad)  # second derivatives through eig (a real spectrum)
def _(result, g_w, g_v, w, v):
    d[result] = eig_grad(d[g_w], None, w, v)
    d[result] = eig_grad(None, d[g_v], w, v)
    d[result] = eig_grad_dw(d[w], g_v, w, v)
    d[result] = eig_grad_dv(d[v], g_w, g_v, w, v)


@tangent(eigvals_grad)
def _(result, g, a):
    d[result] = eigvals_grad(d[g], a)
    d[result] = eigvals_grad_da(d[a], g, a)


@tangent(svd_grad)  # second derivatives through the singular vectors (a reads only for its shape)
def _(result, g, factors, a, full_matrices=True):
    d[result] = svd_grad(d[g], factors, a, full_matrices)
    d[result] = svd_grad_dresult(d[factors], g, factors, a, full_matrices)


@tangent(runtime.einsum_grads)  # second derivatives through einsum: linear in g and in every other operand
def _(result, g, subscripts, operands):
    d[result] = runtime.einsum_grads(d[g], subscripts, operands)
    d[result] = einsum_rest_tangent(g, subscripts, operands, d[operands])


@tangent(einsum_rest_grads)
def _(result, g, subscripts, operands):
    d[result] = einsum_rest_grads(d[g], subscripts, operands)
    d[result] = einsum_rest_tangent(g, subscripts, operands, d[operands])
    d[result] = einsum_rest_tangent_first(g, subscripts, operands, d[subscripts])


@tangent(einsum_first_grad)
def _(result, g, subscripts, operands):
    d[result] = einsum_first_grad(d[g], subscripts, operands)
    d[result] = einsum_first_tangent(g, subscripts, operands, d[operands])


@tangent(eigvalsh_grad)
def _(result, g, a, UPLO="L"):
    d[result] = eigvalsh_grad(d[g], a, UPLO)
    d[result] = eigvalsh_grad_da(d[a], g, a, UPLO)


@tangent(unsplit_along)  # linear in the gradients; one that is None stays None (zeros of its piece's shape)
def _(result, grads, parts, ary, kind):
    d[result] = unsplit_along(d[grads], parts, ary, kind)


@tangent(np.partition)
def _(result, a, kth, axis=-1, kind="introselect"):
    d[result] = partition_tangent(d[a], a, result, axis)


@tangent(np.multiply.reduce)
def _(result, array, axis=0, dtype=None, keepdims=False):
    d[result] = np.sum(prod_grad(1.0, array, axis, True) * d[array], axis, None, None, keepdims)


@tangent(np.multiply.accumulate)
def _(result, array, axis=0, dtype=None):
    d[result] = cumprod_tangent(d[array], array, axis)


@tangent(np.maximum.reduce, np.minimum.reduce)
def _(result, array, axis=0, dtype=None, keepdims=False):
    d[result] = np.sum(extremum_grad(1.0, array, result, axis, keepdims) * d[array], axis, None, None, keepdims)


@tangent(np.maximum.accumulate, np.minimum.accumulate)
def _(result, array, axis=0, dtype=None):
    d[result] = accumulate_extremum_tangent(d[array], array, result, axis)


@tangent(np.linalg.pinv)
def _(result, a, rcond=None, hermitian=False, rtol=None):
    d[result] = pinv_tangent(d[a], a, result)  # constant rank, as the gradient assumes


@adjoint(safe_div)  # the reverse rule of a helper tangent code calls (grad of jvp)
def _(result, g, d):
    d[g] = unbroadcast(safe_div(d[result], d), g)
    d[d] = unbroadcast(-safe_div(d[result] * g, d ** 2), d)


@adjoint(broadcast_like)
def _(result, t, like):
    d[t] = unbroadcast(d[result], t)


@adjoint(replace_zero)  # log(replace_zero(x, 1.0)) in pow's gradient: differentiated again by hessians
def _(result, x, value):
    d[x] = d[result] * (x != 0)
    d[value] = unbroadcast(d[result] * (x == 0), value)


elementwise(replace_zero)


@adjoint(power_slope)  # y * x ** (y - 1) in pow's gradient, differentiated again by hessians
def _(result, x, y):
    d[x] = unbroadcast(d[result] * power_curvature(x, y), x)
    d[y] = unbroadcast(d[result] * power_slope_in_y(x, y), y)


elementwise(power_slope, np.nan_to_num)
