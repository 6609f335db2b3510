"""Rules for building lists (``items.append(x)``, comprehensions) and dicts, and turning them into arrays;
and the helpers of the dict, ``is`` and ``in`` code normalize writes."""
import builtins

import numpy as np

from ...runtime import appended, array_grad, head_grad, last_grad, zeros_like
from ...runtime.containers import GradientDict, GradientList, walked_length
from ...runtime.held import call_held, held_backward, held_tangent
from . import adjoint, floating, nondifferentiable


@adjoint(appended)
def _(result, items, item):
    d[items] = head_grad(d[result])
    d[item] = last_grad(d[result], item)


@adjoint(np.array, np.asarray)
def _(result, object, dtype=None, order=None, *, copy=None):
    if not floating(dtype):
        raise NotImplementedError("np.array and np.asarray have a gradient rule for floating dtypes only: a cast "
                                  "to integers has no gradient (cut it with ssagrad.stop_gradient)")
    if isinstance(object, tuple):  # a display, any depth: each item's gradient is its entry (d[[a, b]][0])
        d[object] = d[result]
    else:  # one array (a copy), or a list built at run time
        d[object] = array_grad(d[result], object)


# -- tests that carry no derivative: `w is None`, `a is not b`, `k in d` ------------------------------------
# (plain functions, not the operator module's: an exported gradient copies their source)

def is_(a, b):
    """``a is b``."""
    return a is b


def is_not(a, b):
    """``a is not b``."""
    return a is not b


def contains(container, item):
    """``item in container``."""
    return item in container


nondifferentiable(is_, is_not, contains)


# text: f-strings, "...".format(...), name.lower() and the like (see STRING_METHODS in compiler/normalize.py)
nondifferentiable(*(getattr(str, name) for name in (
    "format", "lower", "upper", "strip", "lstrip", "rstrip", "startswith", "endswith", "split", "rsplit", "join",
    "replace", "title", "capitalize", "casefold", "zfill", "center", "ljust", "rjust", "isdigit", "isalpha",
    "isalnum", "isspace", "isidentifier", "removeprefix", "removesuffix", "partition", "rpartition",
    "splitlines", "format_map", "encode", "count", "find", "rfind", "index", "rindex", "expandtabs",
    "swapcase", "islower", "isupper", "istitle", "isdecimal", "isnumeric", "isprintable", "isascii",
    "translate", "maketrans")))
nondifferentiable(str, repr, format)


# -- dicts: displays, dict(...), comprehensions, and walking them -------------------------------------------

def keys_of(mapping):
    """The keys of a dict as a list, in order: what ``for k in d``, ``d.keys()``, ``d.values()`` and
    ``d.items()`` walk (``d[k]`` reads each value)."""
    return list(mapping)


nondifferentiable(keys_of)


nondifferentiable(walked_length)


def dict_of(keys, values):
    """``{k1: v1, k2: v2}`` and ``dict(k1=v1, k2=v2)``: a dict of these keys and values."""
    return dict(zip(keys, values))


def with_entry(mapping, key, value):
    """A new dict: ``mapping`` with ``key`` set to ``value`` (what a dict comprehension adds each step)."""
    return {**mapping, key: value}


def _entry(g, key, like):
    entry = g.get(key) if isinstance(g, dict) else None
    return zeros_like(like) if entry is None else entry


def entries_grad(g, keys, values):
    """The gradient of each value in ``dict_of(keys, values)``: its key's entry of the dict's gradient."""
    parts = [_entry(g, k, v) for k, v in zip(keys, values)]
    if isinstance(values, np.ndarray):  # dict(zip(names, array)): one entry a row
        return np.reshape(np.array(parts, dtype=values.dtype), values.shape)
    return GradientList(parts)


def entry_grad(g, key, value):
    """The gradient of ``value`` in ``with_entry(mapping, key, value)``."""
    return _entry(g, key, value)


def without_entry(g, key):
    """The gradient of ``mapping`` in ``with_entry(mapping, key, value)``: the others' entries (``key``'s was
    overwritten)."""
    if not isinstance(g, dict):
        return GradientDict()
    return GradientDict({k: v for k, v in g.items() if k != key})


@adjoint(dict_of)
def _(result, keys, values):
    d[values] = entries_grad(d[result], keys, values)


