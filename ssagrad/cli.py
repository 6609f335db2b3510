"""``python -m ssagrad`` (or ``ssagrad``): show generated code, export a gradient, draw a graph.

    ssagrad show path/to/file.py:func [--wrt a,b] [--mode reverse|forward] [--ssa]
    ssagrad export path/to/file.py:func [--wrt a,b] -o grad_func.py
    ssagrad graph path/to/file.py:func --args "2,1" [--mode reverse|forward] [--wrt b] [--paths a,b]
                  [-o graph.dot|.svg|.png]

``file.py:func`` names the function as written in the file: decorators that
keep the original around (a cache, a JIT, ssagrad.grad itself) are looked
through, so ssagrad reads the source the name was defined with.
"""
import argparse
import ast
import importlib.util
import os
import sys

import numpy as np

from .api import GradFunction
from .compiler import DifferentiationError, compile_jvp
from .undecorate import undecorated


class UsageError(Exception):
    """A wrong path, function or argument on the command line."""


def load_function(target: str):
    """``path/to/file.py:func`` -> the function (its file imported as a module)."""
    path, colon, name = target.rpartition(":")
    if not colon or not path or not name:
        raise UsageError(f"expected path/to/file.py:function, got {target!r}")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    directory = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, directory)  # so the file can import its neighbours
    module_name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(module_name, module)
    spec.loader.exec_module(module)
    fn = module
    for part in name.split("."):
        if not hasattr(fn, part):
            available = sorted(n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                               and getattr(v, "__module__", None) == module.__name__)
            raise UsageError(f"{path} has no function {name!r}; it defines: {', '.join(available) or 'none'}")
        fn = getattr(fn, part)
    return undecorated(fn)


def parse_wrt(text):
    if text is None:
        return None
    items = [w.strip() for w in text.split(",") if w.strip()]
    items = [int(w) if w.lstrip("-").isdigit() else w for w in items]
    return items[0] if len(items) == 1 else tuple(items)


def parse_args_text(text):
    """``"2,1"`` or ``"[1, 2], 3.0"`` -> arguments: Python literals, lists becoming float arrays."""
    try:
        values = ast.literal_eval(f"({text},)")
    except (ValueError, SyntaxError):
        raise UsageError(f"--args must be Python literals separated by commas, like \"2,1\" or "
                         f"\"[1.0, 2.0], 3\"; got {text!r}") from None
    return tuple(np.array(v, dtype=float) if isinstance(v, (list, tuple)) else float(v)
                 if isinstance(v, int) and not isinstance(v, bool) else v for v in values)


def highlight(source: str, stream) -> str:
    """``source`` with syntax colours when ``stream`` is a terminal and pygments is installed."""
    if not getattr(stream, "isatty", lambda: False)():
        return source
    try:
        from pygments import highlight as colour
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return source
    return colour(source, PythonLexer(), TerminalFormatter())


def show(args):
    fn = load_function(args.target)
    gradient = GradFunction(fn, parse_wrt(args.wrt))
    if args.ssa:
        return gradient.ssa
    if args.mode == "forward":
        return compile_jvp(gradient._function, tuple(gradient._params[i] for i in gradient.wrt)).source
    return gradient.source


def export(args):
    from .export import export_source
    fn = load_function(args.target)
    text = export_source(fn, parse_wrt(args.wrt))
    if args.output:
        with open(args.output, "w") as handle:
            handle.write(text)
        return f"wrote {args.output}"
    return text


def draw(args):
    from .graph import graph
    fn = load_function(args.target)
    if args.args is None:
        raise UsageError("graph needs the point to evaluate at: --args \"2,1\"")
    wrt = parse_wrt(args.wrt)
    picture = graph(fn, *parse_args_text(args.args), wrt=wrt, mode=args.mode)
    wrote = f"wrote {picture.render(args.output)}\n" if args.output else ""
    if args.paths:  # the listing instead of the DOT text (which -o still writes)
        return wrote + "".join(str(picture.paths(name.strip())) for name in args.paths.split(",") if name.strip())
    return wrote or picture.source


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ssagrad", description="Source-to-source gradients of Python and NumPy.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("show", help="print the generated gradient (or tangent, or SSA) code")
    p.add_argument("target", help="path/to/file.py:function")
    p.add_argument("--wrt", help="parameters to differentiate with respect to: names or positions, comma-separated")
    p.add_argument("--mode", choices=("reverse", "forward"), default="reverse")
    p.add_argument("--ssa", action="store_true", help="print the SSA form instead")
    p.set_defaults(run=show)
    p = commands.add_parser("export", help="write the gradient as a module that needs NumPy alone")
    p.add_argument("target")
    p.add_argument("--wrt")
    p.add_argument("-o", "--output", help="the module to write (default: print it)")
    p.set_defaults(run=export)
    p = commands.add_parser("graph", help="draw the computational graph: values and derivatives on the nodes, "
                                          "local derivatives on the edges")
    p.add_argument("target")
    p.add_argument("--args", help="the point, as Python literals: \"2,1\"")
    p.add_argument("--mode", choices=("reverse", "forward"), default="reverse",
                   help="reverse: nodes show d(result)/d(node); forward: d(node)/d(the --wrt input)")
    p.add_argument("--wrt", help="reverse: the inputs whose gradients are drawn; forward: the one input")
    p.add_argument("--paths", help="list the sum over paths from these inputs (comma-separated) to the result")
    p.add_argument("-o", "--output", help="graph.dot, graph.svg or graph.png (default: print DOT)")
    p.set_defaults(run=draw)
    args = parser.parse_args(argv)
    try:
        text = args.run(args)
    except (UsageError, DifferentiationError, RuntimeError, ValueError) as exc:
        print(f"ssagrad {args.command}: {exc}", file=sys.stderr)
        return 2
    print(highlight(text, sys.stdout) if args.command == "show" else text, end="" if text.endswith("\n") else "\n")
    return 0
