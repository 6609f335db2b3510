"""Shorter dependency chains in reversed loops of scalars, for the Numba backend.

The adjoint a reversed loop carries from step to step is linear in itself: the logistic map's
``x = r * x * (1.0 - x)`` reverses to

    dmul = dx0 * sub
    dsub = dx0 * mul
    dx0 = -dsub
    dr = dr + dmul * x_1
    dx0 = dx0 + dmul * r

where each step's ``dx0`` waits for four dependent operations on the last one. Compiled code runs at the
speed of that chain, so the backend writes the carried adjoint once, as itself times its local
derivative, computed beside the chain:

    dmul = dx0 * sub
    dr = dr + dmul * x_1
    dx0 = dx0 * (sub * r - mul)

The same number in exact arithmetic, rounded in another order (the Python gradient and the Numba one
agree to ~1e-15 a step). Only float scalars are rewritten, only in the runs of plain assignments of a
reversed loop's body, and only when every step holds: each carried adjoint's last value is a sum of
the carried adjoints' first values times factors that do not depend on them, no statement that stays
reads a carried adjoint between its first and its last assignment, and a temporary is dropped only when
nothing that stays reads it.
"""
import ast
import math
from dataclasses import dataclass

import numpy

_FLOATS = ("float", "scalar")
_PURE_MODULES = ("np", "numpy", "math")   # calls into these may move: they read their arguments only


@dataclass(frozen=True)
class _Term:
    """``sign * factors[0] * factors[1] * ... / divisors[0] / ...``; a factor is an expression or a _Sum."""
    sign: int
    factors: tuple = ()
    divisors: tuple = ()


_Sum = tuple   # of _Term
_ONE = (_Term(1),)
_FREE = ""     # the key of a sum's part that depends on no seed (an adjoint added in from outside the chain)


def factor(function: ast.FunctionDef, kinds: dict, namespace: dict) -> None:
    """Rewrite, in place, the carried float adjoints of ``function``'s reversed loops (module docstring).
    ``kinds``: name -> Abstract (compiler/shapes.py); ``namespace``: what the function's names read."""
    from ..runtime.broadcast import zeros_like
    if any(name in namespace and namespace[name] not in (math, numpy) for name in _PURE_MODULES):
        return   # `np` or `math` is something else here: its calls may not be moved, nor give floats
    zeros = {name for name, value in namespace.items() if value is zeros_like}   # a float's zero is a float
    floats = _float_names(function, kinds, zeros)
    stores = _store_counts(function)
    for loop in [n for n in ast.walk(function) if isinstance(n, ast.For) and _reversed(n)]:
        start = 0
        body = loop.body
        while start < len(body):
            end = start
            while end < len(body) and isinstance(body[end], (ast.Assign, ast.Expr, ast.AugAssign)):
                end += 1
            if end > start:
                new = _factored(body[start:end], floats, stores, function)
                body[start:end] = new
                end = start + len(new)
            start = end + 1


def _reversed(loop: ast.For) -> bool:
    """``for step in range(n - 1, -1, -1)`` or ``for ... in reversed(...)``: a loop the reverse sweep wrote."""
    it = loop.iter
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name)):
        return False
    if it.func.id == "reversed":
        return True
    return it.func.id == "range" and len(it.args) == 3 and all(_minus_one(a) for a in it.args[1:])


def _minus_one(node) -> bool:
    if isinstance(node, ast.Constant):
        return node.value == -1
    return isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
        and isinstance(node.operand, ast.Constant) and node.operand.value == 1


