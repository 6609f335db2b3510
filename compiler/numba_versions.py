"""Versions of one list or array in tangent code, made one value updated in place (for Numba).

Forward mode differentiates a gradient's ``tape.append(v)`` as ``tape_2 = appended(tape_1, v)`` and
``dtape_2 = appended(dtape_1, dv)``, and a write ``a[i] = v`` as ``da_2 = set_at(da_1, i, dv)``: a new list or
array each time, O(its size) an update -- a loop's tape or adjoint then costs O(n^2) -- and Numba has no
``appended``. Where making them one value is the same -- every read of one of its names reads the newest
version (no update has been made through another name since), and no update follows the version escaping
(into a tuple, a list, a call that may return it) -- the versions get one name and each update is made in
place: ``tape.append(v)``, ``da = set_in_place(da, i, dv)`` (``da[i] = dv`` when ``da``'s dtype holds
``dv``). A read ``da[j]`` becomes ``copied(da[j])``: a row read from a matrix is then no view a later write
changes. A list's versions start from a list display in the function (``[]``, ``[x]``; the zero tangent
``zero_tangent(tape)`` of a list only ever bound to ``[]`` is ``[]``), an array's from a new array
(``zero_tangent(a)``, or a ``set_at`` copy of another array). Numba types a list from its appends (it does so only for a list that keeps one name).
What this cannot prove keeps its copies (an array's ``set_at``), or ``appended``, which the backend
refuses at its line.

The proof is a walk of the code: per family of names (names bound from one another by copies and updates),
the names holding the newest version, through branches (what both sides leave) and loops (until nothing
changes).
"""
import ast

from .trees import name_nodes, statements, walk


class _Family:
    def __init__(self, names, kind):
        self.names, self.kind = names, kind   # kind: "list" or "array"
        self.failed = False


