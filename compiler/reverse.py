"""Stage 5: the reverse (adjoint) sweep.

The primal statements run first; then the SSA is walked backwards and each
operation's adjoint rule is instantiated, producing ``d[x]`` for every
active ``x``. A value read several times gets the sum of its contributions:
the first assigns ``dx``, later ones accumulate ``dx = dx + ...`` (never in
place, so no adjoint aliases another array). Each backward block starts
with a comment naming the source line it undoes.

Regions keep their shape. An ``if`` becomes an ``if`` on the same test,
each branch undoing its own body. A loop runs forwards, appending to a tape
(a list) the values its reversed body will read that the next iteration
overwrites -- and only those (to-be-recorded analysis) -- then a second loop
walks the tape backwards. Adjoints of values defined outside a region but
contributed to inside it are set to zeros before the region; a loop-carried
value's adjoint passes from one reversed iteration to the one before.
"""
import ast
from dataclasses import dataclass, field

import numpy

from ..runtime import (broadcast_like, own, checkpoint_interval, item_grad, like, set_at, unbroadcast, unindex, unmean, unsum,
                       untake, written_part, zero_at, zeros_like)
from . import ops, purity, pyast, shapes, trees
from .names import helper_name
from .optimize import upward_exposed
from .pyast import operand_ast, own_parameters, reads_in_order, write_statement
from .rules import adjoint_rule, output_count
from .ssa import COPY, Const, Function, If, Loop, Op, Pack, Slice, Var, op_vars, operand_vars, primitive_name, walk
from .aliasing import callee_writes
from .calls import CalleeVJP
from .templates import Instantiation


@dataclass
class Adjoint:
    """The generated sweeps of a gradient function, before optimization."""

    forward: list[ast.stmt]    # the primal statements (and tapes)
    backward: list[ast.stmt]   # the backward blocks
    value: ast.expr            # the primal result
    gradients: list[ast.expr]  # d[wrt] for each wrt parameter, in order
    adjoint_of: dict = field(default_factory=dict)  # each adjoint variable's name -> its value's name

    @property
    def body(self) -> list[ast.stmt]:
        return self.forward + self.backward


@dataclass
class _Frame:
    """A region being reversed: the values it defines, and zero-inits to emit before it."""

    defined: set
    inits: list = field(default_factory=list)


@dataclass
class _LoopPlan:
    tape: str              # the list the forward loop appends to ("" when the loop has no adjoint)
    saved: list            # names appended each iteration
    count: str = ""        # an iteration counter, when nothing needs saving
    checkpoint: dict = None  # names of the checkpointing variables, when the loop is checkpointed
    shapes_only: set = field(default_factory=set)  # saved names the reversed body reads only for their shape
    copied: set = field(default_factory=set)       # saved names a tape keeps a copy of (see copy_tapes)


def _zeros_like(var_name: str) -> ast.expr:
    return ast.Call(helper_name("zeros_like", zeros_like), [pyast.name(var_name)], [])


def _pure(fn) -> bool:
    """A registered NumPy, math or operator function that returns the same value for the same arguments."""
    return shapes.registered_pure(fn) and purity.why_impure(fn) is None


def _defined_in(body) -> set:
    """Every SSA value a block defines, regions included."""
    out = set()
    for stmt in walk(body):
        if isinstance(stmt, Op):
            out.update(stmt.targets)
        elif isinstance(stmt, If):
            out.update(p.target for p in stmt.phis)
        elif isinstance(stmt, Loop):
            out.update(c.var for c in stmt.carried)
            if stmt.target is not None:
                out.add(stmt.target)
    return out


