"""Stage 3: static single assignment. Every variable is assigned exactly once.

The IR is a handful of plain dataclasses. A variable keeps the user's name on
its first assignment and gets ``x_1``, ``x_2``, ... on later ones, so the
generated code still reads in the user's words. Operations are calls of
primitives (``operator.add``, ``numpy.exp``): one rule lookup for syntax and
calls alike. Control flow will enter as structured regions (``if`` and loop
ops with bodies, values leaving through yields and entering loops as block
arguments, as in MLIR's ``scf`` dialect), which is what lets codegen emit
Python, which has no goto.
"""
import ast
import sys
from collections import Counter
from dataclasses import dataclass, field

from . import ops, trees
from .names import Namer
from .parse import ParsedFunction


class _Copy:
    """The primitive of ``a = b``."""

    __name__ = "copy"

    def __repr__(self):
        return "COPY"


COPY = _Copy()


@dataclass(eq=False)
class Var:
    """A value defined once: a parameter or the target of an operation."""

    name: str        # unique within the function
    source: str      # the user's variable (or the temporary's hint)

    def __repr__(self):
        return self.name


@dataclass(eq=False)
class Const:
    """A literal, written as the user wrote it."""

    node: ast.expr

    @property
    def value(self):
        return self.node.value


@dataclass(eq=False)
class Free:
    """A free name (global, closure, builtin) read by the function: a constant to differentiation."""

    node: ast.expr
    value: object


@dataclass(eq=False)
class Pack:
    """A tuple or list display of operands, such as ``axis=(0, 1)`` or ``np.stack([a, b])``."""

    kind: type  # ast.Tuple or ast.List
    items: list


@dataclass(eq=False)
class Slice:
    """``lower:upper:step`` inside an index; each part an operand or None."""

    lower: object
    upper: object
    step: object


@dataclass(eq=False)
class Op:
    """``targets = fn(*args, **kwargs)``."""

    targets: list[Var]
    fn: object                     # the primitive: a function object, or COPY
    args: list
    kwargs: dict = field(default_factory=dict)
    callee: ast.expr | None = None  # how to spell a call (None: operator syntax or copy)
    node: ast.stmt | None = None   # the normalized statement, for locations
    # (check, [values]) each: at run time, the write must not reach those values (the user's code's check
    # first, when generated code is differentiated again: its error names the user's line)
    guards: list = field(default_factory=list)


@dataclass(eq=False)
class Return:
    value: object
    node: ast.stmt | None = None


@dataclass(eq=False)
class Phi:
    """``target`` is ``then`` after the ``then`` branch ran, else ``orelse``."""

    target: Var
    then: object
    orelse: object


@dataclass(eq=False)
class If:
    """A region: two bodies and the values that leave them (``phis``)."""

    test: object
    body: list
    orelse: list
    phis: list
    node: ast.stmt | None = None


@dataclass(eq=False)
class Carried:
    """A loop-carried value: ``var`` holds ``init`` on entry, ``next`` after each iteration, and is the
    variable's value after the loop (a block argument and the loop's result at once)."""

    var: Var
    init: object
    next: object = None


@dataclass(eq=False)
class Loop:
    """A region run many times: ``for target in range(*range_args)`` or ``while`` (``cond`` computes ``test``)."""

    kind: str                  # "for" or "while"
    body: list
    carried: list
    target: Var | None = None
    range_args: list = field(default_factory=list)
    reverse: bool = False      # for: reversed(range(...))
    cond: list = field(default_factory=list)
    test: object = None
    break_flag: Var | None = None  # checked after each iteration: leave the loop when true
    node: ast.stmt | None = None


@dataclass(eq=False)
class Function:
    name: str
    params: list[Var]
    body: list
    parsed: ParsedFunction
    namer: Namer
    written_params: set = field(default_factory=set)  # parameters whose arrays the function writes into
    changed_params: set = field(default_factory=set)  # ... or changes in place in any way (v *= 2)
    parameter_checks: list = field(default_factory=list)  # guards: those must not share another's memory
    aliases: object = None  # the may-share-memory graph (compiler/aliasing.py)

    def ops(self):
        """The operations of the top-level body (not inside regions)."""
        return [s for s in self.body if isinstance(s, Op)]

    @property
    def result(self) -> Return:
        return self.body[-1]


def operand_vars(operand):
    """The variables an operand reads."""
    if isinstance(operand, Var):
        return [operand]
    if isinstance(operand, Pack):
        return [v for item in operand.items for v in operand_vars(item)]
    if isinstance(operand, Slice):
        return [v for part in (operand.lower, operand.upper, operand.step) for v in operand_vars(part)]
    return []


