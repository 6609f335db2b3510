"""Python source for generated syntax trees: astor's text, written faster.

``astor.to_source`` was a tenth of a first compile: a general visitor writing through closures and context
managers. This writer follows its rules for the node kinds generated code holds -- the same precedences
(``astor.op_util``), set on the nodes as astor sets them (``_pp``: a node astor renders later reads them), the
same parentheses, numbers and strings (``astor.string_repr.pretty_string``) -- in plain recursions, several
times faster. For a kind it does not know it gives up (``Unsupported``) and astor writes the whole tree.
"""
import ast
import math

from astor.op_util import Precedence, precedence_data, symbol_data
from astor.string_repr import pretty_string

_HIGHEST = Precedence.highest
_CONSTANT = precedence_data[ast.Constant]
_TUPLE = precedence_data[ast.Tuple]
_COMMA = Precedence.Comma
_STATEMENT_PRECEDENCE = {kind: precedence_data[kind] for kind in (ast.Assign, ast.AugAssign, ast.Expr, ast.Return,
                                                                    ast.If, ast.For, ast.While, ast.Assert)}


class Unsupported(Exception):
    """A node this writer does not write: astor writes the tree."""


def _pp(node) -> int:
    """The precedence a node's parent set on it (astor's ``get__pp``)."""
    return node.__dict__.get("_pp", _HIGHEST)


def _number(value) -> str:
    """astor's ``_handle_numeric_constant``."""
    def part(p, imaginary):
        s = "j" if imaginary else ""
        try:
            if math.isinf(p):
                return ("-1e1000" if p < 0 else "1e1000") + s
            if math.isnan(p):
                return "(1e1000%s-1e1000%s)" % (s, s)
        except OverflowError:
            pass
        return repr(p) + s

    if not isinstance(value, complex):
        return part(value, False)
    real, imag = part(value.real, False), part(value.imag, True)
    if value.real == 0:
        return imag
    if value.imag == 0:
        return "(%s+0j)" % real
    return "(%s%s%s)" % (real, ["+", ""][imag.startswith("-")], imag)


