"""Stage 5: the reverse (adjoint) sweep.

The primal statements run first; then the SSA is walked backwards and each
operation's adjoint rule is instantiated, producing ``d[x]`` for every
active ``x``. A value read several times gets the sum of its contributions:
the first assigns ``dx``, later ones accumulate ``dx = dx + ...`` (never in
place, so no adjoint aliases another array). Each backward block starts with
a comment naming the source line it undoes.
"""
import ast
from dataclasses import dataclass

import numpy

from . import pyast
from .normalize import helper_name
from .rules import adjoint_rule
from .ssa import COPY, Function, Op, Var, primitive_name
from .pyast import operand_ast
from .templates import Instantiation


@dataclass
class Adjoint:
    """The generated body of a gradient function, before optimization."""

    body: list[ast.stmt]       # primal statements, then backward blocks
    value: ast.expr            # the primal result
    gradients: list[ast.expr]  # d[wrt] for each wrt parameter, in order


class ReverseSweep:
    def __init__(self, function: Function, wrt: list[Var], active: set[Var]):
        self.function = function
        self.wrt = wrt
        self.active = active
        self.namer = function.namer
        self.adjoint: dict[Var, str] = {}

    def read(self, operand) -> str:
        return self.adjoint[operand]

    def write(self, var: Var, expr: ast.expr) -> list[ast.stmt]:
        if var not in self.adjoint:
            self.adjoint[var] = self.namer.fresh("d" + var.name)
            return [pyast.assign(self.adjoint[var], expr)]
        total = self.adjoint[var]
        return [pyast.assign(total, ast.BinOp(pyast.name(total), ast.Add(), expr))]

    def needs(self, var: Var) -> bool:
        return var in self.active

    def backward(self, op: Op) -> list[ast.stmt]:
        if op.fn is COPY:
            source = op.args[0]
            if isinstance(source, Var) and self.needs(source):
                return self.write(source, pyast.name(self.adjoint[op.targets[0]]))
            return []
        rule = adjoint_rule(op.fn)
        parsed = self.function.parsed
        if rule is None:
            raise parsed.error(
                f"no derivative rule for {primitive_name(op.fn)}. If it has one, register it:\n\n"
                f"    @ssagrad.adjoint({primitive_name(op.fn)})\n"
                f"    def _(result, x):\n"
                f"        d[x] = d[result] * ...\n\n"
                f"or cut the gradient path with ssagrad.stop_gradient(...)", _call_node(op))
        if len(op.targets) != 1:
            raise parsed.error(f"{primitive_name(op.fn)} returns several values; rules for such "
                               f"functions are not supported yet", op.node)
        try:
            bound = rule.bind(op.args, op.kwargs)
        except TypeError as exc:
            raise parsed.error(f"cannot differentiate this call of {primitive_name(op.fn)}: {exc}",
                               _call_node(op)) from None
        return Instantiation(rule, op.targets[0], bound, self.namer, self.read, self.write, self.needs).run()

    def run(self) -> Adjoint:
        body = [pyast.op_statement(op) for op in self.function.ops()]
        result = self.function.result.value
        if isinstance(result, Var) and result in self.active:
            self.adjoint[result] = self.namer.fresh("d" + result.name)
            body.append(pyast.comment("the result's own gradient is 1"))
            body.append(pyast.assign(self.adjoint[result], ast.Constant(1.0)))
        lines = self.function.parsed.lines
        last_line = None
        for op in reversed(self.function.ops()):
            if not any(t in self.adjoint for t in op.targets):
                continue
            statements = self.backward(op)
            line = op.node.lineno
            if statements and line != last_line:
                body.append(pyast.comment(f"adjoint of line {line + self.function.parsed.first_line - 1}: "
                                          f"{lines[line - 1].strip()}"))
                last_line = line
            body += statements
        gradients = []
        for var in self.wrt:
            if var not in self.adjoint:  # the result does not depend on it
                self.adjoint[var] = self.namer.fresh("d" + var.name)
                zeros_like = ast.Attribute(helper_name("np", numpy), "zeros_like", ast.Load())
                zeros = ast.Call(zeros_like, [pyast.name(var.name)], [])
                body.append(pyast.assign(self.adjoint[var], zeros))
            gradients.append(pyast.name(self.adjoint[var]))
        return Adjoint(body, operand_ast(result), gradients)


def _call_node(op: Op):
    """The call expression of an operation (for error carets), else its statement."""
    value = getattr(op.node, "value", None)
    return value if isinstance(value, (ast.Call, ast.BinOp, ast.UnaryOp)) else op.node


def reverse(function: Function, wrt: list[Var], active: set[Var]) -> Adjoint:
    return ReverseSweep(function, wrt, active).run()
