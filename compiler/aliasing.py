"""Which values may share memory, and which in-place writes ssagrad can follow.

NumPy has reference semantics: ``b = a``, basic slicing (``a[1:]``), ``a.T``,
``reshape``, ``ravel`` and ``np.asarray`` give another name for the same
memory, and a write through one name (``b[0] = v``, ``b += v``,
``np.add.at(b, ...)``, ``out=b``) changes what every other name reads. SSA
form gives each value its own name, so a write is followed exactly only for
the name written through; every other name that shares the memory and is
read afterwards would silently keep the old value. Those writes are refused,
with an error naming both names.

The model is conservative: a value may share memory with its operands unless
it is known to be a fresh array (operators, ufuncs, and every registered
function not listed in ``MAY_SHARE``; a read with an integer-array or
boolean index is a copy). Writes are checked when the whole function has
been built, so that loop-carried values know everything they may hold.
"""
import ast
import builtins
import inspect
import textwrap
from dataclasses import dataclass

import numpy

from . import ops
from .. import runtime
from ..runtime import SharedMemoryCheck, appended, broadcast_like
from .ssa import COPY, Free, Pack, Var, load_counts

# Registered functions whose result may be (a view of) an argument: every other registered function
# returns a fresh array. tests/test_aliasing.py probes each registered function to keep this honest.
MAY_SHARE = {
    numpy.asarray, numpy.atleast_1d, numpy.atleast_2d, numpy.atleast_3d, numpy.broadcast_to, numpy.diag,
    numpy.diagonal, numpy.expand_dims, numpy.flip, numpy.fliplr, numpy.flipud, numpy.moveaxis, numpy.ravel,
    numpy.real, numpy.imag, numpy.reshape, numpy.squeeze, numpy.swapaxes, numpy.transpose, numpy.split,
    numpy.array_split, numpy.einsum, builtins.max, builtins.min, builtins.sum, broadcast_like, appended,
    # runtime helpers (differentiated again by reverse over reverse) that may hand back their gradient or a view
    runtime.unbroadcast, runtime.unsum, runtime.written_part, runtime.unconcatenate, runtime.unvstack,
    runtime.unhstack, runtime.unpad, runtime.undiag, runtime.head_grad, runtime.last_grad, runtime.item_grad,
    runtime.array_grad,
}
# Copies unless told otherwise (`copy=False` or `copy=None` may return the argument itself).
COPIES_BY_DEFAULT = {numpy.array, numpy.astype, numpy.copy}
# Functions that make integer or boolean arrays: indexing with one of them is a copy.
INDEX_ARRAYS = {numpy.arange, numpy.nonzero, numpy.argsort, numpy.flatnonzero, numpy.argwhere, numpy.unique,
                numpy.isnan, numpy.isinf, numpy.isfinite, numpy.logical_and, numpy.logical_or,
                numpy.logical_not, numpy.logical_xor, numpy.equal, numpy.not_equal, numpy.less,
                numpy.less_equal, numpy.greater, numpy.greater_equal, numpy.isclose}
# Functions that change their arguments in place, whatever is differentiated.
MUTATES = {numpy.copyto, numpy.put, numpy.place, numpy.putmask, numpy.fill_diagonal, numpy.put_along_axis}


def _registered(fn) -> bool:
    from .rules import adjoint_rule, is_differentiable  # the registry imports the SSA classes this module uses
    return adjoint_rule(fn) is not None or not is_differentiable(fn)


def _is_fresh_call(fn, kwargs) -> bool:
    if fn in COPIES_BY_DEFAULT:
        copy = kwargs.get("copy")
        return copy is None or (not isinstance(copy, (Var, Free, Pack)) and getattr(copy, "value", None) is True)
    if ops.is_operator(fn) or isinstance(fn, numpy.ufunc):
        return fn is not ops.GETITEM and fn is not ops.ATTRIBUTE
    try:
        return fn not in MAY_SHARE and _registered(fn)
    except TypeError:  # unhashable callee
        return False


def index_copies(index, made_by) -> bool:
    """Is ``x[index]`` surely a copy (advanced indexing), never a view of ``x``?"""
    if isinstance(index, Pack):
        return index.kind is ast.List or any(index_copies(i, made_by) for i in index.items)
    if isinstance(index, Free):
        return isinstance(index.value, (list, numpy.ndarray)) and numpy.ndim(index.value) > 0 \
            or isinstance(index.value, (bool, numpy.bool_))
    if isinstance(index, Var):
        op = made_by.get(index)
        return op is not None and (op.fn in ops.COMPARE.values() or op.fn in INDEX_ARRAYS
                                   or op.fn is COPY and isinstance(op.args[0], Pack) and op.args[0].kind is ast.List)
    return False


