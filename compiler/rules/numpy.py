"""Rules for NumPy functions, grouped by kind."""
import numpy as np

from ...runtime import dot_grad_left, dot_grad_right, tie_share, unbroadcast, unmean, unsum
from . import adjoint, nondifferentiable

# -- elementwise ----------------------------------------------------------------


@adjoint(np.exp)
def _(result, x):
    d[x] = d[result] * result


@adjoint(np.log)
def _(result, x):
    d[x] = d[result] / x


@adjoint(np.sin)
def _(result, x):
    d[x] = d[result] * np.cos(x)


@adjoint(np.cos)
def _(result, x):
    d[x] = -d[result] * np.sin(x)


@adjoint(np.tan)
def _(result, x):
    d[x] = d[result] * (1 + result ** 2)


@adjoint(np.tanh)
def _(result, x):
    d[x] = d[result] * (1 - result ** 2)


@adjoint(np.sqrt)
def _(result, x):
    d[x] = d[result] / (2 * result)


@adjoint(np.abs, np.absolute)
def _(result, x):
    d[x] = d[result] * np.sign(x)


@adjoint(np.square)
def _(result, x):
    d[x] = d[result] * 2 * x


@adjoint(np.maximum, np.minimum)
def _(result, x, y):
    d[x] = unbroadcast(d[result] * tie_share(x, result, y), x)
    d[y] = unbroadcast(d[result] * tie_share(y, result, x), y)


# -- reductions -----------------------------------------------------------------


@adjoint(np.sum)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[a] = unsum(d[result], a, axis=axis, keepdims=keepdims)


@adjoint(np.mean)
def _(result, a, axis=None, dtype=None, keepdims=False):
    d[a] = unmean(d[result], a, axis=axis, keepdims=keepdims)


# -- products -------------------------------------------------------------------


@adjoint(np.dot)
def _(result, a, b):
    d[a] = dot_grad_left(d[result], a, b)
    d[b] = dot_grad_right(d[result], a, b)


# -- shapes ---------------------------------------------------------------------


@adjoint(np.transpose)
def _(result, a, axes=None):
    if axes is None:
        d[a] = np.transpose(d[result])
    else:
        d[a] = np.transpose(d[result], np.argsort(axes))


@adjoint(np.reshape)
def _(result, a, shape=None, order="C", newshape=None):
    d[a] = np.reshape(d[result], np.shape(a), order=order)


# -- no gradient ----------------------------------------------------------------

nondifferentiable(
    np.shape, np.ndim, np.size, np.zeros_like, np.ones_like, np.empty_like, np.full_like,
    np.zeros, np.ones, np.empty, np.full, np.eye, np.identity, np.arange, np.linspace,
    np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc, np.fix,
    np.argmax, np.argmin, np.argsort, np.isnan, np.isinf, np.isfinite, np.nonzero,
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_not, np.logical_xor,
)
