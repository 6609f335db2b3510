"""Export a gradient as a standalone module that needs NumPy alone.

The module holds the function, its generated gradient (and the generated
forward and backward functions of any helper it calls), and the source of
every runtime helper they use, copied from ``ssagrad/runtime`` with what
those helpers need in turn. Names the generated code reads from your module
(imports, helper functions, numbers) come along; anything else (a global
array, an object) is refused, because it could not be written down faithfully.
Functions are copied without their decorators (``ssagrad/undecorate.py``):
a registry, a cache or a JIT decorator from a package the reader does not
have would otherwise stop the module from importing. The module's docstring
lists the decorators left out.
"""
import ast
import builtins
import inspect
import math
import sys
import textwrap
import types

import numpy

from . import __version__
from .api import GradFunction
from .compiler.ssa import exported_as, public_name
from .runtime import SharedMemoryCheck
from .undecorate import source_without_decorators, undecorated

RUNTIME = "ssagrad.runtime"


class ExportError(ValueError):
    """The gradient depends on something that cannot be written into a module."""


def _generated_functions(compiled):
    """The generated functions behind a compiled gradient: the gradient, then each callee's pair, once."""
    out, seen = [compiled.function], set()

    def visit(vjp):
        if id(vjp) in seen:
            return
        seen.add(id(vjp))
        out.extend([vjp.forward, vjp.backward])
        for inner in vjp.callees:
            visit(inner)
    for vjp in compiled.callees:
        visit(vjp)
    return out


class _Module:
    def __init__(self, primal):
        self.primal = primal
        self.imports: dict[str, str] = {}       # bound name -> import statement
        self.runtime: dict[str, str] = {}       # runtime name -> its source
        self.definitions: dict[str, str] = {}   # other names -> their source (your helpers, numbers)
        self.generated_names: set[str] = set()
        self.dropped: list[str] = []            # "@decorator on name", for the docstring

    def bind(self, name, value, origin):
        """Make ``name`` mean ``value`` in the exported module."""
        if name in self.imports or name in self.runtime or name in self.definitions or name in self.generated_names:
            return
        if isinstance(value, types.ModuleType):
            module = value.__name__
            self.imports[name] = f"import {module}" if name == module else f"import {module} as {name}"
        elif getattr(builtins, name, None) is value:
            return
        elif isinstance(value, SharedMemoryCheck):  # a check before an in-place write, with its message
            self.add_runtime("SharedMemoryCheck", sys.modules[SharedMemoryCheck.__module__])
            self.definitions[name] = f"{name} = SharedMemoryCheck(ValueError({str(value.error)!r}))"
        elif getattr(value, "__module__", "") == RUNTIME + ".held":
            raise ExportError(f"the gradient of {self.primal.__name__}() calls a function it is given or an "
                              f"object holds (act(x), self.act(x)): which one is known only when the gradient "
                              f"runs, and differentiating it then needs ssagrad. Call the function by its name "
                              f"to export the gradient.")
        elif getattr(value, "__module__", "") and value.__module__.startswith(RUNTIME):
            self.add_runtime(value.__name__, sys.modules[value.__module__])
            if name != value.__name__:
                self.definitions[name] = f"{name} = {value.__name__}"
        elif getattr(numpy, getattr(value, "__name__", ""), None) is value:
            self.imports.setdefault("numpy", "import numpy")
            self.definitions[name] = f"{name} = numpy.{value.__name__}"
        elif getattr(math, getattr(value, "__name__", ""), None) is value:
            self.imports.setdefault("math", "import math")
            self.definitions[name] = f"{name} = math.{value.__name__}"
        elif getattr(builtins, getattr(value, "__name__", ""), None) is value:
            self.definitions[name] = f"{name} = {value.__name__}"
        elif inspect.isfunction(undecorated(value)):
            value = undecorated(value)  # a cached or compiled helper runs the same as its plain source
            source = self.function_source(value)
            self.definitions[name] = source if name == value.__name__ else f"{source}\n{name} = {value.__name__}"
            self.free_names(value)
        elif isinstance(value, (int, float, complex, str, bool, type(None))) or _is_literal(value):
            self.definitions[name] = f"{name} = {value!r}"
        elif _library_path(value) is not None:  # scipy.special.expit, scipy.stats.norm.logpdf: imported
            module, path = _library_path(value)
            self.imports.setdefault(module, f"import {module}")
            self.definitions[name] = f"{name} = {path}"
        else:
            raise ExportError(f"the gradient of {self.primal.__name__}() reads {name!r} ({type(value).__name__}) "
                              f"from {origin}; only modules, functions and numbers can be exported. Pass it as "
                              f"an argument instead.")

    def function_source(self, fn) -> str:
        source, decorators = source_without_decorators(fn)
        self.dropped += [f"@{d} on {fn.__name__}" for d in decorators]
        return source

    def add_runtime(self, name, module):
        """A runtime helper's definition, and whatever in the runtime it uses."""
        if name in self.runtime:
            return
        tree = ast.parse(inspect.getsource(module))
        node = next(n for n in tree.body if _defines(n, name))
        self.runtime[name] = ast.get_source_segment(inspect.getsource(module), node)
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
            {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
        for used_name in sorted(used):
            value = vars(module).get(used_name)
            if value is None or used_name == name:
                continue
            if isinstance(value, types.ModuleType):
                self.imports.setdefault(used_name, f"import {value.__name__} as {used_name}"
                                        if used_name != value.__name__ else f"import {used_name}")
            elif getattr(value, "__module__", "") and value.__module__.startswith(RUNTIME):
                self.add_runtime(used_name, sys.modules[value.__module__])
            elif any(_defines(n, used_name) for n in tree.body):  # a module-level constant
                self.add_runtime(used_name, module)

    def free_names(self, fn):
        """Bind what ``fn`` reads at run time: its closure cells and the globals it names."""
        code = fn.__code__
        for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
            self.bind(name, cell.cell_contents, "a closure")
        for name in _global_names(code):
            if name in fn.__globals__:
                self.bind(name, fn.__globals__[name], f"{fn.__module__}'s globals")


def _is_literal(value) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError):
        return False


