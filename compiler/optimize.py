"""Stage 7: clean up generated code.

Copy coalescing (``dy = da_1`` renames ``da_1`` to ``dy``), copy
propagation (``da = dc`` then uses of ``da`` read ``dc``), folding of
constant arithmetic (``2 - 1``, ``x ** 1``, ``x * 1``) in generated
adjoints -- never in the user's own statements, where ``b = x * 1.0`` makes
a new array that may be written into -- and dead-code elimination.
Generated assignments are pure, so one whose targets are never read again
can go; expression statements (a tape's ``append``) and ``break`` always
stay. Copies are propagated only within a straight run of statements (a
region starts afresh), and coalesced only at the top level, so a loop's back
edge never carries a renaming. Arithmetic on non-constant operands is never
folded: ``0 * x`` is not ``0`` when ``x`` is inf or NaN.
"""
import ast
import itertools
import operator
from itertools import repeat
from operator import contains

import numpy

from .names import helper_name
from .inline import inline_temporaries
from .negations import carry_negations
from .pyast import is_comment
from .trees import child_fields, name_nodes, name_sets, statement_list

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}
_COMPOUND = (ast.If, ast.For, ast.While)


_names_memo: dict = {}  # id(node) -> (node, (loaded, stored, mentioned)), while statements keep their names


def _name_sets(node) -> tuple:
    """The names ``node`` loads, stores and mentions at all (helpers aside), from one walk, remembered."""
    hit = _names_memo.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if type(node) in _COMPOUND:  # its parts', which are asked for too: each part walked once
        loaded, stored, mentioned = set(), set(), set()
        for part in _parts(node):
            part_loaded, part_stored, part_mentioned = _name_sets(part)
            loaded |= part_loaded
            stored |= part_stored
            mentioned |= part_mentioned
        sets = (loaded, stored, mentioned)
    else:
        sets = name_sets(node)
    _names_memo[id(node)] = (node, sets)
    return sets


def _parts(stmt) -> list:
    """A region's header expressions and the statements of its blocks."""
    headers = [stmt.target, stmt.iter] if type(stmt) is ast.For else [stmt.test]
    return headers + stmt.body + stmt.orelse


def _forget(stmt) -> None:
    """What is remembered of the names of ``stmt`` and of its parts, whose names are changing."""
    _names_memo.pop(id(stmt), None)
    if type(stmt) in _COMPOUND:
        for part in _parts(stmt):
            _forget(part)


def _loaded(node) -> set[str]:
    return _name_sets(node)[0]


def _stored(node) -> set[str]:
    return _name_sets(node)[1]


def _mentions(node) -> set[str]:
    return _name_sets(node)[2]


def _is_copy(stmt) -> bool:
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
        and isinstance(stmt.value, ast.Name)


def _is_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


class _Rewrite:
    """Reads through the copies in force, and folds constant arithmetic: ``visit`` rewrites an expression in
    place and returns it, or what replaces it. (A plain recursion over the fields that can hold names, as
    ``trees.Transformer`` walks them, without its dispatch: it runs over every generated statement.)"""

    def __init__(self, copies):
        self.copies = copies
        self.fold = True
        self.renamed = False  # whether a read was renamed (folding changes no name)

    def visit(self, node):
        kind = type(node)
        if kind is ast.Name:
            if node.id in self.copies and isinstance(node.ctx, ast.Load) and "ssagrad_helper" not in node.__dict__:
                self.renamed = True
                return ast.copy_location(ast.Name(self.copies[node.id], ast.Load()), node)
            return node
        if kind is ast.Constant:
            return node
        fields = node.__dict__
        for field in child_fields(kind):
            value = fields.get(field)
            if type(value) is list:
                for i, item in enumerate(value):
                    if isinstance(item, ast.AST):
                        new = self.visit(item)
                        if new is not item:
                            value[i] = new
            elif isinstance(value, ast.AST):
                new = self.visit(value)
                if new is not value:
                    setattr(node, field, new)
        if not self.fold:
            return node
        if kind is ast.BinOp:
            return self.folded(node)
        if kind is ast.Call and _is_numpy(node.func, "negative") and len(node.args) == 1 and not node.keywords \
                and _is_number(node.args[0]):  # a rule's np.negative(shift) of a constant shift
            return ast.copy_location(ast.Constant(-node.args[0].value), node)
        return node

    @staticmethod
    def folded(node):
        if _is_number(node.left) and _is_number(node.right) and type(node.op) in _FOLD:
            return ast.copy_location(ast.Constant(_FOLD[type(node.op)](node.left.value, node.right.value)), node)
        if isinstance(node.op, ast.Pow) and _is_number(node.right) and node.right.value == 1:
            return node.left
        if isinstance(node.op, ast.Mult) and _is_number(node.right) and node.right.value == 1:
            return node.left
        if isinstance(node.op, ast.Mult) and _is_number(node.left) and node.left.value == 1:
            return node.right
        return node