def shared_operands(op, made_by) -> list:
    """The operands whose memory ``op``'s results may share (none: they are fresh arrays)."""
    if op.fn is COPY:
        return [op.args[0]]  # a list display [a, b] is a new list holding a and b
    if op.fn is ops.GETITEM:
        return [] if index_copies(op.args[1], made_by) else [op.args[0]]
    if _is_fresh_call(op.fn, op.kwargs):
        return []
    return list(op.args) + list(op.kwargs.values())


@dataclass
class Write:
    """An in-place write through ``array`` (an SSA value before the write), to check at the end."""

    op: object           # the operation that writes
    array: Var
    node: ast.stmt
    bound: dict          # the user's names bound when it runs -> their values
    live: set            # names read after it
    kind: str            # "setitem", "inplace" (a += b, items.append), "callee" (a called function writes)
    rebound: set         # names the statement itself (re)binds: what they held before is not read again
    callee: str = ""


class Aliases:
    """The may-share-memory graph of a function being built: each value -> the operands it may share."""

    def __init__(self):
        self.edges: dict = {}     # Var -> operands it may share memory with
        self.own_memory: set = set()  # values that are (also) new objects: a list display, a call's result
        self.writes: list[Write] = []
        self._roots: dict = {}

    def share(self, var: Var, operands) -> None:
        """``var`` may be (a view of) any of ``operands``, besides memory of its own."""
        if operands:
            self.edges.setdefault(var, []).extend(operands)

    def reaches(self, operand, var: Var) -> bool:
        """May ``operand`` be ``var``, or a view of it (following what each value may share)?"""
        seen, stack = set(), [operand]
        while stack:
            item = stack.pop()
            if item is var:
                return True
            if isinstance(item, Pack):
                stack.extend(item.items)
            elif isinstance(item, Var) and item not in seen:
                seen.add(item)
                stack.extend(self.edges.get(item, ()))
        return False

    def roots(self, operand, contents: bool = True) -> set:
        """The memory an operand may be: parameters, fresh values, globals (``Free``), attributes --
        with what a list or tuple holds (``contents``), or only the object itself."""
        if contents and isinstance(operand, Var) and operand in self._roots:
            return self._roots[operand]
        found, seen, stack = set(), set(), [operand]
        while stack:  # plain reachability: loop-carried values make cycles
            item = stack.pop()
            if isinstance(item, tuple):  # memory outside the function (an object's attribute)
                found.add(item)
            elif isinstance(item, Pack):
                if contents:
                    stack.extend(item.items)
            elif isinstance(item, Free):
                found.add(("free", id(item.value), ast.unparse(item.node), item))
            elif isinstance(item, Var) and item not in seen:
                seen.add(item)
                if item not in self.edges or item in self.own_memory:
                    found.add(item)
                stack.extend(self.edges.get(item, ()))
        if contents and isinstance(operand, Var):
            self._roots[operand] = found
        return found

    def check(self, parsed, params) -> tuple[set, set]:
        """Refuse writes into memory from outside the function; guard every write another live name may
        see (whether it does depends on the run: `y = x; y += 1` is fine for a float, not for an array).
        Returns the parameters written into, and those changed in place in any way (``v *= 2`` on a
        parameter rebinds it here, but changes the caller's array in Python)."""
        self._roots.clear()
        written, changed = set(), set()
        for write in self.writes:
            held = self.roots(write.array)
            if any(isinstance(r, tuple) and r[0] == "attribute" for r in held):
                raise parsed.error(
                    f"writing into {write.array.source!r} would change an array held by an object's attribute: "
                    f"ssagrad does not change the caller's objects; write into a copy "
                    f"({write.array.source} = {write.array.source}.copy())", write.node)
            outside = [r[3] for r in held if isinstance(r, tuple) and r[0] == "free"]
            others = sorted((name for name, var in write.bound.items()
                             if name not in write.rebound and name in write.live and self.roots(var) & held))
            if others or outside:
                names = others + [r[2] for r in held if isinstance(r, tuple) and r[0] == "free"]
                check = SharedMemoryCheck(parsed.error(_message(write, names), write.node))
                write.op.guards.append((check, [write.array] + [write.bound[n] for n in others] + outside))
            if write.kind in ("setitem", "callee"):  # a helper run as it is writes into the caller's array
                written |= {p.name for p in params if p in held}
            else:  # a += b, items.append(x): the object itself, not what a list holds
                changed |= {p.name for p in params if p in self.roots(write.array, contents=False)}
        return written, written | changed

    def parameter_checks(self, parsed, params, written: set) -> list:
        """``(check, [p, *others])`` for each parameter written into: it must not share memory with another
        parameter (``f(a, a)``), whose reads would see the writes in Python but not in the gradient's copy."""
        checks = []
        for param in params:
            others = [p for p in params if p is not param]
            if param.name not in written or not others:
                continue
            write = next(w for w in self.writes if w.kind in ("setitem", "callee") and param in self.roots(w.array))
            message = (f"the function writes into {param.name!r}, which shares memory with "
                       f"{' or '.join(repr(p.name) for p in others)} in this call; pass separate arrays")
            checks.append((SharedMemoryCheck(parsed.error(message, write.node)), [param] + others))
        return checks


