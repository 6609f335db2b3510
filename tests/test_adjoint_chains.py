"""The Numba backend's shorter adjoint chains (compiler/adjoint_chains.py).

A carried float adjoint of a reversed loop is written as itself times a coefficient computed beside it.
The rewrite is checked three ways: on source text (what it rewrites, and each condition under which it
must leave the code alone), on whole gradients compiled by Numba against the Python gradient and central
differences, and on random scalar recurrences (Hypothesis), where every rewrite the backend makes has to
give the Python gradient's numbers.
"""
import ast
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st

import ssagrad
from ssagrad.compiler import adjoint_chains
from ssagrad.compiler.codegen import render
from ssagrad.compiler.shapes import Abstract
from ssagrad.runtime.broadcast import zeros_like

from ssagrad.check import TOLERANCE, numerical_grad

FLOAT = Abstract("float", "float64")


def factored(source: str, floats=(), arrays=()) -> str:
    tree = ast.parse(textwrap.dedent(source)).body[0]
    kinds = {n: FLOAT for n in floats}
    kinds.update({n: Abstract("array", "<f8", (3,)) for n in arrays})
    adjoint_chains.factor(tree, kinds, {"zeros_like": zeros_like})
    return render(tree).strip()


LOGISTIC = """
def g(r, x0, tape, steps):
    dx0 = 1.0
    dr = zeros_like(r)
    for step in range(steps - 1, -1, -1):
        x_1 = tape[step]
        mul = r * x_1
        sub = 1.0 - x_1
        dmul = dx0 * sub
        dsub = dx0 * mul
        dx0 = -dsub
        dr = dr + dmul * x_1
        dx0 = dx0 + dmul * r
    return dr, dx0
"""


def test_the_logistic_map_s_adjoint_is_one_multiplication_a_step():
    out = factored(LOGISTIC, floats=("r", "x0", "x_1", "mul", "sub"))
    assert out.splitlines()[-5:] == [
        "        sub = 1.0 - x_1",
        "        dmul = dx0 * sub",
        "        dr = dr + dmul * x_1",
        "        dx0 = dx0 * (sub * r - mul)",
        "    return dr, dx0"]


def test_two_carried_adjoints_are_updated_together():
    out = factored("""
    def g(a, b, tape, n):
        dx = 1.0
        dy = 1.0
        for step in range(n - 1, -1, -1):
            dx_1 = dx
            dmul_1 = -dx_1
            dx = dy * b + dx_1 * a
            dy = dy * a + dmul_1 * b
        return dx, dy
    """, floats=("a", "b"))
    assert out.splitlines()[-2] == "        dx, dy = dy * b + dx * a, dy * a + dx * -b"


def unchanged(source, **kinds):
    return factored(source, **kinds) == render(ast.parse(textwrap.dedent(source)).body[0]).strip()


def test_a_statement_staying_that_reads_the_adjoint_between_its_assignments_keeps_the_code():
    assert unchanged("""
    def g(r, tape, n):
        dx = 1.0
        dr = 0.0
        for step in range(n - 1, -1, -1):
            dx = dx * r
            dr = dr + dx * tape[step]
            dx = dx * 2.0
        return dr, dx
    """, floats=("r",))


def test_a_coefficient_whose_name_is_assigned_again_before_the_end_keeps_the_code():
    # `dx = dx * m` then `m = ...` then `dx = dx + ...`: the coefficient m would be read after it changed
    assert unchanged("""
    def g(r, tape, n):
        dx = 1.0
        for step in range(n - 1, -1, -1):
            m = tape[step]
            dt = dx * m
            m = r * 3.0
            dx = dt + dx * m
        return dx
    """, floats=("r", "m"))


def test_arrays_integers_and_forward_loops_are_left_alone():
    assert unchanged("""
    def g(w, tape, n):
        dx = zeros_like(w)
        for step in range(n - 1, -1, -1):
            dt = dx * w
            dx = dt * w + dx
        return dx
    """, arrays=("w",))
    assert unchanged("""
    def g(n):
        k = 1
        for step in range(n - 1, -1, -1):
            j = k * 2
            k = j * 3
        return k
    """)
    assert unchanged("""
    def g(r, x):
        for i in range(10):
            t = x * r
            x = t * r
        return x
    """, floats=("r", "x"))


