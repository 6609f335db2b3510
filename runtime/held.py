"""Calls of a function an object holds: ``self.activation(h)`` after ``self.activation = np.tanh`` (or a
function of yours, a ``functools.partial``, another object's bound method, an object with a ``__call__``).

What the attribute holds is known only when the gradient runs -- two instances of one class may hold two
functions, and the attribute may be set again between calls -- so the generated code reads it then and calls
``call_held(f, *operands, keywords=..., site=...)``. That differentiates the call the way a call of a named
function is differentiated, for the function it finds: a one-line function ``def held(a0, ...): return f(a0,
...)`` is made for it (with the call's constant arguments -- ints, strings, ``None`` -- written into it, so a
rule reads ``axis=0`` as it would in your code) and compiled like a helper of yours, once per function and
kind of call: its forward function runs in the forward sweep and saves what its backward function reads
(``held_backward``, in the backward sweep), so the function runs once, as in your code. Forward mode
(``held_tangent``) runs its generated tangent function. Nothing is ever taken from an earlier call: the
function is looked up on each call, so what a gradient differentiates is what the object holds then.

What cannot be differentiated (a function with no rule, code ssagrad refuses) is a located
``DifferentiationError`` at your call (``site``), with the held function's own line after it, raised when
the gradient needs it -- a call whose result carries no derivative runs as it is. A held function that writes
into an array argument is refused at the call (the caller cannot see the write).

Unlike the rest of ``ssagrad.runtime``, this module compiles code when the gradient runs, so it needs ssagrad
(an exported gradient that calls a held function imports it).
"""
import functools
import inspect
import itertools
import linecache
import re
import threading
import types

import numpy as np

_WRAPPERS: dict = {}   # (id(fn), slots, keywords) -> (fn, wrapper)
_LIMIT = 512           # distinct (function, kind of call) pairs kept; the oldest go first
_lock = threading.Lock()
_counter = itertools.count(1)
_LITERALS = (bool, int, str, type(None))


def _callee(fn):
    """``(what the wrapper calls, the object passed first or ())``: a bound method of yours is its function
    with its object, so that it is differentiated from its source; an object whose class defines
    ``__call__`` in Python, that method."""
    if isinstance(fn, types.MethodType) and inspect.isfunction(fn.__func__) and not isinstance(fn.__self__, type):
        return fn.__func__, (fn.__self__,)
    if not isinstance(fn, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial,
                           np.ufunc, type)):
        call = getattr(type(fn), "__call__", None)
        if inspect.isfunction(call) and not (getattr(call, "__module__", "") or "").startswith("numba"):
            return call, (fn,)
    return fn, ()


def _literal(value) -> bool:
    if type(value) in _LITERALS:
        return True
    return type(value) is tuple and all(_literal(v) for v in value)


def _active(value) -> bool:
    """A value that takes a gradient: a float or complex number, an array of them, or a container."""
    if isinstance(value, (float, complex, np.inexact)):
        return True
    if isinstance(value, (list, tuple, dict)):
        return not _literal(value)
    dtype = getattr(value, "dtype", None)
    return dtype is not None and hasattr(value, "shape") and np.issubdtype(dtype, np.inexact)


def _slots(operands):
    """Each operand: ``"a"`` (a parameter that takes a gradient), ``"p"`` (a parameter that does not) or
    ``("c", value)`` (a constant written into the wrapper)."""
    return tuple(("c", v) if _literal(v) else "a" if _active(v) else "p" for v in operands)


def _name_of(fn) -> str:
    """``held_<its name>``: the name of the wrapper (and of its generated functions, held_relu_forward)."""
    name = re.sub(r"\W", "", getattr(fn, "__name__", None) or type(fn).__name__)
    return f"held_{name}" if name.isidentifier() else "held_call"


def _wrapper(fn, slots, keywords, outputs=1):
    """``def <name>(a0, ...): return fn(a0, ...)`` for this function and kind of call, made once; for a function
    of yours that returns ``outputs`` > 1 values, ``r0, r1 = fn(a0, ...)`` and ``return r0, r1``."""
    key = (id(fn), slots, keywords, outputs)
    with _lock:
        found = _WRAPPERS.get(key)
        if found is not None and found[0] is fn:
            return found[1]
        target, owner = _callee(fn)
        params, arguments = [], []
        for i, slot in enumerate(slots):
            text = repr(slot[1]) if type(slot) is tuple else f"a{i}"
            if type(slot) is not tuple:
                params.append(text)
            arguments.append(text)
        positional = len(slots) - len(keywords)
        call = (["owner"] if owner else []) + arguments[:positional] + \
            [f"{k}={v}" for k, v in zip(keywords, arguments[positional:])]
        name = _name_of(getattr(target, "__func__", target))
        results = ", ".join(f"r{i}" for i in range(outputs))
        source = f"def {name}({', '.join(params)}):\n    return fn({', '.join(call)})\n" if outputs == 1 else \
            f"def {name}({', '.join(params)}):\n    {results} = fn({', '.join(call)})\n    return {results}\n"
        filename = f"<ssagrad held call {next(_counter)}>"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace = {"fn": target, "owner": owner[0] if owner else None, "__name__": "ssagrad_held_call"}
        exec(compile(source, filename, "exec"), namespace)
        wrapper = namespace[name]
        wrapper.ssagrad_held = fn
        if len(_WRAPPERS) >= _LIMIT:
            _WRAPPERS.pop(next(iter(_WRAPPERS)))
        _WRAPPERS[key] = (fn, wrapper)
        return wrapper


def _location(site):
    from ..compiler.errors import Location
    if not site:
        return None
    filename, lineno, col, end_col, function = site
    return Location(filename, lineno, col, end_col, linecache.getline(filename, lineno), function)