class ReverseSweep:
    def __init__(self, function: Function, wrt: list[Var], active: set[Var], checkpoint: bool = False,
                 copy_tapes: bool = False):
        self.checkpoint = checkpoint  # loops keep every k-th state and recompute, instead of a full tape
        # for code that will be differentiated again: a tape keeps copies of arrays a later iteration writes
        # into (restores keep references right, but a second differentiation cannot follow them)
        self.copy_tapes = copy_tapes
        self._written_memory = None
        self._outermost = None
        self._writes = None
        self._checked_values = None
        self.function = function
        self.parsed = function.parsed
        self.wrt = wrt
        self.active = active
        self.namer = function.namer
        self.adjoint: dict[Var, str] = {}
        self.adjoint_of: dict[str, str] = {}
        self.forced: dict[Var, str] = {}   # names a loop-carried adjoint must take
        self.frames = [_Frame(set(function.params) | _defined_in(function.body))]
        self.plans: dict[int, _LoopPlan] = {}
        self.last_line = None

    # -- adjoint variables -----------------------------------------------------------
    def read(self, operand) -> str | None:
        """The adjoint variable of ``operand``; None for a result of several that got no gradient."""
        return self.adjoint.get(operand)

    def needs(self, var: Var) -> bool:
        return var in self.active

    def write(self, var: Var, expr: ast.expr) -> list[ast.stmt]:
        """The statements that add ``expr`` to ``d[var]``."""
        if var in self.adjoint:
            total = self.adjoint[var]
            return [pyast.assign(total, ast.BinOp(pyast.name(total), ast.Add(), expr))]
        name = self.forced.pop(var, None) or self.namer.fresh("d" + var.name)
        self.adjoint[var] = name
        self.adjoint_of[name] = var.name
        home = next(i for i in range(len(self.frames) - 1, -1, -1) if var in self.frames[i].defined)
        if home == len(self.frames) - 1:
            return [pyast.assign(name, expr)]
        # defined outside the region being reversed: start from zeros before that region
        self.frames[home + 1].inits.append(pyast.assign(name, _zeros_like(var.name)))
        return [pyast.assign(name, ast.BinOp(pyast.name(name), ast.Add(), expr))]

    def contribute(self, operand, adjoint_name: str) -> list[ast.stmt]:
        """``d[operand] += <adjoint_name>`` where the operand is an active value."""
        if isinstance(operand, Var) and self.needs(operand):
            return self.write(operand, pyast.name(adjoint_name))
        return []

    # -- backward sweep -------------------------------------------------------------------
    def comment(self, node) -> list[ast.stmt]:
        line = node.lineno
        if line == self.last_line:
            return []
        self.last_line = line
        text = self.parsed.lines[line - 1].strip()
        return [pyast.comment(f"adjoint of line {line + self.parsed.first_line - 1}: {text}")]

    def backward_block(self, body) -> list[ast.stmt]:
        out = []
        for stmt in reversed(body):
            if isinstance(stmt, Op):
                if any(t in self.adjoint for t in stmt.targets):
                    statements = self.backward_op(stmt)
                    if statements:
                        out += self.comment(stmt.node) + statements
                elif ops.is_write(stmt.fn):  # no gradient flows through it, but earlier adjoints read the array
                    out += self.comment(stmt.node) + [self.restore(stmt)]
            elif isinstance(stmt, If):
                out += self.backward_if(stmt)
            elif isinstance(stmt, Loop):
                out += self.backward_loop(stmt)
        return out

    def backward_op(self, op: Op) -> list[ast.stmt]:
        if op.fn is COPY and isinstance(op.args[0], Pack):  # items = [a, b]: each item its entry's gradient
            out = []
            for index, item in enumerate(op.args[0].items):
                if isinstance(item, Var) and self.needs(item):
                    entry = ast.Call(helper_name("item_grad", item_grad), [pyast.name(self.adjoint[op.targets[0]]),
                                                                          ast.Constant(index), pyast.name(item.name)], [])
                    out += self.write(item, entry)
            return out
        if op.fn is COPY:
            return self.contribute(op.args[0], self.adjoint[op.targets[0]])
        if ops.is_write(op.fn):
            return self.backward_write(op)
        if isinstance(op.fn, CalleeVJP):  # a call of the user's own function: its backward function
            grads = self.namer.fresh("d" + op.fn.name)
            values = op.targets[:-1]
            if len(values) == 1:
                seed = pyast.name(self.adjoint[values[0]])
            else:  # several results: zeros for those nothing used
                seed = ast.Tuple([pyast.name(self.adjoint[v]) if v in self.adjoint else _zeros_like(v.name)
                                  for v in values], ast.Load())
            call = ast.Call(helper_name(op.fn.name + "_backward", op.fn.vjp.backward),
                            [pyast.name(op.targets[-1].name), seed], [])
            out = [pyast.assign(grads, call)]
            for index, operand in enumerate(op.fn.operands):
                if isinstance(operand, Var) and self.needs(operand):
                    out += self.write(operand, ast.Subscript(pyast.name(grads), ast.Constant(index), ast.Load()))
            return out
        rule = adjoint_rule(op.fn)
        if rule is None:
            raise self.parsed.error(
                f"no derivative rule for {primitive_name(op.fn)}. If it has one, register it:\n\n"
                f"    @ssagrad.adjoint({primitive_name(op.fn)})\n"
                f"    def _(result, x):\n"
                f"        d[x] = d[result] * ...\n\n"
                f"or cut the gradient path with ssagrad.stop_gradient(...)", _call_node(op))
        # a count, a tuple of counts, "many" (a list to unpack) or "list" (a list, unpacked or not)
        outputs = output_count(op.fn)
        allowed = outputs if isinstance(outputs, tuple) else (outputs,)
        if outputs == "many" and len(op.targets) < 2:
            raise self.parsed.error(f"{primitive_name(op.fn)} returns a list: unpack it where it is called "
                                    f"(a, b = ...) so each piece gets its gradient", op.node)
        if outputs not in ("many", "list") and len(op.targets) not in allowed:
            if allowed == (1,):
                raise self.parsed.error(f"{primitive_name(op.fn)} returns one value; it cannot be unpacked", op.node)
            raise self.parsed.error(f"{primitive_name(op.fn)} returns {' or '.join(map(str, allowed))} values: "
                                    f"unpack them where it is called or index the call directly (...)[i]", op.node)
        result = op.targets[0] if len(op.targets) == 1 else Pack(ast.Tuple, list(op.targets))
        try:
            bound = rule.bind(op.args, op.kwargs)
            return Instantiation(rule, result, bound, self.namer, self.read, self.write, self.needs).run()
        except TypeError as exc:
            raise self.parsed.error(f"cannot differentiate this call of {primitive_name(op.fn)}: {exc}",
                                    _call_node(op)) from None

    def backward_write(self, op: Op) -> list[ast.stmt]:
        """Undo ``a[i] = v``: the written entries' gradient goes to v, the rest to the a before the write,
        and the overwritten values are put back so that earlier adjoints read the array they saw.
        ``np.add.at(a, i, v)`` overwrites nothing: a's gradient passes through, and v's is gathered."""
        array, index, value = op.args
        written, _ = op.targets
        d_written = pyast.name(self.adjoint[written])
        out = []
        if isinstance(value, Var) and self.needs(value):
            if op.fn is ops.ADD_AT or _surely_basic(index):
                part = ast.Subscript(d_written, operand_ast(index, in_index=True), ast.Load())
            else:  # an index array may name an entry twice: only the last write reaches v
                part = ast.Call(helper_name("written_part", written_part), [d_written, operand_ast(index)], [])
            out += self.write(value, ast.Call(helper_name("unbroadcast", unbroadcast), [part, operand_ast(value)], []))
        if self.needs(array):
            if op.fn is ops.ADD_AT:
                out += self.write(array, d_written)
            else:
                out += self.write(array, ast.Call(helper_name("zero_at", zero_at), [d_written, operand_ast(index)], []))
        return out + [self.restore(op)]

    def region(self, body, prologue, header, defines=()) -> tuple[list[ast.stmt], list[ast.stmt]]:
        """Reverse a nested block: ``(zero-inits for before the region, the block's statements)``.

        ``header`` is the region's statement (its comment covers its own line); ``defines``: values
        the region defines besides its body's (a loop's carried values and index).
        """
        self.frames.append(_Frame(_defined_in(body) | set(defines)))
        self.last_line = header.lineno
        statements = prologue() + self.backward_block(body)
        frame = self.frames.pop()
        self.last_line = None
        return frame.inits, statements

    def backward_if(self, stmt: If) -> list[ast.stmt]:
        phis = [p for p in stmt.phis if p.target in self.adjoint]
        inits_then, then = self.region(stmt.body, lambda: [s for p in phis for s in self.contribute(
            p.then, self.adjoint[p.target])], stmt.node)
        inits_else, orelse = self.region(stmt.orelse, lambda: [s for p in phis for s in self.contribute(
            p.orelse, self.adjoint[p.target])], stmt.node)
        if not then and not orelse:
            return inits_then + inits_else
        node = ast.If(operand_ast(stmt.test), then or [ast.Pass()], orelse)
        return inits_then + inits_else + self.comment(stmt.node) + [node]

    def backward_loop(self, loop: Loop) -> list[ast.stmt]:
        carried = [c for c in loop.carried if self.needs(c.var)]
        before = []
        for c in carried:  # the adjoint leaving the loop enters its last reversed iteration
            if c.var not in self.adjoint:
                self.adjoint[c.var] = self.namer.fresh("d" + c.var.name)
                self.adjoint_of[self.adjoint[c.var]] = c.var.name
                before.append(pyast.assign(self.adjoint[c.var], _zeros_like(c.var.name)))
        names = {c.var: self.adjoint[c.var] for c in carried}

        def iteration_start():
            out = []
            for c in carried:
                name = self.adjoint.pop(c.var)
                out += self.contribute(c.next, name)
                self.forced[c.var] = name  # contributions in this iteration rebuild the carried adjoint
            return out
        defines = [c.var for c in loop.carried] + ([loop.target] if loop.target is not None else [])
        inits, body = self.region(loop.body, iteration_start, loop.node, defines)
        for c in carried:
            if self.forced.pop(c.var, None) is not None:  # nothing in the body reads the value it had
                body.append(pyast.assign(names[c.var], _zeros_like(c.var.name)))
            self.adjoint[c.var] = names[c.var]
        after = [s for c in carried for s in self.contribute(c.init, names[c.var])]
        if not body:
            return []
        forward_names = {v.name for v in _defined_in(loop.body) | {c.var for c in loop.carried}}
        if loop.target is not None:
            forward_names.add(loop.target.name)
        forward_names |= {p.tape or p.count for p in self._inner_plans(loop.body)}
        forward_names -= self.invariants(loop)  # the same every iteration: read once, after the loop
        # to-be-recorded: what the reversed body reads before (re)binding it itself, that the loop defines
        exposed = upward_exposed(body)
        saved = [n for n in reads_in_order(body) if n in forward_names and n in exposed]
        plan = _LoopPlan(self.namer.fresh("tape"), saved, shapes_only=_read_for_shape_only(body) & set(saved))
        if self.copy_tapes:
            plan.copied = self.shares_written_memory(loop, saved) - plan.shapes_only
        if not saved:
            plan.tape, plan.count = "", self.namer.fresh("count")
        self.plans[id(loop)] = plan
        if saved:
            target = pyast.name(saved[0]) if len(saved) == 1 else \
                ast.Tuple([pyast.name(n) for n in saved], ast.Load())
            for node in ast.walk(target):
                node.ctx = ast.Store()
            iterator = ast.Call(helper_name("reversed", reversed), [pyast.name(plan.tape)], [])
        else:
            target = ast.Name("_", ast.Store())
            iterator = ast.Call(helper_name("range", range), [pyast.name(plan.count)], [])
        reversed_loop = ast.For(target, iterator, body, [])
        if self.checkpoint and saved and loop.kind == "for" and loop.carried \
                and not any(isinstance(op, Op) and ops.is_write(op.fn) for op in walk(loop.body)):
            purity.refuse_rerun(self.parsed, loop.body)  # a segment runs again: its calls must repeat
            plan.checkpoint = {k: self.namer.fresh(k) for k in ("steps", "interval", "checkpoints", "position",
                                                                  "segment")}
            reversed_loop = self.checkpointed_reverse(loop, plan, reversed_loop)
        return inits + before + self.comment(loop.node) + [reversed_loop] + after

    def restore(self, op: Op) -> ast.stmt:
        """Put back what a write overwrote: in place, or -- in code to be differentiated again, whose own
        memory model cannot follow an array changed under a tape's feet -- as a new array."""
        if not self.copy_tapes:
            return _restore(op)
        array, index, _ = op.args
        return pyast.assign(array.name, ast.Call(helper_name("set_at", set_at), [
            pyast.name(array.name), operand_ast(index), pyast.name(op.targets[1].name)], []))

    def primal_statement(self, op: Op) -> ast.stmt:
        """The user's operation. A function of yours run as it is (nothing it returns is differentiated)
        that writes into its argument gets its own copy (``own``), as a differentiated one does: the
        backward sweep reads that array as it was (your code does not: the memory model refused that),
        and nothing would put back what the function wrote. In code to be differentiated again, a view of
        an array written into later is taken as a copy too, and so is such an array passed to a called
        function, whose saved values would hold it."""
        stmt = pyast.op_statement(op)
        written_by_callee = {id(operand) for _, operand in callee_writes(op.fn, op.args, op.kwargs)}
        aliases = self.function.aliases
        if written_by_callee or (self.copy_tapes and isinstance(op.fn, CalleeVJP)):
            checked = self.copy_tapes and any(self.checked(t) for t in op.targets)  # it may return the argument

            def private(expr, operand):
                if id(operand) in written_by_callee:
                    return ast.Call(helper_name("own", own), [expr], [])
                if isinstance(operand, Var) and self.copy_tapes and not checked \
                        and aliases.roots(operand) & self.written_memory:
                    return _copy(expr)
                return expr
            stmt.value.args = [private(arg, v) for arg, v in zip(stmt.value.args, op.args)]
            for keyword in stmt.value.keywords:
                keyword.value = private(keyword.value, op.kwargs.get(keyword.arg))
        elif self.copy_tapes and len(op.targets) == 1 and not self.checked(op.targets[0]) \
                and (aliases.roots(op.targets[0]) - {op.targets[0]}) & self.written_memory:
            stmt.value = _copy(stmt.value)
        return stmt

    def checked(self, var: Var) -> bool:
        """Does a run-time check of a write look at memory that ``var``, or a value made from it, may be?
        Then ``var`` must stay what it is in Python, not become a copy: the check (which refuses when the
        memory is shared, as the first-order gradient does) would pass on the copy and the write would no
        longer reach what the user reads (`z = y; z[0] = 2.0; return np.sum(y * x)`: a wrong Hessian)."""
        if self._checked_values is None:
            self._checked_values = [v for op in walk(self.function.body) if isinstance(op, Op)
                                    for _, values in op.guards for v in values]
        return any(self.function.aliases.reaches(v, var) for v in self._checked_values)

    def alias(self, target: Var, value) -> ast.expr:
        """``value`` as a branch's or a loop's ``target`` takes it. In code to be differentiated again, an
        array written into later through ``target`` is taken as a copy (``own``): the restore of that
        write is a new array there, which would leave ``value`` as the write made it for the backward
        sweep. Nothing the user reads sees the difference: a write no guard checks is one no other
        live name of the user's sees."""
        expr = operand_ast(value)
        return ast.Call(helper_name("own", own), [expr], []) if isinstance(value, Var) and self.private(target) \
            else expr

    def private(self, target: Var) -> bool:
        """In code to be differentiated again: is ``target`` written into later, with no run-time check
        looking at it (so that taking it as a copy changes nothing the user reads)?"""
        if not self.copy_tapes or self.checked(target):
            return False
        return any(self.function.aliases.reaches(op.args[0], target) for op in self.writes)

    @property
    def writes(self) -> list:
        if self._writes is None:
            self._writes = [op for op in walk(self.function.body) if isinstance(op, Op) and ops.is_write(op.fn)]
        return self._writes

    @property
    def written_memory(self) -> set:
        if self._written_memory is None:
            self._written_memory = set().union(*(self.function.aliases.roots(op.args[0]) for op in self.writes))
        return self._written_memory

    def shares_written_memory(self, loop: Loop, names) -> set[str]:
        """The names among ``names`` (values ``loop`` defines) that may share memory with an array written
        into anywhere: the array itself, or another name for it (``y_2`` of ``if c: y[0] = v``), which a
        later write would change on the tape, and a restore (a new array, see ``restore``) not put back."""
        defined = {v.name: v for v in _defined_in(loop.body) | {c.var for c in loop.carried}}
        return {n for n in names if n in defined and self.function.aliases.roots(defined[n]) & self.written_memory}

    def invariants(self, loop: Loop) -> set[str]:
        """The names of values a loop computes the same in every iteration (a pure operation at the top of
        its body, of values from before the loop or other such values), which its tape need not hold:
        after the loop the name holds the value every iteration had. Only for a loop that runs once a
        call (a loop inside another computes them anew each outer iteration), and never for memory
        written into anywhere."""
        if self.checkpoint or id(loop) not in self.outermost_loops:
            return set()
        inside = _defined_in(loop.body) | {c.var for c in loop.carried} | {loop.target}
        found = set()
        for op in loop.body:
            if isinstance(op, Op) and len(op.targets) == 1 and not ops.is_write(op.fn) \
                    and not isinstance(op.fn, CalleeVJP) and _pure(op.fn) \
                    and all(v not in inside or v in found for v in op_vars(op)) \
                    and not self.function.aliases.roots(op.targets[0]) & self.written_memory:
                found.add(op.targets[0])
        return {v.name for v in found}

    @property
    def outermost_loops(self) -> set[int]:
        """The ids of the loops not inside another loop."""
        if self._outermost is None:
            self._outermost = set()
            stack = list(self.function.body)
            while stack:
                stmt = stack.pop()
                if isinstance(stmt, Loop):
                    self._outermost.add(id(stmt))
                elif isinstance(stmt, If):
                    stack += stmt.body + stmt.orelse
        return self._outermost

    def _inner_plans(self, body):
        return [self.plans[id(s)] for s in walk(body) if isinstance(s, Loop) and id(s) in self.plans]

    # -- forward sweep ----------------------------------------------------------------------
    def forward_block(self, body) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if isinstance(stmt, Op):
                out += pyast.guard_statement(stmt)
            if isinstance(stmt, Op) and ops.is_write(stmt.fn):
                out += _write_in_place(stmt)
            elif isinstance(stmt, Op):
                out.append(self.primal_statement(stmt))
                if isinstance(stmt.fn, CalleeVJP):  # its result may be in its saved values too
                    out += [pyast.assign(t.name, ast.Call(helper_name("own", own), [pyast.name(t.name)], []))
                            for t in stmt.targets[:-1] if self.private(t)]
            elif isinstance(stmt, If):
                then = self.forward_block(stmt.body) + [pyast.assign(p.target.name, self.alias(p.target, p.then))
                                                        for p in stmt.phis]
                orelse = self.forward_block(stmt.orelse) + [
                    pyast.assign(p.target.name, self.alias(p.target, p.orelse)) for p in stmt.phis]
                out.append(ast.If(operand_ast(stmt.test), then or [ast.Pass()], orelse))
            elif isinstance(stmt, Loop):
                out += self.forward_loop(stmt)
        return out

    def taped_body(self, loop: Loop, plan) -> list[ast.stmt]:
        """The loop body's primal code, then the append of what its reversed body reads."""
        body = self.forward_block(loop.body)
        # values made inside a branch or an inner loop are unbound when it did not run, but the
        # tape takes them all: start them at None
        always = {n.id for stmt in body if isinstance(stmt, ast.Assign) for n in trees.name_nodes(stmt)
                  if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        always |= {c.var.name for c in loop.carried} | ({loop.target.name} if loop.target else set())
        body = [pyast.assign(n, ast.Constant(None)) for n in plan.saved if n not in always] + body
        items = [ast.Call(helper_name("like", like), [pyast.name(n)], []) if n in plan.shapes_only
                 else _copy(pyast.name(n)) if n in plan.copied else pyast.name(n) for n in plan.saved]
        item = items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())
        append = ast.Attribute(pyast.name(plan.tape), "append", ast.Load())
        return body + [ast.Expr(ast.Call(append, [item], []))]

    def iteration_end(self, loop: Loop) -> list[ast.stmt]:
        end = _yields(loop)
        if loop.break_flag is not None:
            end.append(ast.If(pyast.name(loop.break_flag.name), [ast.Break()], []))
        return end

    def forward_loop(self, loop: Loop) -> list[ast.stmt]:
        out = [pyast.assign(c.var.name, self.alias(c.var, c.init)) for c in loop.carried]
        plan = self.plans.get(id(loop))
        if plan is not None and plan.checkpoint:
            return out + self.checkpointed_forward(loop, plan)
        if plan is not None and plan.tape:
            out.append(pyast.assign(plan.tape, ast.List([], ast.Load())))
            body = self.taped_body(loop, plan)
        else:
            body = self.forward_block(loop.body)
        if plan is not None and not plan.tape:
            out.append(pyast.assign(plan.count, ast.Constant(0)))
            body.append(pyast.assign(plan.count, ast.BinOp(pyast.name(plan.count), ast.Add(), ast.Constant(1))))
        body += self.iteration_end(loop)
        if loop.kind == "for":
            out.append(ast.For(ast.Name(loop.target.name, ast.Store()), self.range_of(loop), body, []))
        elif loop.cond:
            stop = ast.If(ast.UnaryOp(ast.Not(), operand_ast(loop.test)), [ast.Break()], [])
            cond = self.forward_block(loop.cond)
            out.append(ast.While(ast.Constant(True), cond + [stop] + body, []))
        else:
            out.append(ast.While(operand_ast(loop.test), body, []))
        return out

    def range_of(self, loop: Loop) -> ast.expr:
        iterator = ast.Call(helper_name("range", range), [operand_ast(a) for a in loop.range_args], [])
        if loop.reverse:  # reversed(range(...)) as a range, so it can be indexed
            iterator = ast.Subscript(iterator, ast.Slice(None, None, ast.Constant(-1)), ast.Load())
        return iterator

    # -- checkpointing: keep every k-th state instead of a tape entry an iteration ------------------
    def checkpointed_forward(self, loop: Loop, plan) -> list[ast.stmt]:
        """``for position in range(len(steps))``, saving the carried state every ``interval`` steps."""
        c = plan.checkpoint
        state = ast.Tuple([pyast.name(v.var.name) for v in loop.carried], ast.Load())
        save = ast.If(ast.Compare(ast.BinOp(pyast.name(c["position"]), ast.Mod(), pyast.name(c["interval"])),
                                  [ast.Eq()], [ast.Constant(0)]),
                      [ast.Expr(ast.Call(ast.Attribute(pyast.name(c["checkpoints"]), "append", ast.Load()),
                                         [state], []))], [])
        step = pyast.assign(loop.target.name, ast.Subscript(pyast.name(c["steps"]), pyast.name(c["position"]),
                                                             ast.Load()))
        body = [step, save] + self.forward_block(loop.body) + self.iteration_end(loop)
        length = ast.Call(helper_name("len", len), [pyast.name(c["steps"])], [])
        interval = ast.Call(helper_name("checkpoint_interval", checkpoint_interval), [length], [])
        return [pyast.assign(c["steps"], self.range_of(loop)), pyast.assign(c["interval"], interval),
                pyast.assign(c["checkpoints"], ast.List([], ast.Load())),
                ast.For(ast.Name(c["position"], ast.Store()),
                        ast.Call(helper_name("range", range), [length], []), body, [])]

    def checkpointed_reverse(self, loop: Loop, plan, reversed_tape: ast.For) -> ast.For:
        """Segments last to first: restore a checkpoint, run the segment again taping it, then reverse it."""
        c = plan.checkpoint
        segment, interval, steps = pyast.name(c["segment"]), pyast.name(c["interval"]), pyast.name(c["steps"])
        start = ast.BinOp(segment, ast.Mult(), interval)
        stop = ast.Call(helper_name("min", min), [ast.Call(helper_name("len", len), [steps], []),
                                                  ast.BinOp(start, ast.Add(), interval)], [])
        step = pyast.assign(loop.target.name, ast.Subscript(steps, pyast.name(c["position"]), ast.Load()))
        again = ast.For(ast.Name(c["position"], ast.Store()), ast.Call(helper_name("range", range), [start, stop], []),
                        [step] + self.taped_body(loop, plan) + self.iteration_end(loop), [])
        state = ast.Tuple([ast.Name(v.var.name, ast.Store()) for v in loop.carried], ast.Store())
        restore = ast.Assign([state], ast.Subscript(pyast.name(c["checkpoints"]), segment, ast.Load()), lineno=0)
        segments = ast.Call(helper_name("reversed", reversed), [ast.Call(
            helper_name("range", range), [ast.Call(helper_name("len", len), [pyast.name(c["checkpoints"])], [])],
            [])], [])
        return ast.For(ast.Name(c["segment"], ast.Store()), segments,
                       [restore, pyast.assign(plan.tape, ast.List([], ast.Load())), again, reversed_tape], [])

    # -- the whole function ----------------------------------------------------------------------
    def run(self, seed: str | None = None) -> Adjoint:
        """Both sweeps. ``seed``: the name holding the result's incoming gradient (a parameter of a
        callee's backward function); by default it is 1, the gradient of the result itself."""
        result = self.function.result.value
        backward = []
        if isinstance(result, Var) and result in self.active:
            if seed is None:
                self.adjoint[result] = self.namer.fresh("d" + result.name)
                backward.append(pyast.comment("the result's own gradient is 1"))
                backward.append(pyast.assign(self.adjoint[result], ast.Constant(1.0)))
            else:
                self.adjoint[result] = seed
        elif isinstance(result, Pack) and seed is not None:  # a helper returning a tuple: one seed each
            for index, item in enumerate(result.items):
                entry = ast.Subscript(pyast.name(seed), ast.Constant(index), ast.Load())
                if isinstance(item, Pack):  # a forward function's saved values, differentiated again
                    backward += self.seed_items(item, entry)
                elif isinstance(item, Var) and self.needs(item):
                    backward += self.write(item, entry)
        backward += self.backward_block(self.function.body[:-1])
        gradients, unreached = [], []
        for var in self.wrt:
            if var not in self.adjoint:  # the result does not depend on it
                self.adjoint[var] = self.namer.fresh("d" + var.name)
                unreached.append(pyast.assign(self.adjoint[var], _zeros_like(var.name)))
            gradients.append(pyast.name(self.adjoint[var]))
        forward = own_parameters(self.function) + self.forward_block(self.function.body[:-1])
        if self.copy_tapes:  # before the forward sweep writes into the parameter: differentiated again,
            forward = unreached + forward  # a read of it after the write would be refused
        else:
            backward += unreached
        kept, value = self.keep_result(result, backward)
        return Adjoint(forward + kept, backward, value, gradients, self.adjoint_of)

    def seed_items(self, pack: Pack, seed: ast.expr) -> list[ast.stmt]:
        """Each item of a tuple within the result its entry of ``seed`` (zero where nothing reached it)."""
        out = []
        for index, item in enumerate(pack.items):
            if isinstance(item, Pack):
                out += self.seed_items(item, ast.Subscript(seed, ast.Constant(index), ast.Load()))
            elif isinstance(item, Var) and self.needs(item):
                out += self.write(item, ast.Call(helper_name("item_grad", item_grad),
                                                 [seed, ast.Constant(index), pyast.name(item.name)], []))
        return out

    def keep_result(self, result, backward) -> tuple[list[ast.stmt], ast.expr]:
        """The result's values, kept under names of their own when the backward sweep rebinds their names
        (a tape's unpacking) or puts back entries written into them."""
        rebound = {n.id for n in trees.name_nodes(ast.Module(backward, [])) if isinstance(n.ctx, ast.Store)}
        restored = {t.value.id for stmt in trees.statement_list(backward) if isinstance(stmt, ast.Assign)
                    for t in stmt.targets if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)}
        kept, names = [], {}
        for var in operand_vars(result):
            if var.name in rebound | restored and var.name not in names:
                value = pyast.name(var.name)
                if var.name in restored:
                    value = ast.Call(ast.Attribute(helper_name("np", numpy), "copy", ast.Load()), [value], [])
                names[var.name] = self.namer.fresh(var.source)
                kept.append(pyast.assign(names[var.name], value))
        value = operand_ast(result)
        for node in trees.name_nodes(value):
            if node.id in names:
                node.id = names[node.id]
        return kept, value


