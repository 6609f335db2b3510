"""The differentiating compiler: one module a stage, data flowing one way.

parse -> normalize -> ssa -> activity -> reverse -> optimize -> codegen -> cache
"""
import ast
import functools
from dataclasses import dataclass, field

from . import codegen
from .accumulate import InPlace
from .activity import active_vars, varied_vars
from .cache import cache
from .calls import SPLIT, CompiledVJP, callee_sources, expand_calls, user_function
from .codegen import Generated
from .errors import DifferentiationError, Location
from .exits import bind_unbound
from .names import Namer
from .normalize import normalize
from .optimize import optimize, upward_exposed
from .pyast import reads_in_order
from .trees import clone, name_nodes
from .parse import ParsedFunction, parse_function
from .forward import forward
from .reverse import reverse
from .scalars import result_is_scalar
from . import ops
from .ssa import Function, Op, Var, build_ssa, format_function, walk
from .shapes import infer as infer_shapes
from .specialize import masks, specialize

__all__ = ["DifferentiationError", "Location", "CompiledGradient", "compile_gradient", "cache", "to_ssa",
           "SPECIALIZATIONS"]


@dataclass
class CompiledGradient:
    """A gradient function compiled for one ``wrt``: ``function(*args) -> (value, gradients)``."""

    generated: Generated
    function: object       # bound to the user's globals and closure
    ssa_function: Function  # the SSA form it was made from (``.ssa`` writes it out when asked)
    parsed: ParsedFunction
    returns_value: bool    # False: the result is scalar by construction and only gradients come back
    callees: list = field(default_factory=list)  # CompiledVJPs of the user functions it calls

    @functools.cached_property
    def ssa(self) -> str:
        return format_function(self.ssa_function)

    @property
    def source(self) -> str:
        """The generated gradient, then the forward and backward functions of each function it calls."""
        return "\n\n".join([self.generated.source] + callee_sources(self.callees, self.generated.helpers))

    def result_location(self) -> Location | None:
        returns = [n for n in ast.walk(self.parsed.tree) if isinstance(n, ast.Return)]
        return self.parsed.locate(returns[-1]) if returns else None


def to_ssa(fn) -> Function:
    """Parse, normalize and convert ``fn`` to SSA form."""
    parsed = parse_function(user_function(fn))
    taken = {n.id for n in name_nodes(parsed.tree)}
    namer = Namer(taken | set(parsed.params))  # the function's own name is free unless the body reads it
    body = normalize(parsed, namer)
    return build_ssa(parsed, body, namer)


def _helper(node):
    """The runtime helper (or ``np``) a name in generated code stands for, or None."""
    return getattr(node, "ssagrad_helper", None) if isinstance(node, ast.Name) else None


def _specialize(function, adjoint, known, seed: str | None = None) -> None:
    """The backward sweep with helper calls specialized to the values' ``known`` kinds (compiler/shapes.py);
    ``seed``: a callee's backward function's parameter, the adjoint of its result, which has its kind."""
    names = {v.name: a for v, a in known.items()}
    result = function.result.value
    if seed is not None and isinstance(result, Var) and known.get(result) is not None:
        names[seed] = known[result]
    returned = {n.id for g in adjoint.gradients + [adjoint.value] if g is not None for n in ast.walk(g)
                if isinstance(n, ast.Name)}
    adjoint.backward = specialize(adjoint.backward, names, adjoint.adjoint_of, plain_division=not masks(function),
                                  returned=returned)