def _is_numpy(func, name: str) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == name and isinstance(func.value, ast.Name) \
        and getattr(func.value, "ssagrad_helper", None) is numpy


def _rename(stmt, old: str, new: str) -> None:
    for node in name_nodes(stmt):
        if node.id == old and "ssagrad_helper" not in node.__dict__:
            node.id = new


# -- copies -------------------------------------------------------------------------
def coalesce_copies(body, result):
    """Drop a top-level ``t = s`` by renaming ``s`` to ``t`` where ``s`` is generated and not read afterwards.

    This keeps the later name, which for adjoints is the one closer to the
    inputs (``dy = da_1`` leaves ``dy``, the gradient the user asked for).
    Where the target is assigned again later, copy propagation does better.
    """
    # names each statement stores and mentions, computed once and kept up to date through renames
    _names_memo.clear()
    sets = [_name_sets(st) for st in body]
    stored = [names[1] for names in sets]
    mentioned = [names[2] for names in sets]
    in_result = _mentions(result)
    parameters = upward_exposed(body)  # bound when the body starts (a callee's incoming gradient): never renamed
    index = 0
    while index < len(body):
        stmt = body[index]
        if _is_copy(stmt):
            target, source = stmt.targets[0].id, stmt.value.id
            # (``map`` of ``in`` over the statements' names: a generator costs more than the tests)
            assigned_before = any(map(contains, stored[:index], repeat(source)))
            seen_before = any(map(contains, mentioned[:index], repeat(target)))
            used_after = any(map(contains, mentioned[index + 1:], repeat(source))) or source in in_result
            target_changes = any(map(contains, stored[index + 1:], repeat(target)))
            if assigned_before and not seen_before and not used_after and not target_changes \
                    and source not in parameters:
                for i in range(index):
                    if source in mentioned[i]:
                        _forget(body[i])
                        _rename(body[i], source, target)
                        stored[i] = {target if n == source else n for n in stored[i]}
                        mentioned[i] = {target if n == source else n for n in mentioned[i]}
                del body[index], stored[index], mentioned[index]
                continue
        index += 1
    return body, result


def propagate_copies(body, result=None):
    """Replace reads of copies by their sources within each straight run of statements. What is remembered
    of the names of a statement whose reads change is forgotten (of a region, always)."""
    copies = {}
    rewrite = _Rewrite(copies)
    for stmt in body:
        if hasattr(stmt, "ssagrad_comment"):  # a comment
            continue
        if isinstance(stmt, _COMPOUND):
            for field in ("test", "iter"):
                if hasattr(stmt, field):
                    rewrite.fold = True
                    header = getattr(stmt, field)
                    _names_memo.pop(id(header), None)
                    setattr(stmt, field, rewrite.visit(header))
            for block in (stmt.body, stmt.orelse):
                propagate_copies(block)
            _names_memo.pop(id(stmt), None)
            copies.clear()  # assignments inside the region end what we knew
            continue
        if hasattr(stmt, "value"):
            rewrite.fold = not getattr(stmt, "ssagrad_primal", False)
            rewrite.renamed = False
            value = stmt.value
            stmt.value = rewrite.visit(value)
            if rewrite.renamed:
                _names_memo.pop(id(stmt), None)
                _names_memo.pop(id(value), None)
        if copies:
            for target in _stored(stmt):
                copies.pop(target, None)
                for key in [k for k, v in copies.items() if v == target]:
                    del copies[key]
        if _is_copy(stmt) and stmt.targets[0].id != stmt.value.id:
            copies[stmt.targets[0].id] = stmt.value.id
    if result is None:
        return body, None
    _names_memo.pop(id(result), None)
    return body, rewrite.visit(result)


