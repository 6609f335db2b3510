"""Rules for the ``math`` module: scalar twins of the NumPy rules, in ``math`` terms."""
import math

from ...runtime.numpy_grads import power_slope
from . import adjoint, nondifferentiable


@adjoint(math.exp)
def _(result, x):
    d[x] = d[result] * result


@adjoint(math.expm1)
def _(result, x):
    d[x] = d[result] * (result + 1.0)


@adjoint(math.log)
def _(result, x, base=None):
    if base is None:
        d[x] = d[result] / x
    else:
        d[x] = d[result] / (x * math.log(base))
        d[base] = -d[result] * result / (base * math.log(base))


@adjoint(math.log1p)
def _(result, x):
    d[x] = d[result] / (1.0 + x)


@adjoint(math.log2)
def _(result, x):
    d[x] = d[result] / (x * math.log(2.0))


@adjoint(math.log10)
def _(result, x):
    d[x] = d[result] / (x * math.log(10.0))


@adjoint(math.sqrt)
def _(result, x):
    d[x] = d[result] / (2 * result)


@adjoint(math.sin)
def _(result, x):
    d[x] = d[result] * math.cos(x)


@adjoint(math.cos)
def _(result, x):
    d[x] = -d[result] * math.sin(x)


@adjoint(math.tan)
def _(result, x):
    d[x] = d[result] * (1 + result ** 2)


@adjoint(math.asin)
def _(result, x):
    d[x] = d[result] / math.sqrt(1.0 - x ** 2)


@adjoint(math.acos)
def _(result, x):
    d[x] = -d[result] / math.sqrt(1.0 - x ** 2)


@adjoint(math.atan)
def _(result, x):
    d[x] = d[result] / (1.0 + x ** 2)


@adjoint(math.sinh)
def _(result, x):
    d[x] = d[result] * math.cosh(x)


@adjoint(math.cosh)
def _(result, x):
    d[x] = d[result] * math.sinh(x)


@adjoint(math.tanh)
def _(result, x):
    d[x] = d[result] * (1 - result ** 2)


@adjoint(math.asinh)
def _(result, x):
    d[x] = d[result] / math.sqrt(x ** 2 + 1.0)


@adjoint(math.acosh)
def _(result, x):
    d[x] = d[result] / math.sqrt(x ** 2 - 1.0)


@adjoint(math.atanh)
def _(result, x):
    d[x] = d[result] / (1.0 - x ** 2)


@adjoint(math.fabs)
def _(result, x):
    d[x] = d[result] * math.copysign(1.0, x)


@adjoint(math.atan2)
def _(result, y, x):
    d[y] = d[result] * x / (x ** 2 + y ** 2)
    d[x] = -d[result] * y / (x ** 2 + y ** 2)


@adjoint(math.hypot)
def _(result, x, y):
    d[x] = d[result] * x / result
    d[y] = d[result] * y / result


@adjoint(math.pow)
def _(result, x, y):
    if isinstance(y, (int, float)) and (y >= 1 or y < 0):  # where math.pow(0.0, y) itself raises
        d[x] = d[result] * y * x ** (y - 1)
    else:  # math.pow(x, 0) has slope 0 also at x = 0
        d[x] = d[result] * power_slope(x, y)
    d[y] = d[result] * result * math.log(x)


@adjoint(math.copysign)
def _(result, x, y):
    d[x] = d[result] * math.copysign(1.0, x) * math.copysign(1.0, y)  # |x| with y's sign; y's sign is constant


nondifferentiable(math.floor, math.ceil, math.trunc, math.isnan, math.isinf, math.isfinite)
