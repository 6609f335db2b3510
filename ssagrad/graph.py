"""Pictures of the computational graph, with the forward values and the gradients on it.

``ssagrad.graph(f, *args)`` runs the generated gradient once, keeping every
intermediate value and adjoint, and draws the SSA form: a node per operation
(what it computes, its value, and the gradient of the result with respect to
it), an edge from each value to the operations that read it, labelled with
that value and its gradient. A loop is one clustered region (its body drawn
once, not unrolled) and a branch a cluster per side. The result renders as
Graphviz DOT text always, and as SVG or PNG when Graphviz's ``dot`` is
installed; in Jupyter it displays inline.
"""
import ast
import shutil
import subprocess

import numpy as np

from .api import _parameters
from .compiler import codegen, to_ssa
from .compiler.activity import active_vars
from .compiler.pyast import op_statement
from .compiler.reverse import ReverseSweep
from .compiler.ssa import COPY, If, Loop, Op, Var, format_operand, operand_vars


def _number(value) -> str:
    if value is None:
        return "?"
    if np.ndim(value) == 0:
        try:
            return f"{float(value):.4g}"
        except (TypeError, ValueError):
            return str(value)
    flat = np.ravel(value)
    shown = ", ".join(f"{v:.3g}" for v in flat[:3]) + (", ..." if flat.size > 3 else "")
    return f"array{tuple(np.shape(value))} [{shown}]"


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


class Graph:
    """A computational graph picture: ``.source`` is DOT text; ``render(path)`` writes .dot, .svg or .png."""

    def __init__(self, dot: str):
        self.source = dot

    def __str__(self):
        return self.source

    def pipe(self, fmt: str) -> bytes:
        """The picture in ``fmt`` ('svg', 'png') from Graphviz's ``dot``."""
        dot = shutil.which("dot")
        if dot is None:
            raise RuntimeError("rendering needs Graphviz's `dot` program (apt-get install graphviz); "
                               "the DOT text is in .source")
        return subprocess.run([dot, f"-T{fmt}"], input=self.source.encode(), capture_output=True,
                              check=True).stdout

    def render(self, path: str) -> str:
        """Write the picture to ``path``; the format follows its extension (.dot, .gv, .svg, .png)."""
        extension = path.rsplit(".", 1)[-1].lower()
        if extension in ("dot", "gv"):
            with open(path, "w") as handle:
                handle.write(self.source)
        elif extension in ("svg", "png", "pdf"):
            with open(path, "wb") as handle:
                handle.write(self.pipe(extension))
        else:
            raise ValueError(f"unknown picture format {extension!r}: use .dot, .svg, .png or .pdf")
        return path

    def _repr_svg_(self):
        return self.pipe("svg").decode() if shutil.which("dot") else None


class _Drawing:
    def __init__(self, function, values, adjoint, result_name):
        self.function = function
        self.values = values
        self.adjoint = adjoint
        self.result = result_name
        self.lines = []
        self.clusters = 0

    def gradient(self, var):
        name = self.adjoint.get(var)
        return self.values.get(name) if name else None

    def label(self, var, text, in_loop):
        lines = [text]
        if not in_loop:
            lines.append(f"= {_number(self.values.get(var.name))}")
            g = self.gradient(var)
            if g is not None:
                lines.append(f"∂{self.result}/∂{var.name} = {_number(g)}")
        return "\\n".join(_quote(line) for line in lines)

    def edge_label(self, var, in_loop):
        if in_loop or var.name not in self.values:
            return ""
        g = self.gradient(var)
        return _quote(_number(self.values[var.name]) + (f" | ∂ {_number(g)}" if g is not None else ""))

    def node(self, var, text, in_loop, shape="box"):
        self.lines.append(f'  "{var.name}" [label="{self.label(var, text, in_loop)}", shape={shape}];')

    def edges(self, op_vars, target, in_loop):
        for v in dict.fromkeys(op_vars):
            self.lines.append(f'  "{v.name}" -> "{target.name}" [label="{self.edge_label(v, in_loop)}"];')

    def block(self, body, in_loop):
        for stmt in body:
            if isinstance(stmt, Op):
                text = ast.unparse(op_statement(stmt)) if stmt.fn is not COPY else \
                    f"{stmt.targets[0].name} = {format_operand(stmt.args[0])}"
                for target in stmt.targets:
                    self.node(target, text, in_loop)
                    self.edges([v for a in stmt.args + list(stmt.kwargs.values()) for v in operand_vars(a)],
                               target, in_loop)
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
            self.edges(operand_vars(c.init), c.var, False)
        self.block(body, in_loop)
        for c in carried:
            self.edges(operand_vars(c.next), c.var, True)
        self.lines.append("  }")

    def dot(self):
        self.lines = ["digraph ssagrad {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=11];',
                      '  edge [fontname="Helvetica", fontsize=9];']
        for param in self.function.params:
            self.node(param, f"{param.name} (input)", False, "ellipse")
        self.block(self.function.body[:-1], False)
        result = self.function.result.value
        if isinstance(result, Var):
            self.lines.append(f'  "{result.name}" [peripheries=2];')
        self.lines.append("}")
        return "\n".join(self.lines) + "\n"


def graph(fn, *args, wrt=None) -> Graph:
    """The computational graph of ``fn`` at ``args``, with values and gradients (see the module docstring).

    ``wrt``: the inputs whose gradients are drawn (default: every float input).
    """
    function = to_ssa(fn)
    params = _parameters(fn)
    if wrt is None:
        wrt = [i for i, a in enumerate(args) if isinstance(a, (float, np.floating, np.ndarray))
               and np.result_type(a).kind == "f"]
    wrt_vars = [function.params[i if isinstance(i, int) else params.index(i)] for i in wrt]
    sweep = ReverseSweep(function, wrt_vars, active_vars(function, wrt_vars))
    adjoint = sweep.run()
    body = adjoint.forward + adjoint.backward
    everything = ast.Call(ast.Name("locals", ast.Load()), [], [])
    generated = codegen.generate(function.parsed, function.namer, f"{function.name}_graph", body, everything)
    with np.errstate(all="ignore"):
        values = generated.bind(fn)(*args)
    result = function.result.value
    drawing = _Drawing(function, values, sweep.adjoint, result.name if isinstance(result, Var) else "f")
    return Graph(drawing.dot())
