"""Stage 6: the forward (tangent) sweep: each primal statement followed by its tangent.

``dy = dx * np.cos(x)`` sits right after ``y = np.sin(x)``, so a forward
pass computes a directional derivative (a Jacobian-vector product)
alongside the value. Regions keep their shape: a branch computes the
tangents of its own values, and a loop carries each value's tangent with it.
Rules come from ``compiler/rules/tangents.py``; a call of a user function
calls that function's own generated tangent function.
"""
import ast
import inspect
from dataclasses import dataclass

from . import ops, pyast, trees
from ..runtime import added_at, set_at, zero_tangent
from .names import helper_name
from .pyast import operand_ast, own_parameters, write_statement
from .rules import is_differentiable
from .rules.tangents import linearity, tangent_rule
from .calls import is_user_function
from .ssa import COPY, Function, If, Loop, Op, Pack, Var, operand_vars, primitive_name
from .templates import Instantiation


@dataclass
class Tangent:
    body: list[ast.stmt]
    value: ast.expr
    tangent: ast.expr
    parameters: list[str]   # the tangent parameter of each differentiated input, in order


def _unpack(names: list[str], value: ast.expr) -> ast.Assign:
    """``a, b = value``."""
    return ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())], value, lineno=0)


def _zeros(operand) -> ast.expr:
    return ast.Call(helper_name("zero_tangent", zero_tangent), [operand_ast(operand)], [])


