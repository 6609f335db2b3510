"""Rules for NumPy functions, grouped by kind. Linear algebra is in ``linalg.py``."""
import operator

import numpy as np

from ...runtime import (
    astype, astype_grad, clip_share, cumprod_grad, cumsum_grad, dot_grad_left, dot_grad_right, einsum_grads,
    extremum_grad, inner_grad_left, inner_grad_right, kron_grad, norm_grad, outer_grad_left, outer_grad_right,
    prod_grad, safe_div, select_grads, sinc_derivative, std_grad, tensordot_grad_left, tensordot_grad_right,
    tie_share, unbroadcast, unconcatenate, undiag, undiagonal, unhstack, unmean, unpad, unrepeat, unsort,
    unsplit, unstack, unsum, untake, untake_along_axis, untile, untrace, unvstack, var_grad, vdot_grad)
from ...runtime.construction import linspace_ramp, uncolumn_stack, unfill
from ...runtime.numpy_grads import (
    accumulate_extremum_grad, accumulate_extremum_tangent, append_part, cross_grad_left, cross_grad_right, diff_grad,
    diff_tangent, einsum_first_grad, einsum_first_grad_vjp, einsum_grads_vjp, einsum_rest_grads, gradient_grad, gradient_spacing_grads, gradient_tangent,
    outer_sum_grad, partition_tangent, split_axis, unappend, unpartition, unrollaxis, unsplit_along, upper)
from ...runtime import zeros_like
from ...runtime.complex_grads import (abs_slope, angle_grad, conj_grad, fft_grad, fftn_grad, imag_grad, irfft_grad,
                                      irfftn_grad, real_grad, real_like, rfft_grad, rfftn_grad, sign_grad)
from . import adjoint, floating, nondifferentiable

# -- elementwise: one argument ----------------------------------------------------------


@adjoint(np.exp)
def _(result, x):
    d[x] = d[result] * result


@adjoint(np.exp2)
def _(result, x):
    d[x] = d[result] * result * np.log(2.0)


@adjoint(np.expm1)
def _(result, x):
    d[x] = d[result] * (result + 1.0)


@adjoint(np.log)
def _(result, x):
    d[x] = safe_div(d[result], x)


@adjoint(np.log2)
def _(result, x):
    d[x] = safe_div(d[result], x * np.log(2.0))


@adjoint(np.log10)
def _(result, x):
    d[x] = safe_div(d[result], x * np.log(10.0))


@adjoint(np.log1p)
def _(result, x):
    d[x] = safe_div(d[result], 1.0 + x)


@adjoint(np.sqrt)
def _(result, x):
    d[x] = safe_div(d[result], 2.0 * result)


@adjoint(np.cbrt)
def _(result, x):
    d[x] = safe_div(d[result], 3.0 * result ** 2)


@adjoint(np.square)
def _(result, x):
    d[x] = d[result] * 2 * x


@adjoint(np.reciprocal)
def _(result, x):
    d[x] = -d[result] * result ** 2


@adjoint(np.sin)
def _(result, x):
    d[x] = d[result] * np.cos(x)


@adjoint(np.cos)
def _(result, x):
    d[x] = -d[result] * np.sin(x)


@adjoint(np.tan)
def _(result, x):
    d[x] = d[result] * (1 + result ** 2)


@adjoint(np.arcsin)
def _(result, x):
    d[x] = safe_div(d[result], np.sqrt(1.0 - x ** 2))


@adjoint(np.arccos)
def _(result, x):
    d[x] = -safe_div(d[result], np.sqrt(1.0 - x ** 2))


@adjoint(np.arctan)
def _(result, x):
    d[x] = d[result] / (1.0 + x ** 2)


@adjoint(np.sinh)
def _(result, x):
    d[x] = d[result] * np.cosh(x)


@adjoint(np.cosh)
def _(result, x):
    d[x] = d[result] * np.sinh(x)


@adjoint(np.tanh)
def _(result, x):
    d[x] = d[result] * (1 - result ** 2)


@adjoint(np.arcsinh)
def _(result, x):
    d[x] = d[result] / np.sqrt(x ** 2 + 1.0)


@adjoint(np.arccosh)
def _(result, x):
    d[x] = safe_div(d[result], np.sqrt(x ** 2 - 1.0))