def _message(write: Write, others) -> str:
    name = write.array.source
    listed = " and ".join(repr(n) for n in others)
    sharing = "`b = a`, basic slices `a[1:]`, `a.T`, `a.reshape(...)` and `np.asarray(a)` share memory"
    if write.kind == "callee":
        return (f"{write.callee}() writes into its argument {name!r}, which shares memory with {listed}, read "
                f"afterwards: ssagrad differentiates {write.callee}() on its own copy of the argument, so it "
                f"cannot follow that change; return the new array from {write.callee}() instead")
    if write.kind == "inplace":
        return (f"this in-place update writes into {name!r}, which shares memory with {listed} here ({sharing}), "
                f"so that would change too and the gradient cannot follow; write `{name} = {name} + ...` "
                f"(a new array) instead, or copy first")
    return (f"writing into {name!r} changes {listed} too (here at least one of them shares its memory: "
            f"{sharing}), and the gradient cannot follow a change made through another name; write into a copy "
            f"({name} = {name}.copy())")


def refuse_mutating_call(fn, parsed, stmt) -> None:
    """``np.copyto(a, b)``, ``np.add.at(...)`` as a value: they write into an argument behind SSA's back."""
    try:
        mutates = fn in MUTATES
    except TypeError:
        mutates = False
    if mutates or getattr(fn, "__name__", "") == "at" and isinstance(getattr(fn, "__self__", None), numpy.ufunc):
        raise parsed.error(f"{getattr(fn, '__qualname__', fn)} writes into its argument in place, which ssagrad "
                           f"cannot follow here; use indexing (`a[i] = v`, `a[i] += v`) or np.add.at as a "
                           f"statement of its own", stmt)


_writes_cache: dict = {}
_analyzing: set = set()


def callee_writes(fn, args, kwargs) -> list:
    """``(parameter, argument)`` for each parameter a called user function writes into."""
    from .calls import user_function
    fn = user_function(fn)  # an @numba.njit function writes as its py_func does
    if not inspect.isfunction(fn) or _registered(fn) or (fn.__module__ or "").startswith("ssagrad."):
        return []
    written = _written_params(fn)
    if not written:
        return []
    try:
        bound = inspect.signature(fn).bind(*args, **kwargs)
    except TypeError:
        return []  # reported where the call is compiled
    return [(name, operand) for name, operand in bound.arguments.items() if name in written]


def _written_params(fn) -> set:
    key = (fn, fn.__code__)
    if key in _writes_cache:
        return _writes_cache[key]
    if fn in _analyzing:  # recursion: refused where it is differentiated
        return set()
    from . import to_ssa  # the pipeline's entry point, for the callee
    from .errors import DifferentiationError
    _analyzing.add(fn)
    try:
        written = to_ssa(fn).changed_params
    except DifferentiationError:  # code ssagrad cannot read: any parameter it writes into may be written
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        writes = any(isinstance(n, ast.AugAssign) or isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store)
                     for n in ast.walk(tree))
        written = set(inspect.signature(fn).parameters) if writes else set()
    finally:
        _analyzing.discard(fn)
    _writes_cache[key] = written
    return written


# -- liveness of the user's names, on the normalized syntax ----------------------------------
def _loads(node) -> set:
    return set(load_counts(node))


def assigned_names(stmt) -> set:
    """The names an assignment binds (not the arrays it writes into)."""
    targets = stmt.targets if isinstance(stmt, ast.Assign) else []
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def live_after(body) -> dict:
    """``id(statement) -> names that may be read after it`` for every normalized statement."""
    out = {}
    _block(body, set(), out)
    return out


def _block(body, live: set, out: dict) -> set:
    for stmt in reversed(body):
        out[id(stmt)] = out.get(id(stmt), set()) | live
        live = _before(stmt, live, out)
    return live


def _before(stmt, live: set, out: dict) -> set:
    if isinstance(stmt, ast.If):
        return _block(stmt.body, live, out) | _block(stmt.orelse, live, out) | _loads(stmt.test)
    if isinstance(stmt, (ast.For, ast.While)):
        cond = getattr(stmt, "ssagrad_cond", []) if isinstance(stmt, ast.While) else []
        header = _loads(stmt.iter) if isinstance(stmt, ast.For) else _loads(stmt.test)
        top = set()
        while True:  # a fixed point over the back edge
            at_end = live | top
            entry = _block(cond, _block(stmt.body, at_end, out) | header | live, out) if cond else \
                _block(stmt.body, at_end, out) | header
            if isinstance(stmt, ast.For):
                entry -= {stmt.target.id}
            if entry <= top:
                return live | top | header
            top |= entry
    if isinstance(stmt, ast.Assign):
        return (live - assigned_names(stmt)) | _loads(stmt)
    return live | _loads(stmt)
