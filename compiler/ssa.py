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
from dataclasses import dataclass, field

from . import ops
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
class Op:
    """``targets = fn(*args, **kwargs)``."""

    targets: list[Var]
    fn: object                     # the primitive: a function object, or COPY
    args: list
    kwargs: dict = field(default_factory=dict)
    callee: ast.expr | None = None  # how to spell a call (None: operator syntax or copy)
    node: ast.stmt | None = None   # the normalized statement, for locations


@dataclass(eq=False)
class Return:
    value: object
    node: ast.stmt | None = None


@dataclass(eq=False)
class Function:
    name: str
    params: list[Var]
    body: list
    parsed: ParsedFunction
    namer: Namer

    def ops(self):
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
    return []


def op_vars(op: Op):
    return [v for a in list(op.args) + list(op.kwargs.values()) for v in operand_vars(a)]


# -- construction ---------------------------------------------------------------
class Builder:
    def __init__(self, parsed: ParsedFunction, namer: Namer):
        self.parsed = parsed
        self.namer = namer
        self.current: dict[str, Var] = {}
        self.defined: set[str] = set()

    def define(self, name: str) -> Var:
        ssa_name = name if name not in self.defined else self.namer.fresh(name)
        if name not in self.defined:
            self.namer.reserve(name)
        self.defined.add(name)
        var = Var(ssa_name, name)
        self.current[name] = var
        return var

    def operand(self, node):
        if isinstance(node, ast.Name):
            if node.id in self.current:
                return self.current[node.id]
            if node.id in self.parsed.local_names:
                raise self.parsed.error(f"local variable {node.id!r} is used before it is assigned", node)
            return Free(node, self.parsed.lookup(node.id))
        if isinstance(node, ast.Constant):
            return Const(node)
        if isinstance(node, (ast.Tuple, ast.List)):
            return Pack(type(node), [self.operand(e) for e in node.elts])
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
        if isinstance(value, ast.Call):
            args = [self.operand(a) for a in value.args]
            kwargs = {k.arg: self.operand(k.value) for k in value.keywords}
            return value.ssagrad_fn, args, kwargs, value.func
        return COPY, [self.operand(value)], {}, None

    def build(self, body: list[ast.stmt]) -> Function:
        params = [self.define(name) for name in self.parsed.params]
        out = []
        for stmt in body:
            if isinstance(stmt, ast.Return):
                out.append(Return(self.operand(stmt.value), stmt))
                continue
            target, value = stmt.targets[0], stmt.value
            if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple):
                sources = [self.operand(v) for v in value.elts]  # all read before any is written
                for name_node, source in zip(target.elts, sources):
                    out.append(Op([self.define(name_node.id)], COPY, [source], node=stmt))
                continue
            fn, args, kwargs, callee = self.operation(value)
            names = [e.id for e in target.elts] if isinstance(target, ast.Tuple) else [target.id]
            out.append(Op([self.define(n) for n in names], fn, args, kwargs, callee, stmt))
        return Function(self.parsed.name, params, out, self.parsed, self.namer)


def build_ssa(parsed: ParsedFunction, body: list[ast.stmt], namer: Namer) -> Function:
    return Builder(parsed, namer).build(body)


# -- printing -------------------------------------------------------------------
def primitive_name(fn) -> str:
    if fn is COPY:
        return "copy"
    if ops.is_operator(fn):
        return ops.HINTS[fn]
    module = getattr(fn, "__module__", None) or ("numpy" if type(fn).__name__ == "ufunc" else "")
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", repr(fn))
    return f"{module}.{name}" if module and module != "builtins" else name


def format_operand(operand) -> str:
    if isinstance(operand, Var):
        return operand.name
    if isinstance(operand, Pack):
        inner = ", ".join(format_operand(i) for i in operand.items)
        if operand.kind is ast.Tuple:
            return f"({inner},)" if len(operand.items) == 1 else f"({inner})"
        return f"[{inner}]"
    return ast.unparse(operand.node)


def format_function(function: Function) -> str:
    """The SSA listing (``.ssa``): one operation a line, with the source line it came from."""
    lines = [f"def {function.name}({', '.join(p.name for p in function.params)}):"]
    first = function.parsed.first_line
    for stmt in function.body:
        where = f"  # line {stmt.node.lineno + first - 1}" if stmt.node is not None else ""
        if isinstance(stmt, Return):
            text = f"return {format_operand(stmt.value)}"
        else:
            targets = ", ".join(t.name for t in stmt.targets)
            args = [format_operand(a) for a in stmt.args]
            args += [f"{k}={format_operand(v)}" for k, v in stmt.kwargs.items()]
            if stmt.fn is COPY:
                text = f"{targets} = {args[0]}"
            else:
                text = f"{targets} = {primitive_name(stmt.fn)}({', '.join(args)})"
        lines.append(f"    {text:<40}{where}")
    return "\n".join(lines) + "\n"
