"""Rules for building lists (``items.append(x)``, comprehensions) and turning them into arrays."""
import operator

import numpy as np

from ...runtime import appended, array_grad, head_grad, last_grad
from . import adjoint, floating, nondifferentiable


@adjoint(appended)
def _(result, items, item):
    d[items] = head_grad(d[result])
    d[item] = last_grad(d[result], item)


@adjoint(np.array, np.asarray)
def _(result, object, dtype=None, order=None, *, copy=None):
    if not floating(dtype):
        raise NotImplementedError("np.array and np.asarray have a gradient rule for floating dtypes only: a cast "
                                  "to integers has no gradient (cut it with ssagrad.stop_gradient)")
    if isinstance(object, tuple):  # a display, any depth: each item's gradient is its entry (d[[a, b]][0])
        d[object] = d[result]
    else:  # one array (a copy), or a list built at run time
        d[object] = array_grad(d[result], object)



# `w is None`, `a is not b`, `k in d`: tests, with no derivative
nondifferentiable(operator.is_, operator.is_not, operator.contains)