@adjoint(np.arctanh)
def _(result, x):
    d[x] = safe_div(d[result], 1.0 - x ** 2)


@adjoint(np.fabs)
def _(result, x):
    d[x] = d[result] * np.sign(x)


@adjoint(np.abs, np.absolute)  # np.sign(x) for a real x, conj(x) / |x| for a complex one
def _(result, x):
    d[x] = real_like(d[result], result) * abs_slope(x)


@adjoint(np.sinc)
def _(result, x):
    d[x] = d[result] * sinc_derivative(x, result)


@adjoint(np.deg2rad, np.radians)
def _(result, x):
    d[x] = d[result] * (np.pi / 180.0)


@adjoint(np.rad2deg, np.degrees)
def _(result, x):
    d[x] = d[result] * (180.0 / np.pi)


@adjoint(np.copy)
def _(result, x):
    d[x] = d[result]


# -- complex numbers (the convention: runtime/complex_grads.py) -----------------------------------------


@adjoint(np.sign)  # piecewise constant for a real x; a complex x's sign is refused when the gradient runs
def _(result, x):
    d[x] = sign_grad(d[result], x)


nondifferentiable(sign_grad)  # zeros (or a refusal): second derivatives through np.sign are zero too


@adjoint(np.real)
def _(result, val):
    d[val] = real_grad(d[result], val)


@adjoint(np.imag)
def _(result, val):
    d[val] = imag_grad(d[result], val)


@adjoint(np.conj, np.conjugate)
def _(result, x):
    d[x] = conj_grad(d[result], x)


@adjoint(np.angle)
def _(result, z, deg=False):
    d[z] = angle_grad(d[result], z, deg)


@adjoint(np.fft.fft)
def _(result, a, n=None, axis=-1, norm=None):
    d[a] = fft_grad(d[result], a, n, axis, norm)


@adjoint(np.fft.ifft)
def _(result, a, n=None, axis=-1, norm=None):
    d[a] = fft_grad(d[result], a, n, axis, norm, inverse=True)


@adjoint(np.fft.fft2)
def _(result, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.fftn)
def _(result, a, s=None, axes=None, norm=None):
    d[a] = fftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.ifft2)
def _(result, a, s=None, axes=(-2, -1), norm=None):
    d[a] = fftn_grad(d[result], a, s, axes, norm, inverse=True)


@adjoint(np.fft.ifftn)
def _(result, a, s=None, axes=None, norm=None):
    d[a] = fftn_grad(d[result], a, s, axes, norm, inverse=True)


@adjoint(np.fft.rfft2)
def _(result, a, s=None, axes=(-2, -1), norm=None):
    d[a] = rfftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.rfftn)
def _(result, a, s=None, axes=None, norm=None):
    d[a] = rfftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.irfft2)
def _(result, a, s=None, axes=(-2, -1), norm=None):
    d[a] = irfftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.irfftn)
def _(result, a, s=None, axes=None, norm=None):
    d[a] = irfftn_grad(d[result], a, s, axes, norm)


@adjoint(np.fft.fftshift)
def _(result, x, axes=None):
    d[x] = np.fft.ifftshift(d[result], axes)


@adjoint(np.fft.ifftshift)
def _(result, x, axes=None):
    d[x] = np.fft.fftshift(d[result], axes)


@adjoint(np.fft.rfft)
def _(result, a, n=None, axis=-1, norm=None):
    d[a] = rfft_grad(d[result], a, n, axis, norm)


@adjoint(np.fft.irfft)
def _(result, a, n=None, axis=-1, norm=None):
    d[a] = irfft_grad(d[result], a, n, axis, norm)


@adjoint(np.nan_to_num)  # the identity on finite entries; the others take the replacement's gradient
def _(result, x, copy=True, nan=0.0, posinf=None, neginf=None):
    d[x] = np.where(np.isfinite(x), d[result], 0.0)
    d[nan] = unbroadcast(np.where(np.isnan(x), d[result], 0.0), nan)
    d[posinf] = unbroadcast(np.where(np.isposinf(x), d[result], 0.0), posinf)
    d[neginf] = unbroadcast(np.where(np.isneginf(x), d[result], 0.0), neginf)


