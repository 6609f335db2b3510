"""Adjoints accumulated into an array inside a loop, updated in place.

Reading ``x[i]`` in a loop makes the reversed loop add its gradient into ``dx`` one entry at a time:
``dx = dx + unindex(g, x, i)`` builds a zero array of ``x``'s size and a new ``dx`` every iteration, O(size
of x) for what is one entry -- a loop over an array's entries is then quadratic. When nothing else can see
``dx`` (it was made fresh just before the loop, and the loop only accumulates into it, zeroes entries of
it, or -- where reading a part copies it -- reads the part a write overwrote), the update is done in place:
``dx[i] = dx[i] + g``, ``dx[i] = 0.0``. The same numbers: only float64 arrays indexed by an integer for
each of their first axes, where ``unindex`` writes exactly that entry.

Used on the Numba backend's code (compiler/numba_rewrite.py) and on specialized Python gradients
(compiler/__init__.py), where the kinds of the values are known.
"""
import ast
import copy

import numpy

from ..runtime.broadcast import zeros_like
from ..runtime.indexing import unindex, written_part, zero_at
from ..runtime.ownership import own
from .pyast import name
from .trees import blocks, mentions, walk


class InPlace:
    """``resolve(expr)``: the object a name (or ``np``) in the code stands for, or None; ``kinds``: value
    name -> Abstract (compiler/shapes.py); ``views_escape``: does ``written_part`` return a view (Python)
    rather than a copy (Numba)? Then a loop that reads one is left alone."""

    def __init__(self, resolve, kinds: dict, views_escape: bool):
        self.resolve, self.kinds, self.views_escape = resolve, kinds, views_escape

    def run(self, tree) -> None:
        for block in list(blocks(tree)):
            for loop in [s for s in block if isinstance(s, (ast.For, ast.While))]:
                for adjoint in sorted(self.accumulated(loop)):
                    if self.private(adjoint, block, loop):
                        self.update_in_place(adjoint, loop)

    def is_call_of(self, node, fn) -> bool:
        return isinstance(node, ast.Call) and self.resolve(node.func) is fn

    def full_index(self, index, array) -> bool:
        """Is ``array`` a float64 array and ``index`` an int for each of its first axes (so that
        ``d[index] = d[index] + g`` adds what ``d + unindex(g, array, index)`` adds)?"""
        kind = self.kinds.get(array.id) if isinstance(array, ast.Name) else None
        if kind is None or kind.kind != "array" or numpy.dtype(kind.dtype) != numpy.float64:
            return False
        parts = index.elts if isinstance(index, ast.Tuple) else [index]
        ints = all((isinstance(p, ast.Constant) and type(p.value) is int) or (
            isinstance(p, ast.Name) and getattr(self.kinds.get(p.id), "kind", None) == "int") for p in parts)
        return ints and len(parts) <= len(kind.shape)

    def accumulation(self, stmt):
        """``d = d + unindex(g, x, i)``: (d, g, x, i), or None."""
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and isinstance(stmt.value, ast.BinOp) and isinstance(stmt.value.op, ast.Add) \
                and isinstance(stmt.value.left, ast.Name) and stmt.value.left.id == stmt.targets[0].id \
                and self.is_call_of(stmt.value.right, unindex) and len(stmt.value.right.args) == 3:
            g, x, index = stmt.value.right.args
            d = stmt.targets[0].id
            if not mentions(g, d) and not mentions(index, d) and self.full_index(index, x):
                return d, g, x, index
        return None

    def zeroing(self, stmt):
        """``d = zero_at(d, i)``: (d, i), or None."""
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                and self.is_call_of(stmt.value, zero_at) and len(stmt.value.args) == 2 \
                and isinstance(stmt.value.args[0], ast.Name) and stmt.value.args[0].id == stmt.targets[0].id:
            return stmt.targets[0].id, stmt.value.args[1]
        return None

    def accumulated(self, loop) -> set:
        nodes = walk(loop)
        return {found[0] for found in map(self.accumulation, nodes) if found} | \
            {found[0] for found in map(self.zeroing, nodes) if found}

    def private(self, d, block, loop) -> bool:
        """Can ``d`` be updated in place in ``loop``: made fresh before it (the last statement before it
        that mentions ``d`` assigns it a new array of its value's shape), and inside it only accumulated
        into, zeroed at, or (where that copies) read through ``written_part``?"""
        allowed = set()
        nodes = walk(loop)
        for node in nodes:
            found = self.accumulation(node)
            if found and found[0] == d:
                allowed |= {id(node.targets[0]), id(node.value.left)}
                continue
            zeroed = self.zeroing(node)
            if zeroed and zeroed[0] == d and not mentions(zeroed[1], d):
                allowed |= {id(node.targets[0]), id(node.value.args[0])}
                continue
            if not self.views_escape and self.is_call_of(node, written_part) and len(node.args) == 2 \
                    and isinstance(node.args[0], ast.Name) and node.args[0].id == d \
                    and not mentions(node.args[1], d):
                allowed.add(id(node.args[0]))
        if any(isinstance(n, ast.Name) and n.id == d and id(n) not in allowed for n in nodes):
            return False
        for stmt in reversed(block[:block.index(loop)]):
            if mentions(stmt, d):
                return isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name) and stmt.targets[0].id == d and self.fresh(stmt.value)
        return False

    def fresh(self, value) -> bool:
        """Is ``value`` a new array of the adjoint's shape that nothing else refers to? (Arithmetic is, in
        compiled code, where the types say its shape; in Python a product of numbers may be a number.)"""
        if isinstance(value, ast.BinOp):
            return not self.views_escape
        if isinstance(value, ast.Call):
            if any(self.is_call_of(value, fn) for fn in (zeros_like, unindex, zero_at, own)):  # own: a copy
                return True
            func = value.func
            return isinstance(func, ast.Attribute) and self.resolve(func.value) is numpy \
                and func.attr in ("zeros", "full", "zeros_like", "ones")
        return False

    def update_in_place(self, d, loop):
        for node in ast.walk(loop):
            for field in ("body", "orelse"):
                block = getattr(node, field, None)
                if not isinstance(block, list):
                    continue
                for i, stmt in enumerate(block):
                    found = self.accumulation(stmt)
                    if found and found[0] == d:
                        _, g, _, index = found
                        entry = ast.Subscript(name(d), copy.deepcopy(index), ast.Load())
                        block[i] = self._assign(stmt, ast.Subscript(name(d), copy.deepcopy(index), ast.Store()),
                                                ast.BinOp(entry, ast.Add(), g))
                        continue
                    zeroed = self.zeroing(stmt)
                    if zeroed and zeroed[0] == d:
                        block[i] = self._assign(stmt, ast.Subscript(name(d), copy.deepcopy(zeroed[1]), ast.Store()),
                                                ast.Constant(0.0))

    @staticmethod
    def _assign(old, target, value):
        return ast.copy_location(ast.Assign([target], value, lineno=0), old)
