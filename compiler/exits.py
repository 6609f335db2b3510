"""Lowering ``break``, ``continue`` and early ``return`` to flags, so every region has one exit.

After this pass the only ``return`` is the last statement of the function,
and loops end each iteration at the bottom of their body. A loop that
breaks carries a flag (``broke``) that its header checks after the
iteration (``node.ssagrad_break``); code after a statement that may leave
the iteration or the function is guarded by ``if not <flag>:``. Loops
without such statements, and functions with one final ``return``, are left
as they are.

On the path that leaves, a name the guarded code reads may never have been
assigned (``if c: return a`` / ``else: r = ...`` / ``return r``): Python
never reads it there, but SSA form needs a value on every path into a
merge, so the leaving path binds it to ``None`` (only names that hold no
value there, so nothing is overwritten that is read later).
"""
import ast
from collections import Counter

from .names import Namer
from .trees import walk


def _name(identifier, store=False):
    return ast.Name(identifier, ast.Store() if store else ast.Load())


def _set(flag, value, origin):
    return ast.copy_location(ast.Assign([_name(flag, True)], ast.Constant(value)), origin)


def _leaving(stmts):
    """Mark the last of the statements that leave (set the flags), where unbound names get ``None``."""
    stmts[-1].ssagrad_leave = True
    return stmts


def _contains(node, kinds, into_loops):
    """Does ``node`` hold one of ``kinds`` (statements) that leaves it (not one inside a nested loop or def)?
    Only statement lists are searched: an expression holds no statement."""
    if isinstance(node, kinds):
        return True
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    if isinstance(node, (ast.For, ast.While)) and not into_loops:
        return any(_contains(s, kinds, into_loops) for s in node.orelse)
    return any(_contains(child, kinds, into_loops) for field in _STATEMENT_LISTS
               for child in getattr(node, field, None) or () if isinstance(child, ast.AST))


# the fields that hold statements (a try's handlers and a match's cases hold them in turn)
_STATEMENT_LISTS = ("body", "orelse", "handlers", "finalbody", "cases")


class _Loop:
    def __init__(self, broke, skip):
        self.broke = broke  # set by break (and return): stop looping after this iteration
        self.skip = skip    # set by break, continue and return: skip the rest of this iteration


class ExitLowering:
    def __init__(self, namer: Namer, result_name: str):
        self.namer = namer
        self.result = result_name
        self.returned = None  # the flag, when the function returns early
        self.flagged = False  # did lowering make any flag

    def function(self, body: list[ast.stmt]) -> list[ast.stmt]:
        returns = [n for s in body for n in walk(s) if isinstance(n, ast.Return)]
        if len(returns) <= 1 and body and isinstance(body[-1], ast.Return):
            return self.block(body, None)
        self.returned = self.namer.fresh("returned")
        self.flagged = True
        origin = body[0] if body else ast.Pass()
        start = [_set(self.returned, False, origin),
                 ast.copy_location(ast.Assign([_name(self.result, True)], ast.Constant(None)), origin)]
        end = ast.copy_location(ast.Return(_name(self.result)), returns[-1] if returns else origin)
        return start + self.block(body, None) + [end]

    def block(self, stmts, loop) -> list[ast.stmt]:
        out = []
        for index, stmt in enumerate(stmts):
            leaves = self.may_leave(stmt, loop)  # before lowering replaces the exits by flags
            out += self.statement(stmt, loop)
            if leaves and index + 1 < len(stmts):
                rest = self.block(stmts[index + 1:], loop)
                flag = loop.skip if loop else self.returned
                guard = ast.copy_location(ast.UnaryOp(ast.Not(), _name(flag)), stmts[index + 1])
                out.append(ast.copy_location(ast.If(guard, rest, []), stmts[index + 1]))
                break
        return out

    def may_leave(self, stmt, loop) -> bool:
        if loop is not None:
            return _contains(stmt, (ast.Break, ast.Continue, ast.Return), into_loops=False) \
                or (self.returned is not None and _contains(stmt, ast.Return, into_loops=True))
        return self.returned is not None and _contains(stmt, ast.Return, into_loops=True)

    def statement(self, stmt, loop) -> list[ast.stmt]:
        if isinstance(stmt, ast.Return):
            if self.returned is None:
                return [stmt]
            value = stmt.value if stmt.value is not None else ast.Constant(None)
            out = [ast.copy_location(ast.Assign([_name(self.result, True)], value), stmt),
                   _set(self.returned, True, stmt)]
            if loop is not None:
                out += [_set(loop.broke, True, stmt), _set(loop.skip, True, stmt)]
            return _leaving(out)
        if isinstance(stmt, ast.Break):
            return _leaving([_set(loop.broke, True, stmt), _set(loop.skip, True, stmt)])
        if isinstance(stmt, ast.Continue):
            return _leaving([_set(loop.skip, True, stmt)])
        if isinstance(stmt, ast.If):
            stmt.body = self.block(stmt.body, loop) or [ast.Pass()]
            stmt.orelse = self.block(stmt.orelse, loop)
            return [stmt]
        if isinstance(stmt, (ast.For, ast.While)):
            return self.loop(stmt, loop)
        return [stmt]

    def loop(self, stmt, outer) -> list[ast.stmt]:
        body = ast.Module(stmt.body, [])
        breaks = _contains(body, (ast.Break, ast.Return), into_loops=False)
        returns = self.returned is not None and _contains(body, ast.Return, into_loops=True)
        if not breaks and not returns and not _contains(body, ast.Continue, into_loops=False):
            stmt.body = self.block(stmt.body, _Loop(None, None))
            return [stmt]
        loop = _Loop(self.namer.fresh("broke") if breaks or returns else None, self.namer.fresh("skip"))
        self.flagged = True
        stmt.body = [_set(loop.skip, False, stmt)] + self.block(stmt.body, loop)
        if loop.broke is None:
            return [stmt]
        stmt.ssagrad_break = loop.broke
        out = [_set(loop.broke, False, stmt), stmt]
        if returns and outer is not None:  # a return inside leaves the enclosing loop too
            leave = _leaving([_set(outer.broke, True, stmt), _set(outer.skip, True, stmt)])
            out += [ast.copy_location(ast.If(_name(self.returned), leave, []), stmt)]
        return out


