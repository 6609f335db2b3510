"""Walking and rewriting syntax trees, fast: the compiler walks every statement of a gradient many times
(the names it reads and binds, the nodes of a kind), so these walk only the fields that can hold names,
in plain recursions, several times faster than ``ast.walk`` and ``ast.NodeTransformer``. (A node's fields
are read from its ``__dict__``, where the ast module keeps them: faster than ``getattr``.)"""
import ast
from ast import AST, Constant, Load, Name, Store
from collections import Counter

# fields that never hold a name: operators, contexts, strings and flags
_LEAF_FIELDS = {"ctx", "op", "ops", "kind", "type_comment", "attr", "id", "arg", "name", "names", "module",
                "level", "is_async", "conversion", "simple", "type_ignores"}


class _ChildFields(dict):
    """Node type -> the fields that may hold other nodes with names in them, worked out on first use
    (indexing, with no fallback call: most node types have none)."""

    def __missing__(self, kind):
        fields = self[kind] = tuple(f for f in kind._fields if f not in _LEAF_FIELDS)
        return fields


_CHILD_FIELDS = _ChildFields()


def child_fields(kind) -> tuple:
    """The fields of an AST node type that may hold other nodes with names in them."""
    return _CHILD_FIELDS[kind]


class Transformer(ast.NodeTransformer):
    """``ast.NodeTransformer`` with the same contract, several times faster on the compiler's large trees:
    the ``visit_<Kind>`` method is looked up once per node type, and only fields that can hold nodes with
    names are walked (never operators or contexts, which no transformer here rewrites)."""

    def visit(self, node):
        kind = type(node)
        table = type(self).__dict__.get("_ssagrad_visitors")
        if table is None:
            table = {}
            type.__setattr__(type(self), "_ssagrad_visitors", table)
        method = table.get(kind)
        if method is None:
            method = getattr(type(self), "visit_" + kind.__name__, None)
            if method is None or method is ast.NodeVisitor.visit_Constant:  # that one only serves old names
                method = type(self).generic_visit
            table[kind] = method
        return method(self, node)

    def generic_visit(self, node):
        for field in _CHILD_FIELDS[type(node)]:
            old = node.__dict__.get(field)
            if type(old) is list:
                old[:] = self.visited(old)
            elif isinstance(old, ast.AST):
                replacement = self.visit(old)
                if replacement is None:
                    delattr(node, field)
                else:
                    setattr(node, field, replacement)
        return node

    def visited(self, items) -> list:
        """A list field's items visited: an item visited to None is dropped, to a list spliced in."""
        new = []
        for item in items:
            if isinstance(item, ast.AST):
                item = self.visit(item)
                if item is None:
                    continue
                if not isinstance(item, ast.AST):
                    new.extend(item)
                    continue
            new.append(item)
        return new


class Copier(Transformer):
    """A ``Transformer`` that leaves the tree it visits as it was and returns a copy: what its ``visit_``
    methods build, and copies of the rest (``clone`` and a transformer in one walk, for rule templates that
    are used many times). Operators and contexts are shared, as ``ast.parse`` shares them."""

    def generic_visit(self, node):
        new = node.__class__.__new__(node.__class__)
        new.__dict__.update(node.__dict__)
        fields = new.__dict__
        for field in _CHILD_FIELDS[type(node)]:
            value = fields.get(field)
            if type(value) is list:
                fields[field] = self.visited(value)
            elif isinstance(value, ast.AST):
                value = self.visit(value)
                if value is None:
                    del fields[field]
                else:
                    fields[field] = value
        return new


def walk(node, out=None) -> list:
    """The nodes in ``node``, itself first, depth first: the nodes ``ast.walk`` yields but operators and
    contexts, several times faster (for the compiler's searches whose order does not matter)."""
    if out is None:
        out = []
    out.append(node)
    for field in _CHILD_FIELDS[type(node)]:
        value = node.__dict__.get(field)
        if type(value) is list:
            for item in value:
                if isinstance(item, AST):
                    walk(item, out)
        elif isinstance(value, AST):
            walk(value, out)
    return out


def name_nodes(node, out=None) -> list:
    """Every ``Name`` in ``node``, depth first: a plain recursion, several times faster than filtering
    ``ast.walk`` (which the compiler would call on every statement, many times)."""
    if out is None:
        out = []
    if type(node) is Name:
        out.append(node)
        return out
    for field in _CHILD_FIELDS[type(node)]:
        value = node.__dict__.get(field)
        if type(value) is list:
            for item in value:
                if isinstance(item, AST) and type(item) is not Constant:  # a constant holds no names
                    name_nodes(item, out)
        elif isinstance(value, AST) and type(value) is not Constant:
            name_nodes(value, out)
    return out


