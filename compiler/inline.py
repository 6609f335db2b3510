"""Temporaries folded back into the expression they came from.

Normalization gives every operation a statement of its own (``roll = np.roll(x, 1)``, ``add = roll +
roll_1``, ``sub = add - mul``, ``force = k * sub``). Where the backward sweep reads none of them, that only
keeps arrays alive: a loop body holds each temporary until the next iteration rebinds it, so a simulation
step keeps nine arrays where Python keeps one. A temporary that one later pure statement of the same block
reads, once, goes back into that statement (``force = k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x)``):
the user's own line again, each array freed as soon as it is used.

Only the user's arithmetic and NumPy calls are folded (``ssagrad_pure``), into statements of that kind,
and only across statements that bind names without writing into any array or rebinding what the folded
expression reads: it computes the same values, in the same order of the operations that matter.
"""
import ast

from .pyast import is_comment
from .trees import Transformer, blocks, name_nodes


def inline_temporaries(body: list, result: ast.expr) -> list:
    """``body`` with the temporaries read once folded into their readers (see the module's docstring)."""
    reads = {}
    for node in name_nodes(ast.Module(body, [])) + name_nodes(result):
        if isinstance(node.ctx, ast.Load):
            reads[node.id] = reads.get(node.id, 0) + 1
    for block in blocks(ast.Module(body, [])):  # a fold stays within its block: the order does not matter
        for index in reversed(range(len(block))):
            stmt = block[index]
            if _temporary(stmt) and reads.get(stmt.targets[0].id) == 1 and _fold(block, index):
                del block[index]
    return body


def _temporary(stmt) -> bool:
    return isinstance(stmt, ast.Assign) and getattr(stmt, "ssagrad_temporary", False) \
        and getattr(stmt, "ssagrad_pure", False) and not getattr(stmt, "ssagrad_keep", False) \
        and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)


def _fold(body: list, index: int) -> bool:
    """Put ``body[index]``'s value where the block's next statement that reads its name reads it."""
    stmt = body[index]
    name, value = stmt.targets[0].id, stmt.value
    needs = {n.id for n in name_nodes(value) if isinstance(n.ctx, ast.Load)}
    for reader in body[index + 1:]:
        if is_comment(reader):
            continue
        loads = [n for n in name_nodes(reader.value) if isinstance(n.ctx, ast.Load) and n.id == name] \
            if isinstance(reader, ast.Assign) else []
        if loads:
            if not getattr(reader, "ssagrad_pure", False) or any(
                    n.id == name for t in reader.targets for n in name_nodes(t)):
                return False
            _Replace(loads[0], value).visit(reader)
            return True
        # what runs in between binds names only: no write into an array, nothing the value reads rebound
        if not (isinstance(reader, ast.Assign) and all(isinstance(t, ast.Name) for t in reader.targets)) \
                or getattr(reader, "ssagrad_keep", False) or {t.id for t in reader.targets} & (needs | {name}) \
                or name in {n.id for n in name_nodes(reader)}:
            return False
    return False


class _Replace(Transformer):
    def __init__(self, target, value):
        self.target, self.value = target, value

    def visit_Name(self, node):
        return self.value if node is self.target else node
