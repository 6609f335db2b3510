"""Stage 1: read a function's source into an AST and know where every node came from.

Free names are resolved against the function's closure, globals and builtins
at compile time, so later stages know that ``np.sin`` is ``numpy.sin``
whatever numpy was imported as.
"""
import ast
import builtins
import inspect
import linecache
import re
import textwrap
import types
from dataclasses import dataclass, field

from . import guard
from .errors import DifferentiationError, Location
from .trees import walk

_MISSING = object()


@dataclass
class ParsedFunction:
    """A user function's syntax tree plus what is needed to locate and resolve it."""

    fn: object
    tree: ast.FunctionDef
    filename: str
    first_line: int          # file line of the tree's line 1
    indent: int              # columns removed by dedenting
    lines: list[str]         # the function's source lines, as in the file
    params: list[str] = field(default_factory=list)
    variadic: set[str] = field(default_factory=set)        # the *args and **kwargs parameters
    after_varargs: set[str] = field(default_factory=set)   # keyword-only parameters after *args
    local_names: set[str] = field(default_factory=set)
    temporaries: set[str] = field(default_factory=set)  # made by normalize, each read only where it is made

    @property
    def name(self) -> str:
        return self.tree.name

    def locate(self, node) -> Location | None:
        """The file location of an AST node of this function."""
        if node is None or not hasattr(node, "lineno"):
            return None
        index = node.lineno - 1
        line = self.lines[index] if 0 <= index < len(self.lines) else ""
        same_line = getattr(node, "end_lineno", node.lineno) == node.lineno
        end_col = node.end_col_offset + self.indent if same_line and node.end_col_offset is not None else None
        return Location(self.filename, node.lineno + self.first_line - 1,
                        node.col_offset + self.indent, end_col, line, self.name)

    def error(self, message: str, node=None) -> DifferentiationError:
        return DifferentiationError(message, self.locate(node))

    # -- name resolution -------------------------------------------------
    def lookup(self, name: str):
        """The object a free name refers to right now, or ``_MISSING``."""
        code = self.fn.__code__
        if name in code.co_freevars and self.fn.__closure__:
            cell = self.fn.__closure__[code.co_freevars.index(name)]
            try:
                return cell.cell_contents
            except ValueError:  # an empty cell: assigned later in the enclosing function
                return _MISSING
        if name in self.fn.__globals__:
            return self.fn.__globals__[name]
        return getattr(builtins, name, _MISSING)

    def resolve(self, node):
        """The object a dotted free name (``np``, ``np.linalg.norm``) refers to, or ``_MISSING``.

        Local variables never resolve: their values are only known at run time.
        """
        if isinstance(node, ast.Name):
            if node.id in self.local_names:
                return _MISSING
            value = self.lookup(node.id)
        elif isinstance(node, ast.Attribute):
            owner = self.resolve(node.value)
            if owner is _MISSING:
                return _MISSING
            value = getattr(owner, node.attr, _MISSING)
        else:
            return _MISSING
        if value is not _MISSING:
            guard.record(self.fn, node, value)  # the compiled code is valid while the name resolves to it
        return value


def is_missing(value) -> bool:
    return value is _MISSING


def _assigned_names(tree: ast.FunctionDef) -> set[str]:
    names = set()
    for node in walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
    return names


def _line(filename, lineno) -> str:
    import linecache
    return linecache.getline(filename, lineno)


LAMBDA_NAME = "lambda_fn"  # what a lambda is called in generated code (lambda_fn_grad)


def _parse_prefix(text):
    """The module of the longest parsable prefix of ``text``'s lines (closing brackets left open)."""
    lines = text.splitlines()
    for end in range(len(lines), 0, -1):
        chunk = "\n".join(lines[:end])
        for closing in ("", ")", "))", ")))", "]", "})"):
            try:
                return ast.parse(chunk + closing)
            except SyntaxError:
                continue
    return None


