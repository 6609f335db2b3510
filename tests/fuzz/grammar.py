"""Random differentiable Python functions, drawn by hypothesis from a small grammar.

A program is a tree of statements over three inputs ``x`` (a vector), ``y``
(a vector) and ``z`` (a float), plus a fixed matrix ``M``: assignments of
bounded arithmetic (so loops do not overflow), reductions, matrix products,
broadcasting between the float and the vectors, calls of two helper
functions, tuple unpacking (swaps), writes into vector entries, ``if``/
``else`` on the data, ``for`` and ``while`` loops with small trip counts,
``break``, ``continue`` and early ``return``. Variable names can be chosen
to collide with what generated code uses (``d``, ``dx``, ``tape``, ``unbroadcast``)
to check that generated names never clash with the user's. A program is
rendered to source, written to a real module file (ssagrad reads source),
and imported.
"""
import importlib.util
import itertools
import os
import tempfile

from hypothesis import strategies as st

VECTORS = ["x", "y"]
NAMES = VECTORS + ["z"]
LEAVES = NAMES + ["0.3", "1.5", "-0.7"]
UNARY = ["np.sin({})", "np.cos({})", "np.tanh({})", "({} * 0.5)", "(-{})", "np.exp(0.3 * np.tanh({}))",
         "np.sqrt(1.0 + {} ** 2)", "np.abs({})", "squash({})", "(np.sum({}) * 0.1)", "np.tanh(M @ ({} * ones))",
         "scale({}, 0.5)"]
BINARY = ["({} + {}) * 0.5", "({} - {})", "np.tanh({} * {})", "({} * 0.7 + {} * 0.2)", "np.maximum({}, {})",
          "{} / (1.5 + {} ** 2)", "scale({}, factor={})"]
# names a user may well pick that generated code also uses: they must not collide
ADVERSARIAL = ["d", "dx", "tape", "count", "unbroadcast", "zeros_like", "safe_div", "_t", "stack", "sin", "k",
               "set_at", "unsum"]
HELPERS = '''

def squash(v):
    return v / (1.0 + np.abs(v))


def scale(v, factor=2.0):
    w = v * factor
    return np.tanh(w) + 0.1 * w

'''


def expressions():
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.builds(lambda f, a: f.format(a), st.sampled_from(UNARY), inner),
            st.builds(lambda f, a, b: f.format(a, b), st.sampled_from(BINARY), inner, inner)),
        max_leaves=6)


def statements():
    """A statement as a nested tuple: ("assign", name, expr), ("if", name, threshold, body, orelse), ..."""
    assign = st.tuples(st.just("assign"), st.sampled_from(NAMES), expressions())
    write = st.tuples(st.just("write"), st.sampled_from(VECTORS), st.integers(0, 2), expressions())
    swap = st.tuples(st.just("swap"), st.sampled_from(VECTORS), st.sampled_from(VECTORS))
    temporary = st.tuples(st.just("temporary"), st.sampled_from(ADVERSARIAL),
                          st.one_of(st.sampled_from(NAMES), expressions()), st.sampled_from(NAMES))
    leave = st.tuples(st.sampled_from(["break", "continue", "return"]), st.sampled_from(NAMES),
                      st.floats(-1, 1).map(lambda t: round(t, 2)), expressions())

    def nested(inner):
        block = st.lists(inner, min_size=1, max_size=3)
        threshold = st.floats(-1, 1).map(lambda t: round(t, 2))
        return st.one_of(
            st.tuples(st.just("if"), st.sampled_from(NAMES), threshold, block, st.lists(inner, max_size=2)),
            st.tuples(st.just("for"), st.integers(0, 3), block),
            st.tuples(st.just("while"), st.integers(0, 3), block))
    simple = st.one_of(assign, assign, assign, write, swap, temporary, leave)
    return st.recursive(simple, nested, max_leaves=8)


def programs():
    return st.tuples(st.lists(statements(), min_size=1, max_size=4), expressions())


class _Renderer:
    def __init__(self):
        self.counter = itertools.count()

    def block(self, stmts, indent, in_loop):
        lines = []
        for stmt in stmts:
            lines += self.statement(stmt, indent, in_loop)
        return lines or ["    " * indent + "pass"]

    def statement(self, stmt, indent, in_loop):
        pad = "    " * indent
        kind = stmt[0]
        if kind == "assign":
            return [f"{pad}{stmt[1]} = {stmt[2]}"]
        if kind == "write":  # a vector entry takes a number made from the data (in a fresh vector: no aliases)
            _, vector, index, value = stmt
            return [f"{pad}{vector} = {vector} * ones", f"{pad}{vector}[{index}] = np.sum({value}) * 0.3"]
        if kind == "swap":
            _, a, b = stmt
            return [f"{pad}{a}, {b} = {b}, {a}"]
        if kind == "temporary":  # a user variable with a name generated code might use
            _, name, value, into = stmt
            return [f"{pad}{name} = {value}", f"{pad}{into} = {into} * 0.5 + {name} * 0.5"]
        if kind in ("break", "continue", "return"):
            _, name, threshold, value = stmt
            if kind != "return" and not in_loop:
                return [f"{pad}{name} = {value}"]
            action = f"return np.sum({value})" if kind == "return" else kind
            return [f"{pad}if np.sum({name}) > {threshold}:", f"{pad}    {action}"]
        if kind == "if":
            _, name, threshold, body, orelse = stmt
            lines = [f"{pad}if np.sum({name}) > {threshold}:"] + self.block(body, indent + 1, in_loop)
            if orelse:
                lines += [f"{pad}else:"] + self.block(orelse, indent + 1, in_loop)
            return lines
        counter = f"i{next(self.counter)}"
        if kind == "for":
            return [f"{pad}for {counter} in range({stmt[1]}):"] + self.block(stmt[2], indent + 1, True)
        return ([f"{pad}{counter} = 0", f"{pad}while {counter} < {stmt[1]}:", f"{pad}    {counter} = {counter} + 1"]
                + self.block(stmt[2], indent + 1, True))


def render(program) -> str:
    body, result = program
    lines = ["import numpy as np", "", "M = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])",
             HELPERS, "def f(x, y, z):", "    ones = np.ones(3)"]
    lines += _Renderer().block(body, 1, False)
    lines.append(f"    return np.sum({result})")
    return "\n".join(lines) + "\n"


_directory = tempfile.mkdtemp(prefix="ssagrad-fuzz-")
_modules = itertools.count()


def load(source: str):
    """Write ``source`` to a module file and import it; return the module."""
    name = f"fuzzed_{next(_modules)}"
    path = os.path.join(_directory, name + ".py")
    with open(path, "w") as handle:
        handle.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