# -- dead code ------------------------------------------------------------------------
def _live_in(stmts, live: set) -> set:
    """Names live before ``stmts`` given those live after (no changes made): a set of its own."""
    live = set(live)  # taken back over the assignments in place (copying it at each costs more)
    for stmt in reversed(stmts):
        if isinstance(stmt, ast.Assign):
            _take_back(stmt, live)
        else:
            live = _live_before(stmt, live)
    return live


def upward_exposed(stmts, bound=frozenset()) -> set:
    """Names ``stmts`` may read before assigning them: what must already be bound when they start.

    ``bound`` names are assigned already. A name assigned in only one branch, or in a loop body
    (which may not run), is not bound after it.
    """
    bound = set(bound)
    exposed = set()
    for stmt in stmts:
        if hasattr(stmt, "ssagrad_comment"):  # a comment
            continue
        if isinstance(stmt, ast.If):
            exposed |= _loaded(stmt.test) - bound
            then_bound, else_bound = set(bound), set(bound)
            exposed |= _exposed_and_bound(stmt.body, then_bound) | _exposed_and_bound(stmt.orelse, else_bound)
            bound |= then_bound & else_bound
        elif isinstance(stmt, (ast.For, ast.While)):
            header = stmt.iter if isinstance(stmt, ast.For) else stmt.test
            exposed |= _loaded(header) - bound
            inner = bound | (_stored(stmt.target) if isinstance(stmt, ast.For) else set())
            exposed |= upward_exposed(stmt.body, inner)
        else:
            loaded, stored, _ = _name_sets(stmt)
            exposed.update(name for name in loaded if name not in bound)
            bound |= stored
    return exposed


def _exposed_and_bound(stmts, bound: set) -> set:
    """``upward_exposed`` of a branch, adding to ``bound`` what the branch assigns on every path."""
    exposed = upward_exposed(stmts, bound)
    for stmt in stmts:
        if isinstance(stmt, ast.Assign):
            bound |= _stored(stmt)
    return exposed


_loop_memo: dict = {}  # (id(loop), live after it) -> (loop, live at its top), while dead code is eliminated


def _loop_live(stmt, live_after: set) -> set:
    """Names live at the top of a loop body: a fixed point over the back edge. (Asked several times of each
    loop, and of nested loops once per round of the outer one: remembered while the statements stay put --
    dropping dead code from the body does not change it.)"""
    key = (id(stmt), frozenset(live_after))
    hit = _loop_memo.get(key)
    if hit is not None and hit[0] is stmt:
        return hit[1]
    at_top = _loop_fixed_point(stmt, live_after)
    _loop_memo[key] = (stmt, at_top)
    return at_top


def _loop_fixed_point(stmt, live_after: set) -> set:
    at_top = set()
    while True:
        at_end = live_after | at_top | (_loaded(stmt.test) if isinstance(stmt, ast.While) else set())
        new = _live_in(stmt.body, at_end)
        if new <= at_top:
            return at_top
        at_top |= new


def _has_effect(stmts, live: set) -> bool:
    """Does anything in ``stmts`` matter when ``live`` is what is read afterwards?"""
    for stmt in stmts:
        if is_comment(stmt):
            continue
        if isinstance(stmt, ast.Assign):
            if (_stored(stmt) | _writes_into(stmt)) & live or getattr(stmt, "ssagrad_keep", False):
                return True
        elif isinstance(stmt, ast.If):
            if _has_effect(stmt.body, live) or _has_effect(stmt.orelse, live):
                return True
        elif isinstance(stmt, ast.For):
            if _has_effect(stmt.body, live | _loop_live(stmt, live)):
                return True
        elif not isinstance(stmt, ast.Pass):
            return True  # an expression statement (a tape's append), break, while
    return False