# Runtime helpers that read an argument only for its shape, dtype and type: its position.
SHAPE_ARGUMENT = {unbroadcast: 1, unsum: 1, unmean: 1, zeros_like: 0, unindex: 1, untake: 1, broadcast_like: 1}


def _read_for_shape_only(body) -> set[str]:
    """Names every read of which in ``body`` is a helper's shape argument (``x`` in
    ``unbroadcast(g, x)``): a tape keeps ``like(x)``, which has x's shape and dtype and no memory."""
    nodes = [n for stmt in body for n in trees.walk(stmt)]
    shape_reads = set()
    for node in nodes:
        if isinstance(node, ast.Call):
            helper = getattr(node.func, "ssagrad_helper", None)
            position = ops.lookup(SHAPE_ARGUMENT, helper)
            if position is not None and position < len(node.args):
                shape_reads.add(id(node.args[position]))
    shaped, other = set(), set()
    for node in nodes:
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and not hasattr(node, "ssagrad_helper"):
            (shaped if id(node) in shape_reads else other).add(node.id)
    return shaped - other


def _yields(loop: Loop) -> list[ast.stmt]:
    """End of an iteration: each carried variable takes its next value (in parallel)."""
    pairs = [(c.var, c.next) for c in loop.carried if c.next is not c.var]
    carried_names = {c.var.name for c in loop.carried}
    sequential = []
    written = set()
    for var, value in pairs:
        if any(v.name in written for v in operand_vars(value)):
            targets = ast.Tuple([ast.Name(v.name, ast.Store()) for v, _ in pairs], ast.Store())
            return [ast.Assign([targets], ast.Tuple([operand_ast(x) for _, x in pairs], ast.Load()), lineno=0)]
        sequential.append(pyast.assign(var.name, operand_ast(value)))
        if var.name in carried_names:
            written.add(var.name)
    return sequential