def _build_gradient(wrt: tuple[int, ...], tuple_result: bool, with_value: bool, bare: bool = False,
                    checkpoint: bool = False, signature: tuple | None = None, in_place: bool = True):
    def build(fn) -> CompiledGradient:
        function = to_ssa(fn)
        wrt_vars = [function.params[i] for i in wrt]
        active = active_vars(function, wrt_vars)
        known = infer_shapes(function, signature) if signature is not None else None
        callees = expand_calls(function, active, compile_vjp, known)
        adjoint = reverse(function, wrt_vars, active, checkpoint=checkpoint, copy_tapes=bare)
        scalar_result = result_is_scalar(function)
        if signature is not None:  # shapes known: helper calls become the NumPy they amount to
            _specialize(function, adjoint, known)
            result_kind = known.get(function.result.value) if isinstance(function.result.value, Var) else None
            scalar_result = scalar_result or (result_kind is not None and result_kind.shape == ())
        gradients = ast.Tuple(adjoint.gradients, ast.Load()) if tuple_result else adjoint.gradients[0]
        # a result no input reaches (np.argmax(x), np.allclose(x, y)) is computed, so that grad can refuse a bool
        # or an integer instead of returning zeros
        reached = not isinstance(function.result.value, Var) or function.result.value in active
        returns_value = with_value or (not bare and not (scalar_result and reached))
        result = ast.Tuple([adjoint.value, gradients], ast.Load()) if returns_value else gradients
        body, result = optimize(adjoint.body, result)
        if bare:  # to be differentiated again: every name bound on every path
            body = bind_unbound(body, result, function.parsed.params)
        elif signature is not None and in_place:  # kinds known: dx = dx + unindex(g, x, i) in a loop: dx[i] += g
            InPlace(_helper, {v.name: a for v, a in known.items() if a is not None}, views_escape=True).run(
                ast.Module(body, []))
        generated = codegen.generate(function.parsed, function.namer, f"{function.name}_grad", body, result)
        return CompiledGradient(generated, generated.bind(fn), function, function.parsed,
                                returns_value, callees)
    return build


# Specialized gradients kept per function and wrt: past this many signatures, new ones use the generic code
# (a training loop whose batch size varies must not compile, and keep, a gradient per size).
SPECIALIZATIONS = 8


def compile_gradient(fn, wrt: tuple[int, ...], tuple_result: bool, with_value: bool,
                     bare: bool = False, checkpoint: bool = False, signature: tuple | None = None,
                     for_numba: bool = False) -> CompiledGradient:
    """The cached reverse-mode gradient of ``fn`` with respect to the parameters at ``wrt``.

    Its function returns ``(value, gradients)``, or only ``gradients`` when
    ``with_value`` is false and the result is a scalar by construction (or, with a ``signature``, known
    to be one), or when ``bare`` (for differentiating the gradient again: no value to check).
    ``signature`` (``compiler/shapes.py``): what the arguments are, to specialize for; None: generic code.
    ``for_numba``: the code is for the Numba backend, whose rewrite makes its own in-place updates.
    """
    kind = "reverse for numba" if for_numba else "reverse"
    key, signature = _specialized_key(fn, (kind, wrt, tuple_result, with_value, bare, checkpoint), signature)
    return cache.get(fn, key, _build_gradient(wrt, tuple_result, with_value, bare, checkpoint, signature,
                                              in_place=not for_numba))


def _specialized_key(fn, key: tuple, signature):
    """The cache key for ``signature`` -- or, past SPECIALIZATIONS signatures for this key, for the generic
    code (and signature None)."""
    if signature is None:
        return key, None
    if not cache.has(fn, key + (signature,)) and cache.count(
            fn, lambda k: k[1:len(key) + 1] == key and len(k) > len(key) + 1) >= SPECIALIZATIONS:
        return key, None
    return key + (signature,), signature


def _build_vjp(active_params: tuple[str, ...], signature: tuple | None = None):
    def build(fn) -> CompiledVJP:
        function = to_ssa(fn)
        wrt_vars = [function.params[function.parsed.params.index(name)] for name in active_params]
        active = active_vars(function, wrt_vars)
        known = infer_shapes(function, signature) if signature is not None else None
        callees = expand_calls(function, active, compile_vjp, known)
        seed = function.namer.fresh("d" + function.name)
        adjoint = reverse(function, wrt_vars, active, seed)
        if signature is not None:
            _specialize(function, adjoint, known, seed)
        return split_vjp(function, adjoint, seed, callees, fn, active_params)
    return build


def compile_vjp(fn, active_params: tuple[str, ...], signature: tuple | None = None) -> CompiledVJP:
    """The cached forward and backward functions of a user function called from differentiated code
    (specialized to its arguments' ``signature`` when the caller knows it)."""
    key, signature = _specialized_key(fn, ("vjp", active_params), signature)
    return cache.get(fn, key, _build_vjp(active_params, signature))