def _live_before(stmt, live: set) -> set:
    if is_comment(stmt):
        return live
    if isinstance(stmt, ast.If):
        if not _has_effect([stmt], live):
            return live
        return _live_in(stmt.body, live) | _live_in(stmt.orelse, live) | _loaded(stmt.test)
    if isinstance(stmt, ast.For):
        if not _has_effect([stmt], live):
            return live
        return (live | _loop_live(stmt, live)) - _stored(stmt.target) | _loaded(stmt.iter)
    if isinstance(stmt, ast.While):
        return live | _loop_live(stmt, live) | _loaded(stmt.test)
    if isinstance(stmt, ast.Assign):
        live = set(live)
        _take_back(stmt, live)
        return live
    return live | _loaded(stmt)


def _take_back(stmt, live: set) -> bool:
    """``live``, the names live after an assignment, made those live before it, in place; False (``live``
    unchanged) when the assignment is dead: it is not kept, and nothing it binds or writes into is read."""
    targets = stmt.targets
    if len(targets) == 1 and type(targets[0]) is ast.Name:  # most: name = value
        loaded, stored, _ = _name_sets(stmt)
        if stored.isdisjoint(live) and not getattr(stmt, "ssagrad_keep", False):
            return False
        live.difference_update(stored)
        live.update(loaded)
        return True
    keep = getattr(stmt, "ssagrad_keep", False)
    stored, into = _stored(stmt), _writes_into(stmt)
    if not (keep or not stored.isdisjoint(live) or not into.isdisjoint(live)):
        return False
    if into:  # a[i] = v: a read and an update of a
        if keep or not into.isdisjoint(live):
            live.update(_loaded(stmt))
        return True
    # what the value reads: what the statement reads, when its targets are names
    reads = _loaded(stmt) if all(type(t) is ast.Name for t in stmt.targets) else _loaded(stmt.value)
    live.difference_update(stored)
    live.update(reads)
    return True


_NO_NAMES = frozenset()


def _writes_into(stmt):
    """The arrays an assignment writes into (``a`` in ``a[i] = v``)."""
    targets = stmt.targets
    if len(targets) == 1 and type(targets[0]) is ast.Name:  # most
        return _NO_NAMES
    return {t.value.id for t in targets if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)}


def eliminate_dead_code(stmts, live: set) -> list:
    """``stmts`` without assignments nobody reads, and without regions left empty."""
    kept = []
    live = set(live)  # taken back over the assignments in place
    for stmt in reversed(stmts):
        if is_comment(stmt):
            if kept and not is_comment(kept[-1]):  # keep a comment only above statements
                kept.append(stmt)
            continue
        if isinstance(stmt, ast.Assign):
            if _is_copy(stmt) and stmt.targets[0].id == stmt.value.id or not _take_back(stmt, live):  # x = x, dead
                continue
            kept.append(stmt)
            continue
        if isinstance(stmt, _COMPOUND):
            _names_memo.pop(id(stmt), None)  # its blocks lose statements: what it names is taken again
        if isinstance(stmt, ast.If):
            stmt.body = eliminate_dead_code(stmt.body, live)
            stmt.orelse = eliminate_dead_code(stmt.orelse, live)
            if all(isinstance(s, ast.Pass) for s in stmt.body + stmt.orelse):  # nothing left in either branch
                continue
            if not stmt.body:
                stmt.body = [ast.Pass()]
        elif isinstance(stmt, (ast.For, ast.While)):
            at_end = live | _loop_live(stmt, live) | (_loaded(stmt.test) if isinstance(stmt, ast.While) else set())
            stmt.body = eliminate_dead_code(stmt.body, at_end)
            if not stmt.body or all(isinstance(s, ast.Pass) for s in stmt.body):
                if isinstance(stmt, ast.For):
                    continue
                stmt.body = [ast.Pass()]
        live = _live_before(stmt, live)
        kept.append(stmt)
    kept.reverse()
    return [s for s in kept if not isinstance(s, ast.Pass)] or ([ast.Pass()] if any(
        isinstance(s, ast.Pass) for s in kept) else [])