def _lambda_definition(module, fn, first_line, filename, lines) -> ast.FunctionDef:
    """The lambda that is ``fn``, as a ``def`` (found by its line and parameters)."""
    code = fn.__code__
    params = list(code.co_varnames[:code.co_argcount])
    line = code.co_firstlineno - first_line + 1
    found = [n for n in ast.walk(module) if isinstance(n, ast.Lambda) and n.lineno == line
             and [a.arg for a in n.args.posonlyargs + n.args.args] == params]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    location = Location(filename, code.co_firstlineno, len(text) - len(text.lstrip()), None, text, "<lambda>")
    if len(found) != 1:
        raise DifferentiationError(
            "cannot tell which lambda on this line to differentiate: several have the same parameters; "
            "define the function with def" if found else "cannot find this lambda in its source", location)
    node = found[0]
    definition = ast.FunctionDef(LAMBDA_NAME, node.args, [ast.copy_location(ast.Return(node.body), node.body)],
                                 [], None)
    return ast.copy_location(definition, node)


def forwarded(fn):
    """The function a decorator's wrapper forwards to, when all the wrapper does is call it with what it got:
    ``@functools.wraps(f) def wrapper(*args, **kwargs): return f(*args, **kwargs)`` (through any number of such
    wrappers); else ``fn`` itself. Differentiating the wrapper is differentiating that function."""
    seen = set()
    while inspect.isfunction(fn) and getattr(fn, "__wrapped__", None) is not None and id(fn) not in seen:
        seen.add(id(fn))
        wrapped = fn.__wrapped__
        if not inspect.isfunction(wrapped) or not _only_forwards(fn, wrapped):
            return fn
        fn = wrapped
    return fn


def _only_forwards(wrapper, wrapped) -> bool:
    """Is ``wrapper``'s body ``return g(*args, **kwargs)`` (after a docstring) with ``g`` bound to ``wrapped``?"""
    try:  # the code object's source: inspect would follow __wrapped__ to the wrapped function's
        lines, _ = inspect.getsourcelines(wrapper.__code__)
        tree = ast.parse(textwrap.dedent("".join(lines))).body[0]
    except (OSError, TypeError, SyntaxError, IndexError):
        return False
    if not isinstance(tree, ast.FunctionDef) or tree.name != wrapper.__code__.co_name:
        return False
    args = tree.args
    if args.args or args.posonlyargs or args.kwonlyargs or not args.vararg or not args.kwarg:
        return False
    body = tree.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) != 1 or not isinstance(body[0], ast.Return) or not isinstance(body[0].value, ast.Call):
        return False
    call = body[0].value
    if not (len(call.args) == 1 and isinstance(call.args[0], ast.Starred)
            and isinstance(call.args[0].value, ast.Name) and call.args[0].value.id == args.vararg.arg
            and len(call.keywords) == 1 and call.keywords[0].arg is None
            and isinstance(call.keywords[0].value, ast.Name) and call.keywords[0].value.id == args.kwarg.arg
            and isinstance(call.func, ast.Name)):
        return False
    name = call.func.id
    code = wrapper.__code__
    if name in code.co_freevars and wrapper.__closure__:
        try:
            target = wrapper.__closure__[code.co_freevars.index(name)].cell_contents
        except ValueError:
            return False
    else:
        target = wrapper.__globals__.get(name, _MISSING)
    return target is wrapped


_DEFINITION = re.compile(r"\s*(@|def\s|async\s+def\s)")


def source_lines(fn) -> tuple[list[str], int]:
    """``inspect.getsourcelines(fn)`` without tokenizing the file (a tenth of a first compile): a ``def``'s
    lines run from its first line (decorators included) to the last line its code, or code nested in it, has
    a position on. Trailing lines that compile to nothing (a last ``else: pass``) may be left out, which
    changes nothing. Where that cannot be known (a lambda, no positions, Python 3.10) inspect decides, and
    the caller parses what this returns, so a cut that left a statement unfinished would not go unnoticed:
    ``parse_function`` falls back to inspect's lines then."""
    code = fn.__code__
    linecache.checkcache(code.co_filename)  # the file may have been edited since it was read (as inspect does)
    lines = linecache.getlines(code.co_filename, fn.__globals__)
    first = code.co_firstlineno - 1
    last = _last_line(code) if code.co_name != "<lambda>" and hasattr(code, "co_positions") else None
    if last is None or not 0 <= first < last <= len(lines) or not _DEFINITION.match(lines[first]):
        return inspect.getsourcelines(fn)
    return lines[first:last], first + 1


