"""Rules for Python's operators (``a + b`` is ``operator.add(a, b)``) and their NumPy twins."""
import operator

import numpy as np

from ...runtime import matmul_grad_left, matmul_grad_right, replace_zero, safe_div, unbroadcast, unindex
from ...runtime.construction import unjoin
from ...runtime.numpy_grads import power_slope
from . import adjoint, joins, nondifferentiable


@adjoint(operator.add, np.add)
def _(result, x, y):
    d[x] = unbroadcast(d[result], x)
    d[y] = unbroadcast(d[result], y)


@adjoint(operator.sub, np.subtract)
def _(result, x, y):
    d[x] = unbroadcast(d[result], x)
    d[y] = unbroadcast(-d[result], y)


@adjoint(operator.mul, np.multiply)
def _(result, x, y):
    d[x] = unbroadcast(d[result] * y, x)
    d[y] = unbroadcast(d[result] * x, y)


@adjoint(operator.truediv, np.divide)
def _(result, x, y):
    if isinstance(y, (int, float)) and y != 0:  # a nonzero constant divisor: plain division
        d[x] = d[result] / y
    else:  # 0 where the incoming gradient is 0, even where y is 0 (a branch np.where did not take)
        d[x] = unbroadcast(safe_div(d[result], y), x)
        d[y] = unbroadcast(-safe_div(d[result] * x, y ** 2), y)


@adjoint(operator.pow, np.power)
def _(result, x, y):
    if isinstance(y, (int, float)) and (y >= 1 or y < 0):  # a constant exponent: finite slope, or 0 ** y raises
        d[x] = unbroadcast(d[result] * y * x ** (y - 1), x)
    else:  # x ** 0 has slope 0 also at x = 0 (not 0 * 0 ** -1: NaN, or ZeroDivisionError for floats)
        d[x] = unbroadcast(d[result] * power_slope(x, y), x)
    d[y] = unbroadcast(d[result] * result * np.log(replace_zero(x, 1.0)), y)


@adjoint(operator.neg, np.negative)
def _(result, x):
    d[x] = -d[result]


@adjoint(operator.pos, np.positive)
def _(result, x):
    d[x] = d[result]


@adjoint(operator.matmul, np.matmul)
def _(result, x, y):
    d[x] = matmul_grad_left(d[result], x, y)
    d[y] = matmul_grad_right(d[result], x, y)


@adjoint(operator.getitem)
def _(result, x, index):
    if joins(x, index):  # np.r_[a, 0:3, b]
        d[index] = unjoin(d[result], x, index)
    elif hasattr(x, "__getitem__") and not isinstance(x, tuple):  # an object named when compiling (np.mgrid)
        raise NotImplementedError("indexing this object with values that depend on the differentiated inputs has "
                                  "no derivative rule (np.r_ and np.c_ without a directive string have one)")
    else:  # an array, list or dict: integer or boolean indices carry no gradient
        d[x] = unindex(d[result], x, index)


nondifferentiable(operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne,
                  operator.not_, operator.floordiv, operator.and_, operator.or_, operator.xor,
                  operator.invert, operator.lshift, operator.rshift)
