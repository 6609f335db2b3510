"""Gradients specialized to their arguments: helper calls replaced by the NumPy they amount to.

Generic generated code calls run-time helpers that look at ranks and shapes on every call
(``unbroadcast(g, x)``, ``unsum``, ``unmean``, ``matmul_grad_left``). When the shapes are known for a
signature of the arguments (``compiler/shapes.py``), each such call in the backward sweep's straight-line
code becomes what it does for those shapes: nothing (``dout = dsub``), one exact ``.sum(axis=...)``,
``np.full``, ``g @ b.T``.

Every replacement is checked when it is made: the helper call and its replacement are both run on random
stand-in values of the known kinds, and the replacement is kept only if the results agree in kind, dtype,
shape and value. Statements inside loops and branches, and anything whose kind is not known, keep the
generic helper.
"""
import ast
import math
import operator

import numpy

from ..runtime import matmul_grad_left, matmul_grad_right, safe_div, unbroadcast, unmean, unsum
from ..runtime.broadcast import SMALL
from . import ops
from .names import helper_name
from .pyast import is_comment
from .trees import child_fields, loads_and_stores
from .shapes import abstract, quiet


def specialize(statements: list, known: dict, adjoint_of: dict = None, plain_division: bool = False,
               seed: int = 0, returned: set = frozenset()) -> list:
    """``statements`` (backward code) with helper calls specialized; ``known``: value name -> Abstract;
    ``adjoint_of``: adjoint variable name -> its value's name (an adjoint has its value's kind).

    Straight-line code at the top is followed statement by statement (a seed ``1.0`` is a float). Inside
    loops and branches, where a name takes a new value each time round, names stand for their value's
    kind: an adjoint its value's, which the rules keep (a loop's carried kinds agree, or are unknown).
    ``plain_division``: nothing in the function masks a value out (``np.where``, indexing, ``np.maximum``,
    ...), so ``safe_div(g, d)``, which differs from ``g / d`` only where a masked-out branch has a zero
    gradient and an infinite derivative, is ``g / d``.

    A gradient spread evenly, ``d = np.full(shape, s)``, becomes ``d = s`` when every statement that reads
    ``d`` gives the same result with ``s`` (it broadcasts against an array of that shape): no array is
    filled. ``returned``: names the function returns, which keep their shapes."""
    with quiet():  # stand-ins, not the user's values: nothing to warn them about (set once: it costs µs)
        return _specialize(statements, known, adjoint_of, plain_division, seed, returned)


def _specialize(statements, known, adjoint_of, plain_division, seed, returned) -> list:
    rng = numpy.random.default_rng(seed)
    values = {name: _random(kind, rng) for name, kind in known.items() if kind is not None}
    region = dict(values)
    for adjoint, name in (adjoint_of or {}).items():
        if name in values:
            region[adjoint] = _random(known[name], rng)
    out = []
    fills = _Fills()
    for stmt in statements:
        if is_comment(stmt):
            out.append(stmt)
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            stmt.value = _Rewrite(values, plain_division).visit(stmt.value)
            result = _evaluate(stmt.value, values)
            if fills.pending:
                fills.read(stmt, result, values, *loads_and_stores(stmt))
            if result is _UNKNOWN:
                values.pop(stmt.targets[0].id, None)
            else:
                values[stmt.targets[0].id] = result
            fills.note(stmt, values)
            out.append(stmt)
        else:
            loaded, stored = loads_and_stores(stmt)
            fills.read(stmt, _UNKNOWN, values, loaded, stored)
            _in_region(stmt, region, plain_division)
            for name in stored:  # inside a region, or an unpacking: a name stands for its kind again
                if name in region:
                    values[name] = region[name]
                else:
                    values.pop(name, None)
            out.append(stmt)
    fills.apply(returned)
    return out