class _Writer:
    def __init__(self):
        self.out = []
        self.depth = 0
        self.expressions = {ast.Name: self.name, ast.Constant: self.constant, ast.Attribute: self.attribute,
                            ast.Call: self.call, ast.BinOp: self.binop, ast.UnaryOp: self.unaryop,
                            ast.BoolOp: self.boolop, ast.Compare: self.compare, ast.Subscript: self.subscript,
                            ast.Slice: self.slice, ast.Tuple: self.tuple, ast.List: self.list, ast.Set: self.set,
                            ast.Dict: self.dict, ast.IfExp: self.ifexp, ast.Starred: self.starred,
                            ast.NamedExpr: self.namedexpr, ast.ListComp: self.listcomp,
                            ast.SetComp: self.setcomp, ast.DictComp: self.dictcomp,
                            ast.GeneratorExp: self.generatorexp}
        self.statements = {ast.Assign: self.assign, ast.AugAssign: self.augassign, ast.Expr: self.expr_statement,
                           ast.Return: self.return_, ast.If: self.if_, ast.For: self.for_, ast.While: self.while_,
                           ast.Pass: self.keyword_statement, ast.Break: self.keyword_statement,
                           ast.Continue: self.keyword_statement, ast.Try: self.try_, ast.Raise: self.raise_,
                           ast.Assert: self.assert_, ast.Delete: self.delete, ast.Global: self.global_,
                           ast.Nonlocal: self.global_, ast.FunctionDef: self.function}

    # -- statements ------------------------------------------------------------------------------------
    def line(self, blank=False):
        self.out.append(("\n\n" if blank else "\n") + "    " * self.depth)

    def body(self, statements):
        self.depth += 1
        for stmt in statements:
            method = self.statements.get(type(stmt))
            if method is None:
                raise Unsupported(type(stmt).__name__)
            method(stmt)
        self.depth -= 1

    def else_body(self, orelse):
        if orelse:
            self.line()
            self.out.append("else:")
            self.body(orelse)

    def function(self, node):
        if getattr(node, "type_params", None):
            raise Unsupported("type parameters")
        if self.depth:  # a blank line above a nested definition (and its decorators)
            self.line(blank=True)
        for index, decorator in enumerate(node.decorator_list):
            if index or not self.depth:
                self.line()
            self.out.append("@")
            self.expr(decorator)
        if node.decorator_list or not self.depth:
            self.line()
        self.out.append(f"def {node.name}(")
        self.arguments(node.args)
        self.out.append(")")
        if node.returns is not None:
            self.out.append(" ->")
            self.expr(node.returns)
        self.out.append(":")
        self.body(node.body)

    def arguments(self, node):
        comma = []
        out = self.out

        def write_comma():
            if comma:
                out.append(", ")
            else:
                comma.append(True)

        def loop_args(args, defaults):
            for default in defaults:
                if default is not None:
                    default._pp = _COMMA
            padding = [None] * (len(args) - len(defaults))
            for arg, default in zip(args, padding + defaults):
                write_comma()
                self.arg(arg)
                if default is not None:
                    out.append("=")
                    self.expr(default)

        offset = 0
        if node.posonlyargs:
            offset += len(node.defaults) - len(node.args)
            loop_args(node.posonlyargs, node.defaults[:offset])
            write_comma()
            out.append("/")
        loop_args(node.args, node.defaults[offset:])
        if node.vararg is not None:
            write_comma()
            out.append("*")
            self.arg(node.vararg)
        if node.kwonlyargs:
            if node.vararg is None:
                write_comma()
                out.append("*")
            loop_args(node.kwonlyargs, node.kw_defaults)
        if node.kwarg is not None:
            write_comma()
            out.append("**")
            self.arg(node.kwarg)

    def arg(self, node):
        self.out.append(node.arg)
        if node.annotation is not None:
            self.out.append(": ")
            self.expr(node.annotation)

    def assign(self, node):
        precedence = _STATEMENT_PRECEDENCE[ast.Assign]
        node.value._pp = precedence
        for target in node.targets:
            target._pp = precedence
        self.line()
        for target in node.targets:
            self.expr(target)
            self.out.append(" = ")
        self.expr(node.value)

    def augassign(self, node):
        precedence = _STATEMENT_PRECEDENCE[ast.AugAssign]
        node.value._pp = node.target._pp = precedence
        self.line()
        self.expr(node.target)
        self.out.append(" %s= " % symbol_data[type(node.op)])
        self.expr(node.value)

    def expr_statement(self, node):
        node.value._pp = _STATEMENT_PRECEDENCE[ast.Expr]
        self.line()
        self.expr(node.value)

    def return_(self, node):
        if node.value is not None:
            node.value._pp = _STATEMENT_PRECEDENCE[ast.Return]
        self.line()
        self.out.append("return")
        if node.value is not None:
            self.out.append(" ")
            self.expr(node.value)

    def if_(self, node):
        node.test._pp = _STATEMENT_PRECEDENCE[ast.If]
        self.line()
        self.out.append("if ")
        self.expr(node.test)
        self.out.append(":")
        self.body(node.body)
        while True:
            orelse = node.orelse
            if len(orelse) == 1 and isinstance(orelse[0], ast.If):
                node = orelse[0]
                node.test._pp = _STATEMENT_PRECEDENCE[ast.If]
                self.line()
                self.out.append("elif ")
                self.expr(node.test)
                self.out.append(":")
                self.body(node.body)
            else:
                self.else_body(orelse)
                break

    def for_(self, node):
        node.target._pp = _STATEMENT_PRECEDENCE[ast.For]
        self.line()
        self.out.append("for ")
        self.expr(node.target)
        self.out.append(" in ")
        self.expr(node.iter)
        self.out.append(":")
        self.body(node.body)
        self.else_body(node.orelse)

    def while_(self, node):
        node.test._pp = _STATEMENT_PRECEDENCE[ast.While]
        self.line()
        self.out.append("while ")
        self.expr(node.test)
        self.out.append(":")
        self.body(node.body)
        self.else_body(node.orelse)

    def keyword_statement(self, node):
        self.line()
        self.out.append(type(node).__name__.lower())

    def try_(self, node):
        self.line()
        self.out.append("try:")
        self.body(node.body)
        for handler in node.handlers:
            self.line()
            self.out.append("except")
            if handler.type is not None:
                self.out.append(" ")
                self.expr(handler.type)
                if handler.name is not None:
                    self.out.append(" as " + handler.name)
            self.out.append(":")
            self.body(handler.body)
        self.else_body(node.orelse)
        if node.finalbody:
            self.line()
            self.out.append("finally:")
            self.body(node.finalbody)

    def raise_(self, node):
        self.line()
        self.out.append("raise")
        if node.exc is not None:
            self.out.append(" ")
            self.expr(node.exc)
            if node.cause is not None:
                self.out.append(" from ")
                self.expr(node.cause)

    def assert_(self, node):
        precedence = _STATEMENT_PRECEDENCE[ast.Assert]
        node.test._pp = precedence
        if node.msg is not None:
            node.msg._pp = precedence
        self.line()
        self.out.append("assert ")
        self.expr(node.test)
        if node.msg is not None:
            self.out.append(", ")
            self.expr(node.msg)

    def delete(self, node):
        self.line()
        self.out.append("del ")
        self.comma_list(node.targets)

    def global_(self, node):
        self.line()
        self.out.append(("global " if type(node) is ast.Global else "nonlocal ") + ", ".join(node.names))

    # -- expressions -----------------------------------------------------------------------------------
    def expr(self, node):
        method = self.expressions.get(type(node))
        if method is None:
            raise Unsupported(type(node).__name__)
        method(node)

    def open(self) -> int:
        """astor's ``Delimit``: the opening parenthesis is written, and blanked when the node needs none (a
        string's quoting reads the line so far, parentheses to be blanked included)."""
        self.out.append("(")
        return len(self.out) - 1

    def close(self, index: int, delimited: bool) -> None:
        if delimited:
            self.out.append(")")
        else:
            self.out[index] = ""

    def comma_list(self, items, trailing=False):
        for item in items:
            item._pp = _COMMA
        out = self.out
        for index, item in enumerate(items):
            if index:
                out.append(", ")
            self.expr(item)
        if trailing:
            out.append(",")

    def name(self, node):
        self.out.append(node.id)

    def constant(self, node):
        value = node.value
        if isinstance(value, (int, float, complex)):
            text = _number(value)
            self.out.append(text if _CONSTANT >= _pp(node) else f"({text})")
        elif isinstance(value, str):
            self.string(node, value)
        elif value is Ellipsis:
            self.out.append("...")
        else:
            self.out.append(repr(value))

    def string(self, node, value):
        """astor's ``_handle_string_constant`` (of a plain string): its quoting depends on the line so far."""
        precedence = _pp(node)
        embedded = (precedence > Precedence.Expr) + (precedence >= Precedence.Assign)
        text = "".join(self.out)
        text = pretty_string(value, embedded, text[text.rfind("\n") + 1:], False)
        if getattr(node, "kind", False):
            text = node.kind + text
        self.out.append(text)

    def attribute(self, node):
        self.expr(node.value)
        self.out.append("." + node.attr)

    def call(self, node):
        args, keywords = node.args, node.keywords
        precedence = _COMMA if len(args) + len(keywords) > 1 else Precedence.call_one_arg
        for arg in args:
            arg._pp = precedence
        self.expr(node.func)
        out = self.out
        out.append("(")
        first = True
        for arg in args:
            if not first:
                out.append(", ")
            first = False
            self.expr(arg)
        for keyword in keywords:
            keyword.value._pp = _COMMA
        for keyword in keywords:
            if not first:
                out.append(", ")
            first = False
            out.append(f"{keyword.arg}=" if keyword.arg else "**")
            self.expr(keyword.value)
        out.append(")")

    def binop(self, node):
        op, left, right = node.op, node.left, node.right
        precedence = precedence_data[type(op)]
        delimited = precedence < _pp(node)
        if type(op) is ast.Pow:
            left._pp, right._pp = Precedence.Pow + 1, Precedence.PowRHS
        else:
            left._pp, right._pp = precedence, precedence + 1
        index = self.open()
        self.expr(left)
        self.out.append(" %s " % symbol_data[type(op)])
        self.expr(right)
        self.close(index, delimited)

    def unaryop(self, node):
        op, operand = node.op, node.operand
        precedence = precedence_data[type(op)]
        delimited = precedence < _pp(node)
        operand._pp = precedence
        operand._p_op = op
        symbol = symbol_data[type(op)]
        index = self.open()
        self.out.append(symbol + (" " if symbol.isalpha() else ""))
        self.expr(operand)
        self.close(index, delimited)

    def boolop(self, node):
        precedence = precedence_data[type(node.op)]
        delimited = precedence < _pp(node)
        for value in node.values:
            value._pp = precedence + 1
        index = self.open()
        symbol = " %s " % symbol_data[type(node.op)]
        for position, value in enumerate(node.values):
            if position:
                self.out.append(symbol)
            self.expr(value)
        self.close(index, delimited)

    def compare(self, node):
        precedence = precedence_data[type(node.ops[0])]
        delimited = precedence < _pp(node)
        node.left._pp = precedence + 1
        for comparator in node.comparators:
            comparator._pp = precedence + 1
        index = self.open()
        self.expr(node.left)
        for op, right in zip(node.ops, node.comparators):
            self.out.append(" %s " % symbol_data[type(op)])
            self.expr(right)
        self.close(index, delimited)

    def subscript(self, node):
        node.slice._pp = precedence_data[ast.Subscript]
        self.expr(node.value)
        self.out.append("[")
        self.expr(node.slice)
        self.out.append("]")

    def slice(self, node):
        precedence = precedence_data[ast.Slice]
        for part in (node.lower, node.upper, node.step):
            if part is not None:
                part._pp = precedence
        if node.lower is not None:
            self.expr(node.lower)
        self.out.append(":")
        if node.upper is not None:
            self.expr(node.upper)
        if node.step is not None:
            self.out.append(":")
            if not (isinstance(node.step, ast.Name) and node.step.id == "None"):
                self.expr(node.step)

    def tuple(self, node):
        elts = node.elts
        delimited = not (_TUPLE >= _pp(node) and elts)
        index = self.open()
        self.comma_list(elts, len(elts) == 1)
        self.close(index, delimited)

    def list(self, node):
        self.out.append("[")
        self.comma_list(node.elts)
        self.out.append("]")

    def set(self, node):
        if node.elts:
            self.out.append("{")
            self.comma_list(node.elts)
            self.out.append("}")
        else:
            self.out.append("{1}.__class__()")

    def dict(self, node):
        for value in node.values:
            value._pp = _COMMA
        out = self.out
        out.append("{")
        for index, (key, value) in enumerate(zip(node.keys, node.values)):
            if index:
                out.append(", ")
            if key is not None:
                self.expr(key)
                out.append(": ")
            else:
                out.append("**")
            self.expr(value)
        out.append("}")

    def ifexp(self, node):
        precedence = precedence_data[ast.IfExp]
        delimited = precedence < _pp(node)
        node.body._pp = node.test._pp = precedence + 1
        node.orelse._pp = precedence
        index = self.open()
        self.expr(node.body)
        self.out.append(" if ")
        self.expr(node.test)
        self.out.append(" else ")
        self.expr(node.orelse)
        self.close(index, delimited)

    def starred(self, node):
        self.out.append("*")
        self.expr(node.value)

    def namedexpr(self, node):
        precedence = precedence_data[ast.NamedExpr]
        node.target._pp = precedence
        node.value._pp = precedence + 1
        self.out.append("(")
        self.expr(node.target)
        self.out.append(" := ")
        self.expr(node.value)
        self.out.append(")")

    def generators(self, generators):
        for comprehension in generators:
            precedence = precedence_data[ast.comprehension]
            comprehension.iter._pp = precedence
            for condition in comprehension.ifs:
                condition._pp = precedence
            comprehension.target._pp = Precedence.comprehension_target
            self.out.append(" async for " if comprehension.is_async else " for ")
            self.expr(comprehension.target)
            self.out.append(" in ")
            self.expr(comprehension.iter)
            for condition in comprehension.ifs:
                self.out.append(" if ")
                self.expr(condition)

    def listcomp(self, node):
        self.out.append("[")
        self.expr(node.elt)
        self.generators(node.generators)
        self.out.append("]")

    def setcomp(self, node):
        self.out.append("{")
        self.expr(node.elt)
        self.generators(node.generators)
        self.out.append("}")

    def dictcomp(self, node):
        self.out.append("{")
        self.expr(node.key)
        self.out.append(": ")
        self.expr(node.value)
        self.generators(node.generators)
        self.out.append("}")

    def generatorexp(self, node):
        delimited = not (precedence_data[ast.GeneratorExp] >= _pp(node) or _pp(node) == Precedence.call_one_arg)
        node.elt._pp = _COMMA
        index = self.open()
        self.expr(node.elt)
        self.generators(node.generators)
        self.close(index, delimited)


_KINDS = _Writer()
# the kinds of node this writer writes: a tree with another is astor's (asked before writing: a tree is
# written whole, with every precedence astor would set on it, or not at all)
WRITABLE = frozenset(_KINDS.expressions) | frozenset(_KINDS.statements) | {
    ast.arguments, ast.arg, ast.keyword, ast.comprehension, ast.ExceptHandler}
del _KINDS


def function_source(tree: ast.FunctionDef) -> str:
    """The text ``astor.to_source`` gives for a function definition at the top level (without wrapping long
    lines) whose nodes are all ``WRITABLE``."""
    writer = _Writer()
    writer.function(tree)
    writer.out.append("\n")
    return "".join(writer.out)[1:]  # astor drops the blank lines above a definition at the top