def names(node, context=ast.expr_context, out=None) -> list[str]:
    """The names ``node`` uses in ``context`` (``ast.Load``, ``ast.Store``; any by default), in order, each
    time it uses them; a rule helper (``zeros_like``) is a closure cell, not the user's variable of that name.
    (The walk of ``name_nodes``, collecting as it goes, and taking names and constants without a call: the
    optimizer calls this most.)"""
    if out is None:
        out = []
    if type(node) is Name:
        if isinstance(node.ctx, context) and not hasattr(node, "ssagrad_helper"):
            out.append(node.id)
        return out
    for field in _CHILD_FIELDS[type(node)]:
        value = node.__dict__.get(field)
        if type(value) is list:
            for item in value:
                kind = type(item)
                if kind is Name:
                    if isinstance(item.ctx, context) and not hasattr(item, "ssagrad_helper"):
                        out.append(item.id)
                elif kind is not Constant and isinstance(item, AST):
                    names(item, context, out)
        else:
            kind = type(value)
            if kind is Name:
                if isinstance(value.ctx, context) and not hasattr(value, "ssagrad_helper"):
                    out.append(value.id)
            elif kind is not Constant and isinstance(value, AST):
                names(value, context, out)
    return out


def _sort_names(node, loaded: list, stored: set, other: set) -> None:
    """Add the names in ``node``'s fields, rule helpers aside, to ``loaded`` (each time it loads them),
    ``stored`` and ``other`` (deleted): the walk of ``name_nodes``, sorting as it goes. (A list field's items
    and a single field are taken in two copies of the same lines, as in ``names``: one loop over both, with a
    tuple made for every single field, costs the optimizer a twentieth.)"""
    for field in _CHILD_FIELDS[type(node)]:
        value = node.__dict__.get(field)
        if type(value) is list:
            for item in value:
                kind = type(item)
                if kind is Name:
                    if "ssagrad_helper" not in item.__dict__:
                        context = type(item.ctx)
                        if context is Load:
                            loaded.append(item.id)
                        else:
                            (stored if context is Store else other).add(item.id)
                elif kind is not Constant and isinstance(item, AST):
                    _sort_names(item, loaded, stored, other)
        else:
            kind = type(value)
            if kind is Name:
                if "ssagrad_helper" not in value.__dict__:
                    context = type(value.ctx)
                    if context is Load:
                        loaded.append(value.id)
                    else:
                        (stored if context is Store else other).add(value.id)
            elif kind is not Constant and isinstance(value, AST):
                _sort_names(value, loaded, stored, other)


def _sorted_names(node) -> tuple[list, set, set]:
    loaded, stored, other = [], set(), set()
    if type(node) is Name:
        _sort_names(ast.Expr(node), loaded, stored, other)
    else:
        _sort_names(node, loaded, stored, other)
    return loaded, stored, other


def loads_and_stores(node) -> tuple[Counter, set]:
    """The names ``node`` loads (with how often) and stores, from one walk; rule helpers aside."""
    loaded, stored, _ = _sorted_names(node)
    return Counter(loaded), stored


def name_sets(node) -> tuple[set, set, set]:
    """The names ``node`` loads, those it stores, and all it mentions (deletes too), from one walk; rule
    helpers aside."""
    loaded, stored, other = _sorted_names(node)
    loaded = set(loaded)
    return loaded, stored, loaded | stored | other


def mentions(node, identifier: str) -> bool:
    return any(n.id == identifier for n in name_nodes(node))


def statements(body):
    """Every statement in ``body``, nested ones included (comments are statements)."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse"):
            yield from statements(getattr(stmt, field, None) or [])


def statement_list(body, out=None) -> list:
    """``statements(body)`` as a list, from a plain recursion (a generator at every statement costs more than
    a search of the list)."""
    if out is None:
        out = []
    for stmt in body:
        out.append(stmt)
        fields = stmt.__dict__
        for field in ("body", "orelse"):
            inner = fields.get(field)
            if inner:
                statement_list(inner, out)
    return out


def blocks(node):
    """Every statement list in ``node``, outer ones first."""
    for field in ("body", "orelse"):
        block = getattr(node, field, None)
        if isinstance(block, list):
            yield block
            for stmt in block:
                yield from blocks(stmt)


def clone(node):
    """A deep copy of a syntax tree that shares (does not copy) compile-time bound values."""
    if type(node) is list:
        return [clone(n) for n in node]
    if not isinstance(node, ast.AST):
        return node
    # a node keeps its fields, location and our ssagrad_* marks in its __dict__: copy that, cloning
    # child nodes (several times faster than calling the node's constructor with keywords)
    new = node.__class__.__new__(node.__class__)
    new.__dict__.update({k: clone(v) if type(v) is list or isinstance(v, ast.AST) else v
                         for k, v in node.__dict__.items()})
    return new
