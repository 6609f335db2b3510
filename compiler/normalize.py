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
import builtins
import copy
import functools
import inspect
import os
import types

import numpy

from . import ops
from .aliasing import SharedMemoryCheck
from .exits import lower_exits
from .names import Namer, helper_name
from ..runtime import appended, astype
from ..runtime.held import call_held
from .rules import builtins as rules_builtins, containers, output_count
from .parse import ParsedFunction, forwarded, is_missing
from .trees import walk

containers.register_tangents()  # the tangent registry is loaded by now (compiler/rules/__init__.py)

# Attributes of an array that are functions of it: `x.T` is `np.transpose(x)`.
ARRAY_ATTRIBUTES = {"T": numpy.transpose, "shape": numpy.shape, "ndim": numpy.ndim, "size": numpy.size,
                    "real": numpy.real, "imag": numpy.imag}
# Methods of an array that are NumPy functions of it: `x.sum(0)` is `np.sum(x, 0)`.
ARRAY_METHODS = {name: getattr(numpy, name) for name in (
    "sum", "mean", "prod", "max", "min", "var", "std", "dot", "transpose", "reshape", "ravel",
    "squeeze", "clip", "cumsum", "cumprod", "conj", "round", "argmax", "argmin", "any", "all",
    "trace", "diagonal", "swapaxes", "repeat", "take")}
ARRAY_METHODS["flatten"] = numpy.ravel  # a copy where ravel may give a view; equal values
ARRAY_METHODS["copy"] = numpy.copy
ARRAY_METHODS["astype"] = astype
# Methods of strings, called as str.<name>(receiver, ...) whatever the receiver: no array has them.
STRING_METHODS = {"format", "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
                  "rsplit", "join", "replace", "title", "capitalize", "casefold", "zfill", "center", "ljust",
                  "rjust", "isdigit", "isalpha", "isalnum", "isspace", "isidentifier", "removeprefix",
                  "removesuffix", "splitlines", "format_map", "encode"}  # (not partition: arrays have it)
# Methods of np.random.Generator that draw (and return) numbers, called on a generator passed in (rng.normal()).
GENERATOR_METHODS = {"normal", "standard_normal", "random", "uniform", "integers", "choice", "permutation",
                     "binomial", "poisson", "exponential", "standard_exponential", "gamma", "standard_gamma",
                     "beta", "laplace", "logistic", "lognormal", "multivariate_normal", "dirichlet",
                     "multinomial", "geometric", "gumbel", "chisquare", "standard_t", "standard_cauchy",
                     "triangular", "weibull", "rayleigh", "vonmises", "wald", "pareto", "power", "bytes"}
# Methods whose trailing positional arguments form one tuple argument: `x.reshape(2, 3)`.
PACKED_METHODS = {"reshape", "transpose"}