def _target(stmt):
    """The one name ``stmt`` assigns (``name = ...``), or None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    return None


def _names(node, ctx=ast.Load) -> set:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ctx)}


def _reads(stmt) -> set:
    """The names ``stmt`` reads (an augmented assignment reads its target)."""
    if isinstance(stmt, ast.Assign):
        return _names(stmt.value)
    if isinstance(stmt, ast.AugAssign):
        return _names(stmt.value) | _names(stmt.target, ast.Store)
    return _names(stmt)


def _store_counts(function) -> dict:
    counts = {}
    for n in ast.walk(function):
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
            counts[n.id] = counts.get(n.id, 0) + 1
    return counts


def _reads_outside(function, run) -> set:
    """The names read anywhere in ``function`` but in the statements of ``run``."""
    inside = {id(n) for stmt in run for n in ast.walk(stmt)}
    return {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            and id(n) not in inside}


def _float_names(function, kinds: dict, zeros: set) -> set:
    """Names that hold a float in every assignment: known so (shape inference), or made of such names
    and numbers by arithmetic alone (the largest such set: adjoints are assigned from themselves)."""
    known = {name for name, a in kinds.items() if a.kind in _FLOATS and (a.kind == "float" or a.dtype[1:2] == "f")}
    values = {}
    for n in ast.walk(function):
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.For, ast.With, ast.NamedExpr, ast.comprehension)):
            targets = n.targets if isinstance(n, ast.Assign) else [getattr(n, "target", None)]
            for t in targets:
                for name in _names(t, ast.Store) if t is not None else ():
                    simple = isinstance(n, ast.Assign) and isinstance(t, ast.Name)
                    values.setdefault(name, []).append(n.value if simple else None)
    params = {a.arg for a in function.args.args + function.args.kwonlyargs}
    floats = known | {name for name, vs in values.items() if name not in params and all(v is not None for v in vs)}
    changed = True
    while changed:
        changed = False
        for name in list(floats - known):
            if not all(_arithmetic(v, floats, zeros) for v in values[name]):
                floats.discard(name)
                changed = True
    return floats


def _arithmetic(node, floats: set, zeros: set) -> bool:
    """Is ``node`` a float made of ``floats`` and numbers by + - * /, negation, integer powers and NumPy's or
    math's functions (an integer alone is not)?"""
    operands = []
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd)):
            todo.append(n.operand)
        elif isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            todo += [n.left, n.right]
        elif isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) and isinstance(n.right, ast.Constant) \
                and type(n.right.value) is int:
            todo.append(n.left)
        elif isinstance(n, ast.Call) and n.args and not n.keywords and (
                _module_function(n) or isinstance(n.func, ast.Name) and n.func.id in zeros and len(n.args) == 1):
            todo += n.args   # math.cos(x), np.sin(x), zeros_like(x) of a float: a float
        elif isinstance(n, ast.Name) and n.id in floats:
            operands.append(True)
        elif isinstance(n, ast.Constant) and type(n.value) in (int, float):
            operands.append(type(n.value) is float)
        else:
            return False
    return any(operands)


def _factored(run: list, floats: set, stores: dict, function) -> list:
    """``run`` (plain statements of a reversed loop's body of ``function``) with its carried adjoints
    rewritten, or as it was."""
    carried = _carried(run, floats)
    if not carried:
        return run
    outside = _reads_outside(function, run)
    # temporaries: assigned only here, and not carried into a step (each step assigns them before reading)
    here = _store_counts(ast.Module(run, []))
    temporaries = {n for n, k in here.items() if stores.get(n) == k and n not in carried and n not in outside}
    while carried:
        plan = _plan(run, carried, floats, temporaries)
        if isinstance(plan, list):
            return plan
        carried = carried - plan   # the adjoints that could not be rewritten: try without them
    return run


def _carried(run, floats) -> set:
    """Float names read in ``run`` before it assigns them, and assigned in it: values carried into a step."""
    assigned, carried = set(), set()
    for stmt in run:
        carried |= {n for n in _reads(stmt) if n not in assigned and n in floats}
        assigned |= _names(stmt, ast.Store)
    return {n for n in carried if n in assigned}


