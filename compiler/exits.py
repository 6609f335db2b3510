"""Lowering ``break``, ``continue`` and early ``return`` to flags, so every region has one exit.

After this pass the only ``return`` is the last statement of the function,
and loops end each iteration at the bottom of their body. A loop that
breaks carries a flag (``broke``) that its header checks after the
iteration (``node.ssagrad_break``); code after a statement that may leave
the iteration or the function is guarded by ``if not <flag>:``. Loops
without such statements, and functions with one final ``return``, are left
as they are.
"""
import ast

from .names import Namer


def _name(identifier, store=False):
    return ast.Name(identifier, ast.Store() if store else ast.Load())


def _set(flag, value, origin):
    return ast.copy_location(ast.Assign([_name(flag, True)], ast.Constant(value)), origin)


def _contains(node, kinds, into_loops):
    """Does ``node`` hold one of ``kinds`` that leaves it (not one inside a nested loop or def)?"""
    if isinstance(node, kinds):
        return True
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
        return False
    if isinstance(node, (ast.For, ast.While)) and not into_loops:
        return any(_contains(s, kinds, into_loops) for s in node.orelse)
    return any(_contains(child, kinds, into_loops) for child in ast.iter_child_nodes(node))


class _Loop:
    def __init__(self, broke, skip):
        self.broke = broke  # set by break (and return): stop looping after this iteration
        self.skip = skip    # set by break, continue and return: skip the rest of this iteration


class ExitLowering:
    def __init__(self, namer: Namer, result_name: str):
        self.namer = namer
        self.result = result_name
        self.returned = None  # the flag, when the function returns early

    def function(self, body: list[ast.stmt]) -> list[ast.stmt]:
        returns = [n for s in body for n in ast.walk(s) if isinstance(n, ast.Return)]
        if len(returns) <= 1 and body and isinstance(body[-1], ast.Return):
            return self.block(body, None)
        self.returned = self.namer.fresh("returned")
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
            return out
        if isinstance(stmt, ast.Break):
            return [_set(loop.broke, True, stmt), _set(loop.skip, True, stmt)]
        if isinstance(stmt, ast.Continue):
            return [_set(loop.skip, True, stmt)]
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
        stmt.body = [_set(loop.skip, False, stmt)] + self.block(stmt.body, loop)
        if loop.broke is None:
            return [stmt]
        stmt.ssagrad_break = loop.broke
        out = [_set(loop.broke, False, stmt), stmt]
        if returns and outer is not None:  # a return inside leaves the enclosing loop too
            out += [ast.copy_location(ast.If(_name(self.returned), [_set(outer.broke, True, stmt),
                                                                      _set(outer.skip, True, stmt)], []), stmt)]
        return out


def lower_exits(body: list[ast.stmt], namer: Namer, result_name: str) -> list[ast.stmt]:
    """``body`` with break/continue/early returns turned into flags (see the module docstring)."""
    return ExitLowering(namer, result_name).function(body)
