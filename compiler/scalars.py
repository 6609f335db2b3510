"""Which values are scalars whatever the inputs are: a reduction over all axes, and arithmetic on those.

``grad`` must refuse a function whose result is not a scalar, which takes
computing the result. When the result is scalar by construction (a loss
ending in ``np.sum``/``np.mean``), the gradient function can skip computing
it, as a hand-written gradient would.
"""
import operator

import numpy as np

from .ssa import Const, Function, Op, Var

# Reductions whose result is a scalar when called without `axis` (or with axis=None) and without keepdims.
FULL_REDUCTIONS = {np.sum, np.mean, np.prod, np.max, np.min, np.amax, np.amin, np.var, np.std}
ELEMENTWISE = {operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.neg,
               operator.pos, np.exp, np.log, np.sin, np.cos, np.tan, np.tanh, np.sqrt, np.abs, np.square}


def _is_none_or_false(operand) -> bool:
    return isinstance(operand, Const) and operand.value in (None, False)


def _scalar_op(op: Op, scalars: set) -> bool:
    if op.fn in FULL_REDUCTIONS:
        extra = op.args[1:] + [v for k, v in op.kwargs.items() if k in ("axis", "keepdims")]
        return len(op.args) == 1 and all(_is_none_or_false(v) for v in extra)
    if op.fn in ELEMENTWISE and not op.kwargs:
        return all(a in scalars if isinstance(a, Var) else isinstance(a, Const) for a in op.args)
    return False


def result_is_scalar(function: Function) -> bool:
    scalars: set[Var] = set()
    for op in function.ops():
        if _scalar_op(op, scalars):
            scalars.update(op.targets)
    result = function.result.value
    return result in scalars if isinstance(result, Var) else False
