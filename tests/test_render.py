"""compiler/render.py writes what astor writes: the same text, and the same precedences left on the nodes
(astor reads them when it renders a node again)."""
import ast
import math
import pathlib
import warnings

import astor
from ssagrad.compiler import codegen
from ssagrad.compiler.render import WRITABLE, function_source
from ssagrad.compiler.trees import clone

ROOT = pathlib.Path(__file__).resolve().parent.parent


def astor_source(tree) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return astor.to_source(tree, pretty_source="".join)  # no wrapping: the writer does not wrap


def marks(tree) -> list:
    return [(type(n).__name__, n.__dict__.get("_pp"), type(n.__dict__.get("_p_op")).__name__) for n in ast.walk(tree)]


def writable(tree) -> bool:
    return all(type(n) in WRITABLE for n in ast.walk(tree)
               if isinstance(n, (ast.stmt, ast.expr, ast.arg, ast.keyword, ast.comprehension, ast.excepthandler)))


def check(function: ast.FunctionDef) -> None:
    ours, theirs = clone(function), clone(function)
    assert function_source(ours) == astor_source(theirs)
    assert marks(ours) == marks(theirs)


CASES = '''
def cases(a, b=1.5, /, c=-2, *args, d, e=(), f: int = 3, **kwargs):
    x = (a + b).T + (a * b)[0] + (-a) ** 2 + -a ** 2 + a ** -b + (a ** b) ** c + a ** b ** c
    y = a - (b - c) + (a - b) - c + a / (b * c) + a @ b.T @ (c @ d) + (a if b else c) + (lambda_ := a)
    z = not a, (not a) + 1, a and (b or c), (a or b) and c, a < b < c, (a < b) == c, a is not None
    w = x[1:], x[::2], x[1:2, ...], x[:, None], x[(1, 2)], x[()], (1,), (), [], {}, {1}, set(), {**a, 'k': b}
    v = f(*args, **kwargs), f(x for x in a), f((x for x in a), b), [x for x in a if x for y in x], {k: v for k, v in a}
    u = 1j, 2 + 3j, (1 + 2j).real, (1).real, 1.0.real, math.inf, 'it''s', "say \\"hi\\"", b'bytes', None, True, ...
    t = 'a long string, longer than twenty characters, on a line that is already long enough to be wrapped'
    a += 1
    a[0] -= b
    del a[0], b
    for i, (j, k) in enumerate(zip(a, b)):
        if i:
            continue
        elif j:
            break
        else:
            pass
    else:
        a = 1
    while a > 0:
        a = a - 1
    try:
        a = b
    except (ValueError, TypeError) as error:
        raise RuntimeError('no') from error
    except Exception:
        raise
    else:
        a = 2
    finally:
        a = 3
    assert a, 'message'

    def inner(q):
        global g
        return q
    @functools.wraps(inner)
    @staticmethod
    def annotated(q) -> int:
        return q
    return x, y, z
'''


def test_tricky_cases_are_written_as_astor_writes_them():
    check(ast.parse(CASES).body[0])


def test_a_decorated_function_at_the_top():
    check(ast.parse("@functools.wraps(g)\n@staticmethod\ndef f(x) -> float:\n    return x\n").body[0])


def test_constants_astor_spells_specially():
    for value in [math.inf, -math.inf, math.nan, complex(math.inf, 1), 10 ** 400, 1e-300, -0.0]:
        check(ast.FunctionDef("f", ast.arguments([], [], None, [], [], None, []),
                              [ast.Return(ast.Constant(value))], [], None))


def test_a_shared_node_keeps_the_precedence_its_last_parent_set():
    shared = ast.BinOp(ast.Name("a", ast.Load()), ast.Add(), ast.Name("b", ast.Load()))
    body = [ast.Expr(ast.BinOp(shared, ast.Mult(), shared)), ast.Expr(ast.Attribute(shared, "T", ast.Load()))]
    check(ast.FunctionDef("f", ast.arguments([], [], None, [], [], None, []), body, [], None))


def project_functions():
    for path in sorted(ROOT.glob("**/*.py")):
        if ".git" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and writable(node):
                yield node


def test_every_writable_function_of_the_project_is_written_as_astor_writes_it():
    functions = list(project_functions())
    assert len(functions) > 500
    for function in functions:
        check(function)


def test_render_falls_back_to_astor():
    for source in ["def f(x):\n    return lambda y: y + x\n",          # a kind the writer does not write
                   "def f(x):\n    return f'{x}'\n",
                   "def f(x):\n    y = " + " + ".join(["x"] * 40) + "\n    return y\n"]:  # wrapped by astor
        tree = ast.parse(source).body[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            expected = astor.to_source(clone(tree))
        assert codegen.render(tree) == expected