def _last_line(code) -> int | None:
    ends = [end for _, end, _, _ in code.co_positions() if end is not None]
    for inner in code.co_consts:
        if isinstance(inner, types.CodeType):
            ends.append(_last_line(inner))
    return None if not ends or None in ends else max(ends)


def _parsed(lines) -> ast.Module | None:
    try:
        return ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return None


def parse_function(fn) -> ParsedFunction:
    """Parse ``fn``'s source; raise a located ``DifferentiationError`` when there is none."""
    if not inspect.isfunction(fn):
        raise TypeError(f"ssagrad differentiates Python functions; got {type(fn).__name__} {fn!r}")
    filename = fn.__code__.co_filename
    wrapped = getattr(fn, "__wrapped__", None)
    if wrapped is not None:  # getsource would read the wrapped function, but fn is what runs
        raise DifferentiationError(
            f"{fn.__qualname__!r} is a decorator's wrapper around {getattr(wrapped, '__qualname__', wrapped)!r}; "
            f"ssagrad differentiates the source it reads, which is not what the wrapper runs. Differentiate the "
            f"undecorated function ({fn.__name__}.__wrapped__), or apply ssagrad.grad before the decorator.",
            Location(filename, fn.__code__.co_firstlineno, 0, None,
                     _line(filename, fn.__code__.co_firstlineno), fn.__name__))
    try:
        lines, first_line = source_lines(fn)
        module = _parsed(lines)
        if module is None:  # the quick cut left a statement unfinished (or the source is wrong): inspect's
            lines, first_line = inspect.getsourcelines(fn)
    except (OSError, TypeError):
        raise DifferentiationError(
            f"the source of function {fn.__qualname__!r} is not available (it was defined in a REPL, "
            f"by exec(), or its file is gone); ssagrad reads a function's source to differentiate it. "
            f"Define the function in a .py file or a notebook cell.",
            Location(filename, fn.__code__.co_firstlineno, 0, None, "", fn.__name__)) from None
    first_line = max(first_line, 1)
    indent = len(lines[0]) - len(lines[0].lstrip()) if lines else 0
    if module is None:
        dedented = textwrap.dedent("".join(lines))
        try:
            module = ast.parse(dedented)
        except SyntaxError as exc:
            # a lambda inside a statement that goes on past its line: parse what there is
            module = _parse_prefix(dedented) if fn.__code__.co_name == "<lambda>" else None
            if module is None:
                raise DifferentiationError(f"cannot parse the source of {fn.__qualname__!r}: {exc.msg}",
                                           Location(filename, first_line + (exc.lineno or 1) - 1,
                                                    (exc.offset or 1) - 1, None, exc.text or "", fn.__name__)) from None
    if fn.__code__.co_name == "<lambda>":
        tree = _lambda_definition(module, fn, first_line, filename, lines)
        parsed = ParsedFunction(fn, tree, filename, first_line, indent, lines)
        _set_params(parsed, tree.args)
        return parsed
    defs = [node for node in module.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not defs or defs[0].name != fn.__code__.co_name:
        raise DifferentiationError(
            f"cannot find the definition of {fn.__qualname__!r} in its source (lambdas and functions "
            f"created by exec() are not supported yet); define it with `def`.",
            Location(filename, first_line, indent, None, lines[0] if lines else "", fn.__name__))
    tree = defs[0]
    parsed = ParsedFunction(fn, tree, filename, first_line, indent, lines)
    if isinstance(tree, ast.AsyncFunctionDef):
        raise parsed.error("async functions cannot be differentiated", tree)
    _set_params(parsed, tree.args)
    return parsed


def _set_params(parsed: ParsedFunction, args: ast.arguments) -> None:
    """The parameters in the order of the signature: positional ones, ``*args``, keyword-only ones,
    ``**kwargs`` (the tuple and the dict are values the body reads; they are never differentiated)."""
    parsed.params = [a.arg for a in args.posonlyargs + args.args] + ([args.vararg.arg] if args.vararg else []) \
        + [a.arg for a in args.kwonlyargs] + ([args.kwarg.arg] if args.kwarg else [])
    parsed.variadic = {a.arg for a in (args.vararg, args.kwarg) if a is not None}
    parsed.after_varargs = {a.arg for a in args.kwonlyargs} if args.vararg else set()
    parsed.local_names = _assigned_names(parsed.tree) | set(parsed.params)
