"""Negations carried to where they cost nothing, in generated straight-line code.

Rules negate arrays often (``dp = -dsub`` for ``1.0 - p``, ``dx = -(dy / x ** 2)`` for ``1 / x``, ``dx = -dy``
for ``-x``), and each negation of an array is a pass over it. A negation read once can usually ride on the
statement that reads it: ``a + (-t)`` is ``a - t``, ``-(-t)`` is ``t``, and ``(-t) * b``, ``(-t) / b``,
``b @ (-t)`` are ``-(t * b)``, ... -- the sign moves on to the next reader, until one absorbs it. Where none
does, the negation stays where the rule put it. IEEE arithmetic is symmetric in sign, so every value is the
same to the bit.

Only generated statements at the top level take part, never the user's own (``ssagrad_primal``): a name
whose one read is inside a loop or a branch, or in the returned value, keeps its negation.
"""
import ast
from .pyast import is_comment
from .trees import loads_and_stores, names

_CARRIED = (ast.Mult, ast.Div, ast.MatMult)   # -(t) op b == -(t op b), and b op -(t) == -(b op t)


def _simple(stmt) -> bool:
    """``name = value``, generated."""
    return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
        and not getattr(stmt, "ssagrad_primal", False) and not getattr(stmt, "ssagrad_keep", False)


def _is_negation(node) -> bool:
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)


def carry_negations(body: list, result: ast.expr, names_of=loads_and_stores) -> list:
    """``body`` with negations moved on to the statements that read them (see the module's docstring).
    ``names_of``: a statement's names loaded and stored (the optimizer's, which it has taken already)."""
    # what each statement loads and stores, taken once: moving a sign changes no name
    uses = [(set(), set()) if is_comment(stmt) else names_of(stmt) for stmt in body]
    pending = {}   # name -> its chain: [index of the negation's statement, (carrier, its value before), ...]
    for index, stmt in enumerate(body):
        if is_comment(stmt):
            continue
        loaded, stored = uses[index]
        readers = [n for n in pending if n in loaded]
        carried = None   # the chain whose sign moves on to what this statement stores
        if len(readers) == 1 and _simple(stmt) and _single_read(body, uses, readers[0], index, result):
            chain, before = pending.pop(readers[0]), stmt.value
            moves_on = _absorb(stmt, readers[0])
            if moves_on is None:
                _restore(body, chain)
            elif moves_on:
                carried = chain + [(stmt, before)]
        for name in [n for n in pending if n in readers or n in stored]:
            _restore(body, pending.pop(name))  # read where it cannot be taken, or stored again unread
        if carried:
            pending[stmt.targets[0].id] = carried
        elif _simple(stmt) and _is_negation(stmt.value):
            stmt.value = stmt.value.operand
            pending[stmt.targets[0].id] = [index]
    for chain in pending.values():
        _restore(body, chain)
    return body


def _restore(body, chain) -> None:
    """Nothing took the sign: the carriers as they were, and the negation back where the rule put it."""
    for carrier, before in reversed(chain[1:]):
        carrier.value = before
    stmt = body[chain[0]]
    stmt.value = ast.copy_location(ast.UnaryOp(ast.USub(), stmt.value), stmt.value)


def _single_read(body, uses, name: str, reader: int, result) -> bool:
    """Is the statement at ``reader`` the only one reading ``name`` before it is stored again (and, when it
    never is, in ``result`` too)? ``uses``: each statement's loads and stores."""
    if name not in uses[reader][0] or names(body[reader], ast.Load).count(name) != 1:
        return False
    for index in range(reader, len(body)):
        loaded, stored = uses[index]
        if index != reader and name in loaded:
            return False
        if name in stored:
            return not isinstance(body[index], (ast.If, ast.For, ast.While))  # a region may leave the old value
    return name not in names(result, ast.Load)


def _absorb(stmt, name: str) -> bool | None:
    """Rewrite ``stmt``, which reads ``name`` once, as if ``name`` held its negation. True: the sign moves on
    to what ``stmt`` stores; False: it is gone; None: ``stmt`` cannot take it (and is unchanged)."""
    value = stmt.value
    if isinstance(value, ast.Name) and value.id == name:  # a copy carries the sign
        return True
    if _is_negation(value) and isinstance(value.operand, ast.Name) and value.operand.id == name:  # -(-t)
        stmt.value = value.operand
        return False
    if not isinstance(value, ast.BinOp):
        return None
    left = isinstance(value.left, ast.Name) and value.left.id == name
    right = isinstance(value.right, ast.Name) and value.right.id == name
    if not (left or right):
        return None
    moves_on = False
    if isinstance(value.op, ast.Add):  # a + (-t) = a - t;  (-t) + b = b - t
        rewritten = ast.BinOp(value.left if right else value.right, ast.Sub(), ast.Name(name, ast.Load()))
    elif isinstance(value.op, ast.Sub):  # a - (-t) = a + t;  (-t) - b = -(t + b)
        rewritten, moves_on = ast.BinOp(value.left, ast.Add(), value.right), left
    elif isinstance(value.op, _CARRIED):
        rewritten, moves_on = value, True
    else:
        return None
    stmt.value = ast.copy_location(rewritten, value)
    return moves_on