class _Fills:
    """The ``d = np.full(shape, s)`` statements of straight-line code that may become ``d = s``."""

    def __init__(self):
        self.pending = {}     # name -> (the statement that filled it, the stand-in value of s)
        self.candidates = {}  # id(statement) -> statement
        self.failed = set()   # ids of statements a read disagreed with

    def note(self, stmt, values) -> None:
        value = stmt.value
        if isinstance(value, ast.Call) and getattr(value.func, "attr", None) == "full" and len(value.args) == 2 \
                and not value.keywords and getattr(value.func.value, "ssagrad_helper", None) is numpy:
            fill = _evaluate(value.args[1], values)
            if type(fill) in (float, numpy.float64):
                self.pending[stmt.targets[0].id] = (stmt, fill)
                self.candidates[id(stmt)] = stmt

    def read(self, stmt, result, values, read, stored: set) -> None:
        """``stmt`` is about to run (``result``: its value on the stand-ins, _UNKNOWN outside straight-line
        code; ``read``, ``stored``: the names it loads and stores): a fill it reads stays a candidate only if it
        gives the same result with the scalar (a copy ``e = d`` makes ``e`` a name of the fill too)."""
        if not self.pending:  # no fill to keep track of
            return
        straight = isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
        copied = None
        reads = {name: self.pending[name] for name in read.keys() & self.pending.keys()
                 if id(self.pending[name][0]) not in self.failed}
        if straight and isinstance(stmt.value, ast.Name) and reads:
            copied = reads[stmt.value.id]
        elif reads and (result is _UNKNOWN or not _same(result, _evaluate(
                stmt.value, {**values, **{name: fill for name, (_, fill) in reads.items()}}))):
            self.failed |= {id(candidate) for candidate, _ in reads.values()}
        for name in stored & set(self.pending):  # bound again, surely if not in a branch
            candidate, _ = self.pending.pop(name)
            if not straight:
                self.failed.add(id(candidate))
        if copied is not None:
            self.pending[stmt.targets[0].id] = copied

    def apply(self, returned) -> None:
        for name, (candidate, _) in self.pending.items():
            if name in returned:
                self.failed.add(id(candidate))
        for key, stmt in self.candidates.items():
            if key not in self.failed:
                stmt.value = stmt.value.args[1]


def _in_region(stmt, region, plain_division) -> None:
    """Specialize the assignments inside a loop or branch, names standing for their kinds."""
    if isinstance(stmt, ast.Assign):
        stmt.value = _Rewrite(region, plain_division).visit(stmt.value)
    for field in ("body", "orelse"):
        for inner in getattr(stmt, field, []) or []:
            if not is_comment(inner):
                _in_region(inner, region, plain_division)


def _random(kind, rng):
    if kind.kind in ("int", "bool"):
        return kind.stand_in()
    dtype = numpy.dtype(kind.dtype) if kind.kind != "float" else numpy.dtype(float)
    if dtype.kind in "biu":
        return kind.stand_in()
    value = rng.uniform(0.5, 1.5, size=kind.shape).astype(dtype)
    if kind.kind == "float":
        return float(value)
    if kind.kind == "scalar":
        return dtype.type(value)
    return value


_UNKNOWN = object()
_LEAVES = (ast.Name, ast.Constant)


def _evaluate(node, values):
    """The value of an expression of generated code on the stand-ins, or _UNKNOWN."""
    try:
        return _eval(node, values)
    except Exception:
        return _UNKNOWN


def _eval(node, values):
    if isinstance(node, ast.Name):
        if hasattr(node, "ssagrad_helper"):
            return node.ssagrad_helper
        if node.id not in values:
            raise KeyError(node.id)
        return values[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute):
        return getattr(_eval(node.value, values), node.attr)
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, values)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_eval(e, values) for e in node.elts]
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Subscript):
        return _eval(node.value, values)[_eval(node.slice, values)]
    if isinstance(node, ast.Slice):
        return slice(*(None if p is None else _eval(p, values) for p in (node.lower, node.upper, node.step)))
    if isinstance(node, ast.Call) and not any(isinstance(a, ast.Starred) for a in node.args):
        fn = _eval(node.func, values)
        return fn(*[_eval(a, values) for a in node.args], **{k.arg: _eval(k.value, values) for k in node.keywords})
    raise ValueError("not evaluated")


_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.Pow: operator.pow, ast.MatMult: operator.matmul}


