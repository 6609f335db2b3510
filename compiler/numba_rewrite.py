"""Generated gradient code rewritten for Numba (compiler/numba_backend.py compiles the result).

Python's gradient keeps a loop's values in a list of tuples and walks it with ``reversed(tape)``; Numba
has no ``reversed`` and types lists by their items. So, per tape:

* a ``for`` loop over a ``range`` (its trip count known when it starts) gets arrays, preallocated:
  ``tape_x = np.empty(len(range(n)))`` for a scalar ``x``, ``np.empty((len(range(n)),) + shape)`` for an
  array of a known shape when the function writes into no array (a copy then equals the reference
  Python keeps); the loop writes entry ``steps`` and counts ``steps``, and the reversed loop reads
  ``tape_x[step]`` for ``step`` from ``steps - 1`` down to 0;
* ``like(x)`` (kept only for its shape and dtype) of a known kind is not kept: a zero of that kind
  stands in; a value bound once at the top of the function is not kept either (it is the same on
  every iteration);
* what is left -- values of unknown kinds, a callee's saved tuple, a ``while`` loop's values -- stays in
  a list of tuples (Numba types it from the append), read by index;
* a placeholder ``None`` for a value one branch does not define becomes a zero of the value's kind.

Adjoints accumulated into an array inside a loop (``dx = dx + unindex(g, x, i)``, ``zero_at(dx, i)``)
are updated in place (``dx[i] = dx[i] + g``) when nothing else can see the array -- it was made fresh
before the loop and the loop reads it only by whole entries: O(1) an iteration instead of O(size of x).
``np.copy`` of what a write overwrites becomes ``copied`` (a scalar stays a scalar) and
``check_unshared(a, x)`` a test raising ``SharedWrite(k)``, which the backend turns back into the located
error. Kinds (compiler/shapes.py) come from the call's signature; with none known, everything not
scalar by construction stays in lists, which is slower but the same.
"""
import ast
import copy
import re
import zlib
from dataclasses import dataclass

import numpy

from .codegen import render
from . import adjoint_chains
from .accumulate import InPlace
from .trees import blocks, statements
from .names import Namer
from .numba_versions import Versions, assigned_pairs as _pairs

_COMMENT = "__ssagrad_numba_comment_"


@dataclass
class Rewritten:
    source: str
    namespace: dict
    errors: dict          # k -> the located DifferentiationError SharedWrite(k) stands for
    helper_uses: list     # (name, line) of every runtime helper the source calls


def rewrite(text: str, namespace: dict, kinds: dict, helpers, structural: bool = False) -> Rewritten:
    """``text`` (one generated function) for Numba; ``namespace`` gains the names the rewrite uses.

    ``structural``: only the rewrites that change how the code keeps its values (tapes as arrays, values
    computed again, in-place adjoints, index loops), in Python every other construct still has: the code is
    to be differentiated again (a Hessian's gradient, numba_backend.derivable), and its derivative then
    rewritten in full. Nested tuples unpacked (what a tape entry of a tape holds) become one level a
    statement, which the differentiator takes."""
    comments = []

    def mark(match):
        comments.append(match.group(2))
        return f"{match.group(1)}{_COMMENT}{len(comments) - 1}"
    marked = re.sub(r"^(\s*)# (.*)$", mark, text, flags=re.M)
    tree = ast.parse(marked).body[0]
    # keyword-only parameters (a tangent function's dx, dk) as positional ones: Numba binds a call of a
    # compiled function with keyword-only parameters wrongly; calls by keyword bind the same
    tree.args.args += tree.args.kwonlyargs
    tree.args.kwonlyargs, tree.args.kw_defaults = [], []
    rewriter = _Rewriter(tree, namespace, kinds, helpers)
    if structural:
        rewriter.run_structural()
    else:
        rewriter.run()
        adjoint_chains.factor(tree, kinds, namespace)  # carried float adjoints: one multiplication a step
    source = render(tree)
    source = re.sub(rf"^(\s*){_COMMENT}(\d+)$", lambda m: f"{m.group(1)}# {comments[int(m.group(2))]}", source,
                    flags=re.M)
    local = _stored(ast.parse(source))
    uses = [(n.id, n.lineno) for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Load) and n.id not in local and n.id in namespace]
    return Rewritten(source, namespace, rewriter.errors, uses)