def _defines(node, name) -> bool:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name == name
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    return False


def _global_names(code) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _dropped_note(dropped) -> str:
    if not dropped:
        return ""
    return textwrap.fill(f"Decorators left out, so that it imports without their packages: {', '.join(dropped)}.",
                         100) + "\n"


def export_source(fn, wrt=None) -> str:
    """The text of a standalone module: ``fn``, its generated gradient, and what they need."""
    gradient = fn if isinstance(fn, GradFunction) else GradFunction(undecorated(fn), wrt)
    compiled = gradient.compiled
    generated = _generated_functions(compiled)
    module = _Module(gradient._function)
    module.generated_names = {f.__name__ for f in generated}
    for function in generated:
        module.free_names(function)
    module.free_names(gradient._function)
    primal = module.function_source(gradient._function)
    wrt_names = ", ".join(gradient._params[i] for i in gradient.wrt)
    returns = "(value, gradient)" if compiled.returns_value else "the gradient"
    libraries = sorted({line.split()[1].split(".")[0] for line in module.imports.values()} - {"numpy", "math"})
    needs = "NumPy only" if not libraries else "NumPy and " + ", ".join(libraries)
    parts = [f'"""The gradient of {gradient._function.__name__}() with respect to {wrt_names}, '
             f'exported by ssagrad {__version__}.\n\n'
             f'{compiled.generated.name}(...) takes the arguments of {gradient._function.__name__}() and returns '
             f'{returns}.\nIt needs {needs}.\n{_dropped_note(module.dropped)}"""',
             "\n".join(sorted(set(module.imports.values())))]
    if module.runtime:
        parts.append("# -- runtime helpers, copied from ssagrad.runtime --------------------------------------")
        parts += list(module.runtime.values())
    if module.definitions:
        parts.append("# -- what the function reads from its module ----------------------------------------------")
        parts += list(module.definitions.values())
    parts.append("# -- the function ------------------------------------------------------------------------")
    parts.append(primal)
    parts.append("# -- its gradient (generated) ------------------------------------------------------------")
    parts += [compiled.source]
    return "\n\n\n".join(p.strip("\n") for p in parts if p) + "\n"


def _library_path(value):
    """``(module, dotted path)`` of a library's function as the library exports it, or None."""
    path = public_name(value)
    if path is None and not callable(getattr(value, "__name__", None)):  # an object a library exports: norm
        module = type(value).__module__
        path = exported_as(value, module) if module and module.split(".")[0] not in ("builtins", "__main__") \
            else None
    if path is None:
        return None
    parts = path.split(".")
    for end in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:end])
        if module in sys.modules:
            return module, path
    return None