class _Rewrite:
    """Replace the helper calls whose arguments are known, bottom-up: ``visit`` rewrites an expression in place
    and returns it, or what replaces it. (A plain recursion over the fields that can hold names, as
    ``trees.Transformer`` walks them, without its dispatch: it runs over every statement of the backward
    sweep.)"""

    def __init__(self, values, plain_division=False):
        self.values = values
        self.plain_division = plain_division

    def visit(self, node):
        fields = node.__dict__
        for field in child_fields(type(node)):
            value = fields.get(field)
            if type(value) is list:
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST) and type(item) not in _LEAVES:
                        new = self.visit(item)
                        if new is not item:
                            value[i] = new
            elif isinstance(value, ast.AST) and type(value) not in _LEAVES:
                new = self.visit(value)
                if new is not value:
                    setattr(node, field, new)
        return self.call(node) if type(node) is ast.Call else node

    def call(self, node):
        twin = self.math_twin(node)
        if twin is not None:
            return twin
        helper = getattr(node.func, "ssagrad_helper", None)
        if helper is safe_div and self.plain_division and len(node.args) == 2:
            return ast.copy_location(ast.BinOp(node.args[0], ast.Div(), node.args[1]), node)
        make = ops.lookup(_SPECIALIZATIONS, helper)
        if make is None or node.keywords and helper not in (unsum, unmean):
            return node
        args = [_evaluate(a, self.values) for a in node.args]
        keywords = {k.arg: _evaluate(k.value, self.values) for k in node.keywords}
        if any(a is _UNKNOWN for a in args + list(keywords.values())):
            return node
        replacement = make(node, args, keywords)
        if replacement is None:
            return node
        replacement = ast.copy_location(replacement, node)
        try:  # the call on the stand-ins: its arguments are evaluated already
            value = helper(*args, **keywords)
        except Exception:
            value = _UNKNOWN
        if _same(value, _evaluate(replacement, self.values)):
            return replacement
        return node


    def math_twin(self, node):
        """``np.cos(x)`` as ``math.cos(x)`` when x is a float (or a float64 scalar)."""
        if not (isinstance(node.func, ast.Attribute) and len(node.args) == 1 and not node.keywords):
            return None
        fn = _evaluate(node.func, self.values)
        twin = ops.lookup(MATH_TWINS, fn)
        if twin is None or type(_evaluate(node.args[0], self.values)) not in (float, numpy.float64):
            return None
        return ast.copy_location(ast.Call(ast.Attribute(helper_name("math", math), twin.__name__, ast.Load()),
                                          node.args, []), node)


def _same(a, b) -> bool:
    if a is _UNKNOWN or b is _UNKNOWN or type(a) is not type(b):
        return False
    kind = abstract(a)
    if kind is None or kind != abstract(b):
        return False
    return _close(a, b)


def _close(a, b) -> bool:
    """``numpy.allclose(a, b, rtol=1e-12, atol=0)`` (NaN never close; an infinity only to itself) without
    its overhead, which was a tenth of specializing: values of one kind, compared many times a compile."""
    if type(a) in (float, complex):
        return a == b or abs(a - b) <= 1e-12 * abs(b) < math.inf
    a, b = numpy.asarray(a), numpy.asarray(b)
    if a.dtype.kind not in "fc":
        return bool(numpy.array_equal(a, b))
    scale = 1e-12 * numpy.abs(b)
    return bool(((a == b) | ((numpy.abs(a - b) <= scale) & (scale < numpy.inf))).all())


def _np(attribute: str) -> ast.expr:
    return ast.Attribute(helper_name("np", numpy), attribute, ast.Load())


def _method(receiver, name, **keywords) -> ast.expr:
    return ast.Call(ast.Attribute(receiver, name, ast.Load()), [],
                    [ast.keyword(k, ast.Constant(v)) for k, v in keywords.items()])


def _unbroadcast(node, args, keywords):
    g, x = args
    g_shape, shape = numpy.shape(g), numpy.shape(x)
    expr = node.args[0]
    if g_shape == shape:
        return expr
    if type(g) is not numpy.ndarray:
        return None
    extra = len(g_shape) - len(shape)
    if extra > 0:
        axes = tuple(range(extra))
        expr = _method(expr, "sum", axis=axes[0] if len(axes) == 1 else axes)
        g_shape = g_shape[extra:]
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and i < len(g_shape) and g_shape[i] != 1)
    if stretched:
        expr = _method(expr, "sum", axis=stretched[0] if len(stretched) == 1 else stretched, keepdims=True)
    return expr


