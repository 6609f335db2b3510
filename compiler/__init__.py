"""The differentiating compiler: one module a stage, data flowing one way.

parse -> normalize -> ssa -> activity -> reverse -> optimize -> codegen -> cache
"""
import ast
from dataclasses import dataclass

from . import codegen
from .activity import active_vars
from .cache import cache
from .codegen import Generated
from .errors import DifferentiationError, Location
from .names import Namer
from .normalize import normalize
from .optimize import optimize
from .parse import ParsedFunction, parse_function
from .reverse import reverse
from .scalars import result_is_scalar
from .ssa import Function, build_ssa, format_function

__all__ = ["DifferentiationError", "Location", "CompiledGradient", "compile_gradient", "cache", "to_ssa"]


@dataclass
class CompiledGradient:
    """A gradient function compiled for one ``wrt``: ``function(*args) -> (value, gradients)``."""

    generated: Generated
    function: object       # bound to the user's globals and closure
    ssa: str
    parsed: ParsedFunction
    returns_value: bool    # False: the result is scalar by construction and only gradients come back

    @property
    def source(self) -> str:
        return self.generated.source

    def result_location(self) -> Location | None:
        returns = [n for n in ast.walk(self.parsed.tree) if isinstance(n, ast.Return)]
        return self.parsed.locate(returns[-1]) if returns else None


def to_ssa(fn) -> Function:
    """Parse, normalize and convert ``fn`` to SSA form."""
    parsed = parse_function(fn)
    taken = {n.id for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)}
    namer = Namer(taken | set(parsed.params))  # the function's own name is free unless the body reads it
    body = normalize(parsed, namer)
    return build_ssa(parsed, body, namer)


def _build_gradient(wrt: tuple[int, ...], tuple_result: bool, with_value: bool):
    def build(fn) -> CompiledGradient:
        function = to_ssa(fn)
        wrt_vars = [function.params[i] for i in wrt]
        adjoint = reverse(function, wrt_vars, active_vars(function, wrt_vars))
        gradients = ast.Tuple(adjoint.gradients, ast.Load()) if tuple_result else adjoint.gradients[0]
        returns_value = with_value or not result_is_scalar(function)
        result = ast.Tuple([adjoint.value, gradients], ast.Load()) if returns_value else gradients
        body, result = optimize(adjoint.body, result)
        generated = codegen.generate(function.parsed, function.namer, f"{function.name}_grad", body, result)
        return CompiledGradient(generated, generated.bind(fn), format_function(function), function.parsed,
                                returns_value)
    return build


def compile_gradient(fn, wrt: tuple[int, ...], tuple_result: bool, with_value: bool) -> CompiledGradient:
    """The cached reverse-mode gradient of ``fn`` with respect to the parameters at ``wrt``.

    Its function returns ``(value, gradients)``, or only ``gradients`` when
    ``with_value`` is false and the result is a scalar by construction.
    """
    key = ("reverse", wrt, tuple_result, with_value)
    return cache.get(fn, key, _build_gradient(wrt, tuple_result, with_value))