def _call_text(site) -> str:
    location = _location(site)
    if location is None:
        return "this call"
    end = location.end_col if location.end_col is not None else len(location.line.rstrip())
    return location.line[location.col:end].strip() or "this call"


def _describe(fn) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None)
    if name is None:
        return repr(fn)
    return f"{module}.{name}" if module and module != "builtins" else name


def refusal(error, fn, site, what="differentiate"):
    """A ``DifferentiationError`` located at your call, for ``error`` raised while compiling the held call."""
    from ..compiler.errors import DifferentiationError
    message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
    inner = getattr(error, "location", None)
    text = f"{_call_text(site)} calls {_describe(fn)} (what it holds when the gradient runs), which ssagrad " \
           f"cannot {what}: {message}"
    note = getattr(error, "note", "")
    if inner is not None and not inner.filename.startswith("<ssagrad held call"):
        note = f"inside {_describe(fn)}:\n{inner.render()}" + (f"\n{note}" if note else "")
    return DifferentiationError(text, _location(site), note)


class _Refused:
    """What a held call saves when its function cannot be differentiated: the error, for the backward sweep
    (a call whose result carries no derivative never reaches it)."""

    def __init__(self, error):
        self.error = error


def _plain(fn, operands, keywords):
    positional = len(operands) - len(keywords)
    return fn(*operands[:positional], **dict(zip(keywords, operands[positional:])))


_WRITES = "it writes into an argument in place, which the calling code cannot follow; return a new array instead"


def _written(wrapper) -> set:
    """The wrapper's parameters the held function writes into (the analysis of a called function's writes)."""
    from ..compiler.aliasing import _written_params
    return _written_params(wrapper)


def call_held(fn, *operands, keywords=(), site=None):
    """``fn(*operands)`` (the last ``len(keywords)`` operands passed by those keywords) and what its backward
    sweep needs: ``(value, saved)``."""
    from ..compiler import DifferentiationError, compile_vjp
    keywords = tuple(keywords)
    slots = _slots(operands)
    try:
        wrapper = _wrapper(fn, slots, keywords)
        written = _written(wrapper)
    except (DifferentiationError, TypeError, OSError, SyntaxError) as error:
        return _plain(fn, operands, keywords), _Refused(refusal(error, fn, site))
    if written:
        raise refusal(DifferentiationError(_WRITES), fn, site)
    positions = [i for i, s in enumerate(slots) if s == "a"]
    try:
        try:
            compiled = compile_vjp(wrapper, tuple(f"a{i}" for i in positions))
        except DifferentiationError as error:
            if getattr(error, "outputs", 1) == 1:
                raise
            wrapper = _wrapper(fn, slots, keywords, error.outputs)  # it returns a tuple of values
            compiled = compile_vjp(wrapper, tuple(f"a{i}" for i in positions))
    except (DifferentiationError, TypeError, OSError, SyntaxError) as error:  # no rule, no source, a refusal
        return _plain(fn, operands, keywords), _Refused(refusal(error, fn, site))
    args = [v for v, s in zip(operands, slots) if type(s) is not tuple]
    out = compiled.forward(*args)
    if compiled.outputs == 1:
        value, saved = out
    else:
        value, saved = tuple(out[:-1]), out[-1]
    return value, (compiled, saved, positions, len(operands), value if compiled.outputs > 1 else None)


def held_backward(saved, g):
    """The gradients of a held call's operands (``None`` for those that take none), given its result's ``g``."""
    if isinstance(saved, _Refused):
        raise saved.error
    compiled, inner, positions, count, values = saved
    grads = [None] * count
    if g is None or not positions:
        return tuple(grads)
    if compiled.outputs > 1:  # one gradient per value: zeros for those nothing used
        from .broadcast import zeros_like
        g = tuple(zeros_like(v) if gi is None else gi for gi, v in zip(g, values))
    for position, gradient in zip(positions, compiled.backward(inner, g)):
        grads[position] = gradient
    return tuple(grads)


def held_tangent(fn, operands, tangents, keywords=(), site=None):
    """Forward mode: the tangent of ``fn(*operands)`` along ``tangents`` (``None`` for an operand without one),
    from the function's generated tangent function -- which runs the function again, so one that is not pure
    (random draws, output) is refused rather than differentiated at other numbers."""
    from ..compiler import DifferentiationError, compile_jvp
    from ..compiler.calls import is_user_function
    from ..compiler.purity import why_impure
    keywords = tuple(keywords)
    slots = _slots(operands)
    positions = [i for i, s in enumerate(slots) if s == "a" and tangents[i] is not None]
    try:
        wrapper = _wrapper(fn, slots, keywords)
        written = _written(wrapper)
        try:
            compiled = compile_jvp(wrapper, tuple(f"a{i}" for i in positions), tangent_only=True)
        except DifferentiationError as error:
            if getattr(error, "outputs", 1) == 1:
                raise
            wrapper = _wrapper(fn, slots, keywords, error.outputs)  # it returns a tuple of values
            compiled = compile_jvp(wrapper, tuple(f"a{i}" for i in positions), tangent_only=True)
    except (DifferentiationError, TypeError, OSError, SyntaxError) as error:
        raise refusal(error, fn, site) from None
    if written:
        raise refusal(DifferentiationError(_WRITES), fn, site)
    target = _callee(fn)[0]
    reason = why_impure(target) if is_user_function(target) else None  # (a function with a rule is pure)
    if reason:
        raise refusal(DifferentiationError(f"forward mode runs it again for its tangent, and it {reason}; "
                                           f"use reverse mode (ssagrad.grad)"), fn, site)
    args = [v for v, s in zip(operands, slots) if type(s) is not tuple]
    return compiled.function(*args, **dict(zip(compiled.parameters, [tangents[i] for i in positions])))