def _spread(node, g, x, count, axis, keepdims):
    """``unsum``/``unmean`` for known shapes: g (divided by count) spread over x's shape."""
    shape = numpy.shape(x)
    g_expr = node.args[0] if count == 1 else ast.BinOp(node.args[0], ast.Div(), ast.Constant(count))
    if type(x) is not numpy.ndarray:
        return None
    if axis is None and numpy.ndim(g) == 0:
        if x.size <= SMALL:
            return ast.Call(_np("full"), [ast.Constant(shape), g_expr], [])
        return ast.Call(_np("broadcast_to"), [g_expr, ast.Constant(shape)], [])
    if axis is not None and not keepdims:
        axes = axis if isinstance(axis, tuple) else (axis,)
        g_expr = ast.Call(_np("expand_dims"), [g_expr, ast.Constant(tuple(a % len(shape) for a in axes))], [])
    return ast.Call(_np("broadcast_to"), [g_expr, ast.Constant(shape)], [])


def _reduction_arguments(args, keywords):
    g, x = args[:2]
    axis = args[2] if len(args) > 2 else keywords.get("axis")
    keepdims = args[3] if len(args) > 3 else keywords.get("keepdims", False)
    return g, x, axis, keepdims


def _unsum(node, args, keywords):
    g, x, axis, keepdims = _reduction_arguments(args, keywords)
    return _spread(node, g, x, 1, axis, keepdims)


def _unmean(node, args, keywords):
    g, x, axis, keepdims = _reduction_arguments(args, keywords)
    shape = numpy.shape(x)
    if axis is None:
        count = int(numpy.prod(shape))
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        count = int(numpy.prod([shape[a] for a in axes]))
    return _spread(node, g, x, count, axis, keepdims)


def _arrays(args) -> tuple | None:
    """The ranks of matmul's operands, when both are NumPy arrays of rank 1 or 2."""
    _, a, b = args
    if type(a) is numpy.ndarray and type(b) is numpy.ndarray and a.ndim in (1, 2) and b.ndim in (1, 2):
        return a.ndim, b.ndim
    return None


def _matmul_left(node, args, keywords):
    g, a, b = node.args
    ranks = _arrays(args)
    if ranks == (2, 2):
        return ast.BinOp(g, ast.MatMult(), ast.Attribute(b, "T", ast.Load()))
    if ranks == (2, 1):
        return ast.Call(_np("outer"), [g, b], [])
    if ranks == (1, 2):
        return ast.BinOp(b, ast.MatMult(), g)
    if ranks == (1, 1):
        return ast.BinOp(g, ast.Mult(), b)
    return None


def _matmul_right(node, args, keywords):
    g, a, b = node.args
    ranks = _arrays(args)
    if ranks in ((2, 2), (2, 1)):
        return ast.BinOp(ast.Attribute(a, "T", ast.Load()), ast.MatMult(), g)
    if ranks == (1, 2):
        return ast.Call(_np("outer"), [a, g], [])
    if ranks == (1, 1):
        return ast.BinOp(g, ast.Mult(), a)
    return None


# NumPy functions of one float with a math twin that is defined on every float (no exception where NumPy
# would give inf or nan): on a float or a NumPy float64 scalar, the math one skips NumPy's dispatch.
MATH_TWINS = {numpy.sin: math.sin, numpy.cos: math.cos, numpy.tan: math.tan, numpy.tanh: math.tanh,
              numpy.arctan: math.atan, numpy.fabs: math.fabs}


_SPECIALIZATIONS = {unbroadcast: _unbroadcast, unsum: _unsum, unmean: _unmean, matmul_grad_left: _matmul_left,
                    matmul_grad_right: _matmul_right}


# Operations after which part of a value no longer reaches the result: their gradient is exactly zero
# there, and a derivative there may be infinite (log at 0), which safe_div guards.
MASKING = {numpy.where, numpy.select, numpy.clip, numpy.maximum, numpy.minimum, numpy.fmax, numpy.fmin,
           numpy.abs, numpy.absolute, numpy.max, numpy.min, numpy.amax, numpy.amin, numpy.sort, numpy.heaviside,
           numpy.take, numpy.take_along_axis, numpy.diagonal, numpy.diag, numpy.trace, numpy.tril, numpy.triu,
           numpy.split, numpy.array_split, max, min, abs, operator.getitem, operator.abs, operator.mod}


def masks(function) -> bool:
    """Does the function mask part of a value out (so a zero gradient may meet an infinite derivative)?"""
    from .ssa import Op, walk
    from .calls import is_user_function
    for op in walk(function.body):
        if isinstance(op, Op):
            try:
                masking = op.fn in MASKING
            except TypeError:
                masking = True
            if masking or is_user_function(op.fn) or ops.is_write(op.fn):
                return True
    return False