def test_np_that_is_not_numpy_leaves_the_code_alone():
    source = """
    def g(r, tape, n):
        dx = 1.0
        for step in range(n - 1, -1, -1):
            x_1 = tape[step]
            dt = dx * np.cos(x_1)
            dx = dt * r
        return dx
    """
    tree = ast.parse(textwrap.dedent(source)).body[0]
    before = render(tree)
    adjoint_chains.factor(tree, {"r": FLOAT, "x_1": FLOAT}, {"np": object(), "zeros_like": zeros_like})
    assert render(tree) == before
    assert not unchanged(source, floats=("r", "x_1"))   # with NumPy's np, the chain is rewritten


def test_a_call_that_may_have_effects_is_not_moved():
    assert unchanged("""
    def g(r, tape, n, user):
        dx = 1.0
        for step in range(n - 1, -1, -1):
            dt = dx * user(r)
            dx = dt * 2.0
        return dx
    """, floats=("r",))


def test_coefficients_that_would_repeat_each_other_keep_the_code():
    # an adjoint added in from outside the chain (dt) reaches the next step through several products:
    # written out, the coefficients would repeat it; the code stays as it is rather than grow
    assert unchanged("""
    def g(k, tape, n, dt_1):
        dx = 0.0
        dv = 1.0
        for step in range(n - 1, -1, -1):
            x_2 = tape[step]
            dx_2 = dx + dt_1 * x_2
            dx_2 = dx_2 + dt_1 * x_2
            dv_2 = dv + dx_2 * 0.01
            da = dv_2 * 0.01
            dmul_1 = -da
            dv = dv_2 + dmul_1 * 0.1
            dx = dx_2 + da * k
        return dx, dv
    """, floats=("k", "x_2", "dt_1"))


# -- compiled by Numba ---------------------------------------------------------------------------------------

def _numba():
    return pytest.importorskip("numba")


def logistic(r, x):
    for i in range(200):
        x = r * x * (1.0 - x)
    return x


def rotate(a, b, x, y):
    for i in range(50):
        x, y = a * x - b * y, b * x + a * y
    return x * y


def sine_map(r, x):
    for i in range(100):
        x = r * np.sin(x) / 2.0 + 0.1 * x
    return x


def rational(c, x):
    for i in range(30):
        x = c * x ** 2 / (1.0 + x * x)
    return x


def branchy(r, x):
    for i in range(60):
        if x > 0.5:
            x = r * x * (1.0 - x)
        else:
            x = x * (2.0 - x) * 0.9
    return x


@pytest.mark.parametrize("fn, args, rewritten", [
    (logistic, (3.1, 0.3), "dx = dx * (sub * r - mul)"),
    (rotate, (0.9, 0.3, 1.0, 0.5), "dy, dx = dy * a + dx * -b, dy * b + dx * a"),
    (sine_map, (1.7, 0.4), "dx = dx * (0.1 + r * math.cos(x_1) / 2.0)"),
    (rational, (0.9, 0.7), "dx = dx * (c * 2 * x_1 / add - mul * x_1 / add ** 2 - mul * x_1 / "),
    (branchy, (3.3, 0.2), None),     # the adjoint is assigned in both branches: left as it is
], ids=lambda v: getattr(v, "__name__", None))
def test_numba_gradients_with_shorter_chains_match_python_and_differences(fn, args, rewritten):
    numba = _numba()
    wrt = tuple(range(len(args)))
    compiled = ssagrad.grad(numba.njit(fn), wrt=wrt)
    got = compiled(*args)
    python = ssagrad.grad(fn, wrt=wrt)(*args)
    np.testing.assert_allclose(got, python, rtol=1e-12)
    for k in wrt:
        np.testing.assert_allclose(got[k], numerical_grad(fn, args, k), rtol=TOLERANCE, atol=TOLERANCE)
    if rewritten is not None:
        assert rewritten in compiled.source
    else:
        assert "dx = dx * (" not in compiled.source