def _plan(run, seeds: set, floats: set, temporaries: set):
    """The rewritten statements, or the set of seeds that cannot be rewritten."""
    linear = {s: {s: _ONE} for s in seeds}   # name -> {seed: coefficient}: its value in the seeds' first values
    tainted = set()                          # names depending on the seeds otherwise
    first, last = {}, {}                     # seed -> positions of its first and last assignment
    removable = []                           # positions of the seeds' and temporaries' linear assignments
    for p, stmt in enumerate(run):
        name = _target(stmt)
        stored = {name} if name is not None else _names(stmt, ast.Store)
        form = None
        if name is not None and name in floats and (name in seeds or name in temporaries):
            form = _form(stmt.value, linear, tainted)
        depends = bool(_reads(stmt) & (set(linear) | tainted))
        for n in stored:
            # a coefficient naming a value assigned again no longer stands for it: its owner still depends
            # on the seeds, in a way no longer written down
            for owner in [k for k, f in linear.items() if k != n and _mentions(f, n)]:
                del linear[owner]
                tainted.add(owner)
            linear.pop(n, None)
            tainted.discard(n)
            if form is None and depends:
                tainted.add(n)
        if form is not None:
            linear[name] = form
            removable.append(p)
        if name in seeds:
            first.setdefault(name, p)
            last[name] = p
    failed = {s for s in seeds if s not in linear or linear[s].get(s) == _ONE}  # lost, or an accumulator
    if failed:
        return failed
    end = max(last.values())
    # what stays: all but the linear assignments before `end` that no statement staying reads
    keep = [p >= end or p not in removable for p in range(len(run))]
    seeds_assigned = {p for p, stmt in enumerate(run) if _target(stmt) in seeds}
    if not seeds_assigned <= set(removable):
        return {_target(run[p]) for p in seeds_assigned - set(removable)}
    # the rewritten statement reads the seeds' first values: nothing staying before it may assign one
    # (`dy, t = f(q)`, `dx += t`)
    overwritten = {n for p, stmt in enumerate(run[:end]) if p not in removable for n in _names(stmt, ast.Store)}
    if overwritten & seeds:
        return overwritten & seeds
    changed = True
    while changed:  # a statement that stays keeps the assignments of the temporaries it reads
        changed = False
        for p, stmt in enumerate(run):
            if keep[p] and p != end:
                read = _reads(stmt)
                for q in range(len(run)):
                    if not keep[q] and _target(run[q]) in read and _target(run[q]) not in seeds:
                        keep[q] = changed = True
    for p, stmt in enumerate(run):
        if keep[p] and p != end:
            blocked = {s for s in seeds if first[s] < p <= end and s in _names(stmt)}
            if blocked:
                return blocked
    ordered = sorted(seeds, key=lambda s: last[s])
    target = ast.Tuple([ast.Name(s, ast.Store()) for s in ordered], ast.Store()) if len(ordered) > 1 \
        else ast.Name(ordered[0], ast.Store())
    values = [_render_linear(linear[s]) for s in ordered]
    value = ast.Tuple(values, ast.Load()) if len(values) > 1 else values[0]
    rewritten = ast.Assign([target], value, lineno=getattr(run[end], "lineno", 0))
    if ast.dump(rewritten) == ast.dump(run[end]) and all(keep):
        return run
    if _size(rewritten) > sum(_size(stmt) for p, stmt in enumerate(run) if p == end or not keep[p]):
        return set(seeds)   # coefficients repeating each other: longer code, to read and to compile
    return [rewritten if p == end else stmt for p, stmt in enumerate(run) if keep[p] or p == end]


def _size(node) -> int:
    return sum(1 for n in ast.walk(node) if isinstance(n, (ast.expr, ast.stmt)))


