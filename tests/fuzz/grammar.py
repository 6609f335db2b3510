"""Random differentiable Python functions, drawn by hypothesis from a small grammar.

A program is a tree of statements over three inputs ``x`` (a vector), ``y``
(a vector) and ``z`` (a float), two more names ``a`` and ``b`` bound at the
top to an alias, a view or a copy of ``x`` or ``y``, and a fixed matrix
``M``:

- assignments of bounded arithmetic (so loops do not overflow), reductions,
  matrix products, broadcasting between floats and vectors, tuple unpacking
  (swaps), and names a user may pick that generated code also uses (``d``,
  ``dx``, ``tape``, ``unbroadcast``): generated names must never clash;
- NumPy's memory model: ``a = x``, views (``y[::-1]``, ``y[...]``, ``.T``,
  ``reshape``, ``ravel``, ``np.asarray``) and copy idioms (``x * 1.0``,
  ``x ** 1``, ``np.array(x)``, ``x.copy()``...) bound to names that later
  statements write into; in-place operators (``+=``, ``-=``, ``*=``);
  writes into entries, slices and repeated indices (``y[[0, 2, 2]] = ...``,
  ``y[[0, 0, 1]] += ...``, ``np.add.at``) of inputs, aliases and fresh
  arrays; short-lived views of other shapes (``y[1:]``, ``y[::2]``) written
  through, or whose base is written while the view is read afterwards;
  arrays written and never read again (issue 19);
- arrays built from floats (``np.array([...])``, ``np.stack``,
  ``np.concatenate``, ``np.linspace``, ``np.r_``, ``np.c_``,
  ``np.column_stack``, nested lists);
- calls of helpers: with branches, a loop with ``break`` and early returns
  (``bend``), calling other helpers in a loop that carries their result
  (``nest``), writing into an array of their own that is then never read
  (``fill``), and writing into their argument (``bump``);
- ``if``/``else`` on the data, ``for`` and ``while`` loops with small trip
  counts, ``break``, ``continue`` and early ``return``.

Names change type as Python lets them (``x = 0.3`` makes ``x`` a float); the
renderer follows each name's type through branches and loops so that a
statement that needs a vector gets one (``a = a * ones`` first, when ``a``
may be a float), and shapes always agree. A program is rendered to source,
written to a real module file (ssagrad reads source), and imported.
"""
import importlib.util
import itertools
import os
import tempfile

from hypothesis import strategies as st

VECTORS = ["x", "y"]
NAMES = VECTORS + ["z", "a", "b"]
LEAVES = NAMES + ["0.3", "1.5", "-0.7"]
# each template maps the types of its operands to its own: None -> elementwise (a vector if any operand is)
UNARY = {"np.sin({})": None, "np.cos({})": None, "np.tanh({})": None, "({} * 0.5)": None, "(-{})": None,
         "np.exp(0.3 * np.tanh({}))": None, "np.sqrt(1.0 + {} ** 2)": None, "np.abs({})": None,
         "squash({})": None, "(np.sum({}) * 0.1)": "scalar", "np.tanh(M @ ({} * ones))": "vector",
         "scale({}, 0.5)": None, "bend({}, 0.2)": None, "nest({})": None}
BINARY = {"({} + {}) * 0.5": None, "({} - {})": None, "np.tanh({} * {})": None, "({} * 0.7 + {} * 0.2)": None,
          "np.maximum({}, {})": None, "{} / (1.5 + {} ** 2)": None, "scale({}, factor={})": None,
          "fill({}, {})": "vector"}
# names a user may well pick that generated code also uses: they must not collide
ADVERSARIAL = ["d", "dx", "tape", "count", "unbroadcast", "zeros_like", "safe_div", "_t", "stack", "sin", "k",
               "set_at", "unsum"]
# another name for a vector's memory, or a copy of it: what `b = <idiom>` binds (all of length 3)
VIEWS = ["{}", "{}[...]", "{}[:]", "{}[::-1]", "{}.T", "{}.reshape(3)", "{}.reshape(-1)", "np.ravel({})",
         "{}.ravel()", "np.asarray({})"]
COPIES = ["{} * 1.0", "1.0 * {}", "{} ** 1", "{} + 0.0", "np.array({})", "{}.copy()", "np.copy({})", "{} * 1"]
# short-lived views of other shapes, bound to `v`
SHAPED_VIEWS = ["{}[1:]", "{}[::2]", "{}[:2]", "{}[...]", "{}.T", "{}.reshape(1, 3)", "np.ravel({})",
                "np.asarray({})", "{}[::-1]", "{}[1:][::-1]"]