# -- random recurrences ----------------------------------------------------------------------------------------

_OPERANDS = ["x", "y", "a", "b", "0.5", "1.25"]


@st.composite
def expressions(draw, depth=2):
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(_OPERANDS))
    kind = draw(st.sampled_from(["+", "-", "*", "*", "/", "sin", "cos", "neg", "sq"]))
    left = draw(expressions(depth - 1))
    if kind in ("sin", "cos"):
        return f"np.{kind}({left})"
    if kind == "neg":
        return f"-{left}"
    if kind == "sq":
        return f"({left}) ** 2"
    right = draw(expressions(depth - 1))
    if kind == "/":
        return f"({left}) / (1.5 + np.cos({right}))"
    return f"({left} {kind} {right})"


@st.composite
def recurrences(draw):
    """A loop of 12 steps updating two floats through temporaries, kept bounded by tanh."""
    lines = []
    names = []
    for k in range(draw(st.integers(0, 2))):
        name = f"t{k}"
        lines.append(f"        {name} = {draw(expressions())}")
        names.append(name)
    for target in ("x", "y"):
        body = draw(expressions())
        extra = f" + {draw(st.sampled_from(names))}" if names and draw(st.booleans()) else ""
        lines.append(f"        {target} = np.tanh({body}{extra})")
    source = "def recurrence(a, b, x, y):\n    for i in range(12):\n" + "\n".join(lines) + \
        "\n    return x * 0.75 + y * y\n"
    # without a and b, no adjoint accumulates beside the chain: more of the chains are rewritten
    return source, draw(st.sampled_from([(0, 1, 2, 3), (2, 3), (0, 2, 3)]))


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(recurrences())
def test_random_recurrences_through_numba_slow(recurrence):
    _check_recurrence(*recurrence)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(recurrences())
def test_random_recurrences_through_numba(recurrence):
    _check_recurrence(*recurrence)


def _check_recurrence(source, wrt, tmp=[]):
    numba = _numba()
    import importlib.util
    import os
    import tempfile
    if not tmp:
        tmp.append(tempfile.mkdtemp())
    path = os.path.join(tmp[0], f"recurrence_{abs(hash(source))}.py")
    with open(path, "w") as f:
        f.write("import numpy as np\n\n\n" + source)
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = module.recurrence
    args = (0.7, -0.4, 0.3, 0.9)
    python = ssagrad.grad(fn, wrt=wrt)(*args)
    compiled = ssagrad.grad(numba.njit(fn), wrt=wrt)(*args)
    scale = max(1.0, max(abs(v) for v in python))
    np.testing.assert_allclose(compiled, python, rtol=1e-10, atol=1e-12 * scale, err_msg=source)
    for k, g in zip(wrt, python):
        np.testing.assert_allclose(g, numerical_grad(fn, args, k), rtol=TOLERANCE,
                                   atol=TOLERANCE * scale,
                                   err_msg=source)


def test_a_statement_staying_that_assigns_an_adjoint_before_the_rewrite_keeps_the_code():
    # the rewritten `dy = dy * (a * b * c * 2.0)` would read dy's first value, which `dy, t = ...` has
    # replaced by then.
    # Float inference already keeps a name assigned by unpacking out of the rewrite; the run is checked
    # here with dx and dy declared floats, as a later inference might find them
    for stay in ("dy, t = tape[step]", "dy += tape[step]"):
        loop = ast.parse(textwrap.dedent(f"""
        for step in range(n - 1, -1, -1):
            u = dy * a
            w = u * b
            {stay}
            dx = w * c
            dy = dx * 2.0
        """)).body[0]
        floats = {"a", "b", "c", "u", "w", "dx", "dy"}
        stores = {"u": 1, "w": 1, "dx": 1, "dy": 2, "t": 1}
        assert adjoint_chains._factored(loop.body, floats, stores, loop) is loop.body