@adjoint(with_entry)
def _(result, mapping, key, value):
    d[mapping] = without_entry(d[result], key)
    d[value] = entry_grad(d[result], key, value)


def copy_grad(g, mapping):
    """The gradient of the argument of ``dict(mapping)``: the dict's gradient for a dict, one pair's for each
    ``(key, value)`` pair of a list of pairs."""
    if isinstance(mapping, dict):
        return g if isinstance(g, dict) else GradientDict()
    return GradientList(GradientList([None, _entry(g, k, v)]) for k, v in mapping)


@adjoint(dict)
def _(result, mapping):
    d[mapping] = copy_grad(d[result], mapping)


def sequence_grad(g, iterable):
    """The gradient of the argument of ``list(iterable)`` or ``tuple(iterable)``: the items' gradients (zeros
    where none arrived) for a list or tuple, the rows of one array for an array, none for a dict's keys."""
    if isinstance(iterable, dict):
        return GradientDict()
    if isinstance(iterable, np.ndarray):
        rows = [np.zeros_like(row) if g is None or g[i] is None else g[i] for i, row in enumerate(iterable)]
        return np.reshape(np.array(rows, dtype=iterable.dtype), iterable.shape)
    return GradientList(zeros_like(item) if g is None or g[i] is None else g[i] for i, item in enumerate(iterable))


@adjoint(list, tuple)
def _(result, iterable=()):
    d[iterable] = sequence_grad(d[result], iterable)


@adjoint(set, frozenset)
def _(result, iterable=()):
    raise NotImplementedError("set displays and set comprehensions of differentiated values have no derivative: "
                              "a set keeps no order and merges equal items; build a list instead")


# -- self.helper(x) in a method: Model.helper(self, x), once self's class is known to dispatch to it --------

def dispatches_to(obj, cls, name):
    """``obj``, after checking that ``obj.<name>`` is ``cls.<name>`` (the method compiled for ``self.<name>(...)``);
    a subclass that overrides it was defined after the gradient was compiled: an error, not another's gradient."""
    if getattr(type(obj), name, None) is not getattr(cls, name):
        from ..errors import DifferentiationError
        raise DifferentiationError(
            f"self.{name}() was compiled as {cls.__qualname__}.{name}, but this object is a "
            f"{type(obj).__qualname__}, whose {name} is another function; differentiate "
            f"{type(obj).__qualname__}'s own method (or call {cls.__qualname__}.{name}(self, ...) explicitly)")
    return obj


@adjoint(dispatches_to)
def _(result, obj, cls, name):
    d[obj] = d[result]


# -- self.activation(h), a function the object holds: differentiated when the gradient runs (runtime/held.py) --

@adjoint(call_held, outputs=2)  # value, saved = call_held(...): saved is what the backward sweep reads
def _(results, fn, *operands, keywords=(), site=None):
    d[operands] = held_backward(results[1], d[results[0]])


@adjoint(held_backward, held_tangent)  # a generated gradient or tangent differentiated again (hessian): not yet
def _(result, *operands):
    raise TypeError("second derivatives through a call of a function an object holds (self.f(x)) are not "
                    "supported yet: call the function by its name, or make it a method of the class")


def register_tangents():
    """Forward mode: each of these is linear in its values (keys pass as they are). Called once the tangent
    registry is loaded (it derives rules from adjoints registered after this module)."""
    from .tangents import linear, tangent
    tangent(call_held)(_held_tangent)
    tangent(held_backward, held_tangent)(_held_second_order)
    linear(dict_of, positions=(1,))
    linear(with_entry, positions=(0, 2))
    linear(dict, list, tuple, dispatches_to)
    linear(builtins.getattr)  # p.W of a dataclass: dp.W


def _held_tangent(results, fn, *operands, keywords=(), site=None):
    d[results[0]] = held_tangent(fn, operands, d[operands], keywords, site)


def _held_second_order(result, *operands):
    raise TypeError("second derivatives through a call of a function an object holds (self.f(x)) are not "
                    "supported yet: call the function by its name, or make it a method of the class")


# a container holds the arrays it is given, not copies: writing into one changes the other
from ..aliasing import MAY_SHARE  # noqa: E402
MAY_SHARE.update({dict_of, with_entry, dict, list, tuple, keys_of, dispatches_to,
                  call_held})  # a held function may return its argument
