"""Calls of the user's own functions: each callee is differentiated on its own.

A callee ``helper`` with no rule gets two generated functions, compiled once
per set of differentiated parameters and cached: ``helper_forward`` runs it
and returns ``(value, saved)``, where ``saved`` holds what its backward sweep
reads; ``helper_backward(saved, dvalue)`` returns the gradients of those
parameters. At the call site the forward sweep calls the first and the
backward sweep the second, so code size stays linear in the program and a
helper used in many places is compiled once.
"""
import copy
import inspect
import os
import re
import sysconfig
import threading
from dataclasses import dataclass, field

from .errors import DifferentiationError
from .names import helper_name
from .rules import adjoint_rule, is_differentiable
from .ssa import Const, Free, Function, Op, Pack, Var, walk

SPLIT = "__ssagrad_split__"  # marks where the forward sweep ends while both are optimized as one


@dataclass
class CompiledVJP:
    name: str
    forward: object           # forward(*args, **kwargs) -> (value, saved)
    backward: object          # backward(saved, dvalue) -> tuple of gradients
    sources: list
    callees: list = field(default_factory=list)
    outputs: int = 1          # how many values the function returns (a tuple display of them, or one)
    # its backward puts back array entries the forward wrote (here or in a callee), so saved values serve
    # one backward sweep: a second one needs the forward run again
    consumes_saved: bool = False
    helpers: dict = field(default_factory=dict)  # names its two functions bind at compile time (its callees')


@dataclass(eq=False)
class CalleeVJP:
    """The primitive a differentiated user call becomes: targets are ``(value, saved)``."""

    function: object
    vjp: CompiledVJP
    operands: list            # the call's operand for each differentiated parameter, in order

    @property
    def name(self) -> str:
        return self.vjp.name

    @property
    def label(self) -> str:
        """How the SSA listing names it."""
        return f"{self.function.__module__}.{self.function.__qualname__}"


_compiling = threading.local()


def user_function(fn):
    """The Python function whose source ``fn`` runs: a Numba dispatcher's ``py_func``, else ``fn``."""
    if hasattr(fn, "py_func") and type(fn).__module__.startswith("numba.") and inspect.isfunction(fn.py_func):
        return fn.py_func
    return fn


def is_user_function(fn) -> bool:
    """A Python function with no rule, to differentiate from its source (not one of ssagrad's own); an
    ``@numba.njit`` function is one, through its ``py_func``."""
    fn = user_function(fn)
    return inspect.isfunction(fn) and adjoint_rule(fn) is None and is_differentiable(fn) \
        and not (fn.__module__ or "").startswith("ssagrad.")


def expand_calls(function: Function, active: set, compile_vjp, known: dict | None = None) -> list:
    """Rewrite each differentiated call of a user function into a call of its forward function.

    Returns the compiled callees (for ``.source``).
    """
    callees = []
    for op in list(walk(function.body)):
        if not (isinstance(op, Op) and is_user_function(op.fn) and any(t in active for t in op.targets)):
            continue
        parsed = function.parsed
        fn = user_function(op.fn)
        try:
            bound = inspect.signature(fn).bind(*op.args, **op.kwargs)
        except TypeError as exc:
            raise parsed.error(f"this call of {fn.__qualname__}() does not fit its parameters: {exc}",
                               op.node) from None
        for name, operand in bound.arguments.items():
            if isinstance(operand, Pack) and any(v in active for v in _pack_vars(operand)):
                raise parsed.error(f"argument {name!r} of {fn.__qualname__}() is a list or tuple holding "
                                   f"differentiated values; pass the arrays separately", op.node)
        names = tuple(n for n, operand in bound.arguments.items() if isinstance(operand, Var) and operand in active)
        stack = getattr(_compiling, "stack", [])
        if fn in stack:
            raise parsed.error(f"{fn.__qualname__}() calls itself (directly or through other functions); "
                               f"recursion cannot be differentiated yet", op.node)
        _compiling.stack = stack + [fn]
        try:
            vjp = compile_vjp(fn, names, _argument_kinds(bound, known))
        except DifferentiationError as error:
            if not _in_a_library(fn) or error.location is None or _in_a_library(function.parsed.fn):
                raise
            # your line first, then the library's (which may be several calls deep)
            refusal = parsed.error(f"{fn.__module__}.{fn.__qualname__}() has no derivative rule, so ssagrad reads "
                                   f"its source, and cannot differentiate it: {error.message} (or register one: "
                                   f"@ssagrad.adjoint({fn.__module__}.{fn.__qualname__}))", op.node)
            refusal.note = f"inside the library:\n{error.location.render()}"
            raise refusal from None
        finally:
            _compiling.stack = stack
        if len(op.targets) != vjp.outputs:
            what = "one value" if vjp.outputs == 1 else f"a tuple of {vjp.outputs} values"
            error = parsed.error(f"{fn.__qualname__}() returns {what}; unpack exactly that where it is called "
                                 f"({', '.join(f'r{i}' for i in range(vjp.outputs))} = ...)", op.node)
            error.outputs = vjp.outputs  # (a call of a function an object holds unpacks them: runtime/held.py)
            raise error
        op.fn = CalleeVJP(fn, vjp, [bound.arguments[n] for n in names])
        op.callee = helper_name(f"{vjp.name}_forward", vjp.forward)
        op.targets.append(Var(function.namer.fresh(f"{vjp.name}_saved"), f"{vjp.name}_saved"))
        callees.append(vjp)
    return callees


_LIBRARY_FOLDERS = tuple(os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "purelib", "platlib"))


def _in_a_library(fn) -> bool:
    """Is ``fn`` defined in the standard library or an installed package (not in your code)?"""
    code = getattr(fn, "__code__", None)
    return code is not None and os.path.realpath(code.co_filename).startswith(_LIBRARY_FOLDERS)


def _argument_kinds(bound, known) -> tuple | None:
    """What each parameter of a call is (compiler/shapes.py), when all are known: the callee's signature."""
    if known is None:
        return None
    from .shapes import abstract
    bound = copy.copy(bound)
    bound.apply_defaults()
    kinds = []
    for operand in bound.arguments.values():
        if isinstance(operand, Var):
            kind = known.get(operand)
        elif isinstance(operand, (Const, Free)):
            kind = abstract(operand.value)
        else:  # a default value, or a list or tuple display
            kind = None if isinstance(operand, Pack) else abstract(operand)
        if kind is None:
            return None
        kinds.append(kind)
    return tuple(kinds)


def _pack_vars(pack):
    return [v for item in pack.items for v in ([item] if isinstance(item, Var) else
                                                _pack_vars(item) if isinstance(item, Pack) else [])]


def callee_sources(callees, helpers: dict) -> list[str]:
    """The generated sources of the callees, each once, depth first, each under the name its caller
    binds it to (``helpers``: two specializations of one function are ``f_forward`` and ``f_forward_1``)."""
    seen, out = set(), []

    def visit(vjp, helpers):
        if id(vjp) in seen:
            return
        seen.add(id(vjp))
        for source, function in zip(vjp.sources, (vjp.forward, vjp.backward)):
            name = next((n for n, value in helpers.items() if value is function), None)
            out.append(re.sub(r"^def \w+\(", f"def {name}(", source, count=1) if name else source)
        for inner in vjp.callees:
            visit(inner, vjp.helpers)
    for vjp in callees:
        visit(vjp, helpers)
    return out
