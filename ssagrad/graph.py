"""Pictures of the computational graph: values and derivatives on the nodes, local derivatives on the edges.

``ssagrad.graph(f, *args)`` draws the SSA form of ``f`` at ``args``: a node
per operation (what it computes and its value), an edge from each value to
the operations that read it. Each edge carries its local derivative
∂head/∂tail at the point (``ssagrad/edges.py``). What a node shows besides
its value depends on the mode:

- ``mode="reverse"`` (default): ∂result/∂node, the adjoint the backward sweep
  gives every node (``∂e/∂c = 2``);
- ``mode="forward", wrt="b"``: ∂node/∂b, the tangent the forward sweep
  carries along with every value (``∂c/∂b = 1``).

``.paths("b")`` lists the sum over paths from an input to the result, each
path the product of its edges (``ssagrad/paths.py``). A loop is one
clustered region (its body drawn once, not unrolled, values not shown) and a
branch a cluster per side. The picture is Graphviz DOT text always, SVG or
PNG when Graphviz's ``dot`` is installed; in Jupyter it displays inline.
"""
import ast
import shutil
import subprocess

import numpy as np

from . import recording
from .api import _parameters
from .compiler import to_ssa
from .compiler import ops
from .compiler.pyast import op_statement, write_statement
from .compiler.ssa import COPY, If, Loop, Op, Var, format_operand, operand_vars
from .edges import is_float, local_derivatives, phi_edges
from .paths import Paths, sum_over_paths
from .summary import jacobian, summary