def _stored(tree) -> set:
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return names | {a.arg for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) for a in n.args.args}


def _loop_direct(loop):
    """The statements of ``loop``'s body not inside a nested loop."""
    out, todo = [], list(loop.body)
    while todo:
        stmt = todo.pop(0)
        out.append(stmt)
        if isinstance(stmt, ast.If):
            todo += stmt.body + stmt.orelse
    return out


def _name(identifier, store=False):
    return ast.Name(identifier, ast.Store() if store else ast.Load())


def _assign(target, value):
    return ast.Assign([target if isinstance(target, ast.AST) else _name(target, True)], value, lineno=0)


def _integer(node) -> bool:
    """An integer written out: ``2``, ``-1``."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return isinstance(node, ast.Constant) and type(node.value) is int


class _Rewriter:
    def __init__(self, tree, namespace, kinds, helpers):
        self.tree, self.namespace, self.kinds, self.helpers = tree, namespace, kinds, helpers
        self.local = _stored(tree)
        self.namer = Namer({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | self.local | set(namespace))
        self.errors = {}
        self.np = self._bound("np", numpy)
        self.writes = any(isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) for n in ast.walk(tree))

    def _bound(self, hint, value) -> str:
        """A name the code can read ``value`` by, added to the namespace if need be."""
        if hint not in self.local and self.namespace.get(hint) is value:
            return hint
        name = self.namer.fresh(hint)
        self.namespace[name] = value
        return name

    def value_of(self, node):
        """The object a name bound at compile time (a helper, a module) holds, or None."""
        if isinstance(node, ast.Name) and node.id not in self.local:
            return self.namespace.get(node.id)
        return None

    def is_call_of(self, node, fn) -> bool:
        return isinstance(node, ast.Call) and self.value_of(node.func) is fn

    def run(self):
        self.versions()
        self.unread_copies()
        self.ufunc_at()
        self.array_lists()
        self.ellipses()
        self.index_lists()
        self.copies()
        self.reversed_ranges()
        self.kept_dims()
        self.rolls()
        self.placeholders()
        self.tapes()
        self.saved_tapes()
        self.in_place()
        self.shared_checks()

    def run_structural(self):
        self.reversed_ranges()
        self.placeholders()
        self.tapes()
        self.in_place()
        self.flat_unpacking()

    def flat_unpacking(self):
        """``(a, (b, c)) = e`` -> ``a, tuple_1 = e`` then ``b, c = tuple_1``: one level a statement."""
        for block in list(blocks(self.tree)):
            k = 0
            while k < len(block):
                stmt = block[k]
                k += 1
                if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Tuple)):
                    continue
                after = []
                for i, element in enumerate(stmt.targets[0].elts):
                    if isinstance(element, (ast.Tuple, ast.List)):
                        part = self.namer.fresh("entry")
                        stmt.targets[0].elts[i] = _name(part, True)
                        after.append(_assign(self.as_store(ast.Tuple(element.elts, ast.Load())), _name(part)))
                block[k:k] = after  # visited next: their own nested tuples too

    def versions(self):
        """Versions of one list or array in tangent code (``t_2 = appended(t_1, v)``, ``d_2 = set_at(d_1, i, v)``)
        made one, updated in place, where that is the same (compiler/numba_versions.py)."""
        from types import SimpleNamespace

        from ..runtime import added_at, appended, set_at, zero_tangent
        from ..runtime.ownership import SharedMemoryCheck
        helpers = SimpleNamespace(appended=appended, set_at=set_at, added_at=added_at, zero_tangent=zero_tangent,
                                  SharedMemoryCheck=SharedMemoryCheck, set_in_place=self.helpers.set_in_place,
                                  add_in_place=self.helpers.add_in_place, copied=self.helpers.copied)
        Versions(self.tree, self.value_of, helpers, self._bound).run()

    def unread_copies(self):
        """Copies, constants and zero tangents bound to names nothing reads but such copies (a value a loop
        carries that nothing after it reads: ``tanh = None`` before a loop, its tangent ``zero_tangent(None)``,
        then the loop's arrays), left out: without the kinds of tangent code (none are known), such a
        placeholder is a number where the loop makes it an array, which Numba cannot unify."""
        def copy_like(value) -> bool:
            return isinstance(value, (ast.Name, ast.Constant)) or isinstance(value, ast.Call) and not value.keywords \
                and self.value_of(value.func) is zero_tangent and all(copy_like(a) for a in value.args)
        from ..runtime import zero_tangent
        copies = [(stmt, target, value) for stmt in statements(self.tree.body)
                  for target, value in (_pairs(stmt) or []) if copy_like(value)]
        in_copies = {id(n) for _, _, value in copies for n in ast.walk(value)}
        read = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
                and id(n) not in in_copies}
        changed = True
        while changed:
            changed = False
            for _, target, value in copies:
                if target in read:
                    new = {n.id for n in ast.walk(value) if isinstance(n, ast.Name)} - read
                    read |= new
                    changed |= bool(new)
        dead = {target for _, target, _ in copies if target not in read}
        if not dead:
            return
        for node, field in [(node, f) for node in [self.tree] + list(statements(self.tree.body))
                            for f in ("body", "orelse") if getattr(node, f, None)]:
            block, kept = getattr(node, field), []
            for stmt in block:
                pairs = _pairs(stmt)
                if pairs is not None and any(t in dead for t, _ in pairs):
                    pairs = [(t, v) for t, v in pairs if t not in dead]
                    if not pairs:
                        continue
                    stmt = ast.copy_location(ast.Assign(
                        [_name(pairs[0][0], True) if len(pairs) == 1 else
                         ast.Tuple([_name(t, True) for t, _ in pairs], ast.Store())],
                        pairs[0][1] if len(pairs) == 1 else ast.Tuple([v for _, v in pairs], ast.Load()), lineno=0),
                        stmt)
                kept.append(stmt)
            block[:] = kept or ([ast.Pass()] if field == "body" else [])

    # -- small rewrites --------------------------------------------------------------------------------------

    def ufunc_at(self):
        """``np.add.at(a, index, v)`` -> ``add_at(a, index, v)``: Numba has no ``ufunc.at``."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "at" \
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "add" \
                    and self.value_of(node.func.value.value) is numpy and len(node.args) == 3 and not node.keywords:
                node.func = _name(self._bound("add_at", self.helpers.add_at))

    def array_lists(self):
        """``np.array([a, b])`` of values computed at run time -> ``stacked((a, b))``: Numba's np.array takes
        no list of arrays (and its list of numbers gives what ``stacked`` does); ``np.array(x)`` ->
        ``array_copy(x)``, a copy of an array (Numba's np.array takes no array either)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "array" \
                    and self.value_of(node.func.value) is numpy and len(node.args) == 1 and not node.keywords \
                    and isinstance(node.args[0], ast.List) and node.args[0].elts \
                    and not any(isinstance(e, (ast.List, ast.Tuple, ast.Starred)) for e in node.args[0].elts) \
                    and not all(isinstance(e, ast.Constant) or _integer(e) for e in node.args[0].elts):
                node.func = _name(self._bound("stacked", self.helpers.stacked))
                node.args = [ast.Tuple(node.args[0].elts, ast.Load())]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "array" \
                    and self.value_of(node.func.value) is numpy and len(node.args) == 1 and not node.keywords \
                    and isinstance(node.args[0], ast.Name):
                node.func = _name(self._bound("array_copy", self.helpers.array_copy))

    def ellipses(self):
        """``a[...]`` read -> ``a[:]``, the same view of an array of one axis or more: Numba types ``a[...]`` but
        has no implementation of it."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                    and isinstance(node.slice, ast.Constant) and node.slice.value is Ellipsis:
                node.slice = ast.Slice(None, None, None)

    def index_lists(self):
        """A list of integers as an index (``y[[0, 2, 2]]``, and where the gradient's helpers take that index)
        -> ``np.array([0, 2, 2])``, the same index: Numba indexes with an integer array, not a list."""
        def as_array(node):
            if isinstance(node, ast.List) and node.elts and all(_integer(e) for e in node.elts):
                return ast.Call(ast.Attribute(_name(self.np), "array", ast.Load()), [node], [])
            return node
        helpers = self.helpers.indexing
        indexing = (helpers.unindex, helpers.zero_at, helpers.written_part, helpers.set_at, helpers.added_at,
                    self.helpers.add_at)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Subscript):
                node.slice = as_array(node.slice)
            elif isinstance(node, ast.Call) and self.value_of(node.func) in indexing:
                node.args = [as_array(a) for a in node.args]

    def copies(self):
        """``np.copy(a[i])`` (what a write overwrites) -> ``copied(a[i])``: Numba's np.copy takes arrays only."""
        copied = None
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "copy" \
                    and self.value_of(node.func.value) is numpy:
                copied = copied or self._bound("copied", self.helpers.copied)
                node.func = _name(copied)

    def reversed_ranges(self):
        """``range(a)[::-1]`` (what ``reversed(range(a))`` became) -> ``range(a - 1, -1, -1)``; ``range(a, b)[::-1]``
        -> ``range(b - 1, a - 1, -1)``: Numba does not slice ranges."""
        for node in ast.walk(self.tree):
            value = getattr(node, "iter", None)
            if not (isinstance(node, ast.For) and isinstance(value, ast.Subscript) and self.over_range_call(value.value)
                    and isinstance(value.slice, ast.Slice) and value.slice.lower is None
                    and value.slice.upper is None and isinstance(value.slice.step, ast.UnaryOp)
                    and isinstance(value.slice.step.op, ast.USub) and isinstance(value.slice.step.operand, ast.Constant)
                    and value.slice.step.operand.value == 1 and len(value.value.args) in (1, 2)):
                continue
            args = value.value.args
            start, stop = (ast.Constant(0), args[0]) if len(args) == 1 else args
            one = ast.Constant(1)
            node.iter = ast.Call(_name("range"), [ast.BinOp(stop, ast.Sub(), one), ast.BinOp(start, ast.Sub(), one),
                                                  ast.UnaryOp(ast.USub(), ast.Constant(1))], [])

    def over_range_call(self, node) -> bool:
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "range" \
            and "range" not in self.local and not node.keywords

    def kept_dims(self):
        """``g.sum(axis=k, keepdims=True)`` -> ``summed_keeping(g, k)``: Numba's sum has no keepdims."""
        for node in ast.walk(self.tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "sum"
                    and not node.args):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            axis, keep = keywords.get("axis"), keywords.get("keepdims")
            if set(keywords) == {"axis", "keepdims"} and isinstance(keep, ast.Constant) and keep.value is True \
                    and isinstance(axis, ast.Constant) and type(axis.value) is int:
                node.args, node.keywords = [node.func.value, ast.Constant(axis.value)], []
                node.func = _name(self._bound("summed_keeping", self.helpers.summed_keeping))

    def rolls(self):
        """``np.roll(a, shift, None)`` -> ``np.roll(a, shift)``: Numba's roll takes no axis (None is its only one)."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "roll" \
                    and self.value_of(node.func.value) is numpy:
                if len(node.args) == 3 and isinstance(node.args[2], ast.Constant) and node.args[2].value is None:
                    node.args = node.args[:2]
                node.keywords = [k for k in node.keywords if not (
                    k.arg == "axis" and isinstance(k.value, ast.Constant) and k.value.value is None)]

    def zero(self, kind):
        """An expression for a zero of ``kind`` (compiler/shapes.py Abstract), or None."""
        if kind.kind == "float" or (kind.kind == "scalar" and numpy.dtype(kind.dtype) == numpy.float64):
            return ast.Constant(0.0)
        if kind.kind == "int":
            return ast.Constant(0)
        if kind.kind == "bool":
            return ast.Constant(False)
        dtype = self.dtype(kind.dtype)
        if kind.kind == "scalar":
            return ast.Call(dtype, [ast.Constant(0)], [])
        if kind.kind == "array":
            return ast.Call(ast.Attribute(_name(self.np), "zeros", ast.Load()),
                            [ast.Constant(tuple(kind.shape)), dtype], [])
        return None

    def dtype(self, dtype) -> ast.expr:
        name = numpy.dtype(dtype).name
        return ast.Attribute(_name(self.np), "bool_" if name == "bool" else name, ast.Load())

    def placeholders(self):
        """``v = None`` (a value a branch does not define, bound so the tape can hold it) -> a zero of its kind."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) \
                    and isinstance(node.value, ast.Constant) and node.value.value is None:
                kind = self.kinds.get(node.targets[0].id)
                zero = self.zero(kind) if kind is not None else None
                if zero is not None:
                    node.value = zero

    def shared_checks(self):
        """``check_unshared(a, x, y)`` -> ``if shares_memory(a, x) or ...: raise SharedWrite(k)``."""
        from ..runtime.ownership import SharedMemoryCheck
        for block in list(blocks(self.tree)):
            for i, stmt in enumerate(block):
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                        and isinstance(self.value_of(stmt.value.func), SharedMemoryCheck)):
                    continue
                call = stmt.value
                error = self.value_of(call.func).error
                # numbered by the error's text (its message and the user's line), the same in every process:
                # the source, and with cache=True the hash naming Numba's cache of it, do not depend on the
                # order gradients were compiled in
                k = zlib.crc32(str(error).encode()) & 0x7FFFFFFF
                while k in self.errors and str(self.errors[k]) != str(error):
                    k += 1
                self.errors[k] = error
                shares = self._bound("shares_memory", self.helpers.shares_memory)
                raised = self._bound("SharedWrite", self.helpers.SharedWrite)
                tests = [ast.Call(_name(shares), [copy.deepcopy(call.args[0]), other], []) for other in call.args[1:]]
                test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.Or(), tests)
                block[i] = ast.If(test, [ast.Raise(ast.Call(_name(raised), [ast.Constant(k)], []), None)], [])

    # -- tapes -----------------------------------------------------------------------------------------------

    def tapes(self):
        found = []
        for depth_block in self._blocks_with_depth(self.tree, 0):
            depth, block = depth_block
            for stmt in block:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                        and isinstance(stmt.value, ast.List) and not stmt.value.elts:
                    found.append((depth, block, stmt))
        for _, block, stmt in sorted(found, key=lambda f: -f[0]):  # inner loops' tapes first
            self.tape(block, stmt)

    def saved_tapes(self):
        """A called function's backward function walks the tape its forward function kept (unpacked from
        ``saved``, no ``tape = []`` here): by index."""
        for loop in [n for n in ast.walk(self.tree) if isinstance(n, ast.For) and self.walks_reversed(n)]:
            self.index_loop(loop, loop.iter.args[0].id)

    def walks_reversed(self, loop) -> bool:
        """``for v in reversed(t):`` over a name ``t``."""
        it = loop.iter
        return isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "reversed" \
            and "reversed" not in self.local and len(it.args) == 1 and isinstance(it.args[0], ast.Name)

    def _blocks_with_depth(self, node, depth):
        for field in ("body", "orelse"):
            block = getattr(node, field, None)
            if isinstance(block, list):
                yield depth, block
                for stmt in block:
                    yield from self._blocks_with_depth(stmt, depth + 1)

    def tape(self, block, init):
        t = init.targets[0].id
        appends = [n for n in ast.walk(self.tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
                   and isinstance(n.value.func, ast.Attribute) and n.value.func.attr == "append"
                   and isinstance(n.value.func.value, ast.Name) and n.value.func.value.id == t]
        backward = [n for n in ast.walk(self.tree) if isinstance(n, ast.For) and self.walks_reversed(n)
                    and n.iter.args[0].id == t]
        if len(backward) != 1:
            return
        reverse = backward[0]
        start = block.index(init)
        forward = next((s for s in block[start + 1:] if isinstance(s, (ast.For, ast.While))
                        and any(a in _loop_direct(s) for a in appends)), None)
        if len(appends) == 1 and isinstance(forward, ast.For) and not forward.orelse and self.over_range(forward) \
                and self.only_known_uses(t, init, appends[0], reverse):
            self.tape_arrays(block, init, forward, appends[0], reverse)
        else:
            self.index_loop(reverse, t)

    def over_range(self, loop) -> bool:
        return self.over_range_call(loop.iter)

    def only_known_uses(self, t, init, append, reverse) -> bool:
        """Is every other mention of ``t`` an entry of an enclosing loop's tape (a whole tuple item)?"""
        known = {id(init.targets[0]), id(append.value.func.value), id(reverse.iter.args[0])}
        allowed = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Tuple):
                allowed |= {id(e) for e in node.elts if isinstance(e, ast.Name) and e.id == t}
        return all(id(n) in known or id(n) in allowed for n in ast.walk(self.tree)
                   if isinstance(n, ast.Name) and n.id == t)

    def index_loop(self, reverse, t):
        """``for v in reversed(t):`` -> ``for step in range(len(t) - 1, -1, -1): v = t[step]``."""
        step = self.namer.fresh("step")
        start = ast.BinOp(ast.Call(_name("len"), [_name(t)], []), ast.Sub(), ast.Constant(1))
        reverse.body = [_assign(self.as_store(reverse.target), ast.Subscript(_name(t), _name(step), ast.Load()))] \
            + reverse.body
        reverse.iter = ast.Call(_name("range"), [start, ast.Constant(-1), ast.Constant(-1)], [])
        reverse.target = _name(step, True)

    def as_store(self, target):
        target = copy.deepcopy(target)
        for n in ast.walk(target):
            if isinstance(n, (ast.Name, ast.Tuple)):
                n.ctx = ast.Store()
        return target

    def assigned_once_at_top(self, name, reverse) -> bool:
        """Is ``name`` bound by exactly one statement, at the top level of the function (so it holds one
        value wherever it is read after that), besides the reversed loop's target (which no longer binds
        it when it is not kept)?"""
        rebinding = {id(n) for n in ast.walk(reverse.target)}
        stores = [n for n in ast.walk(self.tree) if isinstance(n, ast.Name) and n.id == name
                  and isinstance(n.ctx, ast.Store) and id(n) not in rebinding]
        params = [a.arg for a in self.tree.args.args]
        if name in params:
            return not stores
        top = [s for s in self.tree.body if any(n in stores for n in ast.walk(s))]
        return len(stores) == 1 and len(top) == 1 and isinstance(top[0], ast.Assign) \
            and top[0].targets[0] in stores

    def tape_arrays(self, block, init, forward, append, reverse):
        t = init.targets[0].id
        value = append.value.args[0]
        entries = value.elts if isinstance(value, ast.Tuple) else [value]
        targets = reverse.target.elts if isinstance(reverse.target, ast.Tuple) else [reverse.target]
        if len(entries) != len(targets):
            self.index_loop(reverse, t)
            return
        steps, step = self.namer.fresh("steps"), self.namer.fresh("step")
        length = ast.Call(_name("len"), [copy.deepcopy(forward.iter)], [])
        before_forward = [_assign(steps, ast.Constant(0))]
        stores, reads, kept, kept_targets, before_reverse = [], [], [], [], []
        assigned_in_reverse = _stored(ast.Module(reverse.body, []))
        counted = self.counted_index(forward, append)
        definitions = self.recomputable(forward, append, counted, entries, reverse)
        recomputed = []
        for entry, target in zip(entries, targets):
            name = entry.id if isinstance(entry, ast.Name) else None
            if name is not None and name in definitions and isinstance(target, ast.Name) and target.id == name:
                recomputed.append(name)  # computed again from what the tape holds: less memory to move
                continue
            if name is not None and name == counted and isinstance(target, ast.Name):
                # the loop's own index: the step-th iteration's is the step-th number of the range
                start = forward.iter.args[0] if len(forward.iter.args) == 2 else None
                reads.append(_assign(target.id, _name(step) if start is None else
                                     ast.BinOp(copy.deepcopy(start), ast.Add(), _name(step))))
                continue
            like = self.is_call_of(entry, self.helpers_like) and isinstance(entry.args[0], ast.Name)
            kind = self.kinds.get(entry.args[0].id if like else name) if (like or name) else None
            if like and kind is not None and isinstance(target, ast.Name) and self.zero(kind) is not None:
                stand_in = _assign(target.id, self.zero(kind))
                (reads if target.id in assigned_in_reverse or kind.kind != "array" else before_reverse).append(stand_in)
            elif name and isinstance(target, ast.Name) and self.assigned_once_at_top(name, reverse) \
                    and not (target.id != name and target.id in assigned_in_reverse):
                if target.id != name:
                    reads.append(_assign(target.id, _name(name)))
            elif name and isinstance(target, ast.Name) and kind is not None and (
                    kind.kind in ("float", "int", "bool", "scalar") or (kind.kind == "array" and not self.writes)):
                column = self.namer.fresh(f"{t}_{target.id}")
                extent = list(kind.shape) if kind.kind == "array" else []
                shape = ast.Tuple([copy.deepcopy(length)] + [ast.Constant(n) for n in extent], ast.Load()) \
                    if extent else copy.deepcopy(length)
                dtype = [] if numpy.dtype(kind.dtype) == numpy.float64 else [self.dtype(kind.dtype)]
                before_forward.append(_assign(column, ast.Call(ast.Attribute(_name(self.np), "empty", ast.Load()),
                                                               [shape] + dtype, [])))
                stores.append(_assign(ast.Subscript(_name(column), _name(steps), ast.Store()), _name(name)))
                reads.append(_assign(target.id, ast.Subscript(_name(column), _name(step), ast.Load())))
                self.group(t).append(column)
            else:
                kept.append(entry)
                kept_targets.append(target)
        if kept:
            before_forward.append(_assign(t, ast.List([], ast.Load())))
            stores.append(ast.Expr(ast.Call(ast.Attribute(_name(t), "append", ast.Load()),
                                            [ast.Tuple(kept, ast.Load())], [])))
            reads.append(_assign(self.as_store(ast.Tuple(kept_targets, ast.Load())),
                                 ast.Subscript(_name(t), _name(step), ast.Load())))
            self.group(t).append(t)
        stores.append(_assign(steps, ast.BinOp(_name(steps), ast.Add(), ast.Constant(1))))
        self.group(t).insert(0, steps)
        needed = set()
        for name in recomputed:
            needed |= definitions[name][1]
        if counted is not None and any(isinstance(n, ast.Name) and n.id == counted for name in needed
                                       for n in ast.walk(definitions[name][0].value)) \
                and not any(isinstance(r, ast.Assign) and isinstance(r.targets[0], ast.Name)
                            and r.targets[0].id == counted for r in reads):
            # a value computed again from the loop's index, which the tape does not hold (or holds under
            # another name): the step-th index, bound in the reversed loop, not the forward loop's last one
            start = forward.iter.args[0] if len(forward.iter.args) == 2 else None
            reads.append(_assign(counted, _name(step) if start is None else
                                 ast.BinOp(copy.deepcopy(start), ast.Add(), _name(step))))
        reads += [copy.deepcopy(stmt) for name, (stmt, _) in definitions.items() if name in needed]
        # the forward loop: allocate before it, store instead of appending
        block.remove(init)
        at = block.index(forward)
        block[at:at] = before_forward
        self.replace_statement(forward, append, stores)
        # the reversed loop
        reverse.iter = ast.Call(_name("range"), [ast.BinOp(_name(steps), ast.Sub(), ast.Constant(1)),
                                                 ast.Constant(-1), ast.Constant(-1)], [])
        reverse.target = _name(step, True)
        reverse.body = reads + reverse.body
        if before_reverse:
            for outer in blocks(self.tree):
                if reverse in outer:
                    at = outer.index(reverse)
                    outer[at:at] = before_reverse
                    break
        self.expand(t)

    def recomputable(self, forward, append, counted, entries, reverse) -> dict:
        """name -> (its statement, the names whose statements recompute it, itself included) for the
        scalars the forward loop's body computes, before it appends, from what the reversed loop has:
        the loop's index, scalar entries stored after the append (a carried value), values bound once at
        the top of the function, arrays no statement writes into (``x[i]``), and each other. Each is the
        same computation on the same values, so it gives the same number. Their names must not be read
        outside the two loops (the reversed loop binds them)."""
        if self.writes:
            return {}
        body = forward.body
        q = body.index(append) if append in body else -1
        if q < 0:
            return {}
        position = {}
        for k, stmt in enumerate(body):
            for name in _stored(ast.Module([stmt], [])):
                position.setdefault(name, []).append(k)
        entry_names = {e.id for e in entries if isinstance(e, ast.Name)}
        inside = {id(n) for loop in (forward, reverse) for n in ast.walk(loop)}
        read_outside = {n.id for n in ast.walk(self.tree) if isinstance(n, ast.Name) and id(n) not in inside}
        found = {}

        def available(name, p) -> bool:
            if name == counted:  # bound in the reversed loop to the step-th index (tape_arrays)
                return name not in read_outside
            if name in found:
                return True
            stores = position.get(name, [])
            scalar = getattr(self.kinds.get(name), "kind", None) in ("float", "int", "bool", "scalar")
            if not stores:
                return self.assigned_once_at_top(name, reverse)
            return name in entry_names and scalar and all(k > q for k in stores)

        def operands_ok(node, p) -> bool:
            if isinstance(node, ast.Constant):
                return True
            if isinstance(node, ast.Name):
                return available(node.id, p)
            if isinstance(node, ast.BinOp):
                return operands_ok(node.left, p) and operands_ok(node.right, p)
            if isinstance(node, ast.UnaryOp):
                return operands_ok(node.operand, p)
            if isinstance(node, ast.Compare) and len(node.comparators) == 1:
                return operands_ok(node.left, p) and operands_ok(node.comparators[0], p)
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                array = self.kinds.get(node.value.id)
                return getattr(array, "kind", None) == "array" and not position.get(node.value.id) \
                    and self.assigned_once_at_top(node.value.id, reverse) and operands_ok(node.slice, p)
            if isinstance(node, ast.Tuple):
                return all(operands_ok(e, p) for e in node.elts)
            return False

        for p, stmt in enumerate(body[:q]):
            if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
                continue
            name = stmt.targets[0].id
            kind = getattr(self.kinds.get(name), "kind", None)
            if kind in ("float", "int", "bool", "scalar") and position.get(name) == [p] \
                    and name not in read_outside and operands_ok(stmt.value, p):
                needs = {name}
                for n in ast.walk(stmt.value):
                    if isinstance(n, ast.Name) and n.id in found:
                        needs |= found[n.id][1]
                found[name] = (stmt, needs)
        return found

    def counted_index(self, forward, append):
        """The loop's index, if the step-th entry is always the range's step-th number: the loop appends
        once in every iteration it finishes (at the top of its body; no ``continue``), never rebinds its
        index, and its range starts at a constant with step 1."""
        index = forward.target.id if isinstance(forward.target, ast.Name) else None
        args = forward.iter.args
        if index is None or append not in forward.body or not (
                len(args) == 1 or len(args) == 2 and isinstance(args[0], ast.Constant) and type(args[0].value) is int):
            return None
        body = ast.Module(forward.body, [])
        if index in _stored(body) or any(isinstance(n, ast.Continue) for s in _loop_direct(forward)
                                         for n in ast.walk(s)):
            return None
        return index

    @property
    def helpers_like(self):
        from ..runtime.broadcast import like
        return like

    def group(self, t) -> list:
        groups = self.__dict__.setdefault("groups", {})
        return groups.setdefault(t, [])

    def replace_statement(self, root, old, new: list):
        for block in blocks(root):
            if old in block:
                at = block.index(old)
                block[at:at + 1] = new
                return

    def expand(self, t):
        """Where an enclosing loop's tape holds ``t``, it holds the names ``t`` became."""
        names = self.group(t)
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Tuple):
                for i, e in enumerate(node.elts):
                    if isinstance(e, ast.Name) and e.id == t:
                        node.elts[i] = ast.Tuple([ast.Name(n, type(e.ctx)()) for n in names], type(e.ctx)())

    # -- adjoints accumulated in place -----------------------------------------------------------------------

    def in_place(self):
        # compiled, written_part copies: a part of the adjoint read in the loop is no view of it
        InPlace(self.value_of, self.kinds, views_escape=False).run(self.tree)
