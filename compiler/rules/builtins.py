"""Rules for Python's builtins."""
import builtins

import numpy as np

from ...runtime import replace_zero, tie_share, unbroadcast, unsum
from ...runtime.containers import GradientDict
from ...runtime.complex_grads import abs_slope, real_like
from ...runtime.numpy_grads import power_slope
from . import adjoint, nondifferentiable


@adjoint(builtins.abs)  # np.sign(x) for a real x, conj(x) / |x| for a complex one
def _(result, x):
    d[x] = real_like(d[result], result) * abs_slope(x)


@adjoint(builtins.float)
def _(result, x):
    d[x] = d[result]


@adjoint(builtins.pow)
def _(result, base, exp):
    if isinstance(exp, (int, float)) and (exp >= 1 or exp < 0):  # where pow(0.0, exp) itself raises
        d[base] = unbroadcast(d[result] * exp * base ** (exp - 1), base)
    else:  # pow(x, 0) has slope 0 also at x = 0
        d[base] = unbroadcast(d[result] * power_slope(base, exp), base)
    d[exp] = unbroadcast(d[result] * result * np.log(replace_zero(base, 1.0)), exp)


@adjoint(builtins.sum)
def _(result, iterable, start=0):
    if isinstance(iterable, tuple):  # a list display: every item gets the whole gradient
        d[iterable] = [d[result]] * len(iterable)
    else:  # an array: the sum over its first axis
        d[iterable] = unsum(d[result], iterable, axis=0)
    d[start] = d[result]


@adjoint(builtins.max, builtins.min)
def _(result, *args):
    if len(args) != 2:
        raise NotImplementedError("max and min have gradient rules for two arguments; for more, or for an "
                                  "array, use np.max / np.min")
    d[args[0]] = unbroadcast(d[result] * tie_share(args[0], result, args[1]), args[0])
    d[args[1]] = unbroadcast(d[result] * tie_share(args[1], result, args[0]), args[1])


# (enumerate, zip and reversed hand their items on: in a `for` they become indexing, elsewhere they have no rule)
nondifferentiable(builtins.len, builtins.int, builtins.bool, builtins.round, builtins.range, builtins.isinstance)


def raise_(exception, *args, **kwargs):
    """``raise exception(*args, **kwargs)`` (or ``raise exception`` of an instance): a ``raise`` or a failed
    ``assert`` in your code, run where it was in the primal sweep."""
    if args or kwargs or isinstance(exception, type):
        exception = exception(*args, **kwargs)
    raise exception


def attribute_grad(g, name):
    """The gradient of ``obj`` in ``obj.name`` (a dataclass instance's field, ``p.W``): ``{name: g}``, merged with
    the other fields' as a dict's entries are, and made an instance of ``obj``'s class when handed back."""
    return GradientDict({name: g})


@adjoint(builtins.getattr)
def _(result, obj, name):
    d[obj] = attribute_grad(d[result], name)
