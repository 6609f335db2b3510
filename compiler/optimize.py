"""Stage 7: clean up generated straight-line code.

Copy propagation (``da = dc`` then uses of ``da`` read ``dc``), folding of
constant arithmetic (``2 - 1``, ``x ** 1``) and dead-code elimination. Every
generated statement is a pure assignment, so a statement whose targets are
never read again can go. Arithmetic on non-constant operands is never
folded: ``0 * x`` is not ``0`` when ``x`` is inf or NaN.
"""
import ast
import operator

from .pyast import is_comment

_FOLD = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def _targets(stmt) -> set[str]:
    return {n.id for t in stmt.targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _uses(node) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _is_number(node) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) in (int, float)


class _Rewrite(ast.NodeTransformer):
    def __init__(self, copies):
        self.copies = copies

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Load) and node.id in self.copies:
            return ast.copy_location(ast.Name(self.copies[node.id], ast.Load()), node)
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if _is_number(node.left) and _is_number(node.right) and type(node.op) in _FOLD:
            return ast.copy_location(ast.Constant(_FOLD[type(node.op)](node.left.value, node.right.value)), node)
        if isinstance(node.op, ast.Pow) and _is_number(node.right) and node.right.value == 1:
            return node.left
        return node


class _Rename(ast.NodeTransformer):
    def __init__(self, old, new):
        self.old, self.new = old, new

    def visit_Name(self, node):
        if node.id == self.old:
            node.id = self.new
        return node


def coalesce_copies(body, result):
    """Drop ``t = s`` by renaming ``s`` to ``t`` where ``s`` is a generated value not read afterwards.

    This keeps the later name, which for adjoints is the one closer to the
    inputs (``dy = da_1`` leaves ``dy``, the gradient the user asked for).
    Where the target is assigned again later, copy propagation does better.
    """
    index = 0
    while index < len(body):
        stmt = body[index]
        if not is_comment(stmt) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.Name):
            target, source = stmt.targets[0].id, stmt.value.id
            before, after = body[:index], body[index + 1:]
            assigned_before = any(not is_comment(s) and source in _targets(s) for s in before)
            seen_before = any(not is_comment(s) and target in (_targets(s) | _uses(s.value)) for s in before)
            read_after = any(not is_comment(s) and source in (_targets(s) | _uses(s.value)) for s in after) \
                or source in _uses(result)
            # where the target goes on accumulating, `db = dd + ...` reads better than a renamed dd
            target_changes = any(not is_comment(s) and target in _targets(s) for s in after)
            if assigned_before and not seen_before and not read_after and not target_changes:
                rename = _Rename(source, target)
                for s in before:
                    rename.visit(s)
                del body[index]
                continue
        index += 1
    return body, result


def propagate_copies(body, result):
    copies = {}
    rewrite = _Rewrite(copies)
    out = []
    for stmt in body:
        if is_comment(stmt):
            out.append(stmt)
            continue
        stmt.value = rewrite.visit(stmt.value)
        for target in _targets(stmt):
            copies.pop(target, None)
            for key in [k for k, v in copies.items() if v == target]:
                del copies[key]
        if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Name):
            copies[stmt.targets[0].id] = stmt.value.id
        out.append(stmt)
    return out, rewrite.visit(result)


def eliminate_dead_code(body, result):
    live = _uses(result)
    kept = []
    for stmt in reversed(body):
        if is_comment(stmt):
            if kept and not is_comment(kept[-1]):  # keep a comment only above statements
                kept.append(stmt)
            continue
        targets = _targets(stmt)
        if targets & live:
            live = (live - targets) | _uses(stmt.value)
            kept.append(stmt)
    kept.reverse()
    return kept


def optimize(body: list[ast.stmt], result: ast.expr):
    """The optimized ``(body, result)``; ``result`` is the expression the function returns."""
    body, result = coalesce_copies(body, result)
    body, result = propagate_copies(body, result)
    return eliminate_dead_code(body, result), result