class Versions:
    """``resolve(node)``: what a name bound at compile time holds, or None; ``helpers``: the runtime
    functions involved (appended, set_at, added_at, zero_tangent, SharedMemoryCheck, and the Numba
    helpers set_in_place, add_in_place, copied as names ``bound(hint, value)`` gives the code)."""

    def __init__(self, tree: ast.FunctionDef, resolve, helpers, bound):
        self.tree, self.resolve, self.helpers, self.bound = tree, resolve, helpers, bound
        self.updates = {helpers.appended: "list", helpers.set_at: "array", helpers.added_at: "array"}

    def run(self) -> None:
        families = self.families()
        if not families:
            return
        self.family_of = {n: f for f in families for n in f.names}
        self.block(self.tree.body, {f: (frozenset(), False) for f in families}, loop=None)
        for family in families:
            if not family.failed:
                self.make_one(family)

    # -- which names are versions of one value ---------------------------------------------------------------

    def call_of(self, node, fns, arity):
        """The function of ``node`` if it is a call of one of ``fns`` with ``arity`` plain arguments."""
        if isinstance(node, ast.Call) and len(node.args) == arity and not node.keywords:
            fn = self.resolve(node.func)
            if any(fn is f for f in fns):
                return fn
        return None

    def update(self, node):
        """``appended(t, v)``, ``set_at(a, i, v)``, ``added_at(a, i, v)``: its kind ("list", "array"), or None."""
        fn = self.call_of(node, (self.helpers.appended,), 2) or \
            self.call_of(node, (self.helpers.set_at, self.helpers.added_at), 3)
        return self.updates[fn] if fn is not None else None

    def bindings(self):
        """(target name, value or None when it is not bound by a plain assignment), for every binding."""
        for stmt in statements(self.tree.body):
            pairs = assigned_pairs(stmt)
            if pairs is not None:
                yield from pairs
                continue
            heads = [stmt.target] if isinstance(stmt, (ast.For, ast.AugAssign)) else \
                stmt.targets if isinstance(stmt, ast.Assign) else []
            for head in heads:
                for n in name_nodes(head):
                    if isinstance(n.ctx, ast.Store):
                        yield n.id, None

    def families(self) -> list:
        bound = {}
        for name, value in self.bindings():
            bound.setdefault(name, []).append(value)
        for arg in self.tree.args.args + self.tree.args.kwonlyargs:
            bound.setdefault(arg.arg, []).append(None)
        self.empty_names = {n for n, values in bound.items() if all(_is_empty_list(v) for v in values)}
        # names every binding of which is a new value, an update or a copy of such a name
        candidates = {n for n, values in bound.items() if all(
            isinstance(v, ast.List) or self.update(v) or self.call_of(v, (self.helpers.zero_tangent,), 1)
            or isinstance(v, ast.Name) for v in values)}
        changed = True
        while changed:
            changed = False
            for n in list(candidates):
                if any(isinstance(v, ast.Name) and v.id not in candidates for v in bound[n]):
                    candidates.discard(n)
                    changed = True
        parent = {}

        def find(n):
            while parent.setdefault(n, n) != n:
                n = parent[n]
            return n
        kinds = {}
        for name in candidates:
            for value in bound[name]:
                kind = self.update(value)
                if kind:
                    kinds.setdefault(name, set()).add(kind)
                    value = value.args[0]
                if isinstance(value, ast.Name) and value.id in candidates:
                    parent[find(name)] = find(value.id)
        members = {}
        for name in candidates:
            members.setdefault(find(name), set()).add(name)
        families = []
        for names in members.values():
            kind = set().union(*(kinds.get(n, ()) for n in names))
            if len(kind) == 1 and all(self.starts(v, names, *kind) for n in names for v in bound[n]):
                families.append(_Family(names, *kind))
        return families

    def starts(self, value, names, kind) -> bool:
        """Is ``value`` (bound to a name of the family ``names``) a copy or an update of one of them, or a
        new value of the family's ``kind``: an empty list; a new array (a zero tangent, a copy updated)?"""
        if self.update(value):
            value = value.args[0]
            if isinstance(value, ast.Name) and value.id in names:
                return True
            return kind == "array" or self.empty(value)  # set_at(b, ...) of another array copies it
        if isinstance(value, ast.Name):
            return value.id in names
        if kind == "list":
            return self.empty(value) or isinstance(value, ast.List)  # a list display is a new list too
        return self.call_of(value, (self.helpers.zero_tangent,), 1) is not None

    def empty(self, node) -> bool:
        """``[]``, or the zero tangent of a name only ever bound to ``[]`` (an empty list's is empty)."""
        return _is_empty_list(node) or self.call_of(node, (self.helpers.zero_tangent,), 1) is not None \
            and isinstance(node.args[0], ast.Name) and node.args[0].id in self.empty_names

    # -- do all reads read the newest version? ---------------------------------------------------------------
    #
    # state: family -> (the names holding its newest version, has that version escaped?)

    def block(self, body, state, loop):
        """The state after ``body`` (None: it never falls through); ``loop``: [head states, exit states]."""
        for stmt in body:
            if state is None:
                return None
            state = self.statement(stmt, state, loop)
        return state

    def statement(self, stmt, state, loop):
        if isinstance(stmt, ast.If):
            self.reads(stmt.test, state)
            return _join(self.block(stmt.body, dict(state), loop), self.block(stmt.orelse, dict(state), loop))
        if isinstance(stmt, (ast.For, ast.While)):
            return self.loop(stmt, state)
        if isinstance(stmt, ast.Break):
            loop[1].append(state)
            return None
        if isinstance(stmt, ast.Continue):
            loop[0].append(state)
            return None
        if isinstance(stmt, ast.Return):
            if stmt.value is not None:
                self.reads(stmt.value, state)
            return None
        pairs = assigned_pairs(stmt)
        if pairs is not None:
            return self.bind(pairs, state)
        self.reads(stmt, state)
        return state

    def bind(self, pairs, state):
        """``a, b = x, y``: every value is read before any name is bound."""
        state = dict(state)
        new = []
        for name, value in pairs:
            family = self.family_of.get(name)
            if family is None:
                self.reads(value, state)
            elif self.update(value):
                source = value.args[0]
                self.reads(ast.Tuple(value.args[1:], ast.Load()), state)
                if isinstance(source, ast.Name) and source.id in family.names:
                    self.read_version(source.id, state)
                    family.failed |= state[family][1]  # an update after the version escaped
                else:
                    self.reads(source, state)
                new.append((family, frozenset({name})))
            elif isinstance(value, ast.Name):
                self.read_version(value.id, state)
                new.append((family, name))
            else:  # a new value
                self.reads(value, state)
                new.append((family, frozenset({name})))
        for family, holding in new:
            if isinstance(holding, str):  # a copy: one more name for the same version
                names, escaped = state[family]
                state[family] = (names | {holding}, escaped)
            else:
                state[family] = (holding, False)
        return state

    def read_version(self, name, state):
        family = self.family_of.get(name)
        if family is not None and name not in state[family][0]:
            family.failed = True

    def reads(self, node, state):
        """Reads of a family's names in ``node``: each must hold the newest version; one that may keep a
        reference to it is an escape (all but ``t[i]``, an operand of arithmetic, ``len(t)``,
        ``np.shape(t)``, ``check_unshared(t, ...)``, ``zero_tangent(t)``)."""
        harmless = set()
        for n in walk(node):
            if isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name):
                if not isinstance(n.ctx, ast.Load) and n.value.id in self.family_of:
                    self.family_of[n.value.id].failed = True  # a write of its own into an entry
                harmless.add(id(n.value))
            elif isinstance(n, ast.BinOp):  # arithmetic makes a new value
                harmless |= {id(n.left), id(n.right)}
            elif isinstance(n, ast.UnaryOp):
                harmless.add(id(n.operand))
            elif isinstance(n, ast.Compare):
                harmless |= {id(c) for c in [n.left] + n.comparators}
            elif isinstance(n, ast.Call) and self.harmless_call(n):
                harmless |= {id(a) for a in n.args}
        for n in name_nodes(node):
            family = self.family_of.get(n.id)
            if family is None or not isinstance(n.ctx, ast.Load):
                continue
            self.read_version(n.id, state)
            if id(n) not in harmless:
                names, _ = state[family]
                state[family] = (names, True)

    def harmless_call(self, call) -> bool:
        """A call that keeps no reference to its arguments."""
        fn = self.resolve(call.func)
        if isinstance(call.func, ast.Name) and call.func.id == "len" and fn in (None, len):
            return True
        if isinstance(call.func, ast.Attribute) and call.func.attr == "shape" \
                and getattr(self.resolve(call.func.value), "__name__", None) == "numpy":
            return True
        return isinstance(fn, self.helpers.SharedMemoryCheck) or fn is self.helpers.zero_tangent

    def loop(self, stmt, state):
        head = state
        while True:
            frame = [[], []]
            self.reads(stmt.iter if isinstance(stmt, ast.For) else stmt.test, head)
            end = self.block(stmt.body, dict(head), frame)
            again = _join(head, *frame[0], *([end] if end is not None else []))
            if again == head:
                endless = isinstance(stmt, ast.While) and isinstance(stmt.test, ast.Constant) and stmt.test.value
                return _join(*([] if endless else [head]), *frame[1])
            head = again

    # -- one value, updated in place -------------------------------------------------------------------------

    def make_one(self, family):
        keep = min(family.names, key=lambda n: (len(n), n))
        for n in walk(self.tree):
            if isinstance(n, ast.Name) and n.id in family.names:
                n.id = keep
        if family.kind == "array":  # a part read is a copy, not a view of what is written into next
            copied = self.bound("copied", self.helpers.copied)
            for n in walk(self.tree):
                for field, value in list(ast.iter_fields(n)):
                    if _reads_part(value, keep):
                        setattr(n, field, ast.Call(ast.Name(copied, ast.Load()), [value], []))
                    elif isinstance(value, list):
                        value[:] = [ast.Call(ast.Name(copied, ast.Load()), [v], []) if _reads_part(v, keep) else v
                                    for v in value]
        for stmt in [self.tree] + list(statements(self.tree.body)):
            for field in ("body", "orelse"):
                block = getattr(stmt, field, None)
                if isinstance(block, list) and block:
                    block[:] = [s for old in block for s in self.in_place(old, keep)] \
                        or ([ast.Pass()] if field == "body" else [])

    def in_place(self, stmt, keep) -> list:
        """``stmt`` with ``keep = keep`` gone and an update of ``keep`` made in place: ``keep.append(v)``,
        ``keep = set_in_place(keep, i, v)``, ``keep = add_in_place(keep, i, v)``; an empty list's zero
        tangent ``[]``."""
        pairs = assigned_pairs(stmt)
        if pairs is None:
            return [stmt]
        if len(pairs) > 1:
            kept = [(t, v) for t, v in pairs if not (t == keep and isinstance(v, ast.Name) and v.id == keep)]
            if len(kept) != 1:
                stmt.targets[0].elts = [ast.Name(t, ast.Store()) for t, _ in kept]
                stmt.value.elts = [v for _, v in kept]
                return [stmt] if kept else []
            stmt = ast.copy_location(ast.Assign([ast.Name(kept[0][0], ast.Store())], kept[0][1], lineno=0), stmt)
            pairs = kept
        (target, value), = pairs
        if target != keep:
            return [stmt]
        if isinstance(value, ast.Name) and value.id == keep:
            return []
        if self.call_of(value, (self.helpers.zero_tangent,), 1) and self.empty(value):
            stmt.value = ast.List([], ast.Load())
        elif self.update(value) and isinstance(value.args[0], ast.Name) and value.args[0].id == keep:
            fn = self.resolve(value.func)
            if fn is self.helpers.appended:
                call = ast.Call(ast.Attribute(ast.Name(keep, ast.Load()), "append", ast.Load()), value.args[1:], [])
                return [ast.copy_location(ast.Expr(call), stmt)]
            helper = self.helpers.set_in_place if fn is self.helpers.set_at else self.helpers.add_in_place
            value.func = ast.Name(self.bound(helper.__name__, helper), ast.Load())
        elif self.call_of(value, (self.helpers.appended,), 2):  # appended([], v): a new list
            stmt.value = ast.List([value.args[1]], ast.Load())
        return [stmt]


def assigned_pairs(stmt):
    """``[(name, value)]`` for ``name = value`` and ``a, b = x, y`` (names only), else None."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
        return None
    target = stmt.targets[0]
    if isinstance(target, ast.Name):
        return [(target.id, stmt.value)]
    if isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and len(target.elts) == len(
            stmt.value.elts) and all(isinstance(e, ast.Name) for e in target.elts):
        return [(t.id, v) for t, v in zip(target.elts, stmt.value.elts)]
    return None


def _is_empty_list(node) -> bool:
    return isinstance(node, ast.List) and not node.elts


def _reads_part(node, name) -> bool:
    return isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and isinstance(node.value, ast.Name) \
        and node.value.id == name


def _join(*states):
    """What holds after any of ``states``: the names every one has, escaped if one escaped."""
    states = [s for s in states if s is not None]
    if not states:
        return None
    out = dict(states[0])
    for other in states[1:]:
        for family, (names, escaped) in other.items():
            mine, mine_escaped = out[family]
            out[family] = (mine & names, mine_escaped or escaped)
    return out
