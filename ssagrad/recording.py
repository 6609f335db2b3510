"""One run of a generated sweep that keeps every intermediate value, for pictures of the graph.

Reverse mode runs the gradient (forward values, then the backward sweep) and
reads ∂result/∂v off each value's adjoint; forward mode runs the tangent code
with a tangent on one input and reads ∂v/∂input off each value's tangent.
Both return ``locals()`` instead of a result, unoptimized, so every name the
sweep made is still there to read. Each builds its own SSA form of the
function (the reverse sweep rewrites calls of the user's functions into
calls of their forward functions); names are the same in every build, so
the picture reads values and derivatives by name.
"""
import ast
import copy
from dataclasses import dataclass

import numpy as np

from .compiler import codegen, compile_jvp, compile_vjp, to_ssa
from .compiler.activity import active_vars, varied_vars
from .compiler.calls import expand_calls
from .compiler.forward import TangentSweep
from .compiler.reverse import ReverseSweep
from .compiler.ssa import If, Loop, Op


@dataclass
class Recording:
    values: dict        # every name the run bound -> its value
    derivative: dict    # a value's name -> the name holding its derivative (an adjoint, or a tangent)


def _everything():
    return ast.Call(ast.Name("locals", ast.Load()), [], [])


def reverse(fn, args, wrt: list[str]) -> Recording:
    function = to_ssa(fn)
    wrt_vars = [v for v in function.params if v.name in wrt]
    active = active_vars(function, wrt_vars)
    expand_calls(function, active, compile_vjp)
    sweep = ReverseSweep(function, wrt_vars, active)
    adjoint = sweep.run()
    generated = codegen.generate(function.parsed, function.namer, f"{function.name}_graph",
                                 adjoint.forward + adjoint.backward, _everything())
    with np.errstate(all="ignore"):
        values = generated.bind(fn)(*args)
    return Recording(values, {var.name: name for var, name in sweep.adjoint.items()})


class _KeepingSweep(TangentSweep):
    """The tangent sweep, remembering each value's tangent name (a branch forgets its own when it ends)."""

    def __init__(self, *args):
        super().__init__(*args)
        self.kept = dict(self.tangent)

    def block(self, body):
        out = []
        for stmt in body:
            out += super().block([stmt])
            self.kept.update({v: self.tangent[v] for v in _made(stmt) if v in self.tangent})
        return out


def _made(stmt) -> list:
    """The values a statement defines where its region's caller sees them."""
    if isinstance(stmt, Op):
        return stmt.targets
    if isinstance(stmt, If):
        return [phi.target for phi in stmt.phis]
    if isinstance(stmt, Loop):
        return [c.var for c in stmt.carried]
    return []


def forward(fn, args, wrt: str, direction) -> Recording:
    function = to_ssa(fn)
    x = next(v for v in function.params if v.name == wrt)
    sweep = _KeepingSweep(function, [x], varied_vars(function, [x]), compile_jvp)
    tangent = sweep.run()
    arguments = copy.deepcopy(function.parsed.tree.args)
    arguments.kwonlyargs += [ast.arg(p) for p in tangent.parameters]
    arguments.kw_defaults += [None] * len(tangent.parameters)
    generated = codegen.generate(function.parsed, function.namer, f"{function.name}_graph_jvp", tangent.body,
                                 _everything(), arguments=arguments)
    with np.errstate(all="ignore"):
        values = generated.bind(fn)(*args, **{tangent.parameters[0]: direction})
    return Recording(values, {var.name: name for var, name in sweep.kept.items()})
