"""What a compiled gradient assumed about the names it resolved, checked before each call.

Compiling binds some objects for good: the function a call resolves to picks
its rule (a global ``f_act = np.sin`` is differentiated as sine) or is
compiled into ``helper_forward``/``helper_backward``, and the root of a
called dotted name becomes a closure cell of the generated code. So while
compiling, each name the compiler resolves to a function, class or module is
recorded as a *dependency*: the path from where Python looks the name up (a
closure cell, the function's globals, the builtins) through its attributes,
and the object it led to. So are each compiled function's code object and
defaults. A guard is one generated boolean expression over all of them (those
of the functions it calls, at any depth, included): true while every path
still leads to the same object. The cache recompiles when it is false.

Plain data (arrays, numbers, containers) is not recorded: generated code reads
it when it runs, as the user's own code does.
"""
import ast
import builtins
import threading
import types

_MISSING = object()
_state = threading.local()  # .stack: the dependency dicts of the compiles under way, innermost last


def _stack() -> list:
    stack = getattr(_state, "stack", None)
    if stack is None:
        stack = _state.stack = []
    return stack


class collecting:
    """``with collecting(fn) as deps:`` records into ``deps`` what compiling ``fn`` resolves; when it ends,
    they are also the dependencies of the compile around it (a caller depends on what its callees do)."""

    def __init__(self, fn):
        self.deps = {}
        for attribute in ("__code__", "__defaults__", "__kwdefaults__"):
            self.deps[(id(fn), attribute)] = ("object", fn, (attribute,), getattr(fn, attribute))

    def __enter__(self):
        _stack().append(self.deps)
        return self.deps

    def __exit__(self, *exc):
        _stack().pop()
        note(self.deps)


def note(deps: dict) -> None:
    """Add ``deps`` (a cached compile's) to the compile under way, if any."""
    stack = getattr(_state, "stack", None)
    if stack:
        stack[-1].update(deps)


def _dotted(node) -> tuple:
    return _dotted(node.value) + (node.attr,) if isinstance(node, ast.Attribute) else (node.id,)


def record(fn, node, value) -> None:
    """``fn``'s free dotted name ``node`` (``np.sin``: a Name or Attributes of one) resolved to ``value``."""
    stack = getattr(_state, "stack", None)
    if not stack or not (callable(value) or isinstance(value, types.ModuleType)):
        return
    path = _dotted(node)
    name, code = path[0], fn.__code__
    if name in code.co_freevars and fn.__closure__:
        root = ("cell", fn.__closure__[code.co_freevars.index(name)])
    elif name in fn.__globals__:
        root = ("global", fn.__globals__, name, _MISSING)
    else:  # a builtin: still itself as long as no global of that name shadows it
        root = ("global", fn.__globals__, name, getattr(builtins, name, _MISSING))
    stack[-1][(id(root[1]), path)] = root + (path[1:], value)


def _root(root, const) -> str:
    if root[0] == "cell":
        return f"{const(root[1])}.cell_contents"
    if root[0] == "global":
        return f"{const(root[1])}.get({root[2]!r}, {const(root[3])})"
    return const(root[1])


def _stable(attributes, value) -> bool:
    """Does reading the path twice give the same object? Not for a bound method: one is made at each read."""
    return not attributes or type(value) not in (types.MethodType, types.BuiltinMethodType)


def make_guard(deps: dict):
    """A function of no arguments: True while every dependency still resolves to its object."""
    if not deps:
        return lambda: True
    constants = {}

    def const(obj):
        return constants.setdefault(id(obj), (f"c{len(constants)}", obj))[0]

    tests, roots = [], {}
    for dep in deps.values():
        root, attributes, value = dep[:-2], dep[-2], dep[-1]
        text = _root(root, const)
        if root[0] == "object":
            pass
        elif text in roots:  # read once, by the first test that needs it (the tests run left to right)
            text = roots[text]
        else:
            roots[text] = f"r{len(roots)}"
            text = f"({roots[text]} := {text})"
        compare = "is" if _stable(attributes, value) else "=="  # == of bound methods: same self, same function
        tests.append(f"{text}{''.join('.' + a for a in attributes)} {compare} {const(value)}")
    names = [name for name, _ in constants.values()]
    source = (f"def factory({', '.join(names)}):\n"
              f"    def guard():\n"
              f"        try:\n"
              f"            return bool({' and '.join(tests)})\n"
              f"        except Exception:\n"
              f"            return False\n"
              f"    return guard\n")
    namespace = {}
    exec(compile(source, "<ssagrad guard>", "exec"), namespace)
    guard = namespace["factory"](*(obj for _, obj in constants.values()))
    guard.source = source
    return guard