def _names(node, context) -> list[str]:
    """The names ``node`` reads (``ast.Load``) or binds (``ast.Store``) in the function's own scope."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        own = {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        own |= {a.arg for n in ast.walk(node) if isinstance(n, ast.arguments) for a in n.args + n.kwonlyargs}
        return [] if context is ast.Store else [n for child in ast.iter_child_nodes(node)
                                                for n in _names(child, context) if n not in own]
    if isinstance(node, ast.Name):
        return [node.id] if isinstance(node.ctx, context) else []
    if isinstance(node, ast.AugAssign) and context is ast.Load:  # x += 1 reads x
        return _names(node.target, ast.Store) + _names(node.value, context)
    return [n for child in ast.iter_child_nodes(node) for n in _names(child, context)]


class _Bound:
    """Which names hold a value at each statement, as SSA construction sees it after lowering: flags are
    ordinary variables, both sides of an ``if`` must bind a name for it to be bound after it, and a loop
    binds the names it carries (those bound before it or read after it)."""

    def __init__(self, body):
        self.loads = Counter(_names(ast.Module(body, []), ast.Load))
        self.locals = set(_names(ast.Module(body, []), ast.Store))
        self.unbound_reads = []  # names read where some path has not bound them, in order
        self.leaves = []         # (block, leaving statement, names bound there)

    def block(self, stmts, bound: set) -> set:
        for stmt in list(stmts):
            bound = self.statement(stmt, stmts, bound)
        return bound

    def read(self, node, bound):
        self.unbound_reads += [n for n in _names(node, ast.Load) if n in self.locals and n not in bound]

    def statement(self, stmt, block, bound: set) -> set:
        if isinstance(stmt, ast.If):
            self.read(stmt.test, bound)
            return self.block(stmt.body, set(bound)) & self.block(stmt.orelse, set(bound))
        if isinstance(stmt, (ast.For, ast.While)):
            self.read(stmt.iter if isinstance(stmt, ast.For) else stmt.test, bound)
            outside = self.loads - Counter(_names(stmt, ast.Load))
            carried = {n for n in _names(ast.Module(stmt.body, []), ast.Store) if n in bound or outside[n]}
            carried |= set(_names(stmt.target, ast.Store)) if isinstance(stmt, ast.For) else set()
            self.block(stmt.body, bound | carried)
            return bound | carried
        self.read(stmt, bound)
        if getattr(stmt, "ssagrad_leave", False):
            self.leaves.append((block, stmt, set(bound)))
        return bound | set(_names(stmt, ast.Store))


def unbound_reads(body: list[ast.stmt], params) -> list[str]:
    """The names ``body`` reads where, as SSA construction sees it, some path has not bound them.

    Generated code is full of these: the backward sweep reads under ``if gt:`` what the forward sweep
    made under ``if gt:``, and a callee's forward function saves what only one branch made. Python runs
    it, but differentiating it again needs them bound to something (``None``) on the other paths.
    """
    bound = _Bound(body)
    bound.block(body, set(params))
    return list(dict.fromkeys(bound.unbound_reads))


def bind_unbound(body: list[ast.stmt], result: ast.expr, params) -> list[ast.stmt]:
    """``body`` starting with ``name = None`` for each name it (or ``result``) reads where it may be unbound."""
    names = unbound_reads(body + [ast.Expr(result)], params)
    return [ast.Assign([_name(n, True)], ast.Constant(None), lineno=0) for n in names] + body


def _bind_on_leaving(body: list[ast.stmt], params) -> None:
    """Bind to ``None``, where the flags are set, the names guarded code reads that are unbound there."""
    bound = _Bound(body)
    bound.block(body, set(params))
    wanted = list(dict.fromkeys(bound.unbound_reads))
    for block, stmt, names in bound.leaves:
        missing = [n for n in wanted if n not in names]
        where = block.index(stmt) + 1
        block[where:where] = [ast.copy_location(ast.Assign([_name(n, True)], ast.Constant(None)), stmt)
                              for n in missing]


def lower_exits(body: list[ast.stmt], namer: Namer, result_name: str, params=()) -> list[ast.stmt]:
    """``body`` with break/continue/early returns turned into flags (see the module docstring)."""
    lowering = ExitLowering(namer, result_name)
    body = lowering.function(body)
    if lowering.flagged:
        _bind_on_leaving(body, params)
    return body
