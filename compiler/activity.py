"""Stage 4: activity analysis. Which values need an adjoint.

A value is *varied* when it depends on a ``wrt`` input through differentiable
operations, and *useful* when the output depends on it. Only values that are
both (*active*) get adjoints; everything else (shapes, comparisons, loop
counters, constants, inputs we do not differentiate) costs nothing in the
backward sweep. Through regions: a phi is varied when either incoming value
is, a loop-carried value when its initial or next value is (iterated to a
fixed point), and usefulness flows back the same ways.
"""
from .rules import is_differentiable
from .ssa import Function, If, Loop, Op, Var, op_vars, operand_vars


def _forward(body, varied: set) -> None:
    for stmt in body:
        if isinstance(stmt, Op):
            if is_differentiable(stmt.fn) and any(v in varied for v in op_vars(stmt)):
                varied.update(stmt.targets)
        elif isinstance(stmt, If):
            _forward(stmt.body, varied)
            _forward(stmt.orelse, varied)
            for phi in stmt.phis:
                if any(v in varied for v in operand_vars(phi.then) + operand_vars(phi.orelse)):
                    varied.add(phi.target)
        elif isinstance(stmt, Loop):
            while True:
                size = len(varied)
                for c in stmt.carried:
                    if any(v in varied for v in operand_vars(c.init) + operand_vars(c.next)):
                        varied.add(c.var)
                _forward(stmt.cond, varied)
                _forward(stmt.body, varied)
                if len(varied) == size:
                    break


def _backward(body, useful: set) -> None:
    for stmt in reversed(body):
        if isinstance(stmt, Op):
            if is_differentiable(stmt.fn) and any(t in useful for t in stmt.targets):
                useful.update(op_vars(stmt))
        elif isinstance(stmt, If):
            for phi in stmt.phis:
                if phi.target in useful:
                    useful.update(operand_vars(phi.then) + operand_vars(phi.orelse))
            _backward(stmt.body, useful)
            _backward(stmt.orelse, useful)
        elif isinstance(stmt, Loop):
            while True:
                size = len(useful)
                for c in stmt.carried:
                    if c.var in useful:
                        useful.update(operand_vars(c.init) + operand_vars(c.next))
                _backward(stmt.body, useful)
                if len(useful) == size:
                    break


def active_vars(function: Function, wrt: list[Var]) -> set[Var]:
    varied = set(wrt)
    _forward(function.body, varied)
    useful = set(operand_vars(function.result.value))
    _backward(function.body, useful)
    return varied & useful


def varied_vars(function: Function, wrt: list[Var]) -> set[Var]:
    """Values that depend on ``wrt`` (all forward mode needs: it carries tangents forwards only)."""
    varied = set(wrt)
    _forward(function.body, varied)
    return varied
