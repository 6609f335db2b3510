"""Building the Python syntax of generated code."""
import ast
import builtins

import numpy

from . import ops
from .aliasing import callee_writes
from ..runtime import own
from .names import helper_name
from .ssa import COPY, Const, Free, Function, Op, Pack, Slice, Var

from .trees import clone

COMMENT_PREFIX = "__ssagrad_comment__"


def name(identifier: str) -> ast.Name:
    return ast.Name(identifier, ast.Load())


def assign(target: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([ast.Name(target, ast.Store())], value, lineno=0)


def comment(text: str) -> ast.Expr:
    """A statement codegen renders as ``# text``; optimize drops it when its block empties."""
    node = ast.Expr(ast.Name(COMMENT_PREFIX, ast.Load()))
    node.ssagrad_comment = text
    return node


def is_comment(stmt) -> bool:
    return hasattr(stmt, "ssagrad_comment")


def operand_ast(operand, in_index=False) -> ast.expr:
    """The expression that reads an operand in generated code (``in_index``: inside ``x[...]``)."""
    if operand is None:
        return None if in_index else ast.Constant(None)
    if isinstance(operand, Slice):
        parts = [operand_ast(p, in_index) for p in (operand.lower, operand.upper, operand.step)]
        if in_index:
            return ast.Slice(*parts)
        return ast.Call(helper_name("slice", builtins.slice), parts, [])
    if isinstance(operand, Pack) and in_index:  # x[i, 1:] keeps its slices; x[[0, 2]] stays a list
        return operand.kind([operand_ast(i, operand.kind is ast.Tuple) for i in operand.items], ast.Load())
    if isinstance(operand, Var):
        return ast.Name(operand.name, ast.Load())
    if isinstance(operand, (Const, Free)):
        return clone(operand.node)
    if isinstance(operand, Pack):
        return operand.kind([operand_ast(i) for i in operand.items], ast.Load())
    raise TypeError(f"not an operand: {operand!r}")


def op_expression(op: Op) -> ast.expr:
    if op.fn is ops.GETITEM:
        return ops.expression(op.fn, [operand_ast(op.args[0]), operand_ast(op.args[1], in_index=True)])
    args = [operand_ast(a) for a in op.args]
    if op.fn is COPY:
        return args[0]
    if ops.is_operator(op.fn):
        return ops.expression(op.fn, args)
    keywords = [ast.keyword(k, operand_ast(v)) for k, v in op.kwargs.items()]
    return ast.Call(clone(op.callee), args, keywords)


def op_statement(op: Op) -> ast.stmt:
    """The primal statement of an SSA operation, as the user would write it."""
    if not op.targets:  # print(...), warnings.warn(...), raise_(...): run for its effect, never dead code
        return ast.Expr(op_expression(op))
    if len(op.targets) == 1:
        stmt = assign(op.targets[0].name, op_expression(op))
    else:
        target = ast.Tuple([ast.Name(t.name, ast.Store()) for t in op.targets], ast.Store())
        stmt = ast.Assign([target], op_expression(op), lineno=0)
    stmt.ssagrad_primal = True  # the user's own arithmetic: `b = x * 1.0` is a new array, never folded to x
    stmt.ssagrad_pure = _pure(op.fn)
    stmt.ssagrad_temporary = getattr(op.node, "ssagrad_temporary", False)
    if callee_writes(op.fn, op.args, op.kwargs):  # a call that changes its argument runs, used or not
        stmt.ssagrad_keep = True
    return stmt


def _pure(fn) -> bool:
    """Is ``fn`` arithmetic, indexing or a NumPy function that computes a value and does nothing else?"""
    if fn is ops.ATTRIBUTE or ops.is_write(fn):
        return False
    if ops.is_operator(fn) or isinstance(fn, numpy.ufunc):
        return True
    module = getattr(fn, "__module__", None) or ""
    return module.split(".")[0] == "numpy" and not module.startswith("numpy.random")


def reads_in_order(stmts) -> list[str]:
    """The names statements read (not helpers bound at compile time), in order of first read."""
    names = []
    for stmt in stmts:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in names \
                    and not hasattr(node, "ssagrad_helper"):
                names.append(node.id)
    return names


def write_statement(op: Op) -> ast.stmt:
    """The primal write: ``a[i] = v`` or ``np.add.at(a, i, v)``. Never dead code: another name may hold
    the array (``b = y`` of a swap, a loop's carried value, a tape), which dead-code elimination, knowing
    names and not memory, cannot see (it dropped ``b[0] = v`` whose array was read as ``y``)."""
    array, index, value = op.args
    if op.fn is ops.ADD_AT:
        add_at = ast.Attribute(ast.Attribute(helper_name("np", numpy), "add", ast.Load()), "at", ast.Load())
        return ast.Expr(ast.Call(add_at, [name(array.name), operand_ast(index), operand_ast(value)], []))
    target = ast.Subscript(name(array.name), operand_ast(index, in_index=True), ast.Store())
    write = ast.Assign([target], operand_ast(value), lineno=0)
    write.ssagrad_keep = True
    return write


def own_parameters(function: Function) -> list[ast.stmt]:
    """``x = own(x)`` for each parameter the function writes into: the caller's arrays stay as they were."""
    return [s for guard in function.parameter_checks for s in _check(guard)] + [
        assign(p.name, ast.Call(helper_name("own", own), [name(p.name)], []))
        for p in function.params if p.name in function.written_params]


def guard_statement(op: Op) -> list[ast.stmt]:
    """``check(a, x)`` before a write that may reach x's memory (see compiler/aliasing.py), else nothing."""
    return [s for guard in op.guards for s in _check(guard)]


def _check(guard) -> list[ast.stmt]:
    check, values = guard
    # an expression statement: never dead code, even when the write it guards is
    return [ast.Expr(ast.Call(helper_name("check_unshared", check), [operand_ast(v) for v in values], []))]