# what is done with `v`: through the view, or into its base `{base}` ({s}: a float made from the data)
VIEW_ACTIONS = ["v *= 1.5", "v += {s}", "v -= {s}", "v[0] = {s}", "v[...] = {s}", "{base}[1] = {s}",
                "{base} *= 0.5", "{base} += {s}", "v[-1] += {s}"]
# writes into a vector `{t}` ({s}: a float, {e}: a float or a vector of length 3)
WRITES = ["{t}[{i}] = {s}", "{t}[{i}] += {s}", "{t}[[0, 2, 2]] = {e}", "{t}[[0, 0, 1]] += {e}",
          "np.add.at({t}, [0, 0, 2], {e})", "{t}[1:] = {s}", "{t}[::2] *= 0.5", "{t}[[2, 1]] -= {s}"]
IN_PLACE = ["{t} += {e}", "{t} -= {e}", "{t} *= np.cos({e})"]
# arrays of length 3 built from floats {s0} {s1} {s2} and vectors {v0} {v1}
BUILDS = ["np.array([{s0}, {s0} * 2.0, np.sin({s1})])", "np.stack([{s0}, {s1}, {s2}])",
          "np.concatenate([np.array([{s0}, {s1}]), {v0}[:1]])", "np.concatenate([{v0}[1:], np.array([{s2}])])",
          "np.linspace({s0}, {s1}, 3)", "np.r_[{s0}, {s1}, {s2}]", "np.r_[np.array([{s2}]), {v0}[1:]]",
          "np.c_[{v0}, {v1}] @ np.array([0.6, -0.4])", "np.column_stack([{v0}, {v1}]) @ np.array([0.5, 0.5])",
          "np.array([[{s0}, {s0} * 1.0, {s1}], [{s1} ** 2, {s2} / 2.0, {s0}]]).T @ np.array([0.5, -0.5])",
          "np.array([{s0}, {v0}[1], {s1}])"]
HELPERS = '''

def squash(v):
    return v / (1.0 + np.abs(v))


def scale(v, factor=2.0):
    w = v * factor
    return np.tanh(w) + 0.1 * w


def bend(v, t=0.0):
    if np.sum(v) > t + 1.0:
        return np.sin(v) * 0.5
    w = v * 0.5
    for k in range(3):
        if np.sum(w) > t:
            w = np.tanh(w) + v * 0.1
        else:
            w = w * 0.9 - 0.05
        if np.sum(w) < -1.0:
            break
    return w


def nest(v):
    s = v
    for k in range(2):
        s = np.sin(s) * 0.5 + bend(squash(s), 0.1) * 0.3 + v * 0.2
    return s


def fill(v, s):
    w = np.cos(v) * np.ones(3)
    u = np.sin(w)
    w[1] = np.sum(s) * 0.5
    if np.sum(u) > 2.5:
        return u
    u[[0, 2, 2]] = np.tanh(s + u[1])
    return u


def bump(v):
    v[0] = np.sum(v) * 0.3
    v *= 0.8
    return np.tanh(v)

'''


def expressions():
    """An expression tree: a leaf (a name or a constant), or (template, operand, ...)."""
    return st.recursive(
        st.sampled_from(LEAVES),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(sorted(UNARY)), inner),
            st.tuples(st.sampled_from(sorted(BINARY)), inner, inner)),
        max_leaves=6)


def statements():
    """A statement as a nested tuple: ("assign", name, expr), ("if", name, threshold, body, orelse), ..."""
    expr = expressions()
    name = st.sampled_from(NAMES)
    assign = st.tuples(st.just("assign"), name, expr)
    write = st.tuples(st.just("write"), name, st.sampled_from(WRITES), st.integers(0, 2), expr)
    swap = st.tuples(st.just("swap"), name, name)
    temporary = st.tuples(st.just("temporary"), st.sampled_from(ADVERSARIAL), st.one_of(name, expr), name)
    leave = st.tuples(st.sampled_from(["break", "continue", "return"]), name,
                      st.floats(-1, 1).map(lambda t: round(t, 2)), expr)
    bind = st.tuples(st.just("bind"), name, st.sampled_from(VIEWS + COPIES), name)
    in_place = st.tuples(st.just("in_place"), name, st.sampled_from(IN_PLACE), expr)
    view = st.tuples(st.just("view"), name, st.sampled_from(SHAPED_VIEWS), st.sampled_from(VIEW_ACTIONS), expr,
                     st.one_of(st.none(), name))
    build = st.tuples(st.just("build"), name, st.sampled_from(BUILDS), st.lists(expr, min_size=5, max_size=5))
    scratch = st.tuples(st.just("scratch"), name, expr, st.integers(0, 2), expr)
    call = st.tuples(st.just("call"), name, st.sampled_from(["{}", "{}", "{}.copy()", "other"]), name)
    entry = st.tuples(st.just("entry"), name, name)  # an entry read by the loop's counter (or a fixed one)

    def nested(inner):
        block = st.lists(inner, min_size=1, max_size=3)
        threshold = st.floats(-1, 1).map(lambda t: round(t, 2))
        return st.one_of(
            st.tuples(st.just("if"), name, threshold, block, st.lists(inner, max_size=2)),
            st.tuples(st.just("for"), st.integers(0, 3), block),
            st.tuples(st.just("while"), st.integers(0, 3), block))
    simple = st.one_of(assign, assign, write, write, swap, temporary, leave, bind, bind, in_place, in_place, view,
                       view, build, scratch, call, entry)
    return st.recursive(simple, nested, max_leaves=8)