UNSUPPORTED_STATEMENTS = {
    ast.Try: "`try` statements", ast.With: "`with` statements",
    ast.Delete: "`del` statements", ast.Global: "`global` declarations", ast.Nonlocal: "`nonlocal` declarations",
    ast.ClassDef: "class definitions",
    ast.Import: "imports inside the function", ast.ImportFrom: "imports inside the function",
    ast.AsyncFunctionDef: "async functions", ast.AsyncFor: "async loops", ast.AsyncWith: "async `with`",
}
UNSUPPORTED_EXPRESSIONS = {
    ast.Lambda: "lambdas (other than one assigned to a name and called)",
    ast.Starred: "`*` unpacking",
    ast.NamedExpr: "`:=` assignments", ast.Yield: "`yield`",
    ast.YieldFrom: "`yield from`", ast.Await: "`await`",
}


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
        self.statement_node = parsed.tree  # the user's statement being normalized, for locations
        self.lambdas: dict[str, ast.Lambda] = {}  # local names bound to lambdas, inlined at their calls
        self.local_defs: dict[str, ast.FunctionDef] = {}  # functions defined inside, inlined at their calls
        self.inlining: list[str] = []  # the nested functions being inlined (one calling itself is refused)
        self._dict_names = None  # local names that always hold a dict (see dict_names)
        self.guard = None  # a generated shared-memory check, waiting for the statement it protects

    # -- statements -----------------------------------------------------------
    def run(self) -> list[ast.stmt]:
        body = self.parsed.tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring
        nodes = [n for s in body for n in walk(s)]  # one walk for all the checks below
        for node in nodes:
            if isinstance(node, (ast.Yield, ast.YieldFrom, ast.Await)):
                raise self.parsed.error("generators and coroutines (`yield`, `await`) cannot be differentiated; "
                                        "return the value instead", node)
        if not any(isinstance(n, ast.Return) for n in nodes):
            raise self.parsed.error(f"function {self.parsed.name!r} has no `return` statement: "
                                    "a function to differentiate must return its value", self.parsed.tree)
        for node in nodes:
            if isinstance(node, (ast.For, ast.While)) and node.orelse:
                raise self.parsed.error("`else` on a loop is not supported yet", node.orelse[0])
            if isinstance(node, ast.Return) and node.value is None:
                raise self.parsed.error("`return` without a value: a function to differentiate must "
                                        "return its value", node)
        result_name = self.namer.fresh(self.parsed.name)
        body = lower_exits(body, self.namer, result_name, self.parsed.params)
        self.parsed.local_names |= {n.id for s in body for n in walk(s)
                                    if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for stmt in body:
            self.statement(stmt, result_name)
        return self.out

    def block(self, stmts, result_name=None) -> list[ast.stmt]:
        """Normalize a nested block into a statement list of its own."""
        outer, self.out = self.out, []
        defs = dict(self.local_defs)  # a function defined in a branch or a loop exists there only
        try:
            for stmt in stmts:
                self.statement(stmt, result_name)
            self.flush_guard()
            return self.out
        finally:
            self.out = outer
            self.local_defs = defs

    def temporary(self, hint: str) -> str:
        """A fresh name for a value used only where it is made (never carried around a loop)."""
        name = self.namer.fresh(hint)
        self.parsed.temporaries.add(name)
        return name

    def capture(self, produce):
        """Run ``produce`` into a fresh statement list: ``(statements, its result)``."""
        outer, self.out = self.out, []
        try:
            result = produce()
            return self.out, result
        finally:
            self.out = outer

    def statement(self, stmt, result_name=None):
        if hasattr(stmt, "lineno"):
            self.statement_node = stmt
        if isinstance(stmt, ast.Assign):
            if len(stmt.targets) == 1:
                self.assign(stmt.targets[0], stmt.value, stmt)
            else:  # a = b = expr
                value = self.atom(stmt.value)
                for target in stmt.targets:
                    self.assign(target, value, stmt)
        elif isinstance(stmt, ast.AugAssign):
            target = stmt.target
            if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                # a[i] += v: read a[i] once at an index evaluated once, then write it
                index = self.index(target.slice)
                read = ast.copy_location(ast.Subscript(ast.Name(target.value.id, ast.Load()), index, ast.Load()), target)
                value = ast.copy_location(ast.BinOp(read, stmt.op, stmt.value), stmt)
                self.assign(ast.Subscript(target.value, index, ast.Store()), value, stmt)
                return
            if not isinstance(target, ast.Name):
                raise self.parsed.error("augmented assignment to an attribute (`obj.a += ...`) is not "
                                        "supported yet", target)
            # x += y becomes x = x + y: the same values when nothing else holds x's array (checked in
            # SSA construction, see compiler/aliasing.py), and the caller's array is left as it was
            value = ast.copy_location(ast.BinOp(ast.Name(target.id, ast.Load()), stmt.op, stmt.value), stmt)
            self.assign(target, value, stmt)
            self.out[-1].ssagrad_inplace = True
        elif isinstance(stmt, ast.AnnAssign):
            if stmt.value is None:
                return  # a bare annotation does nothing
            self.assign(stmt.target, stmt.value, stmt)
        elif isinstance(stmt, ast.Return):
            self.emit(ast.Return(self.atom(stmt.value, result_name, exact=True)), stmt)
        elif isinstance(stmt, ast.Pass):
            return
        elif isinstance(stmt, ast.If):
            test = self.atom(stmt.test)
            body, orelse = self.block(stmt.body), self.block(stmt.orelse)
            if body or orelse:
                self.emit(ast.If(test, body, orelse), stmt)
        elif isinstance(stmt, ast.For):
            self.for_loop(stmt)
        elif isinstance(stmt, ast.While):
            cond, test = self.capture(lambda: self.atom(stmt.test))
            loop = ast.While(test, self.block(stmt.body), [])
            loop.ssagrad_cond = cond
            loop.ssagrad_break = getattr(stmt, "ssagrad_break", None)
            self.emit(loop, stmt)
        elif isinstance(stmt, ast.Expr) and _is_append(stmt.value):
            # items.append(x) builds a new list: items = appended(items, x)
            items = stmt.value.func.value
            value = _call(helper_name("appended", appended), appended,
                          [self.atom(items), self.atom(stmt.value.args[0])], [], stmt)
            self.emit(ast.Assign([ast.Name(items.id, ast.Store())], value), stmt)
            self.out[-1].ssagrad_inplace = True  # the list itself grows: no other name may hold it
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and isinstance(self.parsed.resolve(stmt.value.func), SharedMemoryCheck):
            # generated code differentiated again: the check stays in front of the write it protects
            self.guard = (self.parsed.resolve(stmt.value.func), [self.atom(a) for a in stmt.value.args])
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _equal(self.parsed.resolve(stmt.value.func), numpy.add.at):
            self.add_at(stmt.value, stmt)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _output_argument(stmt.value, self.parsed.resolve(stmt.value.func)) is not None:
            self.operation(stmt.value)  # np.exp(x, out=y): the write into y is all it does
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, (ast.Yield, ast.YieldFrom, ast.Await)):
            raise self.parsed.error("generators and coroutines (`yield`, `await`) cannot be differentiated; "
                                    "return the value instead", stmt)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _is_effect(self.parsed.resolve(stmt.value.func)):
            self.emit(ast.Expr(self.call(stmt.value)), stmt)  # print(...), warnings.warn(...), log.info(...)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) \
                and _writes_in_place(self.parsed.resolve(stmt.value.func)):
            raise self.parsed.error(f"{ast.unparse(stmt.value.func)} writes into its argument in place, which "
                                    "ssagrad does not follow (np.add.at and indexing writes it does): write the "
                                    "update as an assignment, such as a[idx] = a[idx] * v", stmt)
        elif isinstance(stmt, ast.Expr):
            raise self.parsed.error("an expression statement has no effect on the result "
                                    "(print, warnings.warn and logging calls are kept; another bare call "
                                    "is not supported yet); remove it", stmt)
        elif isinstance(stmt, ast.FunctionDef):
            self.nested_def(stmt)
        elif isinstance(stmt, ast.Raise):
            self.raise_statement(stmt)
        elif isinstance(stmt, ast.Assert):
            # assert test, message: if not test: raise AssertionError(message) (the message only evaluated then)
            failure = ast.Call(ast.Name("AssertionError", ast.Load()), [stmt.msg] if stmt.msg else [], [])
            check = ast.If(ast.UnaryOp(ast.Not(), stmt.test), [ast.Raise(failure, None)], [])
            self.statement(ast.fix_missing_locations(_located_like(check, stmt)))
        else:
            what = UNSUPPORTED_STATEMENTS.get(type(stmt), type(stmt).__name__)
            raise self.parsed.error(f"{what} cannot be differentiated yet", stmt)

    def raise_statement(self, stmt: ast.Raise):
        """``raise E(message)``: ``raise_(E, message)`` in the primal sweep (the backward sweep never runs it)."""
        if stmt.exc is None or stmt.cause is not None:
            raise self.parsed.error("`raise` is supported with an exception (`raise ValueError(...)`), without "
                                    "`from`", stmt)
        exc = stmt.exc
        if isinstance(exc, ast.Call) and isinstance(self.parsed.resolve(exc.func), type):
            args, keywords = self.arguments(exc)
            exception = [self.atom(exc.func)] + args  # raise_(ValueError, "message")
        else:
            exception, keywords = [self.atom(exc)], []
        self.emit(ast.Expr(_call(helper_name("raise_", rules_builtins.raise_), rules_builtins.raise_, exception,
                                 keywords, stmt)), stmt)

    def add_at(self, call: ast.Call, stmt):
        """``np.add.at(a, index, v)``: a write into ``a`` where repeated indices add up."""
        if len(call.args) != 3 or call.keywords or not isinstance(call.args[0], ast.Name):
            raise self.parsed.error("np.add.at is supported as np.add.at(a, index, values) into a local array",
                                    call)
        index, value = self.atom(call.args[1]), self.atom(call.args[2])
        write = ast.Subscript(ast.Name(call.args[0].id, ast.Load()), index, ast.Store())
        self.emit(ast.Assign([write], value), stmt)
        self.out[-1].ssagrad_accumulate = True

    def write_output(self, call: ast.Call, fn):
        """``f(..., out=y)``: compute ``f(...)``, write it into ``y[...]``, and the call's value is ``y``."""
        out = _output_argument(call, fn)
        target = out.elts[0] if isinstance(out, ast.Tuple) and len(out.elts) == 1 else out
        if not isinstance(target, ast.Name):
            raise self.parsed.error("out= must name a local array (out=y)", out)
        plain = ast.copy_location(ast.Call(call.func, [a for a in call.args if a is not out],
                                           [k for k in call.keywords if k.arg != "out"]), call)
        result = self.atom(plain, _operation_hint(call))
        write = ast.Subscript(ast.Name(target.id, ast.Load()), ast.Constant(Ellipsis), ast.Store())
        self.emit(ast.Assign([write], result), call)
        return self.atom(target)

    # -- loops --------------------------------------------------------------------
    def for_loop(self, stmt: ast.For):
        """``for`` over ``range`` stays as it is; any other iterable is walked by index."""
        walked = self.dict_walk(stmt)
        if walked is not None:
            return self.for_loop(walked)
        stmt = self.flat_target(stmt)
        iterable, target = stmt.iter, stmt.target
        reverse_range = self.is_call(iterable, builtins.reversed) and len(iterable.args) == 1 \
            and self.is_call(iterable.args[0], builtins.range)
        if self.is_call(iterable, builtins.range) or reverse_range or _is_prange(iterable, self.parsed):
            if not isinstance(target, ast.Name):
                raise self.parsed.error("a range loop needs a plain name as its target", target)
            call = iterable.args[0] if reverse_range else iterable
            args, keywords = self.arguments(call)
            if keywords:
                raise self.parsed.error("range() takes no keyword arguments", call)
            self.emit_for(stmt, target.id, args, reverse_range, [])
            return
        # for row in X / enumerate(X) / zip(A, B) / reversed(X): an index loop reading X[k]
        if self.is_call(iterable, builtins.enumerate) and len(iterable.args) == 1 and not iterable.keywords \
                and self.is_call(iterable.args[0], builtins.zip) and isinstance(target, ast.Tuple) \
                and len(target.elts) == 2 and isinstance(target.elts[0], ast.Name) \
                and _names(target.elts[1], len(iterable.args[0].args)) and not iterable.args[0].keywords:
            # for i, (a, b) in enumerate(zip(xs, ys)): one index walks both
            index_name, sequences = target.elts[0].id, iterable.args[0].args
            element_names, reverse = [e.id for e in target.elts[1].elts], False
        elif self.is_call(iterable, builtins.enumerate):
            if len(iterable.args) != 1 or iterable.keywords or not _names(target, 2):
                raise self.parsed.error("only `for i, x in enumerate(xs)` is supported", iterable)
            index_name, sequences, element_names = target.elts[0].id, iterable.args, [target.elts[1].id]
            reverse = False
        elif self.is_call(iterable, builtins.zip):
            if iterable.keywords or not _names(target, len(iterable.args)):
                raise self.parsed.error("only `for a, b in zip(as, bs)` with one name per sequence is supported",
                                        iterable)
            index_name, sequences, element_names = None, iterable.args, [e.id for e in target.elts]
            reverse = False
        else:
            reverse = self.is_call(iterable, builtins.reversed) and len(iterable.args) == 1
            sequences = iterable.args if reverse else [iterable]
            if isinstance(target, ast.Tuple) and all(isinstance(e, ast.Name) for e in target.elts):
                # for a, b in pairs: read pairs[k] whole, then unpack it
                whole = self.temporary("item")
                self.parsed.local_names.add(whole)
                unpack = ast.copy_location(ast.Assign([target], ast.Name(whole, ast.Load())), stmt)
                unpacking = ast.copy_location(ast.For(ast.Name(whole, ast.Store()), iterable, [unpack] + stmt.body, []),
                                              stmt)
                unpacking.ssagrad_break = getattr(stmt, "ssagrad_break", None)
                stmt, target = unpacking, unpacking.target
            if not isinstance(target, ast.Name):
                raise self.parsed.error("a loop target must be a name or a tuple of names", target)
            index_name, element_names = None, [target.id]
        if index_name is not None or len(sequences) > 1:  # enumerate(reversed(xs)), zip(xs, reversed(ys))
            sequences = [ast.copy_location(ast.Subscript(seq.args[0], ast.Slice(None, None, ast.Constant(-1)),
                                                         ast.Load()), seq)
                         if self.is_call(seq, builtins.reversed) and len(seq.args) == 1 and not seq.keywords
                         else seq for seq in sequences]
        atoms = [self.atom(seq) for seq in sequences]
        # len(xs), refusing a dict or a set, which have no index, at the loop (its line and column in your file)
        where = self.parsed.locate(stmt.iter)
        site = [] if where is None else [ast.keyword("line", ast.Constant(where.lineno)),
                                         ast.keyword("col", ast.Constant(where.col))]
        lengths = [self.atom(_call(helper_name("walked_length", containers.walked_length),
                                   containers.walked_length, [a], site, stmt), "n")
                   for a in atoms]
        count = lengths[0]
        for other in lengths[1:]:
            count = self.atom(_call(helper_name("min", builtins.min), builtins.min, [count, other], [], stmt), "n")
        index = index_name or self.namer.fresh("k")
        self.parsed.local_names.update([index] + element_names)
        reads = [ast.copy_location(ast.Assign([ast.Name(n, ast.Store())],
                                              ast.Subscript(a, ast.Name(index, ast.Load()), ast.Load())), stmt)
                 for n, a in zip(element_names, atoms)]
        self.emit_for(stmt, index, [count], reverse, reads)

    def dict_walk(self, stmt: ast.For):
        """``for k, v in d.items()``, ``for v in d.values()``, ``for k in d.keys()`` -- and ``for k in d`` when the
        body reads ``d[k]`` -- as a loop over ``keys(d)`` (a list of the keys, with no derivative) that reads
        ``v = d[k]``. None for any other loop."""
        iterable, target = stmt.iter, stmt.target
        if getattr(stmt, "ssagrad_keys", False):  # made here: a walk over keys_of(d) already
            return None
        kind = self.dict_view(iterable)
        if kind is not None:
            mapping = iterable.func.value
        elif isinstance(iterable, ast.Name) and isinstance(target, ast.Name) \
                and iterable.id not in self.parsed.temporaries and (any(
                isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == iterable.id
                and isinstance(n.slice, ast.Name) and n.slice.id == target.id
                for s in stmt.body for n in ast.walk(s)) or _only_a_key(target.id, stmt.body)):
            # for k in d: ... d[k] ... (or k used only as a key or index, compared or formatted): the keys of a
            # dict -- or a list's items, which carry no derivative when used so
            kind, mapping = "keys", iterable
        else:
            return None
        if kind == "items" and not (isinstance(target, (ast.Tuple, ast.List)) and len(target.elts) == 2):
            raise self.parsed.error("walk d.items() with two targets: `for k, v in d.items()`", target)
        mapping = self.atom(mapping)  # evaluated once, before the loop
        if isinstance(mapping, ast.Name) and mapping.id in _assigned_in(stmt.body):
            # the loop rebinds the name: it still walks (and reads) the dict it started with, as Python does
            walked = self.temporary(f"{mapping.id}_walked")
            self.parsed.local_names.add(walked)
            self.emit(ast.Assign([ast.Name(walked, ast.Store())], mapping), stmt)
            mapping = ast.copy_location(ast.Name(walked, ast.Load()), mapping)
        names = self.temporary("keys")
        self.parsed.local_names.add(names)
        self.emit(ast.Assign([ast.Name(names, ast.Store())],
                             _call(helper_name("keys_of", containers.keys_of), containers.keys_of, [mapping], [], stmt)), stmt)
        if kind == "keys":
            key, prologue = target, []
        else:
            value = target.elts[1] if kind == "items" else target
            key = target.elts[0] if kind == "items" and isinstance(target.elts[0], ast.Name) \
                else ast.Name(self.temporary("key"), ast.Store())
            self.parsed.local_names.add(key.id)
            prologue = [ast.copy_location(ast.Assign([value], ast.Subscript(
                mapping, ast.Name(key.id, ast.Load()), ast.Load())), stmt)]
            if kind == "items" and key is not target.elts[0]:  # for (a, b), v in d.items(): a tuple key
                prologue.insert(0, ast.copy_location(ast.Assign([target.elts[0]], ast.Name(key.id, ast.Load())), stmt))
        loop = ast.copy_location(ast.For(key, ast.Name(names, ast.Load()), prologue + stmt.body, []), stmt)
        loop.ssagrad_break = getattr(stmt, "ssagrad_break", None)
        loop.ssagrad_keys = True
        return loop

    def dict_view(self, node):
        """``"items"``, ``"values"`` or ``"keys"`` for ``d.items()`` and the like of a dict (a local value, or
        a global dict), else None."""
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and not node.args
                and not node.keywords and node.func.attr in ("items", "values", "keys")):
            return None
        bound = self.parsed.resolve(node.func)
        if is_missing(bound) or isinstance(getattr(bound, "__self__", None), dict):
            return node.func.attr
        return None

    def flat_target(self, stmt: ast.For):
        """``for i, (a, b) in enumerate(zip(xs, ys))`` and other nested targets: a name for each nested tuple,
        unpacked at the top of the body (``enumerate(zip(...))`` itself is walked by index)."""
        target = stmt.target
        if not (isinstance(target, (ast.Tuple, ast.List)) and any(isinstance(e, (ast.Tuple, ast.List))
                                                                  for e in target.elts)):
            return stmt
        if self.is_call(stmt.iter, builtins.enumerate) and len(stmt.iter.args) == 1 and not stmt.iter.keywords \
                and self.is_call(stmt.iter.args[0], builtins.zip) and len(target.elts) == 2 \
                and _names(target.elts[1], len(stmt.iter.args[0].args)) and isinstance(target.elts[0], ast.Name):
            return stmt  # walked by index below
        elements, unpack = [], []
        for element in target.elts:
            if isinstance(element, (ast.Tuple, ast.List)):
                name = self.temporary("item")
                self.parsed.local_names.add(name)
                elements.append(ast.Name(name, ast.Store()))
                unpack.append(ast.copy_location(ast.Assign([element], ast.Name(name, ast.Load())), stmt))
            else:
                elements.append(element)
        loop = ast.copy_location(ast.For(ast.Tuple(elements, ast.Store()), stmt.iter, unpack + stmt.body, []), stmt)
        loop.ssagrad_break = getattr(stmt, "ssagrad_break", None)
        return loop

    def emit_for(self, stmt, index, range_args, reverse, prologue):
        body = self.block(prologue + stmt.body)
        loop = ast.For(ast.Name(index, ast.Store()), _call(helper_name("range", builtins.range), builtins.range,
                                                            range_args, [], stmt), body, [])
        loop.ssagrad_reversed = reverse
        loop.ssagrad_break = getattr(stmt, "ssagrad_break", None)
        self.emit(loop, stmt)

    def is_call(self, node, fn) -> bool:
        return isinstance(node, ast.Call) and self.parsed.resolve(node.func) is fn

    def assign(self, target, value, stmt):
        if isinstance(target, ast.Name) and isinstance(value, ast.Lambda):
            self.lambdas[target.id] = value  # inlined where it is called
            return
        if isinstance(target, ast.Name):
            self.lambdas.pop(target.id, None)
            self.local_defs.pop(target.id, None)
        if isinstance(target, ast.Name) and _is_choice(value):
            self.choice(value, target.id)
            return
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
                # a function returning several values: a, b = f(x); a call that became a value of its own (a
                # function an object holds: self.polar(x, y)) is a pair like any other
                whole = self.operation(value) if isinstance(value, ast.Call) else None
                if whole is not None and not isinstance(whole, ast.Name):
                    self.emit(ast.Assign([store], whole), stmt)
                    return
                # a, b = pair: read the items of a tuple (or list, or array) one by one
                whole = whole or self.atom(value)
                for position, name in enumerate(names):
                    item = ast.Subscript(whole, ast.Constant(position), ast.Load())
                    self.emit(ast.Assign([ast.Name(name, ast.Store())], item), stmt)
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) \
                and target.value.id in self.dict_names():
            # d[k] = v of a dict the function builds: d = with_entry(d, k, v), a new dict -- refused, as
            # items.append is, where another name read afterwards holds the same dict
            name = target.value.id
            key, item = self.atom(target.slice), self.atom(value)
            entry = _call(helper_name("with_entry", containers.with_entry), containers.with_entry,
                          [ast.Name(name, ast.Load()), key, item], [], stmt)
            self.emit(ast.Assign([ast.Name(name, ast.Store())], entry), stmt)
            self.out[-1].ssagrad_inplace = True
        elif isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            # a[i] = v writes into the array in place, as the user's code does
            index = self.index(target.slice)
            write = ast.Subscript(ast.Name(target.value.id, ast.Load()), index, ast.Store())
            self.emit(ast.Assign([write], self.atom(value)), stmt)
        else:
            raise self.parsed.error("assignment to an attribute or into an expression (`obj.a = ...`, "
                                    "`f(x)[i] = ...`) is not supported yet; assign into a local array", target)

    def emit(self, stmt, origin):
        if not hasattr(origin, "lineno"):  # made by an earlier lowering: use the statement being normalized
            origin = self.statement_node
        if self.guard is not None and not isinstance(stmt, ast.Assign):
            self.flush_guard()
        if self.guard is not None:
            stmt.ssagrad_guard, self.guard = self.guard, None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and stmt.targets[0].id in self.parsed.temporaries:
            stmt.ssagrad_temporary = True  # a value of a nested expression: codegen may fold it back in
        self.out.append(ast.copy_location(stmt, origin))

    def flush_guard(self):
        """A check whose write is not here (it was dead code) still runs: on an assignment of its own."""
        if self.guard is not None:
            self.emit(ast.Assign([ast.Name(self.temporary("checked"), ast.Store())], self.guard[1][0]),
                      self.statement_node)

    # -- expressions ------------------------------------------------------------
    def atom(self, node, hint=None, exact=False):
        """An atom equal to ``node``: emit statements for any operation inside it.

        A temporary is named ``hint`` when given (the variable it becomes), else
        after its operation (``add``, ``exp``, ``sum``).
        """
        if isinstance(node, ast.Constant):
            return node
        if isinstance(node, ast.Name) and node.id in self.local_defs:
            raise self.parsed.error(f"the function {node.id!r} defined here can only be called here, not passed "
                                    f"around (it is inlined where it is called)", node)
        if isinstance(node, ast.Name) and node.id in self.lambdas:
            raise self.parsed.error(f"the lambda {node.id!r} can only be called here, not passed around", node)
        if isinstance(node, ast.Name):
            if node.id not in self.parsed.local_names and node.id not in self.parsed.temporaries \
                    and is_missing(self.parsed.lookup(node.id)):
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
        if isinstance(node, (ast.ListComp, ast.GeneratorExp)):
            return self.comprehension(node, None, node)
        if isinstance(node, ast.DictComp):
            return self.comprehension(node, None, node, build="dict")
        if isinstance(node, ast.Dict):
            return self.atom(self.dict_display(node), hint, exact)
        if _is_choice(node):
            name = hint if exact else self.temporary(hint or _operation_hint(node))
            self.parsed.local_names.add(name)
            self.choice(node, name)
            return ast.copy_location(ast.Name(name, ast.Load()), node)
        operation = self.operation(node)
        name = hint if exact else self.temporary(hint or _operation_hint(node))
        self.emit(ast.Assign([ast.Name(name, ast.Store())], operation), node)
        return ast.copy_location(ast.Name(name, ast.Load()), node)

    def operation(self, node):
        """``node`` as one operation on atoms (or an atom)."""
        if _is_choice(node) or isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.DictComp)):
            return self.atom(node)
        if isinstance(node, ast.Dict):
            return self.dict_display(node)
        if isinstance(node, ast.JoinedStr):
            return self.f_string(node)
        if isinstance(node, ast.SetComp):  # set(<a list comprehension>): its items carry no derivative
            items = self.comprehension(ast.copy_location(ast.ListComp(node.elt, node.generators), node), None, node)
            return _call(helper_name("set", builtins.set), builtins.set, [items], [], node)
        if isinstance(node, ast.Set):
            items = ast.Tuple([self.atom(e) for e in node.elts], ast.Load())
            return _call(helper_name("set", builtins.set), builtins.set, [items], [], node)
        if isinstance(node, ast.BinOp):
            left, right = self.atom(node.left), self.atom(node.right)
            return ast.copy_location(ast.BinOp(left, node.op, right), node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.operand, ast.Constant) and isinstance(node.op, (ast.USub, ast.UAdd)):
                return self.atom(node)
            return ast.copy_location(ast.UnaryOp(node.op, self.atom(node.operand)), node)
        if isinstance(node, ast.Subscript):
            if not isinstance(node.ctx, ast.Load):
                raise self.parsed.error("assignment into an array (`x[i] = ...`) is not supported yet", node)
            picked = self.pick_result(node)
            if picked is not None:
                return picked
            return ast.copy_location(ast.Subscript(self.atom(node.value), self.index(node.slice), ast.Load()), node)
        if isinstance(node, ast.Compare):
            if type(node.ops[0]) not in ops.COMPARE:
                return self.identity_or_membership(node)
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

    def identity_or_membership(self, node: ast.Compare):
        """``w is None``, ``a is not b``, ``k in d``, ``k not in d``: calls of ``is_``, ``is_not`` and ``contains``
        (compiler/rules/containers.py; no derivative). ``is`` needs a constant or a global on one side: whether two of the
        function's own values are one object can differ in generated code, which copies arrays the function
        writes into and makes ``a += b`` a new array."""
        op, left, right = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, (ast.Is, ast.IsNot)):
            if not (self.fixed_object(left) or self.fixed_object(right)):
                raise self.parsed.error("`is` between two of the function's own values is not supported: whether "
                                        "they are one object can differ in the gradient's code; compare with "
                                        "a constant (`w is None`) or a global, or use `==`", node)
            fn = containers.is_ if isinstance(op, ast.Is) else containers.is_not
            return _call(helper_name(fn.__name__, fn), fn, [self.atom(left), self.atom(right)], [], node)
        # a in b is contains(b, a), with a evaluated first as Python does
        item = self.atom(left)
        contains = _call(helper_name("contains", containers.contains), containers.contains,
                         [self.atom(right), item], [], node)
        if isinstance(op, ast.In):
            return contains
        found = self.temporary("found")
        self.emit(ast.Assign([ast.Name(found, ast.Store())], contains), node)
        return ast.copy_location(ast.UnaryOp(ast.Not(), ast.Name(found, ast.Load())), node)

    def fixed_object(self, node) -> bool:
        """A constant (``None``) or a name bound outside the function (a sentinel, a class)."""
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, (ast.Name, ast.Attribute)):
            return not is_missing(self.parsed.resolve(node))
        return False

    def f_string(self, node: ast.JoinedStr):
        """``f"W{i}"``, ``f"{loss:.3f}"`` as ``str.format("W{}", i)``: the same text (no derivative)."""
        values = []

        def template(parts) -> str:
            text = ""
            for part in parts:
                if isinstance(part, ast.Constant):
                    text += str(part.value).replace("{", "{{").replace("}", "}}")
                else:
                    values.append(self.atom(part.value))
                    conversion = f"!{chr(part.conversion)}" if part.conversion != -1 else ""
                    spec = f":{template(part.format_spec.values)}" if part.format_spec is not None else ""
                    text += "{" + conversion + spec + "}"
            return text
        text = template(node.values)
        if not values:
            return ast.copy_location(ast.Constant(text.replace("{{", "{").replace("}}", "}")), node)
        callee = ast.Attribute(helper_name("str", builtins.str), "format", ast.Load())
        return _call(callee, str.format, [ast.Constant(text)] + values, [], node)

    def dict_display(self, node: ast.Dict):
        """``{k1: v1, k2: v2}`` as ``dict_of((k1, k2), (v1, v2))``."""
        if any(k is None for k in node.keys):
            raise self.parsed.error("`**` unpacking in a dict display is not supported yet; add the entries one "
                                    "by one", node)
        keys = [self.atom(k) for k in node.keys]
        values = [self.atom(v) for v in node.values]
        return _call(helper_name("dict_of", containers.dict_of), containers.dict_of,
                     [ast.Tuple(keys, ast.Load()), ast.Tuple(values, ast.Load())], [], node)

    def dict_call(self, node: ast.Call):
        """``dict(a=x, b=y)`` and ``dict()`` as a display; ``dict(zip(ks, vs))`` as ``dict_of(ks, vs)``; a copy
        ``dict(d)`` as it is."""
        if not node.args and all(k.arg is not None for k in node.keywords):
            return self.dict_display(ast.copy_location(ast.Dict([ast.Constant(k.arg) for k in node.keywords],
                                                                [k.value for k in node.keywords]), node))
        if len(node.args) == 1 and not node.keywords and self.is_call(node.args[0], builtins.zip) \
                and len(node.args[0].args) == 2 and not node.args[0].keywords:
            keys, values = (self.atom(a) for a in node.args[0].args)
            return _call(helper_name("dict_of", containers.dict_of), containers.dict_of, [keys, values], [], node)
        if len(node.args) == 1 and not node.keywords and not isinstance(node.args[0], ast.Starred):
            return _call(helper_name("dict", builtins.dict), builtins.dict, [self.atom(node.args[0])], [], node)
        raise self.parsed.error("dict(...) is supported as dict(a=x, b=y), dict(zip(keys, values)) or dict(d); "
                                "add other entries one by one (d[k] = v is not supported: build a new dict)", node)

    def dict_method(self, node: ast.Call, name: str):
        """``d.get(k, default)``, ``d.keys()``, ``d.values()``, ``d.items()`` of a dict, outside a ``for``."""
        mapping = self.atom(node.func.value)
        if name == "get":
            if not 1 <= len(node.args) <= 2 or node.keywords:
                raise self.parsed.error("d.get takes a key and an optional default", node)
            key = self.atom(node.args[0])
            default = self.atom(node.args[1]) if len(node.args) == 2 else ast.Constant(None)  # evaluated first
            found = self.temporary("found")
            self.emit(ast.Assign([ast.Name(found, ast.Store())], _call(
                helper_name("contains", containers.contains), containers.contains, [mapping, key], [], node)), node)
            into = self.temporary("entry")
            self.parsed.local_names.add(into)
            read = ast.Assign([ast.Name(into, ast.Store())], ast.copy_location(ast.Subscript(mapping, key, ast.Load()),
                                                                              node))
            other = ast.Assign([ast.Name(into, ast.Store())], default)
            self.emit(ast.If(ast.Name(found, ast.Load()), [ast.copy_location(read, node)],
                             [ast.copy_location(other, node)]), node)
            return ast.copy_location(ast.Name(into, ast.Load()), node)
        if name == "items":
            raise self.parsed.error("d.items() is supported as what a `for` walks (`for k, v in d.items()`); "
                                    "elsewhere use d.keys() or d.values()", node)
        names = self.temporary("keys")
        self.parsed.local_names.add(names)
        self.emit(ast.Assign([ast.Name(names, ast.Store())], _call(
            helper_name("keys_of", containers.keys_of), containers.keys_of, [mapping], [], node)), node)
        if name == "keys":
            return ast.copy_location(ast.Name(names, ast.Load()), node)
        key = ast.Name(self.namer.fresh("key"), ast.Load())
        element = ast.Subscript(mapping, key, ast.Load())
        generator = ast.comprehension(ast.Name(key.id, ast.Store()), ast.Name(names, ast.Load()), [], 0)
        return self.comprehension(ast.copy_location(ast.ListComp(element, [generator]), node), None, node)

    def pick_result(self, node: ast.Subscript):
        """``np.linalg.slogdet(a)[1]``: unpack a function's several results and take one."""
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, int)):
            return None
        fn = self.parsed.resolve(call.func)
        if getattr(fn, "ssagrad_transform", None) == "jvp":
            return self.jvp_call(call).elts[node.slice.value]
        count = 1 if is_missing(fn) else output_count(fn)
        if not isinstance(count, int) or count == 1:  # one value, several possible counts, or a list
            return None
        names = [self.temporary(f"{_operation_hint(call)}_{i}") for i in range(count)]
        targets = ast.Tuple([ast.Name(n, ast.Store()) for n in names], ast.Store())
        self.emit(ast.Assign([targets], self.call(call)), node)
        return ast.copy_location(ast.Name(names[node.slice.value], ast.Load()), node)

    def jvp_call(self, node: ast.Call) -> ast.Tuple:
        """``ssagrad.jvp(f, primals, tangents)`` inside differentiated code: a call of f's generated
        tangent function (plain Python, so it is differentiated like any other call)."""
        from . import compile_jvp  # the pipeline's entry point: a transform inside the code it compiles
        if len(node.args) != 3 or node.keywords or not all(isinstance(a, (ast.Tuple, ast.List)) for a in node.args[1:]):
            raise self.parsed.error("inside a differentiated function, call jvp as jvp(f, (x, ...), (v, ...)) "
                                    "with the tuples written out", node)
        fn = self.parsed.resolve(node.args[0])
        primals, tangents = node.args[1].elts, node.args[2].elts
        if is_missing(fn) or not inspect.isfunction(fn) or len(primals) != len(tangents):
            raise self.parsed.error("jvp needs a function defined with def and one tangent per primal", node)
        params = list(inspect.signature(fn).parameters)
        given = [(params[i], t) for i, t in enumerate(tangents) if not (isinstance(t, ast.Constant) and t.value is None)]
        compiled = compile_jvp(fn, tuple(p for p, _ in given))
        keywords = [ast.keyword(name, self.atom(t)) for name, (_, t) in zip(compiled.parameters, given)]
        call = _call(helper_name(compiled.name, compiled.function), compiled.function,
                     [self.atom(p) for p in primals], keywords, node)
        value, tangent = self.temporary("value"), self.temporary("tangent")
        store = ast.Tuple([ast.Name(value, ast.Store()), ast.Name(tangent, ast.Store())], ast.Store())
        self.emit(ast.Assign([store], call), node)
        return ast.copy_location(ast.Tuple([ast.Name(value, ast.Load()), ast.Name(tangent, ast.Load())], ast.Load()),
                                 node)

    def index(self, node):
        """An index expression with atoms inside: ``i``, ``1:n``, ``(i, ::2)``, ``None``."""
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.atom(p) for p in (node.lower, node.upper, node.step)]
            return ast.copy_location(ast.Slice(*parts), node)
        if isinstance(node, ast.Tuple):
            return ast.copy_location(ast.Tuple([self.index(e) for e in node.elts], ast.Load()), node)
        return self.atom(node)

    def choice(self, node, into: str):
        """Emit ``if``-statements that assign ``node`` (a conditional expression, ``and``/``or``,
        or a chained comparison) to ``into``, evaluating only what Python would."""
        def assign(value):
            return lambda: self.emit(ast.Assign([ast.Name(into, ast.Store())], self.operation(value)), node)

        def branch(produce):
            statements, _ = self.capture(produce)
            return statements
        if isinstance(node, ast.IfExp):
            test = self.atom(node.test)
            self.emit(ast.If(test, branch(assign(node.body)), branch(assign(node.orelse))), node)
        elif isinstance(node, ast.BoolOp):  # a and b: b if a else a;  a or b: a if a else b
            first = self.atom(node.values[0])
            rest = node.values[1:]
            later = rest[0] if len(rest) == 1 else ast.copy_location(ast.BoolOp(node.op, rest), rest[0])
            keep = branch(lambda: self.emit(ast.Assign([ast.Name(into, ast.Store())], first), node))
            go_on = branch(lambda: self.choice(later, into) if _is_choice(later) else assign(later)())
            body, orelse = (go_on, keep) if isinstance(node.op, ast.And) else (keep, go_on)
            self.emit(ast.If(first, body, orelse), node)
        else:  # a < b < c: (a < b) and (b < c), with b evaluated once
            left, middle = self.atom(node.left), self.atom(node.comparators[0])
            first = self.atom(ast.copy_location(ast.Compare(left, node.ops[:1], [middle]), node))
            later = ast.copy_location(ast.Compare(middle, node.ops[1:], node.comparators[1:]), node)
            go_on = branch(lambda: self.choice(later, into) if _is_choice(later) else assign(later)())
            keep = branch(lambda: self.emit(ast.Assign([ast.Name(into, ast.Store())], first), node))
            self.emit(ast.If(first, go_on, keep), node)

    def arguments(self, node: ast.Call):
        args = []
        for a in node.args:
            if isinstance(a, ast.Starred) and isinstance(a.value, (ast.Tuple, ast.List)):
                args += [self.atom(e) for e in a.value.elts]  # f(*(a, b)): the arity is known now
            elif isinstance(a, ast.Starred):
                wrapper = isinstance(a.value, ast.Name) and a.value.id in self.parsed.variadic
                raise self.parsed.error("`*args` in a call is supported only for a tuple or list written out "
                                        "(`f(*(a, b))`), whose length is known when compiling; pass the "
                                        "arguments one by one" + (
                                            " (if this is a decorator's wrapper, differentiate the undecorated "
                                            "function, or make the decorator use functools.wraps and only "
                                            "forward the call)" if wrapper else ""), a)
            else:
                args.append(self.atom(a))
        keywords = []
        for k in node.keywords:
            if k.arg is None:
                raise self.parsed.error("`**kwargs` in a call is not supported yet; pass keywords one by one", k)
            keywords.append(ast.keyword(k.arg, self.atom(k.value, k.arg)))
        return args, keywords

    def call(self, node: ast.Call):
        func = node.func
        if hasattr(node, "ssagrad_fn") and hasattr(func, "ssagrad_helper"):  # made by a lowering here
            args, keywords = self.arguments(node)
            return _call(func, node.ssagrad_fn, args, keywords, node)
        if isinstance(func, ast.Name) and func.id in self.lambdas:
            return self.operation(self.inline(self.lambdas[func.id], node))
        if isinstance(func, ast.Name) and func.id in self.local_defs:
            return self.inline_def(self.local_defs[func.id], node)
        own_method = self.own_method(func)
        if own_method is not None:
            return self.own_method_call(node, *own_method)
        if isinstance(func, ast.Attribute) and func.attr in ("get", "keys", "values", "items") \
                and (is_missing(self.parsed.resolve(func))
                     or isinstance(getattr(self.parsed.resolve(func), "__self__", None), dict)):
            return self.dict_method(node, func.attr)
        if isinstance(func, ast.Attribute) and is_missing(self.parsed.resolve(func)):
            return self.method_call(node)
        fn = self.parsed.resolve(func)
        if fn is builtins.dict:
            return self.dict_call(node)
        if fn in (builtins.eval, builtins.exec, builtins.compile):
            raise self.parsed.error(f"{fn.__name__}() runs code ssagrad cannot see, so it cannot be "
                                    f"differentiated; write the computation out", node)
        if getattr(fn, "ssagrad_transform", None) == "jvp":
            return self.jvp_call(node)
        if fn is builtins.sum and node.args and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)):
            start = node.args[1] if len(node.args) > 1 else ast.Constant(0)
            return self.atom(self.comprehension(node.args[0], start, node))
        if is_missing(fn):
            if isinstance(func, ast.Name) and func.id in self.parsed.local_names or isinstance(func, ast.Subscript):
                return self.held_call(node)  # act(h) of a parameter or a variable, layers[i](h): a held function
            if isinstance(func, ast.Name):
                raise self.parsed.error(f"name {func.id!r} is not defined", func)
            raise self.parsed.error("only calls of named functions (`np.exp(x)`, `f(x)`) are supported", func)
        if isinstance(fn, types.MethodType) and inspect.isfunction(forwarded(fn.__func__)) \
                and not isinstance(fn.__self__, type) and isinstance(func, ast.Attribute) \
                and getattr(fn.__func__, "ssagrad_transform", None) is None and _written_by_user(fn):
            # model.loss(x) of an object named outside the function: loss(model, x), differentiated from source
            args, keywords = self.arguments(node)
            callee = helper_name(fn.__func__.__name__, fn.__func__)
            return _call(callee, forwarded(fn.__func__), [self.atom(func.value)] + args, keywords, node)
        if isinstance(fn, functools.partial) and inspect.isfunction(forwarded(fn.func)) \
                and not hasattr(fn.func, "ssagrad_transform"):
            return self.partial_call(node, fn)
        if _output_argument(node, fn) is not None:
            return self.write_output(node, fn)
        callee, root = _dotted_callee(func)
        root_value = self.parsed.resolve(root)
        callee = _with_helper_root(callee, root.id, root_value)
        args, keywords = self.arguments(node)
        # a decorator's wrapper that only forwards (functools.wraps): differentiated as the function it wraps,
        # called as written
        return _call(callee, forwarded(fn), args, keywords, node)

    def dict_names(self) -> set:
        """Local names every assignment of which makes a dict (a display, a comprehension, ``dict(...)``) or
        sets an entry of it (``d[k] = v``): those hold a dict wherever they are read."""
        if self._dict_names is None:
            made, other = set(), set(self.parsed.params)
            for node in ast.walk(self.parsed.tree):
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.For)) else \
                    [g.target for g in node.generators] if isinstance(node, (ast.ListComp, ast.SetComp,
                                                                            ast.DictComp, ast.GeneratorExp)) else []
                value = getattr(node, "value", None) if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
                makes_dict = isinstance(value, (ast.Dict, ast.DictComp)) or (
                    isinstance(value, ast.Call) and self.parsed.resolve(value.func) is builtins.dict)
                for target in targets:
                    if isinstance(target, ast.Name):
                        (made if makes_dict and isinstance(node, (ast.Assign, ast.AnnAssign)) else other).add(target.id)
                    else:
                        other.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name)
                                     and isinstance(n.ctx, ast.Store))
                if isinstance(node, (ast.FunctionDef, ast.Lambda)) and node is not self.parsed.tree:
                    other.update(a.arg for a in node.args.args + node.args.kwonlyargs)
            self._dict_names = made - other
        return self._dict_names

    def own_method(self, func):
        """For ``self.helper`` in a method (``self`` its first parameter): ``(class node, class, method)`` when the
        method's class -- found by its qualified name -- defines ``helper`` as a function; else None."""
        params = self.parsed.params
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and params
                and func.value.id == params[0] and func.value.id not in self.assigned_later()):
            return None
        path = self.parsed.fn.__qualname__.split(".")[:-1]
        if not path or "<locals>" in path:
            return None
        node = ast.copy_location(ast.Name(path[0], ast.Load()), func)
        for part in path[1:]:
            node = ast.copy_location(ast.Attribute(node, part, ast.Load()), func)
        cls = self.parsed.resolve(node)
        if not isinstance(cls, type) or isinstance(inspect.getattr_static(cls, self.parsed.fn.__name__, None),
                                                   (staticmethod, classmethod)):
            return None  # (a static method's first parameter is not an instance)
        method = inspect.getattr_static(cls, func.attr, None)
        if not inspect.isfunction(method):  # a staticmethod, classmethod, property, or an instance attribute
            return None
        return node, cls, method

    def assigned_later(self) -> set:
        """Names the function assigns (``self`` rebound is no longer the method's object)."""
        return {n.id for n in ast.walk(self.parsed.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}

    def own_method_call(self, node: ast.Call, class_node, cls, method):
        """``self.helper(x)``: ``Model.helper(self, x)``, differentiated like any function of yours, after a check
        that ``self``'s class still dispatches ``helper`` to it (a subclass may override it)."""
        name = node.func.attr
        overriding = [c.__qualname__ for c in _subclasses(cls) if name in vars(c)]
        if overriding:
            raise self.parsed.error(f"self.{name}() may be {cls.__qualname__}.{name} or an override of it "
                                    f"({', '.join(overriding)}); ssagrad compiles one: call the class's method "
                                    f"you mean ({cls.__qualname__}.{name}(self, ...))", node.func)
        checked = self.atom(_call(helper_name("dispatches_to", containers.dispatches_to), containers.dispatches_to,
                                  [self.atom(node.func.value), class_node, ast.Constant(name)], [], node),
                            node.func.value.id)
        callee = ast.copy_location(ast.Attribute(class_node, name, ast.Load()), node.func)
        callee, root = _dotted_callee(callee)
        callee = _with_helper_root(callee, root.id, self.parsed.resolve(root))
        args, keywords = self.arguments(node)
        return _call(callee, forwarded(method), [checked] + args, keywords, node)

    def partial_call(self, node: ast.Call, part: functools.partial):
        """``f3 = functools.partial(f, scale=3.0)`` (a global or a closure), called: a call of ``f`` with the
        partial's arguments first, read from it when the gradient runs (``f3.args[0]``, ``f3.keywords['scale']``)."""
        if isinstance(node.func, ast.Attribute):
            raise self.parsed.error("call a functools.partial object by a plain name (f3 = obj.f3 first)", node.func)
        holder = ast.copy_location(ast.Name(node.func.id, ast.Load()), node.func)
        stored = [self.atom(ast.copy_location(ast.Subscript(ast.Attribute(holder, "args", ast.Load()),
                                                            ast.Constant(i), ast.Load()), node), f"arg{i}")
                  for i in range(len(part.args))]
        bound = [ast.keyword(k, self.atom(ast.copy_location(ast.Subscript(
            ast.Attribute(holder, "keywords", ast.Load()), ast.Constant(k), ast.Load()), node), k))
            for k in part.keywords]
        args, keywords = self.arguments(node)
        given = {k.arg for k in keywords}
        keywords = [k for k in bound if k.arg not in given] + keywords  # a call's keyword overrides the partial's
        target = forwarded(part.func)
        callee = helper_name(getattr(part.func, "__name__", "partial_function"), part.func)
        return _call(callee, target, stored + args, keywords, node)

    def nested_def(self, stmt: ast.FunctionDef):
        """``def inner(z): ...`` inside the function: checked now, inlined at each call (reading the enclosing
        function's variables as they are at the call, as a closure does)."""
        args = stmt.args
        if stmt.decorator_list:
            raise self.parsed.error("a decorated function defined inside the function is not supported; "
                                    "define it at module level", stmt.decorator_list[0])
        if args.vararg or args.kwarg or args.posonlyargs:
            raise self.parsed.error("a function defined inside the function is inlined where it is called: "
                                    "*args, **kwargs and positional-only parameters are not supported there yet",
                                    stmt)
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            if not isinstance(default, ast.Constant) and not (isinstance(default, ast.UnaryOp)
                                                              and isinstance(default.operand, ast.Constant)):
                raise self.parsed.error("a default of a function defined inside the function must be a constant "
                                        "(it is inlined where it is called, and Python evaluates a default once, "
                                        "where it is defined)", default)
        body = stmt.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # a docstring
        if not body or not isinstance(body[-1], ast.Return) or body[-1].value is None:
            raise self.parsed.error(f"{stmt.name}() must end by returning its value to be inlined where it is "
                                    f"called", stmt)
        for node in [n for s in body for n in ast.walk(s)]:
            if isinstance(node, ast.Return) and node is not body[-1]:
                raise self.parsed.error(f"{stmt.name}() is inlined where it is called: a `return` before its last "
                                        f"statement is not supported there yet", node)
            if isinstance(node, (ast.Global, ast.Nonlocal, ast.Yield, ast.YieldFrom, ast.Await)):
                raise self.parsed.error(f"nested function definitions are inlined where they are called, so one "
                                        f"with `global`, `nonlocal`, `yield` or `await` (as {stmt.name}() has, line "
                                        f"{node.lineno + self.parsed.first_line - 1}) is not supported", stmt)
        definition = ast.copy_location(ast.FunctionDef(stmt.name, args, body, [], None), stmt)
        self.lambdas.pop(stmt.name, None)
        self.local_defs[stmt.name] = definition

    def inline_def(self, definition: ast.FunctionDef, call: ast.Call):
        """The value of a call of a function defined inside: its parameters bound to the call's arguments
        (evaluated once, in order), its own variables renamed, its statements, then its returned value."""
        name = definition.name
        if name in self.inlining:
            raise self.parsed.error(f"{name}() calls itself; recursion cannot be differentiated yet", call)
        args = definition.args
        positional = [a.arg for a in args.args]
        keyword_only = [a.arg for a in args.kwonlyargs]
        values, keywords = self.arguments(call)
        if len(values) > len(positional):
            raise self.parsed.error(f"{name}() takes {len(positional)} positional arguments, {len(values)} given",
                                    call)
        bound = dict(zip(positional, values))
        for k in keywords:
            if k.arg not in positional + keyword_only or k.arg in bound:
                raise self.parsed.error(f"this call does not fit the parameters of {name}(): {k.arg!r}", call)
            bound[k.arg] = k.value
        defaults = dict(zip(positional[len(positional) - len(args.defaults):], args.defaults))
        defaults.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        for param in positional + keyword_only:
            if param not in bound:
                if param not in defaults:
                    raise self.parsed.error(f"this call of {name}() misses the argument {param!r}", call)
                bound[param] = self.atom(defaults[param])
        own = set(positional + keyword_only) | {n.id for s in definition.body for n in ast.walk(s)
                                                 if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        renames = {n: self.namer.fresh(n) for n in sorted(own)}
        self.parsed.local_names.update(renames.values())
        rename = _Rename(renames)
        for param in positional + keyword_only:
            self.emit(ast.Assign([ast.Name(renames[param], ast.Store())], bound[param]), call)
        self.inlining.append(name)
        caller = self.statement_node
        try:
            for stmt in definition.body[:-1]:
                self.statement(rename.visit(copy.deepcopy(stmt)))
            self.statement_node = definition.body[-1]
            return self.operation(rename.visit(copy.deepcopy(definition.body[-1].value)))
        finally:
            self.inlining.pop()
            self.statement_node = caller

    def inline(self, lam: ast.Lambda, call: ast.Call):
        """The body of a lambda with its parameters replaced by the call's arguments (evaluated once)."""
        arguments = lam.args
        if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.defaults:
            raise self.parsed.error("only lambdas with plain parameters can be called here", lam)
        params = [a.arg for a in arguments.args]
        if len(call.args) + len(call.keywords) != len(params) or any(k.arg not in params for k in call.keywords):
            raise self.parsed.error(f"this call does not match the lambda's parameters ({', '.join(params)})", call)
        values = dict(zip(params, (self.atom(a) for a in call.args)))
        values.update({k.arg: self.atom(k.value) for k in call.keywords})
        return _Substitute(values).visit(copy.deepcopy(lam.body))

    def comprehension(self, node, start, origin, build="list"):
        """Lower a comprehension to loops: a running total (for ``sum``), a list built by appending, or a dict
        (``build="dict"``) built by ``with_entry``.

        Its loop variables get fresh names, as Python keeps them local to the comprehension.
        """
        total = start is not None
        accumulator = self.namer.fresh("total" if total else "entries" if build == "dict" else "items")
        self.parsed.local_names.add(accumulator)
        renames = {}
        for generator in node.generators:
            if generator.is_async:
                raise self.parsed.error("async comprehensions cannot be differentiated", node)
            for name in [n for n in ast.walk(generator.target) if isinstance(n, ast.Name)]:
                renames[name.id] = self.namer.fresh(name.id)
        self.parsed.local_names.update(renames.values())
        rename = _Rename(renames)
        if build == "dict":
            key, value = (rename.visit(copy.deepcopy(part)) for part in (node.key, node.value))
            entry = ast.Call(helper_name("with_entry", containers.with_entry),
                             [ast.Name(accumulator, ast.Load()), key, value], [])
            entry.ssagrad_fn = containers.with_entry
            body = [ast.Assign([ast.Name(accumulator, ast.Store())], entry)]
        else:
            element = rename.visit(copy.deepcopy(node.elt))
        if build == "dict":
            pass
        elif total:
            body = [ast.Assign([ast.Name(accumulator, ast.Store())],
                               ast.BinOp(ast.Name(accumulator, ast.Load()), ast.Add(), element))]
        else:
            append = ast.Attribute(ast.Name(accumulator, ast.Load()), "append", ast.Load())
            body = [ast.Expr(ast.Call(append, [element], []))]
        for generator in reversed(node.generators):
            for condition in reversed(generator.ifs):
                body = [ast.If(rename.visit(copy.deepcopy(condition)), body, [])]
            target = rename.visit(copy.deepcopy(generator.target))
            body = [ast.For(target, rename.visit(copy.deepcopy(generator.iter)) if generator is not node.generators[0]
                            else generator.iter, body, [])]
        initial = start if total else ast.Dict([], []) if build == "dict" else ast.List([], ast.Load())
        statements = [ast.Assign([ast.Name(accumulator, ast.Store())], initial)] + body
        for stmt in statements:
            self.statement(ast.fix_missing_locations(ast.copy_location(stmt, origin)))
        return ast.copy_location(ast.Name(accumulator, ast.Load()), origin)

    def method_call(self, node: ast.Call):
        func = node.func
        name = func.attr
        fn = ARRAY_METHODS.get(name)
        constant_string = isinstance(func.value, ast.Constant) and isinstance(func.value.value, str)
        if (fn is None or constant_string) and (name in STRING_METHODS or constant_string and hasattr(str, name)):
            # "W{}".format(i), name.lower(): a method of str, which carries no derivative
            method = getattr(str, name)
            args, keywords = self.arguments(node)
            callee = ast.Attribute(helper_name("str", builtins.str), name, ast.Load())
            return _call(callee, method, [self.atom(func.value)] + args, keywords, node)
        if fn is None and name in GENERATOR_METHODS:
            # rng.normal(size=n) of a generator passed in: np.random.Generator.normal(rng, size=n), the same draw
            # (with no derivative rule: a draw from a differentiated location or scale is a located refusal)
            method = getattr(numpy.random.Generator, name)
            args, keywords = self.arguments(node)
            callee = ast.Attribute(ast.Attribute(helper_name("np", numpy), "random", ast.Load()), "Generator",
                                   ast.Load())
            return _call(ast.Attribute(callee, name, ast.Load()), method, [self.atom(func.value)] + args, keywords,
                         node)
        if fn is None and isinstance(func.value, ast.Name) and self.parsed.params \
                and func.value.id == self.parsed.params[0] and "." in self.parsed.fn.__qualname__:
            return self.held_call(node)  # self.activation(h): a function the instance holds
        if fn is None:
            raise self.parsed.error(f"method .{name}() has no NumPy equivalent that ssagrad knows; "
                                    f"call the NumPy function instead", func)
        if _output_argument(node, fn) is not None:
            return self.write_output(node, fn)
        receiver = self.atom(func.value)
        args, keywords = self.arguments(node)
        if name in PACKED_METHODS and len(args) > 1:
            args = [ast.copy_location(ast.Tuple(args, ast.Load()), node)]
        elif name == "reshape" and len(args) == 1 and isinstance(args[0], ast.Constant) \
                and type(args[0].value) is int:
            # x.reshape(-1): np.reshape(x, (-1,)), which Dask takes too (its np.reshape refuses an int)
            args = [ast.copy_location(ast.Tuple(args, ast.Load()), node)]
        return _call(_numpy_callee(fn), fn, [receiver] + args, keywords, node)

    def held_call(self, node: ast.Call):
        """``self.activation(h)`` where the instance holds a function (``self.activation = np.tanh``, or one of
        yours; also ``act(h)`` of a parameter or variable, ``layers[i](h)``): which one is known only when the
        gradient runs, so the generated code reads it then and calls it through ``call_held``
        (runtime/held.py), which differentiates the call for the function it finds, as a call of that function
        by its name would be: ``value, saved = call_held(activation, h, keywords=(), site=...)``, ``site``
        being this call's place in your file, for its errors."""
        func = node.func
        hint = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else "held"
        held = self.atom(func, hint if isinstance(func, ast.Attribute) else None)
        args, keywords = self.arguments(node)
        where = self.parsed.locate(node)
        site = ast.Constant(None) if where is None else \
            ast.Tuple([ast.Constant(where.filename), ast.Constant(where.lineno), ast.Constant(where.col),
                       ast.Constant(where.end_col), ast.Constant(where.function)], ast.Load())
        names = ast.Tuple([ast.Constant(k.arg) for k in keywords], ast.Load())
        call = _call(helper_name("call_held", call_held), call_held, [held] + args + [k.value for k in keywords],
                     [ast.keyword("keywords", names), ast.keyword("site", site)], node)
        value, saved = self.temporary(f"{hint}_value"), self.temporary(f"{hint}_saved")
        store = ast.Tuple([ast.Name(value, ast.Store()), ast.Name(saved, ast.Store())], ast.Store())
        self.emit(ast.Assign([store], call), node)
        return ast.copy_location(ast.Name(value, ast.Load()), node)

    def attribute(self, node: ast.Attribute):
        """``x.T`` of an array is ``np.transpose(x)``; any other attribute (``self.weights``) is read as it is."""
        receiver = self.atom(node.value)
        fn = ARRAY_ATTRIBUTES.get(node.attr)
        if fn is None:
            return _call(None, ops.ATTRIBUTE, [receiver, ast.Constant(node.attr)], [], node)
        return _call(_numpy_callee(fn), fn, [receiver], [], node)


class _Substitute(ast.NodeTransformer):
    """Replace names by expressions (a lambda's parameters by its arguments)."""

    def __init__(self, values):
        self.values = values

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.values:
            return ast.copy_location(copy.deepcopy(self.values[node.id]), node)
        return node

    def visit_Lambda(self, node):
        return node  # an inner lambda has its own parameters


class _Rename(ast.NodeTransformer):
    def __init__(self, names):
        self.names = names

    def visit_Name(self, node):
        if node.id in self.names:
            return ast.copy_location(ast.Name(self.names[node.id], node.ctx), node)
        return node


_LOGGING_METHODS = {"debug", "info", "warning", "warn", "error", "critical", "exception", "log"}


def _writes_in_place(fn) -> bool:
    """A ufunc's ``.at`` (``np.multiply.at``) or a NumPy function that changes its argument (``np.copyto``)."""
    from .aliasing import MUTATES
    try:
        return isinstance(getattr(fn, "__self__", None), numpy.ufunc) and fn.__name__ == "at" or fn in MUTATES
    except TypeError:  # unhashable
        return False


def _is_effect(fn) -> bool:
    """A call made for what it prints, warns or logs, kept in the primal sweep: ``print``, ``warnings.warn``,
    ``logging.info(...)`` and the like, and those methods of a logger (``log = logging.getLogger(...)``)."""
    import logging
    import warnings
    if fn is builtins.print or fn is warnings.warn or fn is rules_builtins.raise_:  # raise_: generated code
        return True
    name = getattr(fn, "__name__", None)
    if name not in _LOGGING_METHODS:
        return False
    owner = getattr(fn, "__self__", None)
    return getattr(logging, name, None) is fn or isinstance(owner, (logging.Logger, logging.LoggerAdapter))


def _located_like(node, origin):
    for child in ast.walk(node):
        if not hasattr(child, "lineno") or child.lineno is None:
            ast.copy_location(child, origin)
    return node


def _only_a_key(name: str, stmts) -> bool:
    """Is every read of ``name`` in ``stmts`` a key or an index (``other[k]``, ``other.get(k)``), a comparison
    (``k != "skip"``) or a formatted value (``f"{k}"``), with at least one key or index, and ``name`` never
    assigned there? Its values then carry no derivative however they are walked."""
    parents, keyed = {}, False
    for stmt in stmts:
        for node in ast.walk(stmt):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
    for stmt in stmts:
        for node in ast.walk(stmt):
            if not (isinstance(node, ast.Name) and node.id == name):
                continue
            if not isinstance(node.ctx, ast.Load):
                return False
            parent = parents.get(id(node))
            if isinstance(parent, ast.Tuple):  # other[i, k]
                parent = parents.get(id(parent)) if isinstance(parents.get(id(parent)), ast.Subscript) else parent
            if isinstance(parent, ast.Subscript) and parent.value is not node:
                keyed = True
            elif isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) \
                    and parent.func.attr == "get" and parent.args and parent.args[0] is node:
                keyed = True
            elif not isinstance(parent, (ast.Compare, ast.FormattedValue)):
                return False
    return keyed


def _assigned_in(stmts) -> set:
    return {n.id for s in stmts for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def _written_by_user(method) -> bool:
    """A bound method with no rule, of a class defined outside the installed libraries and the standard
    library (``model.loss``, not ``scipy.stats.norm.ppf``, which needs a rule)."""
    import sysconfig
    from .rules import adjoint_rule, is_differentiable
    if adjoint_rule(method) is not None or not is_differentiable(method):
        return False
    filename = os.path.realpath(method.__func__.__code__.co_filename)
    libraries = {os.path.realpath(p) for key, p in sysconfig.get_paths().items()
                 if key in ("stdlib", "platstdlib", "purelib", "platlib")}
    return not any(filename.startswith(p + os.sep) for p in libraries)


def _subclasses(cls) -> list:
    found, stack = [], list(type.__subclasses__(cls)) if cls is not type else []
    while stack:
        sub = stack.pop()
        found.append(sub)
        stack += type.__subclasses__(sub)
    return found


def _is_append(node) -> bool:
    """``items.append(x)`` on a local list."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append" \
        and isinstance(node.func.value, ast.Name) and len(node.args) == 1 and not node.keywords


def _is_prange(node, parsed) -> bool:
    """A call of Numba's ``prange``: ``range`` when run as Python, and so in the gradient (a serial loop: the
    reversed loop accumulates into shared adjoints)."""
    fn = parsed.resolve(node.func) if isinstance(node, ast.Call) else None
    return getattr(fn, "__module__", None) == "numba.misc.special" and getattr(fn, "__name__", None) == "prange"


def _equal(a, b) -> bool:
    """``a == b`` for resolved callees (a bound method such as np.add.at is made anew at each lookup)."""
    try:
        return bool(a == b)
    except Exception:  # an array or an object with a strange __eq__
        return False


def _output_argument(call: ast.Call, fn=None):
    """The ``out=`` argument of a call (a ufunc's extra positional argument too), or None."""
    for k in call.keywords:
        if k.arg == "out" and not (isinstance(k.value, ast.Constant) and k.value.value is None):
            return k.value
    if isinstance(fn, numpy.ufunc) and len(call.args) > fn.nin:
        return call.args[fn.nin]
    return None


def _is_choice(node) -> bool:
    """Expressions that evaluate only some of their parts: they become ``if`` statements."""
    return isinstance(node, (ast.IfExp, ast.BoolOp)) or (isinstance(node, ast.Compare) and len(node.ops) > 1)


def _names(target, count) -> bool:
    """Is ``target`` a tuple of ``count`` plain names?"""
    return isinstance(target, ast.Tuple) and len(target.elts) == count \
        and all(isinstance(e, ast.Name) for e in target.elts)


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
    if isinstance(node, ast.Subscript):
        return "item"
    if isinstance(node, (ast.IfExp, ast.BoolOp)):
        return "choice"
    if isinstance(node, ast.Compare):
        return "test"
    if isinstance(node, ast.JoinedStr):
        return "text"
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
