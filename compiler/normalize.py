"""Stage 2: A-normal form. One operation per statement, temporaries for nested expressions.

The output is still Python syntax (a list of ``ast`` statements) so it can be
read and tested on its own. Every statement is one of

* ``name = <op>`` where ``<op>`` is a call, a unary/binary operator or a
  comparison whose operands are atoms, or an atom alone (a copy);
* ``a, b = <atom>, <atom>`` (a parallel copy) or ``a, b = <call>`` (a call
  that returns a tuple);
* ``return <atom>``.

Atoms are local names, constants, free names (``np.pi``, a global array)
and tuples or lists of atoms. Each call node carries the object it calls,
resolved now (``node.ssagrad_fn``); method calls and attributes of arrays
(``x.sum()``, ``x.T``) become calls of the NumPy functions they mean.
Constructs that are not supported yet raise a located error here, before
any code is generated.
"""
import ast

import numpy

from . import ops
from .names import Namer
from .parse import ParsedFunction, is_missing

# Attributes of an array that are functions of it: `x.T` is `np.transpose(x)`.
ARRAY_ATTRIBUTES = {"T": numpy.transpose, "shape": numpy.shape, "ndim": numpy.ndim, "size": numpy.size,
                    "real": numpy.real, "imag": numpy.imag}
# Methods of an array that are NumPy functions of it: `x.sum(0)` is `np.sum(x, 0)`.
ARRAY_METHODS = {name: getattr(numpy, name) for name in (
    "sum", "mean", "prod", "max", "min", "var", "std", "dot", "transpose", "reshape", "ravel",
    "squeeze", "clip", "cumsum", "cumprod", "conj", "round", "argmax", "argmin", "any", "all",
    "trace", "diagonal", "swapaxes", "repeat", "take")}
ARRAY_METHODS["flatten"] = numpy.ravel  # a copy where ravel may give a view; equal values
# Methods whose trailing positional arguments form one tuple argument: `x.reshape(2, 3)`.
PACKED_METHODS = {"reshape", "transpose"}

UNSUPPORTED_STATEMENTS = {
    ast.If: "`if` statements", ast.For: "`for` loops", ast.While: "`while` loops",
    ast.Try: "`try` statements", ast.With: "`with` statements", ast.Raise: "`raise` statements",
    ast.Delete: "`del` statements", ast.Global: "`global` declarations", ast.Nonlocal: "`nonlocal` declarations",
    ast.FunctionDef: "nested function definitions", ast.ClassDef: "class definitions",
    ast.Import: "imports inside the function", ast.ImportFrom: "imports inside the function",
    ast.Assert: "`assert` statements", ast.Break: "`break`", ast.Continue: "`continue`",
    ast.AsyncFunctionDef: "async functions", ast.AsyncFor: "async loops", ast.AsyncWith: "async `with`",
}
UNSUPPORTED_EXPRESSIONS = {
    ast.IfExp: "conditional expressions (`a if c else b`)", ast.BoolOp: "`and`/`or`",
    ast.Lambda: "lambdas", ast.ListComp: "list comprehensions", ast.GeneratorExp: "generator expressions",
    ast.DictComp: "dict comprehensions", ast.SetComp: "set comprehensions", ast.Dict: "dict displays",
    ast.Set: "set displays", ast.Subscript: "indexing (`x[i]`)", ast.Starred: "`*` unpacking",
    ast.JoinedStr: "f-strings", ast.NamedExpr: "`:=` assignments", ast.Yield: "`yield`",
    ast.YieldFrom: "`yield from`", ast.Await: "`await`", ast.Slice: "slices",
}


def helper_name(name: str, value) -> ast.Name:
    """A name that generated code binds to ``value`` at compile time (renamed if it clashes)."""
    node = ast.Name(id=name, ctx=ast.Load())
    node.ssagrad_helper = value
    return node


def _dotted_callee(node):
    """Mark the root of a free dotted callee (`np` in `np.exp`) as bound at compile time."""
    node = _copy(node)
    root = node
    while isinstance(root, ast.Attribute):
        root.value = _copy(root.value)
        root = root.value
    return node, root


def _copy(node):
    new = type(node)(**{f: getattr(node, f) for f in node._fields})
    return ast.copy_location(new, node)