def walk(body):
    """Every statement in ``body``, regions included, in program order."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, If):
            yield from walk(stmt.body)
            yield from walk(stmt.orelse)
        elif isinstance(stmt, Loop):
            yield from walk(stmt.cond)
            yield from walk(stmt.body)


def op_vars(op: Op):
    return [v for a in list(op.args) + list(op.kwargs.values()) for v in operand_vars(a)]


# -- construction ---------------------------------------------------------------
from . import aliasing  # noqa: E402  (after the IR classes it uses)

def _assigned(stmts) -> list[str]:
    """Names a block assigns (or writes into, ``a[i] = v``), in order of first assignment."""
    names = []
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) \
                    and isinstance(node.value, ast.Name):
                node = node.value
            elif not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)):
                continue
            if node.id not in names:
                names.append(node.id)
    return names


def load_counts(node) -> Counter:
    """Every name ``node`` reads, with how often (a run-time check's values too: they sit beside the
    statement the check protects, not in its tree)."""
    counts = Counter()
    for n in trees.walk(node):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
            counts[n.id] += 1
        for value in getattr(n, "ssagrad_guard", (None, ()))[1]:
            if isinstance(value, ast.Name):
                counts[value.id] += 1
    return counts


class Builder:
    def __init__(self, parsed: ParsedFunction, namer: Namer):
        self.loads = Counter()  # every name read in the function, with how often
        self.made_by: dict = {}   # value -> the operation that made it
        self.aliases = aliasing.Aliases()  # what may share memory, and the in-place writes to check
        self.live: dict | None = None      # statement -> names read after it (made at the first write)
        self.body: list = []
        self.parsed = parsed
        self.namer = namer
        self.current: dict[str, Var] = {}
        self.defined: set[str] = set()
        self.maybe_undefined: dict[str, ast.AST] = {}

    def define(self, name: str) -> Var:
        ssa_name = name if name not in self.defined else self.namer.fresh(name)
        if name not in self.defined:
            self.namer.reserve(name)
        self.defined.add(name)
        var = Var(ssa_name, name)
        self.current[name] = var
        self.maybe_undefined.pop(name, None)
        return var

    def operand(self, node):
        if node is None:
            return None
        if isinstance(node, ast.Name):
            if node.id in self.current:
                return self.current[node.id]
            if node.id in self.maybe_undefined:
                raise self.parsed.error(f"{node.id!r} is assigned on some paths only (in one branch of an "
                                        f"`if`) but read here; assign it on every path", node)
            if node.id in self.parsed.local_names:
                raise self.parsed.error(f"local variable {node.id!r} is used before it is assigned", node)
            return Free(node, self.parsed.lookup(node.id))
        if isinstance(node, ast.Constant):
            return Const(node)
        if isinstance(node, (ast.Tuple, ast.List)):
            return Pack(type(node), [self.operand(e) for e in node.elts])
        if isinstance(node, ast.Slice):
            return Slice(self.operand(node.lower), self.operand(node.upper), self.operand(node.step))
        if isinstance(node, ast.Attribute):
            return Free(node, self.parsed.resolve(node))
        raise self.parsed.error("internal: not an atom after normalization", node)

    def operation(self, value):
        """``(fn, args, kwargs, callee)`` of a normalized right-hand side."""
        if isinstance(value, ast.BinOp):
            return ops.BINARY[type(value.op)], [self.operand(value.left), self.operand(value.right)], {}, None
        if isinstance(value, ast.UnaryOp):
            return ops.UNARY[type(value.op)], [self.operand(value.operand)], {}, None
        if isinstance(value, ast.Compare):
            fn = ops.COMPARE[type(value.ops[0])]
            return fn, [self.operand(value.left), self.operand(value.comparators[0])], {}, None
        if isinstance(value, ast.Subscript):
            return ops.GETITEM, [self.operand(value.value), self.operand(value.slice)], {}, None
        if isinstance(value, ast.Call):
            args = [self.operand(a) for a in value.args]
            kwargs = {k.arg: self.operand(k.value) for k in value.keywords}
            return value.ssagrad_fn, args, kwargs, value.func
        return COPY, [self.operand(value)], {}, None

    def block(self, body: list[ast.stmt]) -> list:
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Return):
                out.append(Return(self.operand(stmt.value), stmt))
            elif isinstance(stmt, ast.If):
                out.append(self.branch(stmt))
            elif isinstance(stmt, (ast.For, ast.While)):
                out.append(self.loop(stmt))
            elif isinstance(stmt, ast.Expr):  # print(...), raise_(...): run for its effect, no value
                fn, args, kwargs, callee = self.operation(stmt.value)
                out.append(Op([], fn, args, kwargs, callee, stmt))
            else:
                out += self.assignment(stmt)
        return out

    def assignment(self, stmt) -> list:
        guard = None
        if hasattr(stmt, "ssagrad_guard"):  # a check from generated code differentiated again
            check, values = stmt.ssagrad_guard
            guard = (check, [self.operand(v) for v in values])  # read before the statement rebinds any
        ops_ = self.assignment_ops(stmt)
        if guard is not None:
            ops_[0].guards.append(guard)
        return ops_

    def assignment_ops(self, stmt) -> list:
        target, value = stmt.targets[0], stmt.value
        if isinstance(target, ast.Subscript):  # a[i] = v: a new version of a, the same array
            array = self.operand(target.value)
            if not isinstance(array, Var):
                raise self.parsed.error("only local arrays can be assigned into", stmt)
            index, source = self.operand(target.slice), self.operand(value)
            old = self.namer.fresh(f"{array.source}_old")  # what the write overwrites, for the backward sweep
            written = Var(array.name, array.source)  # same Python variable: the write is in place
            fn = ops.ADD_AT if getattr(stmt, "ssagrad_accumulate", False) else ops.SETITEM
            op = Op([written, Var(old, old)], fn, [array, index, source], node=stmt)
            self.note_write(op, array, "setitem")
            self.current[array.source] = written
            self.aliases.share(written, [array])
            return [op]
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
            sources = [self.operand(v) for v in value.elts]  # all read before any is written
            copies = [Op([self.define(n.id)], COPY, [source], node=stmt) for n, source in zip(target.elts, sources)]
            for op in copies:
                self.aliases.share(op.targets[0], op.args)
            return copies
        updated = self.current.get(target.id) if getattr(stmt, "ssagrad_inplace", False) else None
        fn, args, kwargs, callee = self.operation(value)
        aliasing.refuse_mutating_call(fn, self.parsed, stmt)
        names = [e.id for e in target.elts] if isinstance(target, ast.Tuple) else [target.id]
        op = Op([self.define(n) for n in names], fn, args, kwargs, callee, stmt)
        self.made_by.update({t: op for t in op.targets})
        shared = aliasing.shared_operands(op, self.made_by)
        if fn is ops.ATTRIBUTE:  # memory held by an object, outside the function
            shared.append(("attribute", id(op)))
        for t in op.targets:
            self.aliases.share(t, shared)
            if fn is not COPY or isinstance(args[0], Pack):
                self.aliases.own_memory.add(t)
        if updated is not None:  # a += b, items.append(x): NumPy and lists update in place
            self.note_write(op, updated, "inplace")
        for name, operand in aliasing.callee_writes(fn, args, kwargs):
            if isinstance(operand, Var):
                self.note_write(op, operand, "callee", getattr(fn, "__qualname__", "the function"))
        return [op]

    def note_write(self, op: Op, array: Var, kind: str, callee: str = "") -> None:
        """``op`` writes in place through ``array``: checked once the whole function is built."""
        if self.live is None:
            self.live = aliasing.live_after(self.body)
        stmt = op.node
        rebound = aliasing.assigned_names(stmt) | ({array.source} if kind == "setitem" else set())
        bound = {n: v for n, v in self.current.items() if v not in op.targets}
        self.aliases.writes.append(aliasing.Write(op, array, stmt, bound, self.live.get(id(stmt), set()),
                                                  kind, rebound, callee))

    def branch(self, stmt: ast.If) -> If:
        test = self.operand(stmt.test)
        before = dict(self.current)
        body = self.block(stmt.body)
        after_body, self.current = self.current, dict(before)
        orelse = self.block(stmt.orelse)
        after_orelse, self.current = self.current, dict(before)
        phis = []
        for name in dict.fromkeys(list(after_body) + list(after_orelse)):
            then, other = after_body.get(name), after_orelse.get(name)
            if then is other:
                continue
            if (then is None and _raises(body)) or (other is None and _raises(orelse)):
                # a branch that ends in `raise` never reaches what follows: the other branch's value it is
                phis.append(Phi(self.define(name), then or Const(ast.Constant(None)),
                                other or Const(ast.Constant(None))))
                self.aliases.share(phis[-1].target, [v for v in (then, other) if v is not None])
                continue
            if then is None or other is None:
                self.maybe_undefined[name] = stmt
                self.current.pop(name, None)
                continue
            phis.append(Phi(self.define(name), then, other))
            self.aliases.share(phis[-1].target, [then, other])
        return If(test, body, orelse, phis, stmt)

    def loop(self, stmt) -> Loop:
        is_for = isinstance(stmt, ast.For)
        range_args = [self.operand(a) for a in stmt.iter.args] if is_for else []
        # A variable the body assigns is carried around the loop when it had a value before the loop
        # or is read outside it -- and is read somewhere at all. Temporaries are not. The loop index is
        # carried only when it is read after the loop: Python leaves it at its last value, or at the
        # value it had before when the loop did not run.
        skip = self.parsed.temporaries | ({stmt.target.id} if is_for else set())
        outside = self.loads - load_counts(stmt)
        names = [n for n in _assigned(stmt.body) if n not in skip and self.loads[n]
                 and (n in self.current or outside[n])]
        if is_for and outside[stmt.target.id]:
            names.append(stmt.target.id)
        loop = Loop("for" if is_for else "while", [], [], node=stmt)
        before = dict(self.current)
        if is_for:
            loop.target = self.define(stmt.target.id)
            loop.range_args, loop.reverse = range_args, stmt.ssagrad_reversed
        for name in names:
            init = before.get(name) or Const(ast.Constant(None))
            loop.carried.append(Carried(self.define(name), init))
            self.aliases.share(loop.carried[-1].var, [init])
        if is_for:
            self.current[stmt.target.id] = loop.target  # the body reads the index, not the carried value
        carried = loop.carried
        if not is_for:
            loop.cond = self.block(stmt.ssagrad_cond)
            loop.test = self.operand(stmt.test)
        loop.body = self.block(stmt.body)
        for c in carried:
            c.next = self.current[c.var.source]
            self.current[c.var.source] = c.var
            self.aliases.share(c.var, [c.next])
        flag = getattr(stmt, "ssagrad_break", None)
        loop.break_flag = self.current[flag] if flag else None
        kept = {c.var.source for c in carried} | ({flag} if flag else set())
        for name in _assigned(stmt.body):  # the rest lives in the body alone: unbound if it never ran
            if name not in kept and name not in before and name in self.current:
                del self.current[name]
        return loop

    def build(self, body: list[ast.stmt]) -> Function:
        self.loads = load_counts(ast.Module(body, []))
        self.body = body
        params = [self.define(name) for name in self.parsed.params]
        function = Function(self.parsed.name, params, self.block(body), self.parsed, self.namer)
        function.written_params, function.changed_params = self.aliases.check(self.parsed, params)
        function.aliases = self.aliases
        function.parameter_checks = self.aliases.parameter_checks(self.parsed, params, function.written_params)
        return function


def _raises(body) -> bool:
    """Does a block end by raising (a ``raise`` or a failed ``assert`` of the user's)?"""
    from .rules.builtins import raise_
    return bool(body) and isinstance(body[-1], Op) and body[-1].fn is raise_


def build_ssa(parsed: ParsedFunction, body: list[ast.stmt], namer: Namer) -> Function:
    return Builder(parsed, namer).build(body)


# -- printing -------------------------------------------------------------------
def primitive_name(fn) -> str:
    if fn is COPY:
        return "copy"
    if hasattr(fn, "label"):
        return fn.label
    if ops.is_operator(fn):
        return ops.HINTS[fn]
    public = public_name(fn)
    if public is not None:
        return public
    module = getattr(fn, "__module__", None) or ("numpy" if type(fn).__name__ == "ufunc" else "")
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    return f"{module}.{name}" if module and module != "builtins" else name


def public_name(fn):
    """Where a library exports ``fn``, as code names it, or ``None`` if that takes no searching:
    ``scipy.special.expit`` (a ufunc that says no module), ``scipy.linalg.solve`` (defined in
    ``scipy.linalg._basic``), ``scipy.stats.norm.logpdf`` (a method of an object a module exports)."""
    name = getattr(fn, "__name__", None)
    if not isinstance(name, str):
        return None
    owner = getattr(fn, "__self__", None)
    if owner is not None and not isinstance(owner, type) and type(owner).__module__ != "builtins":
        owner_name = exported_as(owner, type(owner).__module__)  # a bound method: norm.logpdf
        return f"{owner_name}.{name}" if owner_name is not None else None
    module = getattr(fn, "__module__", None)
    if module is None and type(fn).__name__ == "ufunc":  # numpy's ufuncs say "numpy"; SciPy's nothing
        for candidate in ("numpy", "scipy.special"):
            if getattr(sys.modules.get(candidate), name, None) is fn:
                return f"{candidate}.{name}"
        return None
    if not isinstance(module, str) or not any(part.startswith("_") for part in module.split(".")):
        return None
    found = exported_as(fn, module)
    return found if found is not None and found.endswith("." + name) else None


def exported_as(obj, module: str):
    """``package.name`` for the first public package on ``module``'s path that holds ``obj``."""
    parts = module.split(".")
    for end in range(1, len(parts) + 1):
        if parts[end - 1].startswith("_"):
            break
        package = sys.modules.get(".".join(parts[:end]))
        for key, value in (vars(package).items() if package is not None else ()):
            if value is obj and not key.startswith("_"):
                return f"{package.__name__}.{key}"
    return None


def format_operand(operand) -> str:
    if operand is None:
        return ""
    if isinstance(operand, Var):
        return operand.name
    if isinstance(operand, Pack):
        inner = ", ".join(format_operand(i) for i in operand.items)
        if operand.kind is ast.Tuple:
            return f"({inner},)" if len(operand.items) == 1 else f"({inner})"
        return f"[{inner}]"
    if isinstance(operand, Slice):
        parts = [format_operand(operand.lower), format_operand(operand.upper)]
        if operand.step is not None:
            parts.append(format_operand(operand.step))
        return ":".join(parts)
    return ast.unparse(operand.node)


class _Printer:
    def __init__(self, function: Function):
        self.first = function.parsed.first_line
        self.lines = [f"def {function.name}({', '.join(p.name for p in function.params)}):"]

    def line(self, depth, text, node=None):
        where = f"  # line {node.lineno + self.first - 1}" if node is not None else ""
        self.lines.append(f"{'    ' * depth}{text:<{max(1, 44 - 4 * depth)}}{where}".rstrip())

    def block(self, body, depth):
        for stmt in body:
            if isinstance(stmt, Return):
                self.line(depth, f"return {format_operand(stmt.value)}", stmt.node)
            elif isinstance(stmt, Op):
                targets = ", ".join(t.name for t in stmt.targets)
                args = [format_operand(a) for a in stmt.args]
                args += [f"{k}={format_operand(v)}" for k, v in stmt.kwargs.items()]
                call = args[0] if stmt.fn is COPY else f"{primitive_name(stmt.fn)}({', '.join(args)})"
                self.line(depth, f"{targets} = {call}", stmt.node)
            elif isinstance(stmt, If):
                self.line(depth, f"if {format_operand(stmt.test)}:", stmt.node)
                self.block(stmt.body, depth + 1)
                self.yields(depth + 1, [(p.target, p.then) for p in stmt.phis])
                self.line(depth, "else:")
                self.block(stmt.orelse, depth + 1)
                self.yields(depth + 1, [(p.target, p.orelse) for p in stmt.phis])
            elif isinstance(stmt, Loop):
                carried = ", ".join(f"{c.var.name} = {format_operand(c.init)}" for c in stmt.carried)
                if stmt.kind == "for":
                    header = f"for {stmt.target.name} in range({', '.join(format_operand(a) for a in stmt.range_args)})"
                    header = f"for {stmt.target.name} in reversed{header[len(stmt.target.name) + 8:]}" \
                        if stmt.reverse else header
                else:
                    header = f"while {format_operand(stmt.test)}"
                self.line(depth, f"{header}  carrying ({carried}):", stmt.node)
                if stmt.cond:
                    self.line(depth + 1, "# condition:")
                    self.block(stmt.cond, depth + 1)
                    self.line(depth + 1, "# body:")
                self.block(stmt.body, depth + 1)
                self.yields(depth + 1, [(c.var, c.next) for c in stmt.carried])
                if stmt.break_flag is not None:
                    self.line(depth + 1, f"break if {stmt.break_flag.name}")

    def yields(self, depth, pairs):
        if pairs:
            self.line(depth, "yield " + ", ".join(f"{t.name} = {format_operand(v)}" for t, v in pairs))


def format_function(function: Function) -> str:
    """The SSA listing (``.ssa``): one operation a line, regions indented, with source lines."""
    printer = _Printer(function)
    printer.block(function.body, 1)
    return "\n".join(printer.lines) + "\n"
