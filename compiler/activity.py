"""Stage 4: activity analysis. Which values need an adjoint.

A value is *varied* when it depends on a ``wrt`` input through differentiable
operations, and *useful* when the output depends on it. Only values that are
both (*active*) get adjoints; everything else (shapes, comparisons, loop
counters, constants, inputs we do not differentiate) costs nothing in the
backward sweep. Through regions: a phi is varied when either incoming value
is, a loop-carried value when its initial or next value is (iterated to a
fixed point), and usefulness flows back the same ways.
"""
import inspect

from .rules import is_differentiable
from .ssa import Function, If, Loop, Op, Var, op_vars, operand_vars, walk


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


def _check_wrt(function: Function, wrt: list[Var]) -> None:
    """A ``*args`` tuple or a ``**kwargs`` dict is not differentiated, nor (in the positional numbering wrt
    uses) a keyword-only parameter after ``*args``."""
    parsed = function.parsed
    for var in wrt:
        if var.name in parsed.variadic or var.name in parsed.after_varargs:
            what = "the *args or **kwargs parameter" if var.name in parsed.variadic else \
                "a keyword-only parameter after *args"
            raise parsed.error(f"cannot differentiate with respect to {var.name!r}, {what} of "
                               f"{parsed.name}(): differentiate with respect to a parameter before *args",
                               parsed.tree)


def _refuse_variadic_arguments(function: Function, varied: set) -> None:
    """A differentiated value passed into a called function's ``*args`` or ``**kwargs`` would be a part of a
    tuple or a dict there, which calls do not follow yet: a located refusal (named parameters work)."""
    from .calls import is_user_function
    for op in walk(function.body):
        fn = getattr(op, "fn", None)
        if not isinstance(op, Op) or not is_user_function(fn) \
                or not fn.__code__.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
            continue  # (a function with a rule, such as np.einsum(*operands), takes its arguments as it likes)
        try:
            signature = inspect.signature(fn)
            bound = signature.bind(*op.args, **op.kwargs)
        except (TypeError, ValueError):
            continue  # reported where the call is differentiated
        for name, parameter in signature.parameters.items():
            if parameter.kind not in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                continue
            passed = bound.arguments.get(name, ())
            passed = passed.values() if isinstance(passed, dict) else passed
            if any(v in varied for operand in passed for v in operand_vars(operand)):
                stars = "*" if parameter.kind is parameter.VAR_POSITIONAL else "**"
                raise function.parsed.error(
                    f"this call passes a differentiated value into {fn.__qualname__}()'s {stars}{name}; a call of "
                    f"your own function differentiates its named parameters only (yet): pass it to a named "
                    f"parameter", op.node)


def active_vars(function: Function, wrt: list[Var]) -> set[Var]:
    _check_wrt(function, wrt)
    varied = set(wrt)
    _forward(function.body, varied)
    _refuse_variadic_arguments(function, varied)
    useful = set(operand_vars(function.result.value))
    _backward(function.body, useful)
    return varied & useful


def varied_vars(function: Function, wrt: list[Var]) -> set[Var]:
    """Values that depend on ``wrt`` (all forward mode needs: it carries tangents forwards only)."""
    _check_wrt(function, wrt)
    varied = set(wrt)
    _forward(function.body, varied)
    _refuse_variadic_arguments(function, varied)
    return varied