def programs():
    """(how a and b start: (idiom, base) each, statements, the returned expression)."""
    start = st.tuples(st.sampled_from(VIEWS + COPIES), st.sampled_from(VECTORS))
    return st.tuples(st.tuples(start, start), st.lists(statements(), min_size=1, max_size=4), expressions())


# -- types: "scalar" (a float), "vector" (length 3), or None (either, depending on the run) -----
def _join(*types):
    return types[0] if all(t == types[0] for t in types) else None


def _elementwise(*types):
    if "vector" in types:
        return "vector"
    return "scalar" if all(t == "scalar" for t in types) else None


class _Renderer:
    def __init__(self):
        self.counter = itertools.count()
        self.types = {"x": "vector", "y": "vector", "z": "scalar"}
        self.leaving = []  # per enclosing loop: the types where a break or continue leaves an iteration
        self.counters = []  # the enclosing loops' counters, innermost last

    # expressions
    def text(self, expr) -> str:
        if isinstance(expr, str):
            return expr
        template, *operands = expr
        return template.format(*(self.text(e) for e in operands))

    def type_of(self, expr):
        if isinstance(expr, str):
            return self.types.get(expr, "scalar")
        template, *operands = expr
        result = {**UNARY, **BINARY}[template]
        return result or _elementwise(*(self.type_of(e) for e in operands))

    def scalar(self, expr) -> str:
        """A float made from ``expr``."""
        text = self.text(expr)
        return text if self.type_of(expr) == "scalar" else f"(np.sum({text}) * 0.3)"

    def vector(self, expr) -> str:
        """A vector made from ``expr``, itself when it is one."""
        text = self.text(expr)
        return f"({text})" if self.type_of(expr) == "vector" else f"({text} * ones)"

    def make_vector(self, name, pad) -> list:
        """Lines that make ``name`` a vector when it may not be one (a fresh array then)."""
        if self.types[name] == "vector":
            return []
        self.types[name] = "vector"
        return [f"{pad}{name} = {name} * ones"]

    # statements
    def block(self, stmts, indent, in_loop):
        lines = []
        for stmt in stmts:
            lines += self.statement(stmt, indent, in_loop)
        return lines or ["    " * indent + "pass"]

    def statement(self, stmt, indent, in_loop):
        pad = "    " * indent
        kind = stmt[0]
        if kind == "assign":
            _, name, value = stmt
            self.types[name] = self.type_of(value)
            return [f"{pad}{name} = {self.text(value)}"]
        if kind == "write":  # into a vector's entries: an input, an alias, a view or a fresh array
            _, name, template, index, value = stmt
            lines = self.make_vector(name, pad)
            return lines + [pad + template.format(t=name, i=index, s=self.scalar(value), e=self.text(value))]
        if kind == "entry":  # name * 0.5 + source[i % 3] * 0.3: one entry a time, its gradient added in place
            _, name, source = stmt
            index = f"{self.counters[-1]} % 3" if self.counters else "1"
            self.types[name] = _elementwise(self.types[name], "scalar")
            return [f"{pad}{name} = {name} * 0.5 + {self.vector(source)}[{index}] * 0.3"]
        if kind == "in_place":
            _, name, template, value = stmt
            self.types[name] = _elementwise(self.types[name], self.type_of(value))
            return [pad + template.format(t=name, e=self.text(value))]
        if kind == "bind":  # another name for a vector, or a copy of it
            _, name, idiom, base = stmt
            base = base if self.types[base] == "vector" else f"({base} * ones)"
            self.types[name] = "vector"
            return [f"{pad}{name} = {idiom.format(base)}"]
        if kind == "view":  # a view of another shape, written through (or its base written), maybe read after
            _, base, idiom, action, value, reader = stmt
            lines = self.make_vector(base, pad)
            lines += [f"{pad}v = {idiom.format(base)}", pad + action.format(base=base, s=self.scalar(value))]
            if reader is not None:
                lines.append(f"{pad}{reader} = {reader} * 0.5 + np.sum(v) * 0.3")
            return lines
        if kind == "build":  # an array made of floats
            _, name, template, values = stmt
            floats = {f"s{i}": self.scalar(v) for i, v in enumerate(values[:3])}
            vectors = {f"v{i}": self.vector(v) for i, v in enumerate(values[3:])}
            self.types[name] = "vector"
            return [f"{pad}{name} = {template.format(**floats, **vectors)}"]
        if kind == "scratch":  # an array written after its last read (issue 19)
            _, name, value, index, entry = stmt
            lines = [f"{pad}w = np.sin({self.vector(value)})", f"{pad}u = np.sin(w)",
                     f"{pad}w[{index}] = {self.scalar(entry)}", f"{pad}{name} = {name} * 0.5 + u * 0.5"]
            self.types[name] = "vector"
            return lines
        if kind == "call":  # a helper that writes into its argument: the name it rebinds, a copy, or another
            _, name, passed, other = stmt
            argument = other if passed == "other" else name
            lines = self.make_vector(argument, pad)
            self.types[name] = "vector"
            template = "{}" if passed == "other" else passed
            return lines + [f"{pad}{name} = bump({template.format(argument)})"]
        if kind == "swap":
            _, a, b = stmt
            self.types[a], self.types[b] = self.types[b], self.types[a]
            return [f"{pad}{a}, {b} = {b}, {a}"]
        if kind == "temporary":  # a user variable with a name generated code might use
            _, name, value, into = stmt
            self.types[into] = _elementwise(self.types[into], self.type_of(value))
            return [f"{pad}{name} = {self.text(value)}", f"{pad}{into} = {into} * 0.5 + {name} * 0.5"]
        if kind in ("break", "continue", "return"):
            _, name, threshold, value = stmt
            if kind != "return" and not in_loop:
                self.types[name] = self.type_of(value)
                return [f"{pad}{name} = {self.text(value)}"]
            if kind != "return":
                self.leaving[-1].append(dict(self.types))
            action = f"return np.sum({self.text(value)})" if kind == "return" else kind
            return [f"{pad}if np.sum({name}) > {threshold}:", f"{pad}    {action}"]
        if kind == "if":
            _, name, threshold, body, orelse = stmt
            before = dict(self.types)
            lines = [f"{pad}if np.sum({name}) > {threshold}:"] + self.block(body, indent + 1, in_loop)
            after_body, self.types = self.types, before
            if orelse:
                lines += [f"{pad}else:"] + self.block(orelse, indent + 1, in_loop)
            self.types = {n: _join(after_body[n], self.types[n]) for n in self.types}
            return lines
        counter = f"i{next(self.counter)}"
        self.counters.append(counter)
        body = self.loop_body(stmt[2], indent + 1)
        self.counters.pop()
        if kind == "for":
            return [f"{pad}for {counter} in range({stmt[1]}):"] + body
        return [f"{pad}{counter} = 0", f"{pad}while {counter} < {stmt[1]}:", f"{pad}    {counter} = {counter} + 1"] \
            + body

    def loop_body(self, body, indent):
        """The body's lines, rendered with the types that hold at the top of every iteration."""
        entry = dict(self.types)
        while True:
            self.types = dict(entry)
            self.leaving.append([])
            lines = self.block(body, indent, True)
            leaving = self.leaving.pop()
            after = {n: _join(entry[n], self.types[n], *(t[n] for t in leaving)) for n in entry}
            if after == entry:
                self.types = after
                return lines
            entry = after


PRELUDE = "import numpy as np\n\nM = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])\n" + HELPERS
# a saved program (tests/fuzz/regressions) says where the prelude goes, rather than repeating it
PRELUDE_MARKER = "# (the program generator's helpers and M come first: tests/fuzz/grammar.py, with_helpers)\n"


def with_helpers(source: str) -> str:
    """A saved program with the prelude in place of its marker."""
    return source.replace(PRELUDE_MARKER, PRELUDE)


def render(program) -> str:
    (start_a, start_b), body, result = program
    lines = [PRELUDE + "def f(x, y, z):", "    ones = np.ones(3)",
             f"    a = {start_a[0].format(start_a[1])}", f"    b = {start_b[0].format(start_b[1])}"]
    renderer = _Renderer()
    renderer.types.update(a="vector", b="vector")
    lines += renderer.block(body, 1, False)
    lines.append(f"    return np.sum({renderer.text(result)})")
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
