"""Gradients of containers: a dict, list or tuple of arrays passed as one argument (like JAX's pytrees).

Reading ``params["W"]`` gives ``params`` the gradient ``Gradients({"W": g})``;
adding such partial gradients merges them entry by entry, and an entry no one
read is zero. The function returned to the user fills the structure in, so
the gradient of a dict is a dict with the same keys.
"""
import linecache
import sys

import numpy as np


class GradientDict(dict):
    """Part of the gradient of a dict: the entries that received some."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        merged = GradientDict(self)
        for key, value in other.items():
            merged[key] = merged[key] + value if key in merged else value
        return merged

    __radd__ = __add__


class GradientList(list):
    """Part of the gradient of a list or tuple: ``None`` where no gradient arrived."""

    def __add__(self, other):
        if isinstance(other, (int, float)) and other == 0:
            return self
        return GradientList(b if a is None else a if b is None else a + b for a, b in zip(self, other))

    __radd__ = __add__


def container_item_grad(g, x, index):
    """The gradient of ``x[index]`` for a dict, list or tuple ``x``."""
    if isinstance(x, dict):
        return GradientDict({index: g})
    out = GradientList([None] * len(x))
    out[index] = g
    return out


def zeros_of_container(x):
    return GradientDict() if isinstance(x, dict) else GradientList([None] * len(x))


def fill(gradient, like, fit):
    """``gradient`` in the structure of ``like`` (zeros where nothing arrived), each leaf through ``fit``."""
    if isinstance(like, dict):
        part = gradient if isinstance(gradient, dict) else {}
        return {k: fill(part.get(k), v, fit) for k, v in like.items()}
    if isinstance(like, (list, tuple)):
        part = gradient if isinstance(gradient, list) else [None] * len(like)
        return type(like)(fill(g, v, fit) for g, v in zip(part, like))
    if gradient is None:
        gradient = 0.0 if type(like) is float else np.zeros_like(like)
    return fit(gradient, like)


def leaves(x):
    """The arrays and numbers inside a container, with their paths (for error messages)."""
    if isinstance(x, dict):
        for k, v in x.items():
            for path, leaf in leaves(v):
                yield f"[{k!r}]{path}", leaf
    elif isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            for path, leaf in leaves(v):
                yield f"[{i}]{path}", leaf
    else:
        yield "", x


def appended(items, item):
    """``items + [item]``: what ``items.append(item)`` in your code becomes (a new list)."""
    return [*items, item]


def head_grad(g):
    """The gradient of ``items`` in ``appended(items, item)``: all but the last entry."""
    return GradientList(g[:-1]) if g is not None else None


def item_grad(g, index, item):
    """Entry ``index`` of a list's gradient ``g`` (zero when nothing reached it)."""
    entry = g[index] if g is not None and index < len(g) else None
    return np.zeros_like(item) if entry is None else entry


def last_grad(g, item):
    """The gradient of ``item`` in ``appended(items, item)`` (zero when nothing reached it)."""
    last = g[-1] if g is not None else None
    return np.zeros_like(item) if last is None else last


def array_grad(g, obj):
    """The gradient of ``np.array(obj)``: one entry per item for a list or tuple, else ``g`` itself."""
    if isinstance(obj, (list, tuple)):
        return GradientList(np.reshape(g[i], np.shape(item)) for i, item in enumerate(obj))
    return g


def walked_length(sequence, line=None, col=None):
    """``len(sequence)`` for ``for x in sequence``, which is walked by index (``x = sequence[k]``). A dict or a
    set has no such index (a dict's would be its values at keys 0, 1, ... -- silently the wrong items -- or a
    KeyError), so it is refused at the loop: ``line`` and ``col`` in the file of the function whose generated
    code calls this."""
    if isinstance(sequence, (dict, set, frozenset)):
        message = f"this loop walks a {type(sequence).__name__}, and ssagrad walks a loop's iterable by index " \
                  f"(`x = seq[k]`), which a {type(sequence).__name__} does not have: iterate over `d.keys()`, " \
                  f"`d.values()` or `d.items()`, or read `d[k]` in the body"
        try:
            from ..compiler.codegen import origin
            from ..compiler.errors import DifferentiationError, Location
        except ImportError:  # in a module ssagrad exported: no ssagrad to say where
            raise TypeError(f"{message} (line {line})") from None
        filename, function = origin(sys._getframe(1).f_code.co_filename)
        where = None if line is None or filename is None else \
            Location(filename, line, col or 0, None, linecache.getline(filename, line), function)
        raise DifferentiationError(message, where)
    return len(sequence)