class Normalizer:
    def __init__(self, parsed: ParsedFunction, namer: Namer):
        self.parsed = parsed
        self.namer = namer
        self.out: list[ast.stmt] = []

    # -- statements -----------------------------------------------------------
    def run(self) -> list[ast.stmt]:
        body = self.parsed.tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        for i, stmt in enumerate(body):
            self.statement(stmt)
            if isinstance(stmt, ast.Return):
                if i != len(body) - 1:
                    raise self.parsed.error("code after `return` never runs; remove it "
                                            "(several returns come with control flow support)", body[i + 1])
                return self.out
        raise self.parsed.error(f"function {self.parsed.name!r} has no `return` statement: "
                                "a function to differentiate must return its value", self.parsed.tree)

    def statement(self, stmt):
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) == 1:
                self.assign(stmt.targets[0], stmt.value, stmt)
            else:  # a = b = expr
                value = self.atom(stmt.value)
                for target in stmt.targets:
                    self.assign(target, value, stmt)
        elif isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name):
                raise self.parsed.error("augmented assignment to anything but a plain name "
                                        "(`x[i] += ...`, `obj.a += ...`) is not supported yet", stmt.target)
            value = ast.copy_location(ast.BinOp(ast.Name(stmt.target.id, ast.Load()), stmt.op, stmt.value), stmt)
            self.assign(stmt.target, value, stmt)
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return  # a bare annotation does nothing
            self.assign(stmt.target, stmt.value, stmt)
        elif isinstance(stmt, ast.Return):
            if stmt.value is None:
                raise self.parsed.error("`return` without a value: a function to differentiate must "
                                        "return its value", stmt)
            hint = self.parsed.name
            self.emit(ast.Return(self.atom(stmt.value, hint)), stmt)
        elif isinstance(stmt, ast.Pass):
            return
        elif isinstance(stmt, ast.Expr):
            raise self.parsed.error("an expression statement has no effect on the result "
                                    "(a bare call such as `print(x)` is not supported yet); remove it", stmt)
        else:
            what = UNSUPPORTED_STATEMENTS.get(type(stmt), type(stmt).__name__)
            raise self.parsed.error(f"{what} cannot be differentiated yet", stmt)

    def assign(self, target, value, stmt):
        if isinstance(target, ast.Name):
            self.emit(ast.Assign([ast.Name(target.id, ast.Store())], self.operation(value)), stmt)
        elif isinstance(target, (ast.Tuple, ast.List)):
            names = []
            for element in target.elts:
                if not isinstance(element, ast.Name):
                    raise self.parsed.error("only unpacking into plain names (`a, b = ...`) is supported", element)
                names.append(element.id)
            store = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
            if isinstance(value, (ast.Tuple, ast.List)):
                if len(value.elts) != len(names):
                    raise self.parsed.error(f"cannot unpack {len(value.elts)} values into {len(names)} names", stmt)
                items = [self.atom(v, n) for v, n in zip(value.elts, names)]
                self.emit(ast.Assign([store], ast.Tuple(items, ast.Load())), stmt)
            else:
                operation = self.operation(value)
                if not isinstance(operation, ast.Call):
                    raise self.parsed.error("unpacking a value that is not a tuple display or a call "
                                            "is not supported yet", value)
                self.emit(ast.Assign([store], operation), stmt)
        else:
            raise self.parsed.error("assignment to anything but plain names (`x[i] = ...`, `obj.a = ...`) "
                                    "is not supported yet", target)

    def emit(self, stmt, origin):
        self.out.append(ast.copy_location(stmt, origin))

    # -- expressions ------------------------------------------------------------
    def atom(self, node, hint=None):
        """An atom equal to ``node``: emit statements for any operation inside it.

        A temporary is named ``hint`` when given (the variable it becomes), else
        after its operation (``add``, ``exp``, ``sum``).
        """
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.Name):
            if node.id not in self.parsed.local_names and is_missing(self.parsed.lookup(node.id)):
                raise self.parsed.error(f"name {node.id!r} is not defined", node)
            return ast.copy_location(ast.Name(node.id, ast.Load()), node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)) \
                and isinstance(node.operand, ast.Constant):
            value = node.operand.value
            return ast.copy_location(ast.Constant(-value if isinstance(node.op, ast.USub) else value), node)
        if isinstance(node, (ast.Tuple, ast.List)):
            items = [self.atom(e) for e in node.elts]
            return ast.copy_location(type(node)(items, ast.Load()), node)
        if isinstance(node, ast.Attribute) and not is_missing(self.parsed.resolve(node)):
            return node  # a free dotted name such as np.pi or config.scale
        operation = self.operation(node)
        name = self.namer.fresh(hint or _operation_hint(node))
        self.emit(ast.Assign([ast.Name(name, ast.Store())], operation), node)
        return ast.copy_location(ast.Name(name, ast.Load()), node)

    def operation(self, node):
        """``node`` as one operation on atoms (or an atom)."""
        if isinstance(node, ast.BinOp):
            left, right = self.atom(node.left), self.atom(node.right)
            return ast.copy_location(ast.BinOp(left, node.op, right), node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.operand, ast.Constant) and isinstance(node.op, (ast.USub, ast.UAdd)):
                return self.atom(node)
            return ast.copy_location(ast.UnaryOp(node.op, self.atom(node.operand)), node)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise self.parsed.error("chained comparisons (`a < b < c`) are not supported yet", node)
            if type(node.ops[0]) not in ops.COMPARE:
                raise self.parsed.error("`is`/`in` comparisons are not supported yet", node)
            return ast.copy_location(ast.Compare(self.atom(node.left), node.ops,
                                                 [self.atom(node.comparators[0])]), node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Attribute):
            return self.attribute(node)
        for kind, what in UNSUPPORTED_EXPRESSIONS.items():
            if isinstance(node, kind):
                raise self.parsed.error(f"{what} cannot be differentiated yet", node)
        if isinstance(node, (ast.Constant, ast.Name, ast.Tuple, ast.List)):
            return self.atom(node)
        raise self.parsed.error(f"{type(node).__name__} expressions cannot be differentiated yet", node)

    def arguments(self, node: ast.Call):
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise self.parsed.error("`*args` in a call is not supported yet; pass arguments one by one", a)
            args.append(self.atom(a))
        keywords = []
        for k in node.keywords:
            if k.arg is None:
                raise self.parsed.error("`**kwargs` in a call is not supported yet; pass keywords one by one", k)
            keywords.append(ast.keyword(k.arg, self.atom(k.value, k.arg)))
        return args, keywords

    def call(self, node: ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and is_missing(self.parsed.resolve(func)):
            return self.method_call(node)
        fn = self.parsed.resolve(func)
        if is_missing(fn):
            if isinstance(func, ast.Name):
                raise self.parsed.error(f"name {func.id!r} is not defined", func)
            raise self.parsed.error("only calls of named functions (`np.exp(x)`, `f(x)`) are supported", func)
        callee, root = _dotted_callee(func)
        root_value = self.parsed.resolve(root)
        callee = _with_helper_root(callee, root.id, root_value)
        args, keywords = self.arguments(node)
        return _call(callee, fn, args, keywords, node)

    def method_call(self, node: ast.Call):
        func = node.func
        name = func.attr
        fn = ARRAY_METHODS.get(name)
        if fn is None:
            raise self.parsed.error(f"method .{name}() has no NumPy equivalent that ssagrad knows; "
                                    f"call the NumPy function instead", func)
        receiver = self.atom(func.value)
        args, keywords = self.arguments(node)
        if name in PACKED_METHODS and len(args) > 1:
            args = [ast.copy_location(ast.Tuple(args, ast.Load()), node)]
        return _call(_numpy_callee(fn), fn, [receiver] + args, keywords, node)

    def attribute(self, node: ast.Attribute):
        fn = ARRAY_ATTRIBUTES.get(node.attr)
        if fn is None:
            raise self.parsed.error(f"attribute .{node.attr} of a local value is not supported yet", node)
        receiver = self.atom(node.value)
        return _call(_numpy_callee(fn), fn, [receiver], [], node)


def _operation_hint(node) -> str:
    """A temporary's name: what its operation is called."""
    if isinstance(node, ast.BinOp):
        return ops.HINTS[ops.BINARY[type(node.op)]]
    if isinstance(node, ast.UnaryOp):
        return ops.HINTS[ops.UNARY[type(node.op)]]
    if isinstance(node, ast.Compare) and type(node.ops[0]) in ops.COMPARE:
        return ops.HINTS[ops.COMPARE[type(node.ops[0])]]
    if isinstance(node, ast.Call):
        return _operation_hint(node.func)
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return "t"


def _with_helper_root(callee, root_id, root_value):
    if isinstance(callee, ast.Name):
        return ast.copy_location(helper_name(root_id, root_value), callee)
    node = callee
    while isinstance(node.value, ast.Attribute):
        node = node.value
    node.value = ast.copy_location(helper_name(root_id, root_value), node.value)
    return callee


def _numpy_callee(fn):
    return ast.Attribute(helper_name("np", numpy), fn.__name__, ast.Load())


def _call(callee, fn, args, keywords, origin):
    call = ast.copy_location(ast.Call(callee, args, keywords), origin)
    call.ssagrad_fn = fn
    return call


def normalize(parsed: ParsedFunction, namer: Namer) -> list[ast.stmt]:
    """The function body in A-normal form (see the module docstring)."""
    return Normalizer(parsed, namer).run()