MODES = ("reverse", "forward")


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Graph:
    """A computational graph picture.

    ``.source``: DOT text; ``render(path)`` writes .dot, .svg or .png. The numbers drawn, by node name:
    ``.values``, ``.derivatives`` (∂output/∂node in reverse mode, ∂node/∂wrt in forward mode) and
    ``.local`` (∂head/∂tail by ``(tail, head)``).
    """

    def __init__(self, dot: str, *, mode="reverse", output=None, wrt=(), values=None, derivatives=None,
                 local=None, edges=(), blocked=()):
        self.source = dot
        self.mode, self.output, self.wrt = mode, output, tuple(wrt)
        self.values = values or {}
        self.derivatives = derivatives or {}
        self.local = local or {}
        self.edges, self.blocked = list(edges), set(blocked)

    def __str__(self):
        return self.source

    def paths(self, node: str) -> Paths:
        """The sum over paths from ``node`` (an input, say) to the output; ``str()`` of it is the listing."""
        if node not in self.values:
            raise ValueError(f"no node {node!r} in this graph; its nodes are {', '.join(self.values)}")
        # a branch not taken computed nothing: its edges are not paths
        ran = [(t, h) for t, h in self.edges if self.values.get(t) is not None and self.values.get(h) is not None]
        return sum_over_paths(ran, self.local, self.blocked, node, self.output)

    def pipe(self, fmt: str) -> bytes:
        """The picture in ``fmt`` ('svg', 'png') from Graphviz's ``dot``."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("rendering needs Graphviz's `dot` program (apt-get install graphviz, or "
                               "https://graphviz.org/download/); without it the DOT text is .source, or "
                               "-o name.dot on the command line")
        done = subprocess.run([dot, f"-T{fmt}"], input=self.source.encode(), capture_output=True)
        if done.returncode != 0:
            raise RuntimeError(f"Graphviz's dot could not render {fmt}: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def render(self, path: str) -> str:
        """Write the picture to ``path``; the format follows its extension (.dot, .gv, .svg, .png)."""
        extension = path.rsplit(".", 1)[-1].lower()
        if extension in ("dot", "gv"):
            with open(path, "w") as handle:
                handle.write(self.source)
        elif extension in ("svg", "png", "pdf"):
            picture = self.pipe(extension)  # first: no empty file left behind when Graphviz is missing
            with open(path, "wb") as handle:
                handle.write(picture)
        else:
            raise ValueError(f"unknown picture format {extension!r}: use .dot, .svg, .png or .pdf")
        return path

    def _repr_svg_(self):
        return self.pipe("svg").decode() if shutil.which("dot") else None


class _Drawing:
    def __init__(self, function, record, local, output, symbol):
        self.function = function
        self.values = record.values
        self.derivative_name = record.derivative
        self.local = local
        self.output = output
        self.symbol = symbol      # var name -> how its derivative is written: ∂e/∂c, or ∂c/∂b
        self.zero_default = False  # forward mode: a value that does not vary with the input has tangent 0
        self.lines = []
        self.clusters = 0
        self.shown_values, self.shown_derivatives, self.edge_list, self.blocked = {}, {}, [], set()
        self.ids = {}  # a value's name -> its node in the picture

    def derivative(self, var):
        name = self.derivative_name.get(var.name)
        if name is not None and name in self.values:
            return self.values[name]
        if self.zero_default and is_float(self.values.get(var.name)):
            return 0.0
        return None

    def label(self, var, text, in_loop):
        lines = [text]
        if not in_loop:
            value = self.values.get(var.name)
            lines.append(f"= {summary(value)}")
            self.shown_values[var.name] = value
            g = self.derivative(var)
            if g is not None:
                lines.append(f"{self.symbol(var.name)} = {summary(g)}")
                self.shown_derivatives[var.name] = g
        return "\\n".join(_quote(line) for line in lines)

    def edge_label(self, tail, head):
        found = self.local.get((tail.name, head.name))
        if found is None:
            return ""
        if found.along_ones:  # a large tail: the tangent along all-ones stands in for the Jacobian
            return f"∂{head.name}/∂{tail.name}·1 = {summary(found.value)}"
        text = jacobian(found.value, np.shape(self.values[head.name]), np.shape(self.values[tail.name]))
        return f"∂{head.name}/∂{tail.name} = {text}"

    def node(self, var, text, in_loop, shape="box"):
        # a write into an array (a[i] = v) makes a new version of the same name: a node of its own, a'
        ident = var.name if var.name not in self.ids else self.ids[var.name] + "'"
        self.ids[var.name] = ident
        self.lines.append(f'  "{ident}" [label="{self.label(var, text, in_loop)}", shape={shape}];')

    def edges(self, tails, head, in_loop, tail_ids=None):
        """``tail_ids``: the nodes the tails were before ``head`` was drawn (a write redraws its array)."""
        head_id = self.ids[head.name]
        for tail in dict.fromkeys(tails):
            tail_id = (tail_ids or self.ids).get(tail.name, tail.name)
            if tail_id == head_id:  # a carried value that comes back unchanged
                continue
            self.edge_list.append((tail.name, head.name))
            label = ""
            if in_loop:
                self.blocked.add((tail.name, head.name))
            else:
                label = self.edge_label(tail, head)
            self.lines.append(f'  "{tail_id}" -> "{head_id}" [label="{_quote(label)}"];')

    def block(self, body, in_loop):
        for stmt in body:
            if isinstance(stmt, Op):
                reads = [v for a in stmt.args + list(stmt.kwargs.values()) for v in operand_vars(a)]
                if ops.is_write(stmt.fn):  # its second target is what it overwrote, kept for the backward sweep
                    # values not shown: the array is the same before and after, and the backward sweep restores it
                    before = dict(self.ids)
                    self.node(stmt.targets[0], _text(stmt), True)
                    self.edges(reads, stmt.targets[0], True, before)
                    continue
                for target in stmt.targets:
                    self.node(target, _text(stmt), in_loop)
                    self.edges(reads, target, in_loop)
            elif isinstance(stmt, If):
                self.cluster(f"if {format_operand(stmt.test)}", stmt.body, in_loop)
                self.cluster("else", stmt.orelse, in_loop)
                for phi in stmt.phis:
                    self.node(phi.target, f"{phi.target.name} = (the branch taken)", in_loop, "ellipse")
                    self.edges(operand_vars(phi.then) + operand_vars(phi.orelse), phi.target, in_loop)
            elif isinstance(stmt, Loop):
                header = f"for {stmt.target.name} in range(...)" if stmt.kind == "for" else "while ..."
                self.cluster(header + "  (drawn once, values not shown)", stmt.cond + stmt.body, True,
                             carried=stmt.carried)

    def cluster(self, title, body, in_loop, carried=()):
        self.clusters += 1
        self.lines.append(f'  subgraph "cluster_{self.clusters}" {{ label="{_quote(title)}"; style=rounded;')
        for c in carried:
            self.node(c.var, f"{c.var.name} (carried)", in_loop, "ellipse")
            # entering the loop is not one operation with one local derivative
            self.edges(operand_vars(c.init), c.var, True)
        self.block(body, in_loop)
        for c in carried:
            self.edges(operand_vars(c.next), c.var, True)
        self.lines.append("  }")

    def dot(self, title):
        self.lines = ["digraph ssagrad {", "  rankdir=LR;",
                      f'  label="{_quote(title)}"; labelloc=t; fontname="Helvetica";',
                      '  node [fontname="Helvetica", fontsize=11];', '  edge [fontname="Helvetica", fontsize=9];']
        for param in self.function.params:
            self.node(param, f"{param.name} (input)", False, "ellipse")
        self.block(self.function.body[:-1], False)
        result = self.function.result.value
        if isinstance(result, Var):
            self.lines.append(f'  "{result.name}" [peripheries=2];')
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"


def _text(op: Op) -> str:
    if op.fn is COPY:
        return f"{op.targets[0].name} = {format_operand(op.args[0])}"
    if ops.is_write(op.fn):  # a[i] = v: the array after the write is the op's first target
        return f"{ast.unparse(write_statement(op))}  (in place)"
    return ast.unparse(op_statement(op))


def _holds_floats(value) -> bool:
    """Parameters in a dict, list or tuple: differentiated by default, as grad does."""
    if isinstance(value, dict):
        value = list(value.values())
    return isinstance(value, (list, tuple)) and any(is_float(v) or _holds_floats(v) for v in value)


def _chosen(wrt, params, function, args):
    """``wrt`` (names or positions; None: every float input) as the function's parameter Vars."""
    if wrt is None:
        return [function.params[i] for i, a in enumerate(args) if is_float(a) or _holds_floats(a)]
    items = [wrt] if isinstance(wrt, (int, str)) else list(wrt)
    for item in items:
        if isinstance(item, str) and item not in params:
            raise ValueError(f"{item!r} is not a parameter of {function.name}(); its parameters are "
                             f"{', '.join(params)}")
    return [function.params[i if isinstance(i, int) else params.index(i)] for i in items]


