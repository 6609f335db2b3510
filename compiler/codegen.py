"""Stage 8: generated syntax to a Python function, through readable source.

The function is rendered to text with astor (behind ``render`` alone, so
``ast.unparse`` can stand in), compiled from that text under a file name
registered in ``linecache`` (tracebacks show generated lines), and bound to
the user's module globals and closure cells. Names that generated code binds
at compile time (``np`` in a rule, a resolved callee) become closure cells of
the generated function, renamed if they clash with the user's names; every
other free name is read from the user's globals when the gradient runs, as
the user's own code would.
"""
import ast
import itertools
import linecache
import re
import textwrap
import types
import warnings
from dataclasses import dataclass

with warnings.catch_warnings():  # astor 0.8.1 reads ast names deprecated in Python 3.12
    warnings.simplefilter("ignore", DeprecationWarning)
    import astor

from .pyast import COMMENT_PREFIX, is_comment
from .render import WRITABLE, Unsupported, function_source
from .trees import child_fields, clone, statement_list

_counter = itertools.count(1)
_origins: dict = {}  # a generated function's file name -> (its user function's file, that function's name)


def origin(filename: str) -> tuple:
    """The user's file and function a generated function's code (``filename``) was made from, for helpers
    that refuse a value at run time to point at the user's line; (None, "") for other code."""
    return _origins.get(filename, (None, ""))


def _negative(node) -> bool:
    return type(node) is ast.Constant and type(node.value) in (int, float) and node.value < 0


def _spelled(node):
    return ast.copy_location(ast.UnaryOp(ast.USub(), ast.Constant(-node.value)), node)


def _spell_negatives(node) -> bool:
    """``Constant(-0.3)`` as ``-(0.3)``, in place: renderers print a negative constant bare, so
    ``(-0.3) ** 2`` would come out as ``-0.3 ** 2``, which Python reads as ``-(0.3 ** 2)``.
    (A plain recursion: ``ast.NodeTransformer`` costs a millisecond on a large gradient.) True when every node
    below ``node`` is of a kind compiler/render.py writes."""
    writable = True
    for field in child_fields(type(node)):
        value = getattr(node, field, None)
        if type(value) is list:
            for i, item in enumerate(value):
                if _negative(item):
                    value[i] = _spelled(item)
                elif isinstance(item, ast.AST):
                    writable = _spell_negatives(item) and writable and type(item) in WRITABLE
        elif _negative(value):
            setattr(node, field, _spelled(value))
        elif isinstance(value, ast.AST):
            writable = _spell_negatives(value) and writable and type(value) in WRITABLE
    return writable


def _prepared(node, names: list) -> bool:
    """Codegen's one walk of a generated function: the ``Name`` nodes in ``node`` into ``names`` (in the order
    ``trees.name_nodes`` gives them), negative constants spelled (``_spell_negatives``); True when every node
    is of a kind compiler/render.py writes."""
    writable = True
    fields = node.__dict__
    for field in child_fields(type(node)):
        value = fields.get(field)
        if type(value) is list:
            for i, item in enumerate(value):
                kind = type(item)
                if kind is ast.Name:
                    names.append(item)
                elif kind is ast.Constant:
                    if _negative(item):
                        value[i] = _spelled(item)
                elif isinstance(item, ast.AST):
                    writable = _prepared(item, names) and writable and kind in WRITABLE
        else:
            kind = type(value)
            if kind is ast.Name:
                names.append(value)
            elif kind is ast.Constant:
                if _negative(value):
                    setattr(node, field, _spelled(value))
            elif isinstance(value, ast.AST):
                writable = _prepared(value, names) and writable and kind in WRITABLE
    return writable


def render(tree: ast.AST) -> str:
    """Python source for a syntax tree: astor's (the one place astor is used), written by compiler/render.py
    when it can (a function definition with no line longer than 79 characters, which astor would wrap)."""
    return _render(tree, _spell_negatives(tree))


def _render(tree, writable: bool) -> str:
    """``render`` of a tree whose negative constants are spelled (``writable``: as ``_spell_negatives`` says)."""
    if writable and type(tree) is ast.FunctionDef:
        try:
            text = function_source(tree)
        except Unsupported:
            text = None
        if text is not None and max(map(len, text.split("\n"))) <= 79:
            return text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return astor.to_source(tree, pretty_source=_wrapped)


def _wrapped(pieces) -> str:
    """astor's pretty_source, which only wraps lines longer than 79 characters: the pieces joined when there
    is none (most gradients), without its walk over them."""
    text = "".join(pieces)
    if max(map(len, text.split("\n"))) <= 79:
        return text
    return astor.source_repr.pretty_source(pieces)


@dataclass
class Generated:
    """A compiled generated function, not yet bound to a user function's globals and closure."""

    name: str
    source: str
    filename: str
    code: types.CodeType
    helpers: dict            # cell name -> value bound at compile time
    straight: bool = False   # one straight run of statements: no branch, loop or handler

    def bind(self, fn):
        """The generated function, reading ``fn``'s globals and closure cells (and taking its defaults
        when it has its parameters)."""
        user_cells = dict(zip(fn.__code__.co_freevars, fn.__closure__ or ()))
        cells = tuple(self._cell(name, user_cells) for name in self.code.co_freevars)
        same_parameters = self.code.co_varnames[:self.code.co_argcount] == fn.__code__.co_varnames[
            :fn.__code__.co_argcount]
        defaults = fn.__defaults__ if same_parameters else None
        function = types.FunctionType(self.code, fn.__globals__, self.name, defaults, cells)
        if same_parameters and fn.__kwdefaults__:
            function.__kwdefaults__ = dict(fn.__kwdefaults__)
        return function

    def _cell(self, name, user_cells):
        if name in self.helpers:
            return types.CellType(self.helpers[name])
        return user_cells[name]


