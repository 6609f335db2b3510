"""The local derivative on each edge of a computational graph: ∂head/∂tail at the point.

An edge runs from a value ``v`` to an operation ``t = fn(..., v, ...)``. Its
local derivative holds the operation's other arguments fixed, so it is the
operation's tangent with a tangent on ``v`` alone. That tangent comes from
the forward-mode machinery the compiler itself uses (``TangentSweep`` and the
rules in ``compiler/rules``), generated as a small function per edge and run
on the values the graph recorded: nothing here knows a derivative by heart.

For a scalar tail the tangent seeded with 1 is the derivative. For an array
tail of up to ``JACOBIAN_SIZE`` entries (and a Jacobian of up to
``JACOBIAN_ENTRIES``) the edge gets the whole Jacobian (shape
``head.shape + tail.shape``), one seed per entry; past that, the tangent
along all-ones, ``J @ 1``, stands in for it (``Local.along_ones``).
"""
import ast
from dataclasses import dataclass

import numpy as np

from .compiler import codegen, compile_jvp
from .compiler import ops
from .compiler.forward import TangentSweep
from .compiler.rules import is_differentiable
from .compiler.ssa import If, Op, op_vars

# Past this many entries in a tail, or in a Jacobian, one tangent along all-ones instead of the Jacobian
# (each column costs a call of the operation, and a large head times a large tail would not fit in memory).
JACOBIAN_SIZE = 64
JACOBIAN_ENTRIES = 4096


@dataclass
class Local:
    """∂head/∂tail: ``value`` is the number, the Jacobian, or (``along_ones``) ``J @ 1``."""

    value: object
    along_ones: bool = False


def is_float(value) -> bool:
    return isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.dtype.kind == "f")


def _drawn(body):
    """The operations and branches a picture shows values for: those outside loops (a loop is drawn once)."""
    for stmt in body:
        if isinstance(stmt, (Op, If)):
            yield stmt
        if isinstance(stmt, If):
            yield from _drawn(stmt.body)
            yield from _drawn(stmt.orelse)


def _edge_function(function, fn, op: Op, tail):
    """``edge(<the op's inputs>, seed) -> the tangent of each target`` when only ``tail`` moves."""
    sweep = TangentSweep(function, [], set(op.targets), compile_jvp)
    seed = function.namer.fresh("d" + tail.name)
    sweep.tangent = {tail: seed}
    body = sweep.op(op)
    tangents = [ast.Name(sweep.tangent[t], ast.Load()) if t in sweep.tangent else ast.Constant(None)
                for t in op.targets]
    inputs = list(dict.fromkeys(v.name for v in op_vars(op)))
    arguments = ast.arguments([], [ast.arg(n) for n in inputs + [seed]], None, [], [], None, [])
    generated = codegen.generate(function.parsed, function.namer, f"edge_{tail.name}_{op.targets[0].name}", body,
                                 ast.Tuple(tangents, ast.Load()), arguments=arguments)
    return generated.bind(fn), inputs


def _jacobian(edge, inputs, values, tail, head_value, index):
    """Call ``edge`` with seeds on ``tail``: the Jacobian, or ``J @ 1`` for a large tail."""
    def tangent(seed):
        # arguments copied: a call that writes into one must not change the recorded value
        args = [np.copy(values[n]) if isinstance(values[n], np.ndarray) else values[n] for n in inputs]
        out = edge(*args, seed)[index]
        return np.broadcast_to(0.0 if out is None else out, np.shape(head_value))
    x = values[tail.name]
    if np.ndim(x) == 0:
        return Local(_plain(tangent(np.ones_like(x)[()] if isinstance(x, np.ndarray) else 1.0)))
    if np.size(x) > JACOBIAN_SIZE or np.size(x) * np.size(head_value) > JACOBIAN_ENTRIES:
        return Local(np.array(tangent(np.ones_like(x))), along_ones=True)
    columns = []
    for k in range(np.size(x)):
        seed = np.zeros_like(x)
        seed.flat[k] = 1.0
        columns.append(np.asarray(tangent(seed), dtype=float))
    # columns[k] is ∂head/∂x.flat[k]: stack them last and give them x's shape
    return Local(np.stack(columns, axis=-1).reshape(np.shape(head_value) + np.shape(x)))


def _plain(value):
    return float(value) if np.ndim(value) == 0 else np.array(value)


def local_derivatives(function, fn, values: dict) -> dict:
    """``{(tail name, head name): Local}`` for every differentiable edge outside loops whose values were
    recorded (the branch not taken has none). Writes into arrays (``a[i] = v``) get no label."""
    out = {}
    for op in _drawn(function.body[:-1]):
        if not isinstance(op, Op) or not is_differentiable(op.fn) or ops.is_write(op.fn):
            continue
        heads = [(i, t) for i, t in enumerate(op.targets) if is_float(values.get(t.name))]
        if not heads:
            continue
        for tail in dict.fromkeys(op_vars(op)):
            if not is_float(values.get(tail.name)) or any(n not in values for n in (v.name for v in op_vars(op))):
                continue
            edge, inputs = _edge_function(function, fn, op, tail)
            with np.errstate(all="ignore"):
                for index, head in heads:
                    out[(tail.name, head.name)] = _jacobian(edge, inputs, values, tail, values[head.name], index)
    return out


def phi_edges(function, values: dict) -> dict:
    """A branch's result is the value of the side taken: ∂result/∂(that value) = 1, the other side's 0."""
    out = {}
    for stmt in _drawn(function.body[:-1]):
        if isinstance(stmt, If):
            for phi in stmt.phis:
                for side, taken in ((phi.then, True), (phi.orelse, False)):
                    name = getattr(side, "name", None)
                    test = values.get(getattr(stmt.test, "name", None), getattr(stmt.test, "value", None))
                    if name in values and test is not None and is_float(values.get(phi.target.name)) \
                            and np.ndim(values[phi.target.name]) == 0:
                        out[(name, phi.target.name)] = Local(1.0 if bool(test) == taken else 0.0)
    return out
