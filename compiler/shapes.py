"""What each value of a function is -- a Python float, an int, a NumPy scalar, an array of which dtype and
shape -- for one signature of its arguments: the facts gradient specialization (compiler/specialize.py)
builds on.

A signature (``signature(args)``) says what each argument is; ints carry their value, since shapes are
often made from them (``np.zeros(n)``). Each operation is then run on stand-in values of those kinds
(arrays of 0.5, the ints themselves), which gives its result's kind exactly, as NumPy computes it --
except where the result depends on the values: a boolean mask's selection, ``np.nonzero``, an int whose
value is not known (a loop index) used as a size. Those, calls of the user's own functions, and anything
that is not a registered pure NumPy function, are unknown (``None``), and so is everything made from them;
a branch's value is known when both branches agree, a loop-carried one when every iteration agrees.
"""
import contextlib
import warnings
from dataclasses import dataclass

import numpy

from . import ops
from .ssa import COPY, Const, Free, If, Loop, Op, Pack, Slice, Var, walk

# Results whose shape depends on the values, not only on the shapes of the arguments.
VALUE_DEPENDENT = {numpy.nonzero, numpy.flatnonzero, numpy.argwhere, numpy.unique, numpy.extract,
                   numpy.compress, numpy.trim_zeros}
# ... and these, when an argument is not an int whose value is known (np.arange(x, 3.0, 0.5) for a float x).
SIZED_BY_VALUES = {numpy.arange, numpy.repeat, numpy.linspace, numpy.full, numpy.zeros, numpy.ones, numpy.empty,
                   numpy.eye, numpy.identity, numpy.tile, numpy.pad, numpy.reshape, numpy.resize, range}
# Ints these give depend only on the shapes of their arguments.
FROM_SHAPES = {len, numpy.ndim, numpy.size, numpy.shape}


@dataclass(frozen=True)
class Abstract:
    kind: str            # "float", "int", "bool", "scalar" (a NumPy scalar) or "array"
    dtype: str = ""
    shape: tuple = ()
    value: object = None  # an int's value, when known

    def stand_in(self):
        """A value of this kind, to run an operation on."""
        if self.kind == "float":
            return 0.5
        if self.kind in ("int", "bool"):
            return self.value if self.value is not None else (0 if self.kind == "int" else True)
        dtype = numpy.dtype(self.dtype)
        fill = 0 if dtype.kind in "biu" else 0.5
        if self.kind == "scalar":
            return dtype.type(fill)
        return numpy.full(self.shape, fill, dtype)


def abstract(value):
    """The Abstract of a run-time value, or None when it is none of the kinds above."""
    kind = type(value)
    if kind is float:
        return Abstract("float", "float64")
    if kind is bool:
        return Abstract("bool", "bool", (), value)
    if kind is int:
        return Abstract("int", "int64", (), value)
    if kind is numpy.ndarray and value.dtype.kind in "biufc":
        return Abstract("array", value.dtype.str, value.shape)
    if isinstance(value, numpy.generic) and value.dtype.kind in "biufc":
        return Abstract("scalar", value.dtype.str)
    return None


def signature(args) -> tuple | None:
    """What each argument is, or None when one is of a kind gradients are not specialized for
    (a container, a Dask array, an object)."""
    out = tuple(abstract(a) for a in args)
    return None if any(a is None for a in out) else out


def signature_key(args) -> tuple | None:
    """A cheap hashable stand-in for ``signature(args)`` (checked on every call): None for arguments of
    other kinds. Of Python floats it is their types, ``(float, float, ...)``: the call path looks that up
    first for a scalar kernel (ssagrad/api.py), and no other key holds a bare type."""
    key = []
    for a in args:
        kind = type(a)
        if kind is numpy.ndarray:
            key.append((a.dtype, a.shape))
        elif kind is float:
            key.append(float)
        elif kind is int or kind is bool:
            key.append((kind, a))
        elif isinstance(a, numpy.generic):
            key.append(a.dtype)
        else:
            return None
    return tuple(key)


def infer(function, sig) -> dict:
    """``Var -> Abstract`` (None where unknown) for ``function``'s values, given its parameters' ``sig``."""
    env = {p: a for p, a in zip(function.params, sig)}
    with quiet():
        _block(function.body, env)
    return env