def optimize(body: list[ast.stmt], result: ast.expr):
    """The optimized ``(body, result)``; ``result`` is the expression the function returns."""
    body, result = coalesce_copies(body, result)
    # what is remembered of each statement's names holds from here on: carrying a sign changes no name, and
    # propagation forgets the statements whose reads it changes
    body = carry_negations(body, result, lambda stmt: _name_sets(stmt)[:2])
    body, result = propagate_copies(body, result)
    try:
        body = eliminate_dead_code(body, _loaded(result))
        if prune_tapes(body):  # what fed only the dropped entries is dead now
            _loop_memo.clear()
            body = eliminate_dead_code(body, _loaded(result))
        return inline_temporaries(body, result), result
    finally:
        _forget_all()


def _forget_all() -> None:
    _names_memo.clear()
    _loop_memo.clear()


def prune_tapes(body) -> bool:
    """Drop the tape entries a reversed loop never reads (a specialized body reads fewer values than the
    generic one the tape was planned for), from the loop's unpacking and from every append to that tape;
    a tape left with nothing to hold becomes a count of the iterations. What is remembered of the names of
    the statements it changes is forgotten."""
    changed = False
    for loop in [s for s in statement_list(body) if isinstance(s, ast.For) and isinstance(s.iter, ast.Call)
                 and getattr(s.iter.func, "ssagrad_helper", None) is reversed and len(s.iter.args) == 1
                 and isinstance(s.iter.args[0], ast.Name) and isinstance(s.target, (ast.Tuple, ast.Name))]:
        tape = loop.iter.args[0].id
        targets = loop.target.elts if isinstance(loop.target, ast.Tuple) else [loop.target]
        read = set().union(*(_mentions(stmt) for stmt in loop.body))
        keep = [i for i, t in enumerate(targets) if isinstance(t, ast.Name) and t.id in read]
        if len(keep) == len(targets):
            continue
        changed = True
        _names_memo.pop(id(loop), None)
        if not keep:
            _count_instead(body, loop, tape)
            _names_memo.clear()  # the tape's name is the count's now, wherever it was
            continue
        for stmt in _appends(body, tape):
            call = stmt.value
            _names_memo.pop(id(stmt), None)
            if isinstance(call.args[0], ast.Tuple) and len(call.args[0].elts) == len(targets):
                items = [call.args[0].elts[i] for i in keep]
                call.args[0] = items[0] if len(items) == 1 else ast.Tuple(items, ast.Load())
        kept = [targets[i] for i in keep]
        loop.target = kept[0] if len(kept) == 1 else ast.Tuple(kept, ast.Store())
    return changed


def _appends(body, tape: str) -> list[ast.Expr]:
    """The ``tape.append(...)`` statements in ``body``."""
    return [stmt for stmt in statement_list(body) if isinstance(stmt, ast.Expr)
            and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "append" and isinstance(stmt.value.func.value, ast.Name)
            and stmt.value.func.value.id == tape]


def _count_instead(body, loop: ast.For, tape: str) -> None:
    """``count = 0``, ``count = count + 1`` and ``for _ in range(count)`` for a tape of empty entries
    (an outer loop's tape saving the inner tape saves the count instead)."""
    taken = {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    spellings = itertools.chain(["count"], (f"count_{i}" for i in itertools.count(1)))
    count = next(name for name in spellings if name not in taken)
    appends = {id(stmt.value) for stmt in _appends(body, tape)}

    def rewrite(statements):
        for i, stmt in enumerate(statements):
            if isinstance(stmt, ast.Expr) and id(stmt.value) in appends:
                statements[i] = ast.Assign([ast.Name(count, ast.Store())], ast.BinOp(
                    ast.Name(count, ast.Load()), ast.Add(), ast.Constant(1)), lineno=0)
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.List) and not stmt.value.elts \
                    and [getattr(t, "id", None) for t in stmt.targets] == [tape]:
                stmt.value = ast.Constant(0)
            for field in ("body", "orelse"):
                rewrite(getattr(stmt, field, None) or [])
    rewrite(body)
    loop.iter = ast.Call(helper_name("range", range), [ast.Name(tape, ast.Load())], [])
    loop.target = ast.Name("_", ast.Store())
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and node.id == tape:
                node.id = count