def _form(node, linear: dict, tainted: set):
    """``node``'s value as {seed: coefficient} (and a part depending on no seed, under _FREE), or None when
    it is no such sum, or depends on no seed."""
    if isinstance(node, ast.Name):
        return linear.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _form(node.operand, linear, tainted)
        if inner is None or isinstance(node.op, ast.UAdd):
            return inner
        return {s: _negated(c) for s, c in inner.items()}
    if not isinstance(node, ast.BinOp):
        return None
    left, right = _form(node.left, linear, tainted), _form(node.right, linear, tainted)
    if isinstance(node.op, (ast.Add, ast.Sub)):
        if left is None and right is not None and _independent(node.left, linear, tainted):
            left = {_FREE: ((_Term(1, (node.left,))),)}
        if right is None and left is not None and _independent(node.right, linear, tainted):
            right = {_FREE: ((_Term(1, (node.right,))),)}
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Sub):
            right = {s: _negated(c) for s, c in right.items()}
        out = dict(left)
        for s, c in right.items():
            out[s] = out[s] + c if s in out else c
        return out
    if isinstance(node.op, ast.Mult):
        if left is not None and right is None and _independent(node.right, linear, tainted):
            return {s: _times(c, node.right) for s, c in left.items()}
        if right is not None and left is None and _independent(node.left, linear, tainted):
            return {s: _times(c, node.left) for s, c in right.items()}
        return None
    if isinstance(node.op, ast.Div) and left is not None and right is None \
            and _independent(node.right, linear, tainted):
        return {s: tuple(_Term(t.sign, t.factors, t.divisors + (node.right,)) for t in c) for s, c in left.items()}
    return None


def _independent(node, linear, tainted) -> bool:
    """Does ``node`` read none of the seeds' values, and can it be evaluated later instead (no call but to
    NumPy or math)?"""
    for n in ast.walk(node):
        if isinstance(n, ast.Name) and (n.id in linear or n.id in tainted):
            return False
        if isinstance(n, ast.Call) and not _module_function(n):
            return False
        if isinstance(n, (ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield, ast.YieldFrom)):
            return False
    return True


def _module_function(call: ast.Call) -> bool:
    """``np.cos(...)``, ``math.exp(...)``: a function of its arguments alone."""
    f = call.func
    return isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in _PURE_MODULES


def _negated(c: _Sum) -> _Sum:
    return tuple(_Term(-t.sign, t.factors, t.divisors) for t in c)


def _times(c: _Sum, factor) -> _Sum:
    if len(c) == 1:
        t = c[0]
        return (_Term(t.sign, t.factors + (factor,), t.divisors),)
    return (_Term(1, (c, factor)),)


def _mentions(form: dict, name: str) -> bool:
    return any(_sum_mentions(c, name) for c in form.values())


def _sum_mentions(c: _Sum, name: str) -> bool:
    for t in c:
        for f in t.factors + t.divisors:
            if _sum_mentions(f, name) if isinstance(f, tuple) else name in _names(f):
                return True
    return False


def _render_linear(form: dict):
    """``seed * (coefficient) + ...``: one multiplication on each seed, the coefficient computed beside it."""
    out = None
    for seed, c in form.items():
        coefficient = _render_sum(c)
        if seed == _FREE:
            part, negative = coefficient or ast.Constant(1.0), coefficient is None and c[0].sign < 0
        elif coefficient is None:
            part, negative = ast.Name(seed, ast.Load()), c[0].sign < 0
        else:
            part, negative = ast.BinOp(ast.Name(seed, ast.Load()), ast.Mult(), coefficient), False
        if out is None:
            out = ast.UnaryOp(ast.USub(), part) if negative else part
        else:
            out = ast.BinOp(out, ast.Sub() if negative else ast.Add(), part)
    return out


def _render_sum(c: _Sum):
    """The coefficient as an expression; None for plus or minus one."""
    if len(c) == 1 and not c[0].factors and not c[0].divisors:
        return None
    ordered = sorted(c, key=lambda t: t.sign < 0)   # a leading minus only when every term has one
    out = None
    for t in ordered:
        term = _render_term(t)
        if out is None:
            out = term if t.sign > 0 else ast.UnaryOp(ast.USub(), term)
        else:
            out = ast.BinOp(out, ast.Add() if t.sign > 0 else ast.Sub(), term)
    return out


def _render_term(t: _Term):
    out = None
    for f in t.factors:
        f = _render_sum(f) or ast.Constant(1.0) if isinstance(f, tuple) else f
        out = f if out is None else ast.BinOp(out, ast.Mult(), f)
    for d in t.divisors:
        out = ast.BinOp(out if out is not None else ast.Constant(1.0), ast.Div(), d)
    return out if out is not None else ast.Constant(1.0)