def split_vjp(function, adjoint, seed, callees, fn, active_params) -> CompiledVJP:
    """Optimize both sweeps as one function, then cut it into a forward and a backward function."""
    marker = ast.Expr(ast.Name(SPLIT, ast.Load()))
    gradients = ast.Tuple(adjoint.gradients, ast.Load())
    body, result = optimize(adjoint.forward + [marker] + adjoint.backward,
                            ast.Tuple([adjoint.value, gradients], ast.Load()))
    cut = body.index(marker)
    forward, backward = body[:cut], body[cut + 1:]
    value, gradients = result.elts
    # what the backward sweep reads that the forward sweep made (or the parameters): its saved values
    made = {n.id for stmt in forward for n in ast.walk(stmt) if isinstance(n, ast.Name)
            and isinstance(n.ctx, ast.Store)} | set(function.parsed.params)
    exposed = upward_exposed(backward + [ast.Expr(gradients)])
    saved = [n for n in reads_in_order(backward + [ast.Expr(gradients)]) if n in exposed and n in made]
    saved_tuple = ast.Tuple([ast.Name(n, ast.Load()) for n in saved], ast.Load())
    differentiated = [n for n in function.parsed.params if n in active_params]
    name = function.name
    if differentiated != function.parsed.params:  # a variant for some parameters: say which
        name = f"{name}_d{'_'.join(differentiated)}" if differentiated else f"{name}_nodiff"
    # several results are returned flat; one tuple of one (a backward function's gradients) stays a tuple
    several = isinstance(value, ast.Tuple) and len(value.elts) > 1
    values = value.elts if several else [value]
    outputs = ast.Tuple(values + [saved_tuple], ast.Load())
    forward = bind_unbound(forward, outputs, function.parsed.params)  # it saves what only one branch made
    forward_fn = codegen.generate(function.parsed, function.namer, f"{name}_forward", forward, outputs)
    unpack = [ast.Assign([ast.Tuple([ast.Name(n, ast.Store()) for n in saved], ast.Store())],
                         ast.Name("saved", ast.Load()), lineno=0)] if saved else []
    arguments = ast.arguments([], [ast.arg("saved"), ast.arg(seed)], None, [], [], None, [])
    backward_fn = codegen.generate(function.parsed, function.namer, f"{name}_backward", unpack + backward,
                                   gradients, arguments=arguments)
    writes = any(isinstance(op, Op) and ops.is_write(op.fn) for op in walk(function.body))
    return CompiledVJP(name, forward_fn.bind(fn), backward_fn.bind(fn), [forward_fn.source, backward_fn.source],
                       callees, outputs=len(values),
                       consumes_saved=writes or any(callee.consumes_saved for callee in callees),
                       helpers={**forward_fn.helpers, **backward_fn.helpers})


@dataclass
class CompiledJVP:
    """``function(*args, **kwargs, **{tangent: ...})`` -> ``(value, tangent)`` (or only the tangent)."""

    name: str
    function: object
    parameters: list   # the keyword-only tangent parameter of each differentiated input, in order
    sources: list
    callees: list = field(default_factory=list)

    @property
    def source(self) -> str:
        return "\n\n".join(self.sources + [s for c in self.callees for s in c.sources])


def _build_jvp(active_params: tuple[str, ...], tangent_only: bool):
    def build(fn) -> CompiledJVP:
        function = to_ssa(fn)
        wrt_vars = [function.params[function.parsed.params.index(name)] for name in active_params]
        tangent, callees = forward(function, wrt_vars, varied_vars(function, wrt_vars), compile_jvp)
        result = tangent.tangent if tangent_only else ast.Tuple([tangent.value, tangent.tangent], ast.Load())
        body, result = optimize(tangent.body, result)
        arguments = clone(function.parsed.tree.args)
        arguments.kwonlyargs += [ast.arg(p) for p in tangent.parameters]
        arguments.kw_defaults += [None] * len(tangent.parameters)
        differentiated = [n for n in function.parsed.params if n in active_params]
        name = function.name if differentiated == function.parsed.params else \
            f"{function.name}_d{'_'.join(differentiated)}"
        name += "_tangent" if tangent_only else "_jvp"
        generated = codegen.generate(function.parsed, function.namer, name, body, result, arguments=arguments)
        return CompiledJVP(name, generated.bind(fn), tangent.parameters, [generated.source], callees)
    return build


def compile_jvp(fn, active_params: tuple[str, ...], tangent_only: bool = False) -> CompiledJVP:
    """The cached forward-mode (tangent) function of ``fn`` for the parameters ``active_params``."""
    fn = user_function(fn)  # a Numba dispatcher: its py_func
    return cache.get(fn, ("jvp", active_params, tangent_only), _build_jvp(active_params, tangent_only))
