"""Derivative rules as templates: small Python functions inlined with names substituted.

A rule such as::

    @adjoint(np.sin)
    def _(result, x):
        d[x] = d[result] * np.cos(x)

is parsed once. Instantiating it for ``y_1 = np.sin(x)`` binds ``result`` to
``y_1`` and ``x`` to ``x``; ``d[name]`` becomes the adjoint (or tangent)
variable of whatever ``name`` is bound to, and a statement that assigns
``d[x]`` is kept only when ``x`` needs one. Template-level ``if`` statements
on constant parameters (``if axis is None:``) are decided at instantiation,
keyword arguments bound to parameters the call did not supply are dropped,
and template temporaries get fresh names. Free names in a template (``np``,
``unbroadcast``) are bound at compile time to what they mean in the rule's
module.
"""
import ast
import builtins
import inspect
import numbers
import textwrap

from ..runtime import zeros_like
from .names import helper_name
from .pyast import operand_ast
from .trees import Copier, walk
from .ssa import Const, Free, Pack, Var, operand_vars

_UNSUPPLIED = object()
_SLICE_BOUNDS = ("the bounds of a slice (a:b) carry no derivative here: for a range that depends on the "
                 "differentiated inputs, use np.arange or np.linspace")


class Template:
    def __init__(self, fn, tree=None, added_names=None):
        """The template defined by ``fn``, or by ``tree`` (a derived template) in ``fn``'s module
        (plus ``added_names``, free names a derived template adds)."""
        if tree is None:
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn))).body[0]
            tree.decorator_list = []
        self.tree = tree
        self.fn = fn
        self.where = f"{fn.__code__.co_filename}:{fn.__code__.co_firstlineno}"
        names = [a.arg for a in tree.args.args]
        defaults = [ast.literal_eval(d) for d in tree.args.defaults]
        self.result = names[0]
        self.params = names[1:]                       # positional (or keyword)
        self.vararg = tree.args.vararg.arg if tree.args.vararg else None  # e.g. einsum's *operands
        self.keyword_only = [a.arg for a in tree.args.kwonlyargs]
        self.defaults = dict(zip(names[len(names) - len(defaults):], defaults))
        self.defaults.update({a.arg: ast.literal_eval(d) for a, d in zip(tree.args.kwonlyargs, tree.args.kw_defaults)
                              if d is not None})
        self.body = tree.body
        self.globals = {**fn.__globals__, **(added_names or {})}
        self.locals = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.tests = {}  # id(an ``if`` test) -> (its code, the names it reads, its globals): decided at each use

    def bind(self, args, kwargs):
        """Map the template's parameters to a call's operands; raise ``TypeError`` on a mismatch."""
        if len(args) > len(self.params) and self.vararg is None:
            raise TypeError(f"the rule takes at most {len(self.params)} positional arguments, got {len(args)}")
        bound = dict(zip(self.params, args))
        if self.vararg is not None:
            bound[self.vararg] = Pack(ast.Tuple, list(args[len(self.params):]))
        for key, value in kwargs.items():
            if key not in self.params and key not in self.keyword_only:
                raise TypeError(f"the rule does not handle the keyword argument {key!r}")
            if key in bound:
                raise TypeError(f"argument {key!r} given twice")
            bound[key] = value
        for name in self.params + self.keyword_only:
            if name not in bound:
                if name not in self.defaults:
                    raise TypeError(f"missing argument {name!r}")
                bound[name] = _UNSUPPLIED
        return bound


def is_scalar_constant(operand) -> bool:
    return isinstance(operand, Const) and isinstance(operand.value, (int, float)) and not isinstance(operand.value, bool)


