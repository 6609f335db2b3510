"""Rules for the ``math`` module: scalar twins of the NumPy rules, in ``math`` terms."""
import math

from . import adjoint, nondifferentiable


@adjoint(math.exp)
def _(result, x):
    d[x] = d[result] * result


@adjoint(math.log)
def _(result, x):
    d[x] = d[result] / x


@adjoint(math.sin)
def _(result, x):
    d[x] = d[result] * math.cos(x)


@adjoint(math.cos)
def _(result, x):
    d[x] = -d[result] * math.sin(x)


@adjoint(math.tan)
def _(result, x):
    d[x] = d[result] * (1 + result ** 2)


@adjoint(math.tanh)
def _(result, x):
    d[x] = d[result] * (1 - result ** 2)


@adjoint(math.sqrt)
def _(result, x):
    d[x] = d[result] / (2 * result)


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite)