class TangentSweep:
    def __init__(self, function: Function, wrt: list[Var], varied: set, compile_jvp):
        self.function = function
        self.parsed = function.parsed
        self.namer = function.namer
        self.varied = varied
        self.compile_jvp = compile_jvp
        self.tangent: dict[Var, str] = {v: self.namer.fresh("d" + v.name) for v in wrt}
        self.parameters = [self.tangent[v] for v in wrt]
        self.callees = []

    # -- tangent variables ----------------------------------------------------------------------
    def read(self, operand):
        return self.tangent.get(operand) if isinstance(operand, Var) else None

    def of(self, operand) -> ast.expr:
        """The tangent of an operand: its tangent variable, or zeros shaped like it."""
        if isinstance(operand, Pack):
            return operand.kind([self.of(item) for item in operand.items], ast.Load())
        name = self.read(operand)
        return pyast.name(name) if name is not None else _zeros(operand)

    def has_tangent(self, operand) -> bool:
        """Does ``operand`` (a value, a display, or a slice's bounds) read any value that has a tangent?"""
        return any(self.read(v) is not None for v in operand_vars(operand))

    def write(self, var: Var, expr: ast.expr) -> list[ast.stmt]:
        if var in self.tangent:
            total = self.tangent[var]
            return [pyast.assign(total, ast.BinOp(pyast.name(total), ast.Add(), expr))]
        self.tangent[var] = self.namer.fresh("d" + var.name)
        return [pyast.assign(self.tangent[var], expr)]

    # -- statements ---------------------------------------------------------------------------------
    def block(self, body) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if isinstance(stmt, Op):
                out += pyast.guard_statement(stmt) + self.op(stmt)
            elif isinstance(stmt, If):
                out.append(self.branch(stmt))
            elif isinstance(stmt, Loop):
                out += self.loop(stmt)
        return out

    def op(self, op: Op) -> list[ast.stmt]:
        if ops.is_write(op.fn):
            return self.write_in_place(op)
        if is_user_function(op.fn) and linearity(op.fn) is None and tangent_rule(op.fn) is None \
                and any(self.has_tangent(a) for a in op.args + list(op.kwargs.values())):
            return self.user_call(op)
        primal = [pyast.op_statement(op)]
        if not (is_differentiable(op.fn) and any(t in self.varied for t in op.targets)
                and any(self.has_tangent(a) for a in op.args + list(op.kwargs.values()))):
            return primal
        return primal + self.tangent_of(op)

    def tangent_of(self, op: Op) -> list[ast.stmt]:
        if op.fn is COPY:
            return self.write(op.targets[0], self.of(op.args[0]))
        kind = linearity(op.fn)
        if kind is not None:
            return self.linear(op, *kind)
        rule = tangent_rule(op.fn)
        if rule is None:
            raise self.parsed.error(f"no tangent (forward-mode) rule for {primitive_name(op.fn)}; register one "
                                    f"with @ssagrad.tangent({primitive_name(op.fn)}), or use reverse mode",
                                    op.node)
        result = op.targets[0] if len(op.targets) == 1 else Pack(ast.Tuple, list(op.targets))
        try:
            bound = rule.bind(op.args, op.kwargs)
            return Instantiation(rule, result, bound, self.namer, self.read, self.write,
                                 lambda v: v in op.targets, drop_missing=True).run()
        except TypeError as exc:
            raise self.parsed.error(f"cannot take the tangent of this call of {primitive_name(op.fn)}: {exc}",
                                    op.node) from None

    def linear(self, op: Op, kind: str, positions) -> list[ast.stmt]:
        """The function applied to tangents: all at once (linear), or one argument a term (multilinear)."""
        if positions == "rest":
            positions = tuple(range(1, len(op.args)))
        positions = [p for p in positions if p < len(op.args)]
        if kind == "joint":
            args = [self.of(a) if i in positions else operand_ast(a) for i, a in enumerate(op.args)]
            return self.assign_call(op, [args])
        terms = []
        for p in positions:
            if self.has_tangent(op.args[p]):
                terms.append([self.of(a) if i == p else operand_ast(a) for i, a in enumerate(op.args)])
        return self.assign_call(op, terms)

    def assign_call(self, op: Op, argument_lists) -> list[ast.stmt]:
        exprs = []
        for args in argument_lists:
            if op.fn is ops.GETITEM:
                expression = ast.Subscript(args[0], operand_ast(op.args[1], in_index=True), ast.Load())
            elif op.fn is ops.ATTRIBUTE:
                expression = ast.Attribute(args[0], op.args[1].value, ast.Load())
            elif ops.is_operator(op.fn):
                expression = ops.expression(op.fn, args)
            else:
                keywords = [ast.keyword(k, operand_ast(v)) for k, v in op.kwargs.items()]
                expression = ast.Call(trees.clone(op.callee), args, keywords)
            exprs.append(expression)
        if len(op.targets) > 1:  # np.split: one tangent for each piece
            names = []
            for target in op.targets:
                self.tangent[target] = self.namer.fresh("d" + target.name)
                names.append(self.tangent[target])
            store = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
            return [ast.Assign([store], exprs[0], lineno=0)]
        out = []
        for expression in exprs:
            out += self.write(op.targets[0], expression)
        return out

    def write_in_place(self, op: Op) -> list[ast.stmt]:
        """``a[i] = v``: the primal write, and the tangent written into a copy of a's tangent."""
        array, index, value = op.args
        written, _ = op.targets
        out = [write_statement(op)]
        if self.has_tangent(array) or self.has_tangent(value):
            helper = helper_name("added_at", added_at) if op.fn is ops.ADD_AT else helper_name("set_at", set_at)
            update = ast.Call(helper, [self.of(array), operand_ast(index), self.of(value)], [])
            self.tangent.pop(written, None)
            out += self.write(written, update)
        return out

    def user_call(self, op: Op) -> list[ast.stmt]:
        fn = op.fn
        try:
            bound = inspect.signature(fn).bind(*op.args, **op.kwargs)
        except TypeError as exc:
            raise self.parsed.error(f"this call of {fn.__qualname__}() does not fit its parameters: {exc}",
                                    op.node) from None
        names = tuple(n for n, operand in bound.arguments.items() if self.has_tangent(operand))
        compiled = self.compile_jvp(fn, names)
        self.callees.append(compiled)
        call = ast.Call(helper_name(compiled.name, compiled.function), [operand_ast(a) for a in op.args],
                        [ast.keyword(k, operand_ast(v)) for k, v in op.kwargs.items()])
        call.keywords += [ast.keyword(p, self.of(bound.arguments[n])) for n, p in zip(names, compiled.parameters)]
        for target in op.targets:
            self.tangent[target] = self.namer.fresh("d" + target.name)
        values = [t.name for t in op.targets]
        tangents = [self.tangent[t] for t in op.targets]
        if len(op.targets) == 1:
            return [_unpack(values + tangents, call)]
        # a, b = f(x): the tangent function returns (a, b), (da, db), unpacked one level at a time
        results, changes = self.namer.fresh("results"), self.namer.fresh("tangents")
        return [_unpack([results, changes], call), _unpack(values, pyast.name(results)),
                _unpack(tangents, pyast.name(changes))]

    def branch(self, stmt: If) -> ast.If:
        bodies = []
        for body, side in ((stmt.body, "then"), (stmt.orelse, "orelse")):
            before = dict(self.tangent)
            code = self.block(body)
            for phi in stmt.phis:
                code.append(pyast.assign(phi.target.name, operand_ast(getattr(phi, side))))
            bodies.append((code, dict(self.tangent)))
            self.tangent = before
        for phi in stmt.phis:
            if phi.target in self.varied:
                name = self.namer.fresh("d" + phi.target.name)
                for (code, tangents), side in zip(bodies, ("then", "orelse")):
                    operand = getattr(phi, side)
                    source = pyast.name(tangents[operand]) if isinstance(operand, Var) and operand in tangents \
                        else _zeros(operand)
                    code.append(pyast.assign(name, source))
                self.tangent[phi.target] = name
        return ast.If(operand_ast(stmt.test), bodies[0][0] or [ast.Pass()], bodies[1][0])

    def loop(self, loop: Loop) -> list[ast.stmt]:
        out = [pyast.assign(c.var.name, operand_ast(c.init)) for c in loop.carried]
        carried = [c for c in loop.carried if c.var in self.varied]
        for c in carried:  # a carried value's tangent is carried too
            self.tangent[c.var] = self.namer.fresh("d" + c.var.name)
            out.append(pyast.assign(self.tangent[c.var], self.of(c.init)))
        names = {c.var: self.tangent[c.var] for c in carried}
        body = self.block(loop.body)
        yields = [(c.var.name, operand_ast(c.next)) for c in loop.carried if c.next is not c.var]
        yields += [(names[c.var], self.of(c.next)) for c in carried]
        body.append(ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n, _ in yields], ast.Store())],
                               ast.Tuple([v for _, v in yields], ast.Load()), lineno=0) if len(yields) > 1 else
                    pyast.assign(*yields[0]) if yields else ast.Pass())
        self.tangent.update(names)
        if loop.break_flag is not None:
            body.append(ast.If(pyast.name(loop.break_flag.name), [ast.Break()], []))
        if loop.kind == "for":
            iterator = ast.Call(helper_name("range", range), [operand_ast(a) for a in loop.range_args], [])
            if loop.reverse:
                iterator = ast.Call(helper_name("reversed", reversed), [iterator], [])
            out.append(ast.For(ast.Name(loop.target.name, ast.Store()), iterator, body, []))
        elif loop.cond:
            stop = ast.If(ast.UnaryOp(ast.Not(), operand_ast(loop.test)), [ast.Break()], [])
            out.append(ast.While(ast.Constant(True), self.block(loop.cond) + [stop] + body, []))
        else:
            out.append(ast.While(operand_ast(loop.test), body, []))
        return out

    def run(self) -> Tangent:
        body = own_parameters(self.function) + self.block(self.function.body[:-1])
        result = self.function.result.value
        return Tangent(body, operand_ast(result), self.of(result), self.parameters)


def forward(function: Function, wrt: list[Var], varied: set, compile_jvp) -> tuple[Tangent, list]:
    sweep = TangentSweep(function, wrt, varied, compile_jvp)
    return sweep.run(), sweep.callees