@contextlib.contextmanager
def quiet():
    """No warnings and no floating-point errors reported: what runs is stand-ins, not the user's values.
    (Entered once per pass: each entry costs microseconds.)"""
    with numpy.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _operand(operand, env):
    """The stand-in value of an operand, or raise _Unknown."""
    if isinstance(operand, Var):
        known = env.get(operand)
        if known is None:
            raise _Unknown
        return known.stand_in()
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Free):
        if abstract(operand.value) is None and not isinstance(operand.value, (type(None), str)):
            raise _Unknown  # a global array may change between calls; an object we do not run
        return operand.value
    if isinstance(operand, Pack):
        items = [_operand(i, env) for i in operand.items]
        return tuple(items) if operand.kind.__name__ == "Tuple" else items
    if isinstance(operand, Slice):
        return slice(*(None if p is None else _operand(p, env) for p in (operand.lower, operand.upper,
                                                                             operand.step)))
    if operand is None:
        return None
    raise _Unknown


class _Unknown(Exception):
    pass


def _value_known(operand, env) -> bool:
    """Is the operand's value known when compiling (a constant, or an int or bool of known value)?"""
    if isinstance(operand, Var):
        known = env.get(operand)
        return known is not None and known.kind in ("int", "bool") and known.value is not None
    if isinstance(operand, Pack):
        return all(_value_known(i, env) for i in operand.items)
    if isinstance(operand, Slice):
        return all(p is None or _value_known(p, env) for p in (operand.lower, operand.upper, operand.step))
    return isinstance(operand, Const) or operand is None


def _unknown_sizes(op, env) -> bool:
    """Could the op's result shape depend on a value not known when compiling? An int of unknown value (a
    loop index) used anywhere but as a plain index or in arithmetic, or any non-int argument of a function
    that makes arrays of a size given by values."""
    operands = list(op.args) + list(op.kwargs.values())
    if op.fn is ops.GETITEM:
        index = op.args[1]
        parts = index.items if isinstance(index, Pack) else [index]
        return any(isinstance(p, Slice) and not _value_known(p, env) for p in parts)
    if ops.is_operator(op.fn):
        return False
    try:
        sized = op.fn in SIZED_BY_VALUES
    except TypeError:
        sized = False
    if sized:
        return not all(_value_known(a, env) for a in operands[1:] if a is not None) if op.fn in (
            numpy.reshape, numpy.tile, numpy.pad, numpy.repeat, numpy.resize) else \
            not all(_value_known(a, env) for a in operands if a is not None)
    return any(isinstance(a, Var) and env.get(a) is not None and env[a].kind == "int" and env[a].value is None
               for a in operands)


def registered_pure(fn) -> bool:
    from .rules import adjoint_rule, is_differentiable
    try:
        if fn in VALUE_DEPENDENT:
            return False
        return ops.is_operator(fn) or isinstance(fn, numpy.ufunc) or adjoint_rule(fn) is not None \
            or (not is_differentiable(fn) and getattr(fn, "__module__", "") in ("numpy", "builtins", "math"))
    except TypeError:
        return False


def _is_user_function(fn) -> bool:
    from .calls import is_user_function
    return is_user_function(fn)


_inferring: set = set()


def _call(op: Op, fn, env) -> None:
    """A call of the user's own function: its values inferred from its own SSA, with these arguments."""
    import inspect
    from . import to_ssa
    from .errors import DifferentiationError
    if fn in _inferring:  # recursion: unknown
        return
    try:
        bound = inspect.signature(fn).bind(*op.args, **op.kwargs)
        bound.apply_defaults()
        callee = to_ssa(fn)
    except (TypeError, ValueError, DifferentiationError):
        return
    kinds = []
    for name in callee.parsed.params:
        operand = bound.arguments.get(name)
        kind = env.get(operand) if isinstance(operand, Var) else abstract(
            operand.value if isinstance(operand, Const) else operand)
        kinds.append(kind)
    if any(k is None for k in kinds):
        return
    _inferring.add(fn)
    try:
        inner = infer(callee, tuple(kinds))
    finally:
        _inferring.discard(fn)
    result = callee.result.value
    results = result.items if isinstance(result, Pack) else [result]
    values = [inner.get(r) if isinstance(r, Var) else abstract(getattr(r, "value", None)) for r in results]
    targets = op.targets[:-1] if type(op.fn).__name__ == "CalleeVJP" else op.targets
    if len(values) == len(targets):
        for t, v in zip(targets, values):
            env[t] = v