# -- elementwise: two arguments, with broadcasting ------------------------------------------


@adjoint(np.maximum, np.minimum, np.fmax, np.fmin)
def _(result, x, y):
    d[x] = unbroadcast(d[result] * tie_share(x, result, y), x)
    d[y] = unbroadcast(d[result] * tie_share(y, result, x), y)


@adjoint(np.arctan2)
def _(result, x1, x2):
    d[x1] = unbroadcast(d[result] * x2 / (x1 ** 2 + x2 ** 2), x1)
    d[x2] = unbroadcast(-d[result] * x1 / (x1 ** 2 + x2 ** 2), x2)


@adjoint(np.hypot)
def _(result, x1, x2):
    d[x1] = unbroadcast(safe_div(d[result] * x1, result), x1)
    d[x2] = unbroadcast(safe_div(d[result] * x2, result), x2)


@adjoint(np.logaddexp)
def _(result, x1, x2):
    d[x1] = unbroadcast(d[result] * np.exp(x1 - result), x1)
    d[x2] = unbroadcast(d[result] * np.exp(x2 - result), x2)


@adjoint(np.logaddexp2)
def _(result, x1, x2):
    d[x1] = unbroadcast(d[result] * 2.0 ** (x1 - result), x1)
    d[x2] = unbroadcast(d[result] * 2.0 ** (x2 - result), x2)


@adjoint(np.mod, np.remainder, operator.mod)
def _(result, x1, x2):
    d[x1] = unbroadcast(d[result], x1)
    d[x2] = unbroadcast(-d[result] * np.floor_divide(x1, x2), x2)


@adjoint(np.fmod)
def _(result, x1, x2):
    d[x1] = unbroadcast(d[result], x1)
    d[x2] = unbroadcast(-d[result] * np.trunc(x1 / x2), x2)


@adjoint(np.clip)
def _(result, a, a_min=None, a_max=None):
    d[a] = unbroadcast(d[result] * clip_share(a, a_min, a_max), a)
    d[a_min] = unbroadcast(d[result] * (a < a_min), a_min)
    d[a_max] = unbroadcast(d[result] * (a > a_max), a_max)


@adjoint(np.heaviside)
def _(result, x1, x2):
    d[x2] = unbroadcast(d[result] * (x1 == 0), x2)  # the value at 0; elsewhere piecewise constant


@adjoint(np.where)
def _(result, condition, x, y):
    # np.where, not a product: a NaN or inf in the branch not taken stays out of the gradient
    d[x] = unbroadcast(np.where(condition, d[result], 0.0), x)
    d[y] = unbroadcast(np.where(condition, 0.0, d[result]), y)


@adjoint(np.select)
def _(result, condlist, choicelist, default=0):
    d[choicelist] = select_grads(d[result], condlist, choicelist)
    d[default] = unbroadcast(np.where(np.any(condlist, axis=0), 0.0, d[result]), default)


# -- reductions -----------------------------------------------------------------------------


@adjoint(np.sum)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[a] = unsum(d[result], a, axis=axis, keepdims=keepdims)


@adjoint(np.mean)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[a] = unmean(d[result], a, axis=axis, keepdims=keepdims)


@adjoint(np.prod)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[a] = prod_grad(d[result], a, axis=axis, keepdims=keepdims)