def _write_in_place(op: Op) -> list[ast.stmt]:
    """``a_old = np.copy(a[i])`` (what the write destroys, for the backward sweep), then ``a[i] = v``
    (or ``np.add.at(a, i, v)``)."""
    array, index, _ = op.args
    _, old = op.targets
    where = operand_ast(index, in_index=True)
    copy = ast.Call(ast.Attribute(helper_name("np", numpy), "copy", ast.Load()),
                    [ast.Subscript(pyast.name(array.name), where, ast.Load())], [])
    return [pyast.assign(old.name, copy), write_statement(op)]


def _restore(op: Op) -> ast.stmt:
    """``a[i] = a_old``: the entries a write overwrote, put back for the adjoints before it."""
    array, index, _ = op.args
    restore = ast.Subscript(pyast.name(array.name), operand_ast(index, in_index=True), ast.Store())
    put_back = ast.Assign([restore], pyast.name(op.targets[1].name), lineno=0)
    put_back.ssagrad_keep = True  # a tape or a callee's saved values may hold the array: never dead
    return put_back


def _copy(expr: ast.expr) -> ast.expr:
    return ast.Call(ast.Attribute(helper_name("np", numpy), "copy", ast.Load()), [expr], [])


def _surely_basic(index) -> bool:
    """Is ``index`` integers, slices, ``None`` and ``...`` only (so it names no entry twice)?"""
    if isinstance(index, Pack):
        return index.kind is ast.Tuple and all(_surely_basic(i) for i in index.items)
    if isinstance(index, Const):
        return index.value is None or index.value is Ellipsis or type(index.value) is int
    return isinstance(index, Slice)


def _call_node(op: Op):
    """The call expression of an operation (for error carets), else its statement."""
    value = getattr(op.node, "value", None)
    return value if isinstance(value, (ast.Call, ast.BinOp, ast.UnaryOp, ast.Subscript)) else op.node


def reverse(function: Function, wrt: list[Var], active: set[Var], seed: str | None = None,
            checkpoint: bool = False, copy_tapes: bool = False) -> Adjoint:
    return ReverseSweep(function, wrt, active, checkpoint, copy_tapes).run(seed)
