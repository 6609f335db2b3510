"""Calls that do not give the same result, or do something more, when they run again.

``checkpoint=True`` keeps a loop's state every ~sqrt(n) iterations and runs
each segment of the loop again in the backward sweep. That is only right for
a body whose calls are pure: a random draw run again draws other numbers (and
moves the generator on), a clock reads another time, output is written
twice. Such a loop is refused, pointing at the call, rather than given a
gradient of numbers the forward sweep never used.

The classification is by what a call resolves to: functions of the random
modules (``random``, ``numpy.random``, ``secrets``), methods of random
generators (``np.random.Generator``, ``RandomState``, ``random.Random``),
the clock (``time``), input/output (``print``, ``open``, ``input``, files,
``os``, ``sys``), calls that are passed a generator or a file, and user
functions that make any such call, at any depth.
"""
import ast
import builtins
import inspect
import io
import random

import numpy

from ..runtime.held import call_held
from .calls import CalleeVJP
from .ssa import Free, Op, Pack, walk

_GENERATORS = (numpy.random.Generator, numpy.random.RandomState, numpy.random.BitGenerator, random.Random)
_MODULES = {"random": "draws random numbers", "numpy.random": "draws random numbers",
            "secrets": "draws random numbers", "time": "reads the clock", "os": "does input/output",
            "io": "does input/output", "sys": "does input/output", "socket": "does input/output",
            "subprocess": "does input/output", "shutil": "does input/output"}
_BUILTINS = {builtins.print: "writes output", builtins.open: "opens a file", builtins.input: "reads input",
             builtins.breakpoint: "stops in the debugger"}


def _of_object(value) -> str | None:
    """Why passing ``value`` to a call makes the call impure."""
    if isinstance(value, _GENERATORS):
        return "draws random numbers from the generator it is passed"
    if isinstance(value, io.IOBase):
        return "is passed a file"
    return None


def _module_reason(module: str) -> str | None:
    for name, reason in _MODULES.items():
        if module == name or module.startswith(name + "."):
            return reason
    return None


def why_impure(fn, seen=None) -> str | None:
    """Why running ``fn`` again may not repeat it (a short phrase), or None when it is pure as far as we see."""
    try:
        if fn in _BUILTINS:
            return _BUILTINS[fn]
        if fn is call_held:  # self.activation(h): what it calls is only known when the gradient runs
            return "calls a function the object holds, which ssagrad cannot check before the gradient runs"
    except TypeError:  # unhashable
        pass
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, _GENERATORS):
        return "draws random numbers"
    if isinstance(owner, io.IOBase):
        return "does input/output"
    module = getattr(owner, "__name__", None) if inspect.ismodule(owner) else getattr(fn, "__module__", None)
    reason = _module_reason(module) if isinstance(module, str) else None
    if reason or not inspect.isfunction(fn) or (fn.__module__ or "").startswith("ssagrad."):
        return reason
    from .rules import adjoint_rule
    if adjoint_rule(fn) is not None:  # a function with a rule is not read (scipy.special.logsumexp's decorators
        return None                   # print when they build its docstring, not when it runs)
    return _function_reason(fn, set() if seen is None else seen)


def _function_reason(fn, seen) -> str | None:
    """A user function is impure when a call in its body is (what it calls is resolved now, as when compiling)."""
    from .parse import parse_function
    if fn in seen:
        return None
    seen.add(fn)
    try:
        parsed = parse_function(fn)
    except Exception:  # no source to read: nothing we can see
        return None
    for node in ast.walk(parsed.tree):
        if not isinstance(node, ast.Call):
            continue
        arguments = [parsed.resolve(a) for a in node.args + [k.value for k in node.keywords]]
        reason = why_impure(parsed.resolve(node.func), seen) or next(filter(None, map(_of_object, arguments)), None)
        if reason:
            return f"calls {ast.unparse(node.func)}(), which {reason}"
    return None


def _operands(op: Op):
    stack = list(op.args) + list(op.kwargs.values())
    while stack:
        operand = stack.pop()
        if isinstance(operand, Pack):
            stack.extend(operand.items)
        elif isinstance(operand, Free):
            yield operand.value


def first_impure(body) -> tuple[Op, str] | None:
    """The first call in ``body`` (regions included) that is not pure, and why."""
    for op in walk(body):
        if not isinstance(op, Op):
            continue
        fn = op.fn.function if isinstance(op.fn, CalleeVJP) else op.fn  # a user function, compiled already
        reason = why_impure(fn) or next(filter(None, map(_of_object, _operands(op))), None)
        if reason:
            return op, reason
    return None


def refuse_rerun(parsed, body) -> None:
    """Raise a located error when ``body``, run again by checkpointing, would not repeat what it did."""
    found = first_impure(body)
    if found is None:
        return
    op, reason = found
    raise parsed.error(
        f"checkpoint=True runs this loop's body again in the backward sweep, but this call {reason}: run again "
        f"it would not repeat what the forward sweep did, and the gradient would belong to other numbers. "
        f"Make the loop pure: draw the random numbers before it (noise = rng.normal(size=n), then noise[i] "
        f"inside), or differentiate without checkpoint=True.", op.node)