@adjoint(np.var)
def _(result, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[a] = var_grad(d[result], a, axis=axis, ddof=ddof, keepdims=keepdims)


@adjoint(np.std)
def _(result, a, axis=None, dtype=None, ddof=0, keepdims=False):
    d[a] = std_grad(d[result], a, result, axis=axis, ddof=ddof, keepdims=keepdims)


@adjoint(np.max, np.min, np.amax, np.amin)
def _(result, a, axis=None, keepdims=False):
    d[a] = extremum_grad(d[result], a, result, axis=axis, keepdims=keepdims)


@adjoint(np.linalg.norm)
def _(result, x, ord=None, axis=None, keepdims=False):
    d[x] = norm_grad(d[result], x, result, ord=ord, axis=axis, keepdims=keepdims)


@adjoint(np.cumsum)
def _(result, a, axis=None, dtype=None):
    d[a] = cumsum_grad(d[result], a, axis=axis)


@adjoint(np.cumprod)
def _(result, a, axis=None, dtype=None):
    d[a] = cumprod_grad(d[result], a, axis=axis)


@adjoint(np.diff)
def _(result, a, n=1, axis=-1, prepend=None, append=None):
    d[a] = diff_grad(d[result], a, n, axis, prepend, append, 1)
    d[prepend] = diff_grad(d[result], a, n, axis, prepend, append, 0)
    d[append] = diff_grad(d[result], a, n, axis, prepend, append, 2)


@adjoint(np.gradient, outputs="list")  # one array per axis: a list when there are several
def _(result, f, *varargs, axis=None, edge_order=1):
    d[f] = gradient_grad(d[result], f, varargs, axis, edge_order)
    d[varargs] = gradient_spacing_grads(d[result], result, f, varargs, axis)


# -- ufunc methods: np.add.reduce is np.sum along axis 0, np.maximum.accumulate a running maximum --------


@adjoint(np.add.reduce)
def _(result, array, axis=0, dtype=None, keepdims=False):
    d[array] = unsum(d[result], array, axis, keepdims)


@adjoint(np.add.accumulate)
def _(result, array, axis=0, dtype=None):
    d[array] = cumsum_grad(d[result], array, axis)


@adjoint(np.multiply.reduce)
def _(result, array, axis=0, dtype=None, keepdims=False):
    d[array] = prod_grad(d[result], array, axis, keepdims)


@adjoint(np.multiply.accumulate)
def _(result, array, axis=0, dtype=None):
    d[array] = cumprod_grad(d[result], array, axis)


@adjoint(np.maximum.reduce, np.minimum.reduce)
def _(result, array, axis=0, dtype=None, keepdims=False):
    d[array] = extremum_grad(d[result], array, result, axis, keepdims)


@adjoint(np.maximum.accumulate, np.minimum.accumulate)
def _(result, array, axis=0, dtype=None):
    d[array] = accumulate_extremum_grad(d[result], array, result, axis)


@adjoint(np.multiply.outer)
def _(result, A, B):
    d[A] = outer_grad_left(d[result], A, B)  # np.outer's, which keeps A's shape
    d[B] = outer_grad_right(d[result], A, B)


@adjoint(np.add.outer)
def _(result, A, B):
    d[A] = outer_sum_grad(d[result], A, B, 0)
    d[B] = outer_sum_grad(d[result], A, B, 1)


@adjoint(np.subtract.outer)
def _(result, A, B):
    d[A] = outer_sum_grad(d[result], A, B, 0)
    d[B] = -outer_sum_grad(d[result], A, B, 1)


# -- shapes -----------------------------------------------------------------------------------


@adjoint(np.transpose)
def _(result, a, axes=None):
    if axes is None:
        d[a] = np.transpose(d[result])
    else:
        d[a] = np.transpose(d[result], np.argsort(axes))


@adjoint(np.reshape)
def _(result, a, shape=None, order="C", newshape=None):
    d[a] = np.reshape(d[result], np.shape(a), order=order)


@adjoint(np.ravel)
def _(result, a, order="C"):
    d[a] = np.reshape(d[result], np.shape(a), order=order)


@adjoint(np.squeeze, np.expand_dims, np.atleast_1d, np.atleast_2d, np.atleast_3d)
def _(result, a, axis=None):
    d[a] = np.reshape(d[result], np.shape(a))


@adjoint(np.swapaxes)
def _(result, a, axis1, axis2):
    d[a] = np.swapaxes(d[result], axis1, axis2)


@adjoint(np.moveaxis)
def _(result, a, source, destination):
    d[a] = np.moveaxis(d[result], destination, source)


@adjoint(np.broadcast_to)
def _(result, array, shape):
    d[array] = unbroadcast(d[result], array)


@adjoint(np.concatenate)
def _(result, arrays, axis=0):
    d[arrays] = unconcatenate(d[result], arrays, axis)


@adjoint(np.stack)
def _(result, arrays, axis=0):
    d[arrays] = unstack(d[result], arrays, axis)


@adjoint(np.vstack, *[np.row_stack] if hasattr(np, "row_stack") else [])  # row_stack: deprecated in NumPy 2
def _(result, tup):
    d[tup] = unvstack(d[result], tup)


@adjoint(np.column_stack)
def _(result, tup):
    d[tup] = uncolumn_stack(d[result], tup)


@adjoint(np.hstack)
def _(result, tup):
    d[tup] = unhstack(d[result], tup)


@adjoint(np.split, np.array_split, outputs="list")  # unpacked where called, or a list indexed later
def _(results, ary, indices_or_sections, axis=0):
    d[ary] = unsplit(d[results], results, ary, axis)


@adjoint(np.hsplit, outputs="list")
def _(results, ary, indices_or_sections):
    d[ary] = unsplit_along(d[results], results, ary, "h")


@adjoint(np.vsplit, outputs="list")
def _(results, ary, indices_or_sections):
    d[ary] = unsplit_along(d[results], results, ary, "v")


@adjoint(np.dsplit, outputs="list")
def _(results, ary, indices_or_sections):
    d[ary] = unsplit_along(d[results], results, ary, "d")


@adjoint(np.append)
def _(result, arr, values, axis=None):
    d[arr] = unappend(d[result], arr, values, axis, 0)
    d[values] = unappend(d[result], arr, values, axis, 1)


@adjoint(np.tile)
def _(result, A, reps):
    d[A] = untile(d[result], A, reps)


@adjoint(np.repeat)
def _(result, a, repeats, axis=None):
    d[a] = unrepeat(d[result], a, repeats, axis)


@adjoint(np.flip)
def _(result, m, axis=None):
    d[m] = np.flip(d[result], axis)


@adjoint(np.fliplr)
def _(result, m):
    d[m] = np.fliplr(d[result])


@adjoint(np.flipud)
def _(result, m):
    d[m] = np.flipud(d[result])


@adjoint(np.rot90)
def _(result, m, k=1, axes=(0, 1)):
    d[m] = np.rot90(d[result], -k, axes)


@adjoint(np.rollaxis)
def _(result, a, axis, start=0):
    d[a] = unrollaxis(d[result], a, axis, start)


@adjoint(np.roll)
def _(result, a, shift, axis=None):
    d[a] = np.roll(d[result], np.negative(shift), axis)


@adjoint(np.pad)
def _(result, array, pad_width, mode="constant", constant_values=0):
    if mode != "constant":
        raise NotImplementedError("only mode='constant' of np.pad has a gradient rule")
    d[array] = unpad(d[result], array, pad_width)
    d[constant_values] = np.sum(d[result]) - np.sum(unpad(d[result], array, pad_width))


@adjoint(np.diag)
def _(result, v, k=0):
    d[v] = undiag(d[result], v, k)


@adjoint(np.diagonal)
def _(result, a, offset=0, axis1=0, axis2=1):
    d[a] = undiagonal(d[result], a, offset, axis1, axis2)


@adjoint(np.trace)
def _(result, a, offset=0, axis1=0, axis2=1, dtype=None):
    d[a] = untrace(d[result], a, offset, axis1, axis2)


@adjoint(np.triu)
def _(result, m, k=0):
    d[m] = np.triu(d[result], k)


@adjoint(np.tril)
def _(result, m, k=0):
    d[m] = np.tril(d[result], k)


# -- building arrays from values (np.array is in containers.py, np.r_[...] with indexing in operators.py) ----


@adjoint(np.linspace)
def _(result, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if retstep or not floating(dtype):
        raise NotImplementedError("np.linspace has derivative rules for floating dtypes, without retstep=True "
                                  "(compute the step from the ends: (stop - start) / (num - 1))")
    ramp = linspace_ramp(result, num, endpoint=endpoint, axis=axis)
    d[start] = unbroadcast(np.sum(d[result] * (1.0 - ramp), axis), start)
    d[stop] = unbroadcast(np.sum(d[result] * ramp, axis), stop)


@adjoint(np.arange)
def _(result, start, stop=None, step=None, dtype=None):
    if not floating(dtype):
        raise NotImplementedError("np.arange has a gradient rule for floating dtypes only")
    if stop is not None:  # np.arange(stop) alone: 0, 1, ... whatever stop is
        d[start] = np.sum(d[result])
        d[step] = np.sum(d[result] * np.arange(np.size(result)))


@adjoint(np.full)
def _(result, shape, fill_value, dtype=None, order="C"):
    d[fill_value] = unfill(d[result], fill_value, result)


@adjoint(np.full_like)
def _(result, a, fill_value, dtype=None, order="K", subok=True, shape=None):
    d[fill_value] = unfill(d[result], fill_value, result)


# -- indexing and sorting ---------------------------------------------------------------------


@adjoint(np.take)
def _(result, a, indices, axis=None):
    d[a] = untake(d[result], a, indices, axis)


@adjoint(np.take_along_axis)
def _(result, arr, indices, axis):
    d[arr] = untake_along_axis(d[result], arr, indices, axis)


@adjoint(np.sort)
def _(result, a, axis=-1, kind=None):
    d[a] = unsort(d[result], a, axis)


@adjoint(np.partition)
def _(result, a, kth, axis=-1, kind="introselect"):
    d[a] = unpartition(d[result], a, result, axis)


@adjoint(astype, *[np.astype] if hasattr(np, "astype") else [])
def _(result, x, dtype):
    d[x] = astype_grad(d[result], x, dtype)


# -- products ---------------------------------------------------------------------------------


@adjoint(np.dot)
def _(result, a, b):
    d[a] = dot_grad_left(d[result], a, b)
    d[b] = dot_grad_right(d[result], a, b)


@adjoint(np.vdot)
def _(result, a, b):
    d[a] = vdot_grad(d[result], a, b)
    d[b] = vdot_grad(d[result], b, a)


@adjoint(np.inner)
def _(result, a, b):
    d[a] = inner_grad_left(d[result], a, b)
    d[b] = inner_grad_right(d[result], a, b)


@adjoint(np.outer)
def _(result, a, b):
    d[a] = outer_grad_left(d[result], a, b)
    d[b] = outer_grad_right(d[result], a, b)


@adjoint(np.tensordot)
def _(result, a, b, axes=2):
    d[a] = tensordot_grad_left(d[result], a, b, axes)
    d[b] = tensordot_grad_right(d[result], a, b, axes)


@adjoint(np.einsum)  # subscripts with '...', and the sublist form einsum(x, [0, 1], y, [1, 2], [0, 2])
def _(result, subscripts, *operands, optimize=False):
    if isinstance(subscripts, str) and "." not in subscripts:
        d[operands] = einsum_grads(d[result], subscripts, operands)
    else:
        d[subscripts] = einsum_first_grad(d[result], subscripts, operands)  # the sublist form's first array
        d[operands] = einsum_rest_grads(d[result], subscripts, operands)


@adjoint(np.cross)
def _(result, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[a] = cross_grad_left(d[result], a, b, axisa, axisb, axisc, axis)
    d[b] = cross_grad_right(d[result], a, b, axisa, axisb, axisc, axis)


@adjoint(np.kron)
def _(result, a, b):
    d[a] = kron_grad(d[result], a, b, 0)
    d[b] = kron_grad(d[result], a, b, 1)


# -- the runtime helpers of the rules above, differentiated again (reverse over reverse) ----------------------
# Each is linear in the gradient it takes (their tangents: linear() in tangents.py); its adjoint is its transpose.


@adjoint(diff_grad)
def _(result, g, a, n=1, axis=-1, prepend=None, append=None, part=1):
    d[g] = diff_tangent(d[result], a, n, axis, prepend, append, part)


@adjoint(diff_tangent)
def _(result, t, a, n=1, axis=-1, prepend=None, append=None, part=1):
    d[t] = diff_grad(d[result], a, n, axis, prepend, append, part)


@adjoint(gradient_grad)
def _(result, g, f, varargs=(), axis=None, edge_order=1):
    d[g] = gradient_tangent(d[result], f, varargs, axis, edge_order)


@adjoint(gradient_tangent)
def _(result, t, f, varargs=(), axis=None, edge_order=1):
    d[t] = gradient_grad(d[result], f, varargs, axis, edge_order)


@adjoint(unappend)
def _(result, g, arr, values, axis=None, part=0):
    d[g] = append_part(d[result], arr, values, axis, part)


@adjoint(append_part)
def _(result, t, arr, values, axis=None, part=0):
    d[t] = unappend(d[result], arr, values, axis, part)


@adjoint(unsplit_along)
def _(result, grads, parts, ary, kind):
    d[grads] = unconcatenate(d[result], parts, split_axis(ary, kind))


@adjoint(unrollaxis)
def _(result, g, a, axis, start=0):
    d[g] = np.rollaxis(d[result], axis, start)


@adjoint(unpartition)
def _(result, g, a, result_of_partition, axis=-1):
    d[g] = partition_tangent(d[result], a, result_of_partition, axis)


@adjoint(partition_tangent)
def _(result, t, a, result_of_partition, axis=-1):
    d[t] = unpartition(d[result], a, result_of_partition, axis)


@adjoint(accumulate_extremum_grad)
def _(result, g, a, result_of_accumulate, axis=0):
    d[g] = accumulate_extremum_tangent(d[result], a, result_of_accumulate, axis)


@adjoint(accumulate_extremum_tangent)
def _(result, t, a, result_of_accumulate, axis=0):
    d[t] = accumulate_extremum_grad(d[result], a, result_of_accumulate, axis)


@adjoint(outer_sum_grad)
def _(result, g, a, b, which):
    if which == 0:
        d[g] = np.add.outer(d[result], zeros_like(b))
    else:
        d[g] = np.add.outer(zeros_like(a), d[result])


@adjoint(cross_grad_left)  # bilinear in g and b: <e, L(g, a, b)> = <g, cross(e, b)>
def _(result, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[g] = np.cross(d[result], b, axisa, axisb, axisc, axis)
    d[b] = cross_grad_right(g, d[result], b, axisa, axisb, axisc, axis)


@adjoint(cross_grad_right)  # bilinear in g and a: <e, R(g, a, b)> = <g, cross(a, e)>
def _(result, g, a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    d[g] = np.cross(a, d[result], axisa, axisb, axisc, axis)
    d[a] = cross_grad_left(g, a, d[result], axisa, axisb, axisc, axis)


@adjoint(einsum_grads, einsum_rest_grads, outputs="list")  # linear in g and in every operand but the one each gradient is for
def _(result, g, subscripts, operands):
    d[g] = einsum_grads_vjp(d[result], g, subscripts, operands, 0)
    d[operands] = einsum_grads_vjp(d[result], g, subscripts, operands, 1)
    d[subscripts] = einsum_grads_vjp(d[result], g, subscripts, operands, 2)  # the sublist form's first array


@adjoint(einsum_first_grad)
def _(result, g, subscripts, operands):
    d[g] = einsum_first_grad_vjp(d[result], g, subscripts, operands, 0)
    d[operands] = einsum_first_grad_vjp(d[result], g, subscripts, operands, 1)


@adjoint(upper)
def _(result, x):
    d[x] = upper(d[result])


# Functions after which part of a value no longer reaches the result (a replaced NaN, an entry a running
# maximum passed over): specialized gradients keep safe_div for them (compiler/specialize.py's MASKING)
from ..specialize import MASKING  # noqa: E402

MASKING.update({np.nan_to_num, np.partition, np.hsplit, np.vsplit, np.dsplit, np.maximum.reduce,
                np.minimum.reduce, np.maximum.accumulate, np.minimum.accumulate})

# ... and those whose result may be a view of an argument (compiler/aliasing.py's MAY_SHARE; np.diff(a, 0) is a,
# np.nan_to_num(a, copy=False) is a)
from ..aliasing import MAY_SHARE  # noqa: E402

MAY_SHARE.update({np.rot90, np.rollaxis, np.hsplit, np.vsplit, np.dsplit, np.diff, np.nan_to_num,
                  diff_grad, diff_tangent, unappend, unrollaxis, upper, outer_sum_grad,  # (helpers: g, or a view)
                  einsum_grads, einsum_rest_grads, einsum_first_grad})  # (np.einsum may return a view of g)

# -- no gradient ------------------------------------------------------------------------------

nondifferentiable(
    split_axis, np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like,
    np.zeros, np.ones, np.empty, np.eye, np.identity,
    np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix, np.floor_divide,
    np.argmax, np.argmin, np.argsort, np.isnan, np.isinf, np.isfinite, np.nonzero, np.count_nonzero,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal, np.isclose, np.allclose,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor, np.any, np.all,
    np.searchsorted, np.digitize, np.random.default_rng,
)
