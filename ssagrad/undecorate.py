"""A function without its decorators: the plain function under a wrapper, and its source from ``def`` on.

ssagrad differentiates the source of a function as written. The command line
names a function in a file (``file.py:f``), and ``f`` there may be wrapped by
decorators that keep the original around: ``functools.lru_cache`` and
``functools.wraps`` (``__wrapped__``), ``numba.njit`` (``py_func``),
``ssagrad.grad`` (``primal``). An exported module copies the source without
the decorator lines, so it needs neither the decorators' packages nor
ssagrad to run.
"""
import ast
import inspect
import textwrap


def undecorated(obj):
    """The plain Python function under ``obj``'s wrappers (``obj`` itself when it is one, or none is found)."""
    seen = set()
    while id(obj) not in seen and not (inspect.isfunction(obj) and not hasattr(obj, "__wrapped__")):
        seen.add(id(obj))
        inner = getattr(obj, "primal", None) or getattr(obj, "py_func", None) or getattr(obj, "__wrapped__", None)
        if inner is None:
            break
        obj = inner
    return obj


def source_without_decorators(fn) -> tuple[str, list[str]]:
    """``fn``'s source from its ``def`` line on (comments kept), and the decorators left out, as written."""
    source = textwrap.dedent(inspect.getsource(fn))
    try:
        definition = ast.parse(source).body[0]
    except (SyntaxError, IndexError):  # a lambda inside a longer statement: nothing to take off
        return source, []
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)) or not definition.decorator_list:
        return source, []
    lines = source.splitlines(keepends=True)
    return "".join(lines[definition.lineno - 1:]), [ast.unparse(d) for d in definition.decorator_list]