def _bind_helpers(tree: ast.FunctionDef, names: list, parsed, namer) -> tuple[dict, set]:
    """Give compile-time bound names their final spelling; return (name -> value, every name read or written).
    ``names``: the tree's ``Name`` nodes."""
    marked = [n for n in names if hasattr(n, "ssagrad_helper")]
    plain = {n.id for n in names if not hasattr(n, "ssagrad_helper")}
    plain |= {a.arg for a in tree.args.args}
    local = {n.id for n in names if isinstance(n.ctx, ast.Store)}
    local |= {a.arg for a in tree.args.args} | parsed.local_names
    chosen: dict[tuple[str, int], str] = {}
    helpers: dict[str, object] = {}
    for node in marked:
        key = (node.id, id(node.ssagrad_helper))
        if key not in chosen:
            name = node.id
            clashes_user = name in plain and (name in local or parsed.lookup(name) is not node.ssagrad_helper)
            if clashes_user or (name in helpers and helpers[name] is not node.ssagrad_helper):
                name = namer.fresh(node.id)
            namer.taken.add(name)  # so that another helper of this spelling gets a fresh one
            chosen[key] = name
            helpers[name] = node.ssagrad_helper
        node.id = chosen[key]
    return helpers, plain | set(helpers)


def _render_comments(tree: ast.FunctionDef) -> tuple[ast.FunctionDef, list[str]]:
    texts = []
    for stmt in statement_list(tree.body):
        if is_comment(stmt):
            stmt.value.id = f"{COMMENT_PREFIX}{len(texts)}"
            texts.append(stmt.ssagrad_comment)
    return tree, texts


def _located(node, line=1):
    """``node`` given a location by hand (``fix_missing_locations`` would walk the whole tree)."""
    node.lineno, node.col_offset, node.end_lineno, node.end_col_offset = line, 0, line, 0
    return node


def _compiled(text: str, filename: str, name: str, cell_names: list) -> types.CodeType:
    """The code of the function ``text`` defines, its ``cell_names`` free: compiled inside a factory whose
    parameters they are. From the text, indented under the factory's header (parsing it back into a tree
    first costs more than compiling); linecache holds the lines as compiled, indented, so that tracebacks
    show them with the right columns, and the lines are shifted back by the header's one."""
    if '"""' in text or "'''" in text:  # a string spanning lines: indenting would change it
        return _compiled_from_tree(text, filename, name, cell_names)
    indented = textwrap.indent(text, "    ")
    linecache.cache[filename] = (len(indented), None, indented.splitlines(True), filename)
    factory = f"def __ssagrad_factory__({', '.join(cell_names)}):\n{indented}    return {name}\n"
    return _shifted(_inner(compile(factory, filename, "exec"), name), -1)


def _compiled_from_tree(text, filename, name, cell_names) -> types.CodeType:
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
    function_def = ast.parse(text).body[0]
    end = function_def.end_lineno
    factory = _located(ast.FunctionDef(
        "__ssagrad_factory__", ast.arguments([], [_located(ast.arg(c)) for c in cell_names], None, [], [], None, []),
        [function_def, _located(ast.Return(_located(ast.Name(name, ast.Load()), end)), end)], [], None))
    return _inner(compile(ast.Module([factory], []), filename, "exec"), name)


def _inner(module_code, name) -> types.CodeType:
    factory_code = next(c for c in module_code.co_consts if isinstance(c, types.CodeType))
    return next(c for c in factory_code.co_consts if isinstance(c, types.CodeType) and c.co_name == name)


def _shifted(code: types.CodeType, lines: int) -> types.CodeType:
    """``code`` (and the code nested in it) ``lines`` lines further down: line tables count from the first."""
    consts = tuple(_shifted(c, lines) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)


def source_text(filename: str) -> str:
    """The source of the generated function compiled under ``filename``, as ``Generated.source`` has it."""
    return textwrap.dedent("".join(linecache.getlines(filename)))


def generate(parsed, namer, name: str, body: list[ast.stmt], result: ast.expr, arguments=None) -> Generated:
    """Compile ``def name(<user's parameters, or arguments>): body; return result``."""
    args = clone(parsed.tree.args) if arguments is None else arguments
    tree = ast.FunctionDef(name, args, body + [ast.Return(result)], [], None, lineno=1)
    name_nodes = []
    writable = _prepared(tree, name_nodes)  # one walk of the tree, which is large
    helpers, names = _bind_helpers(tree, name_nodes, parsed, namer)
    tree, comments = _render_comments(tree)
    text = _render(tree, writable)
    text = re.sub(rf"^(\s*){COMMENT_PREFIX}(\d+)$", lambda m: f"{m.group(1)}# {comments[int(m.group(2))]}",
                  text, flags=re.M)
    filename = f"<ssagrad {parsed.fn.__qualname__} -> {name} #{next(_counter)}>"
    _origins[filename] = (parsed.filename, parsed.fn.__name__)
    cell_names = sorted(set(helpers) | (set(parsed.fn.__code__.co_freevars) & names))
    inner = _compiled(text, filename, name, cell_names)
    straight = all(isinstance(stmt, (ast.Assign, ast.AugAssign, ast.Expr, ast.Return)) for stmt in body)
    return Generated(name, text, filename, inner, helpers, straight)

