"""Python's operator syntax as primitives: ``a + b`` is a call of ``operator.add``.

Normalize turns syntax into primitives so every operation has one rule
lookup; codegen turns the primitives back into syntax so generated code reads
like the user's.
"""
import ast
import builtins
import operator

BINARY = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
    ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift,
}
UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_, ast.Invert: operator.invert}
COMPARE = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.Eq: operator.eq, ast.NotEq: operator.ne,
}

_SYNTAX = {}
for _table, _kind in ((BINARY, "binary"), (UNARY, "unary"), (COMPARE, "compare")):
    for _node, _fn in _table.items():
        _SYNTAX[_fn] = (_kind, _node)

GETITEM = operator.getitem  # x[i]: its own syntax, see `expression`
ATTRIBUTE = builtins.getattr  # obj.name of a local object (self.weights): written as an attribute
SETITEM = operator.setitem    # a[i] = v, in place: a statement of its own, see reverse.forward_block


class _AddAt:
    """The primitive of ``np.add.at(a, index, v)``: an in-place write where repeated indices add up."""

    __name__ = "add.at"

    def __repr__(self):
        return "ADD_AT"


ADD_AT = _AddAt()

# Names for temporaries that hold an operator's result (`add`, `mul`, ...).
HINTS = {fn: fn.__name__.strip("_") for fn in _SYNTAX}
HINTS[operator.truediv] = "div"
HINTS[GETITEM] = "item"
HINTS[ATTRIBUTE] = "attribute"
HINTS[SETITEM] = "setitem"
HINTS[ADD_AT] = "add_at"


def is_write(fn) -> bool:
    """Does ``fn`` write into its first argument in place (``a[i] = v``, ``np.add.at``)?"""
    return fn is SETITEM or fn is ADD_AT


def is_operator(fn) -> bool:
    return fn in _SYNTAX or fn is GETITEM or fn is ATTRIBUTE


def expression(fn, operands):
    """The Python expression applying operator primitive ``fn`` to operand ASTs."""
    if fn is GETITEM:
        return ast.Subscript(operands[0], operands[1], ast.Load())
    if fn is ATTRIBUTE:
        return ast.Attribute(operands[0], operands[1].value, ast.Load())
    kind, node = _SYNTAX[fn]
    if kind == "binary":
        return ast.BinOp(operands[0], node(), operands[1])
    if kind == "unary":
        return ast.UnaryOp(node(), operands[0])
    return ast.Compare(operands[0], [node()], [operands[1]])


def lookup(table: dict, key):
    """``table.get(key)``, and None for a key that cannot be hashed (an array bound as a helper, say)."""
    try:
        return table.get(key)
    except TypeError:
        return None