def graph(fn, *args, wrt=None, mode="reverse", direction=None) -> Graph:
    """The computational graph of ``fn`` at ``args`` (see the module docstring).

    ``wrt``: reverse mode, the inputs whose gradients are drawn (default: every float input); forward
    mode, the one input the tangents are taken along (default: the first float input).
    ``direction``: forward mode, the tangent of that input (default 1, or all-ones for an array).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be 'reverse' or 'forward', not {mode!r}")
    function = to_ssa(fn)
    params = _parameters(fn)
    wrt_vars = _chosen(wrt, params, function, args)
    if wrt is None and not wrt_vars:
        raise ValueError(f"no input of {function.name}() is a float to differentiate: pass floats (2.0, not 2), "
                         f"or name the inputs with wrt")
    # an integer named in wrt is the number it stands for: the lesson's e(2, 1), wrt=("a", "b")
    args = tuple(float(a) if type(a) is int and function.params[i] in wrt_vars else a for i, a in enumerate(args))
    result = function.result.value
    output = result.name if isinstance(result, Var) else function.name
    if mode == "reverse":
        if not isinstance(result, Var):
            raise ValueError(f"{function.name}() returns several values: reverse mode draws the derivative of one "
                             f"result (return it alone), forward mode (mode='forward') draws them all")
        record = recording.reverse(fn, args, [v.name for v in wrt_vars])
        symbol = lambda name: f"∂{output}/∂{name}"  # noqa: E731
        title = f"reverse mode: node = value, ∂{output}/∂node; edge = ∂head/∂tail"
    else:
        if wrt is None:  # along the first float input
            wrt_vars = [v for v, a in zip(function.params, args) if is_float(a)][:1]
        if len(wrt_vars) != 1:
            raise ValueError("forward mode takes the derivative along one input: name one (wrt='b', or --wrt b "
                             "on the command line)")
        x = wrt_vars[0]
        point = args[function.params.index(x)]
        if not is_float(point):
            raise ValueError(f"forward mode along {x.name}: it must be a float or a float array, got {point!r}")
        along = direction is not None or np.ndim(point) != 0
        if direction is None:
            direction = np.ones_like(point) if isinstance(point, np.ndarray) else 1.0
        record = recording.forward(fn, args, x.name, direction)
        suffix = "·v" if along else ""
        symbol = lambda name: f"∂{name}/∂{x.name}{suffix}"  # noqa: E731
        title = f"forward mode along {x.name}{' (v: its direction)' if along else ''}: node = value, " \
                f"∂node/∂{x.name}{suffix}; edge = ∂head/∂tail"
    local = {**local_derivatives(function, fn, record.values), **phi_edges(function, record.values)}
    drawing = _Drawing(function, record, local, output, symbol)
    drawing.zero_default = mode == "forward"
    dot = drawing.dot(title)
    return Graph(dot, mode=mode, output=output, wrt=[v.name for v in wrt_vars], values=drawing.shown_values,
                 derivatives=drawing.shown_derivatives, local={edge: found.value for edge, found in local.items()},
                 edges=drawing.edge_list, blocked=drawing.blocked)
