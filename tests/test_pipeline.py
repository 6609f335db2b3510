"""Each compiler stage on its own: parse, normalize, SSA, activity, optimize, codegen, cache."""
import ast
import inspect
import linecache
import traceback

import numpy as np
import pytest

import ssagrad
from ssagrad.compiler import to_ssa
from ssagrad.compiler.activity import active_vars
from ssagrad.compiler.names import Namer
from ssagrad.compiler.normalize import normalize
from ssagrad.compiler.optimize import optimize
from ssagrad.compiler.parse import parse_function


def nested(x, w):
    """A docstring is skipped."""
    p = 1 / (1 + np.exp(-x @ w))
    return np.mean(p ** 2)


def test_parse_maps_nodes_to_file_lines_and_resolves_free_names():
    parsed = parse_function(nested)
    assert parsed.params == ["x", "w"]
    assert parsed.locate(parsed.tree).lineno == nested.__code__.co_firstlineno
    exp_call = parsed.tree.body[1].value.right.right.func
    assert parsed.resolve(exp_call) is np.exp
    assert parsed.lookup("np") is np


def test_normalize_gives_one_operation_per_statement():
    parsed = parse_function(nested)
    namer = Namer({n.id for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)})
    text = "\n".join(ast.unparse(s) for s in normalize(parsed, namer))
    assert text == ("neg = -x\nmatmul = neg @ w\nexp = np.exp(matmul)\nadd = 1 + exp\np = 1 / add\n"
                    "pow = p ** 2\nnested = np.mean(pow)\nreturn nested")


def reassigns(x):
    y = x * 2
    y = y + x
    x = y * y
    return x


def test_ssa_versions_keep_the_users_names():
    function = to_ssa(reassigns)
    names = [op.targets[0].name for op in function.ops()]
    assert names == ["y", "y_1", "x_1"]
    assert function.result.value.name == "x_1"
    listing = ssagrad.grad(reassigns).ssa
    assert "y_1 = add(y, x)" in listing and "x_1 = mul(y_1, y_1)" in listing and "return x_1" in listing


def mixed(x, n):
    k = np.shape(x)
    m = x > 0
    unused = np.sin(x)
    s = np.sum(x * m) * n
    return s + len(k)


def test_activity_excludes_shapes_comparisons_and_unused_values():
    function = to_ssa(mixed)
    active = {v.name for v in active_vars(function, [function.params[0]])}
    assert "x" in active and "s" in active
    assert not {"k", "m", "unused", "n"} & active


def test_optimize_removes_dead_statements_and_copies_but_never_folds_zero_times_x():
    body = [ast.parse(s).body[0] for s in ("a = x * 2", "b = a", "dead = x + 1", "c = b * 0", "z = 0 * 1")]
    body, result = optimize(body, ast.parse("(c, z)", mode="eval").body)
    assert [ast.unparse(s) for s in body] == ["b = x * 2", "c = b * 0", "z = 0"]
    assert ast.unparse(result) == "(c, z)"


def long_chain(x):
    a = np.sin(x)
    b = a * 2
    c = np.cos(b)
    unused = np.exp(a)  # noqa: F841
    return np.sum(c)


def statement_targets(source):
    tree = ast.parse(source).body[0]
    return tree, [t.id for s in tree.body if isinstance(s, ast.Assign) for t in s.targets]


def test_generated_source_compiles_has_no_dead_statements_and_uses_user_names():
    source = ssagrad.grad(long_chain).source
    tree, targets = statement_targets(source)
    compile(source, "<check>", "exec")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    assert all(t in used for t in targets), "a generated statement is never read"
    assert "unused" not in source and "np.exp" not in source
    assert {"a", "b", "c", "da", "db", "dc", "dx"} <= set(targets) | used
    assert "# adjoint of line" in source


def fails_inside(x):
    y = np.log(x)
    return np.sum(y)


def scalar_by_construction(x):
    return 2.0 * np.sum(np.sin(x))


def maybe_vector(x):
    return np.sin(x)


def test_grad_skips_computing_a_result_that_is_scalar_by_construction():
    source = ssagrad.grad(scalar_by_construction).source
    assert "= np.sum(" not in source and source.rstrip().endswith("return dx")
    assert "return scalar_by_construction, dx" in ssagrad.value_and_grad(scalar_by_construction).source
    assert "return maybe_vector, dx" in ssagrad.grad(maybe_vector).source  # checked when it runs


def test_tracebacks_show_generated_lines():
    g = ssagrad.grad(fails_inside)
    try:
        g("not a number")
    except TypeError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        generated = [f for f in frames if f.filename.startswith("<ssagrad")]
        assert generated and generated[-1].line == "y = np.log(x)"
        # the line number is the line's in the source users read; the columns, in the line tracebacks show
        frame = generated[-1]
        assert g.source.splitlines()[frame.lineno - 1].strip() == "y = np.log(x)"
        if getattr(frame, "colno", None) is not None:  # Python 3.11: the carets under the failing call
            assert linecache.getline(frame.filename, frame.lineno)[frame.colno:frame.end_colno] == "np.log(x)"
    else:
        raise AssertionError("expected a TypeError")


def cached(x):
    return np.sum(np.tanh(x))


def test_second_grad_of_the_same_function_does_not_recompile(compile_counter):
    x = np.ones(3)
    ssagrad.grad(cached)(x)
    ssagrad.grad(cached)(x)
    ssagrad.grad(cached, wrt="x")(x)
    assert compile_counter() == 1
    ssagrad.grad(cached, wrt=("x",))(x)  # a tuple of gradients is another function
    ssagrad.value_and_grad(cached)(x)    # and so is one that also returns the value
    ssagrad.value_and_grad(cached)(x)
    assert compile_counter() == 3


def test_new_closures_compile_again_because_their_callees_may_differ():
    def make(op):
        def apply(x):
            return np.sum(op(x))
        return apply
    x = np.linspace(0, 1, 3)
    np.testing.assert_allclose(ssagrad.grad(make(np.sin))(x), np.cos(x))
    np.testing.assert_allclose(ssagrad.grad(make(np.exp))(x), np.exp(x))


def negative_base(x):
    return x * (-0.3) ** 2 + (-2) ** 3


def test_negative_constants_keep_their_parentheses():
    source = ssagrad.grad(negative_base).source
    assert "(-0.3) ** 2" in source and "(-2) ** 3" in source
    assert ssagrad.grad(negative_base)(1.0) == pytest.approx(0.09)


def ends_in_a_branch_that_compiles_to_nothing(x, flag):
    y = x * 2.0
    if flag:
        y = y + 1.0
    else:
        pass
    return (y
            + 1.0)


@pytest.mark.parametrize("fn", [ends_in_a_branch_that_compiles_to_nothing, cached, fails_inside])
def test_source_lines_are_inspects_without_tokenizing(fn):
    from ssagrad.compiler.parse import source_lines
    lines, first = source_lines(fn)
    expected, expected_first = inspect.getsourcelines(fn)
    assert first == expected_first and lines == expected[:len(lines)]
    assert all(line.strip() in ("", "pass", "else:") for line in expected[len(lines):])
    assert ssagrad.grad(ends_in_a_branch_that_compiles_to_nothing)(1.5, True) == 2.0