def _op(op: Op, env) -> None:
    for t in op.targets:
        env[t] = None
    callee = getattr(op.fn, "function", None) if type(op.fn).__name__ == "CalleeVJP" else \
        op.fn if _is_user_function(op.fn) else None
    if callee is not None:
        _call(op, callee, env)
        return
    if ops.is_write(op.fn):
        env[op.targets[0]] = env.get(op.args[0])  # a write keeps the array's shape and dtype
        return
    if op.fn is COPY and isinstance(op.args[0], Var):
        env[op.targets[0]] = env.get(op.args[0])
        return
    if op.fn is COPY and isinstance(op.args[0], Const) and type(op.args[0].value) is float:
        env[op.targets[0]] = abstract(op.args[0].value)  # ``e = 0.0``: a float, as _value has it
        return
    if op.fn is COPY or not registered_pure(op.fn) or op.fn is ops.ATTRIBUTE or _unknown_sizes(op, env):
        return
    try:
        args = [_operand(a, env) for a in op.args]
        kwargs = {k: _operand(v, env) for k, v in op.kwargs.items()}
        if op.fn is ops.GETITEM and isinstance(args[1], numpy.ndarray) and args[1].dtype == bool:
            return  # a mask selects as many entries as are true
        result = op.fn(*args, **kwargs)  # quietly (infer): a stand-in matrix may be singular
    except Exception:  # _Unknown, or the stand-ins are not valid inputs (a singular matrix): unknown
        return
    results = result if len(op.targets) > 1 else (result,)
    if len(results) != len(op.targets):
        return
    from_values = op.fn in FROM_SHAPES or all(_value_known(a, env) for a in list(op.args) + list(op.kwargs.values()))
    for t, r in zip(op.targets, results):
        found = abstract(r)
        if found is not None and found.kind in ("int", "bool") and not from_values:
            found = Abstract(found.kind, found.dtype)  # made from values not known when compiling
        env[t] = found


def _block(body, env) -> None:
    for stmt in body:
        if isinstance(stmt, Op):
            _op(stmt, env)
        elif isinstance(stmt, If):
            then, other = dict(env), dict(env)
            _block(stmt.body, then)
            _block(stmt.orelse, other)
            env.update({k: v for k, v in then.items() if other.get(k, v) == v})
            env.update({k: v for k, v in other.items() if k not in then})
            for k in set(then) & set(other):
                if then[k] != other[k]:
                    env[k] = None
            for p in stmt.phis:
                a, b = _value(p.then, env, then), _value(p.orelse, env, other)
                env[p.target] = a if a == b else None
        elif isinstance(stmt, Loop):
            _loop(stmt, env)


def _value(operand, env, region):
    if isinstance(operand, Var):
        return region.get(operand, env.get(operand))
    if isinstance(operand, Const):
        return abstract(operand.value)
    return None


def _merge(a, b):
    """A value that is ``a`` on some iterations and ``b`` on others: a Python float and a NumPy float64
    (which subclasses float, and computes alike) are a float64 scalar; anything else that differs is
    unknown."""
    floats = {Abstract("float", "float64"), Abstract("scalar", "<f8")}
    if a in floats and b in floats:
        return Abstract("scalar", "<f8")
    return None


def _loop(loop: Loop, env) -> None:
    if loop.target is not None:
        env[loop.target] = Abstract("int", "int64")  # the index: its value changes
    for c in loop.carried:
        env[c.var] = _value(c.init, env, env)
    for _ in range(4):  # carried values that change kind from one iteration to the next become unknown
        inner = dict(env)
        _block(loop.cond + loop.body, inner)
        changed = False
        for c in loop.carried:
            after = _value(c.next, inner, inner)
            if after != env[c.var]:
                env[c.var] = _merge(after, env[c.var])
                changed = True
        if not changed:
            env.update(inner)
            return
    for stmt in walk(loop.cond + loop.body):  # no agreement: nothing made in the loop is known
        if isinstance(stmt, Op):
            for t in stmt.targets:
                env[t] = None