class Instantiation(Copier):
    """One use of a template: ``read(var)`` names ``d[var]``, ``write(var, expr)`` gives the statements for ``d[var] = expr``.
    Visiting a template's node returns the instantiated copy; the template stays as it was."""

    def __init__(self, template: Template, result, bound: dict, namer, read, write, needs, drop_missing=False):
        self.t = template
        self.result = result
        self.bound = bound
        self.namer = namer
        self.read = read
        self.write = write
        self.needs = needs          # needs(var): does var take a d[...] here?
        self.drop_missing = drop_missing  # tangents: a term reading a d[...] nobody has is zero: drop it
        self.renamed = {}

    def run(self) -> list[ast.stmt]:
        return self.statements(self.t.body)

    def statements(self, body) -> list[ast.stmt]:
        out = []
        for stmt in body:
            if isinstance(stmt, ast.If):
                out += self.statements(stmt.body if self.static(stmt.test) else stmt.orelse)
            elif isinstance(stmt, ast.Assign) and self.is_d(stmt.targets[0]) and self.drop_missing \
                    and any(self.missing(self.operand_of(n.slice)) for n in walk(stmt.value) if self.is_d(n)):
                continue
            elif isinstance(stmt, ast.Assign) and self.is_d(stmt.targets[0]):
                operand = self.operand_of(stmt.targets[0].slice)
                if isinstance(operand, Var) and self.needs(operand):
                    out += self.write(operand, self.visit(stmt.value))
                elif isinstance(operand, Pack) and any(self.needs(v) for v in operand_vars(operand)):
                    # one gradient per item of a sequence argument (np.concatenate([a, b]), einsum's operands)
                    out += self.write_items(operand.items, self.visit(stmt.value))
                elif any(self.needs(v) for v in operand_vars(operand)):
                    raise TypeError(_SLICE_BOUNDS)
            elif isinstance(stmt, (ast.Assign, ast.Expr)):
                out.append(self.visit(stmt))
            elif isinstance(stmt, ast.Raise):  # a case the rule does not handle (decided statically)
                raise TypeError(ast.literal_eval(stmt.exc.args[0]))
            else:
                raise TypeError(f"rule template {self.t.where}: {type(stmt).__name__} is not allowed in a template")
        return out

    def missing(self, operand) -> bool:
        """No d[operand] to read: for a sequence (np.select's choices), none of its items has one."""
        if isinstance(operand, Var):
            return self.read(operand) is None
        return all(self.read(v) is None for v in operand_vars(operand))  # a display, a slice's bounds

    def write_items(self, items, value) -> list[ast.stmt]:
        """``d[items] = value``: one gradient per item, ``value[i]``; a nested display's items get
        ``value[i][j]`` (np.array([[a, b], [c, d]])). Unpacked straight into fresh names when each item
        takes a new one."""
        holders, pieces, writes = [], [], []  # holders: the name of the tuple of parts, spelled only if needed

        def collect(items, path):
            for index, item in enumerate(items):
                if isinstance(item, Pack):
                    collect(item.items, path + [index])
                elif not isinstance(item, Var) and any(self.needs(v) for v in operand_vars(item)):
                    raise TypeError(_SLICE_BOUNDS)
                elif isinstance(item, Var) and self.needs(item):
                    holders.append(ast.Name("", ast.Load()))
                    piece = holders[-1]
                    for i in path + [index]:
                        piece = ast.Subscript(piece, ast.Constant(i), ast.Load())
                    pieces.append(piece)
                    writes.append(self.write(item, piece))
        collect(items, [])
        fresh = [w[0].targets[0] for w, piece in zip(writes, pieces) if len(w) == 1 and isinstance(w[0], ast.Assign)
                 and isinstance(w[0].targets[0], ast.Name) and w[0].value is piece
                 and isinstance(piece.value, ast.Name)]
        if len(fresh) == len(items) == len(pieces):  # dw, dv = eigh_tangents(...)
            store = ast.Tuple([ast.Name(t.id, ast.Store()) for t in fresh], ast.Store())
            return [ast.Assign([store], value, lineno=0)]
        if isinstance(value, ast.Name):  # already a name (d[object] = d[result]): index it directly
            parts, out = value.id, []
        else:
            parts = self.namer.fresh("parts")
            out = [ast.Assign([ast.Name(parts, ast.Store())], value, lineno=0)]
        for holder in holders:
            holder.id = parts
        return out + [s for w in writes for s in w]

    def static(self, test):
        """Decide a template ``if`` on constant parameters now (a sequence is a tuple, a run-time value opaque)."""
        compiled = self.t.tests.get(id(test))
        if compiled is None:
            code = compile(ast.Expression(test), self.t.where, "eval")
            compiled = self.t.tests[id(test)] = (code, {n.id for n in walk(test) if isinstance(n, ast.Name)},
                                                 {**self.t.globals, "__builtins__": builtins})
        code, names, namespace = compiled
        env = {}
        for name in names & self.bound.keys():
            value = self.bound[name]
            env[name] = self.t.defaults[name] if value is _UNSUPPLIED else _static_value(value)
        return eval(code, namespace, env)

    def is_d(self, node):
        return isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "d"

    def operand_of(self, node):
        if isinstance(node, ast.Name) and node.id == self.t.result:
            return self.result
        if isinstance(node, ast.Name) and node.id in self.bound:
            return self.bound[node.id]
        item = self.item_of(node)
        if item is not None:
            return item
        raise TypeError(f"rule template {self.t.where}: d[...] takes a parameter name")

    def item_of(self, node):
        """``results[1]`` or ``args[0]`` in a template: one item of a sequence of results or arguments."""
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
                and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int)):
            return None
        sequence = self.result if node.value.id == self.t.result else self.bound.get(node.value.id)
        if isinstance(sequence, Pack):
            return sequence.items[node.slice.value]
        return None

    def visit_Subscript(self, node):
        if self.is_d(node):
            return self.gradients_of(self.operand_of(node.slice))
        item = self.item_of(node)
        if item is not None:
            return operand_ast(item)
        if isinstance(node.slice, ast.Name) and self.bound.get(node.slice.id, _UNSUPPLIED) is not _UNSUPPLIED:
            # x[index] in a template reads as the call's own index: x[i, 1:], not x[(i, slice(1, None))]
            return ast.Subscript(self.visit(node.value), operand_ast(self.bound[node.slice.id], in_index=True),
                                 ast.Load())
        return self.generic_visit(node)

    def gradients_of(self, operand) -> ast.expr:
        """``d[operand]``: its variable; for a display, one per item (nested as the display is); ``None``
        where there is none, or going forwards, zeros shaped like the item."""
        if isinstance(operand, Pack):
            return operand.kind([self.gradients_of(item) for item in operand.items], ast.Load())
        name = self.read(operand)
        if name is not None:
            return ast.Name(name, ast.Load())
        if not isinstance(operand, Var) and any(self.read(v) is not None for v in operand_vars(operand)):
            raise TypeError(_SLICE_BOUNDS)
        if self.drop_missing and is_scalar_constant(operand):  # an item without a tangent: zero
            return ast.Constant(type(operand.value)(0))
        if self.drop_missing and (isinstance(operand, Var) or isinstance(operand, Const) and operand.value is not None):
            return ast.Call(helper_name("zeros_like", zeros_like), [operand_ast(operand)], [])
        return ast.Constant(None)  # no gradient

    def visit_Call(self, node):
        keywords = [k for k in node.keywords
                    if not (isinstance(k.value, ast.Name) and self.bound.get(k.value.id) is _UNSUPPLIED)]
        if len(keywords) < len(node.keywords):  # a parameter the call left out: the callee's default
            node = ast.copy_location(ast.Call(node.func, node.args, keywords), node)
        if isinstance(node.func, ast.Name) and node.func.id == "broadcast_like" and len(node.args) == 2:
            arrays = [v for v in self.bound.values() if v is not _UNSUPPLIED and not is_scalar_constant(v)]
            if len(arrays) <= 1:  # one operand that is not a number: the result has its shape already
                return self.visit(node.args[0])
        if isinstance(node.func, ast.Name) and node.func.id == "unbroadcast" and len(node.args) == 2 \
                and isinstance(node.args[1], ast.Name) and node.args[1].id in self.bound:
            others = [v for k, v in self.bound.items() if k != node.args[1].id and v is not _UNSUPPLIED]
            if others and all(is_scalar_constant(v) for v in others):
                return self.visit(node.args[0])  # a scalar constant cannot broadcast x
        return self.generic_visit(node)

    def visit_Name(self, node):
        name = node.id
        if name == self.t.result:
            return operand_ast(self.result)
        if name in self.bound:
            value = self.bound[name]
            if value is _UNSUPPLIED:
                return ast.Constant(self.t.defaults[name])
            return operand_ast(value)
        if name in self.t.locals:
            if name not in self.renamed:
                self.renamed[name] = self.namer.fresh(name)
            return ast.Name(self.renamed[name], node.ctx)
        if name in self.t.globals:
            return helper_name(name, self.t.globals[name])
        if hasattr(builtins, name):
            return helper_name(name, getattr(builtins, name))
        raise TypeError(f"rule template {self.t.where}: name {name!r} is not defined")


def _static_value(operand):
    if isinstance(operand, Const):
        return operand.value
    if isinstance(operand, Pack):
        return tuple(_static_value(i) for i in operand.items)
    if isinstance(operand, Free) and not _is_data(operand.value):
        return operand.value  # np.r_, np.float64: resolved when the gradient is compiled, as a callee is
    return _Runtime()


def _is_data(value) -> bool:
    """Numbers, strings, containers and arrays: a free name bound to one is read when the gradient runs."""
    return isinstance(value, (numbers.Number, str, bytes, list, tuple, dict, set, frozenset)) \
        or hasattr(value, "__array__") and not isinstance(value, type)


class _Runtime:
    """A parameter whose value is only known at run time: a static `if` cannot test it."""

    def __bool__(self):
        raise TypeError("a template `if` may only test parameters bound to constants")

    __eq__ = __ne__ = lambda self, other: _Runtime()
    __hash__ = object.__hash__
