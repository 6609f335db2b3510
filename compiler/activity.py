"""Stage 4: activity analysis. Which values need an adjoint.

A value is *varied* when it depends on a ``wrt`` input through differentiable
operations, and *useful* when the output depends on it. Only values that are
both (*active*) get adjoints; everything else (shapes, comparisons,
constants, inputs we do not differentiate) costs nothing in the backward
sweep.
"""
from .rules import is_differentiable
from .ssa import Function, Var, op_vars, operand_vars


def active_vars(function: Function, wrt: list[Var]) -> set[Var]:
    varied = set(wrt)
    for op in function.ops():
        if is_differentiable(op.fn) and any(v in varied for v in op_vars(op)):
            varied.update(op.targets)
    useful = set(operand_vars(function.result.value))
    for op in reversed(function.ops()):
        if is_differentiable(op.fn) and any(t in useful for t in op.targets):
            useful.update(op_vars(op))
    return varied & useful
