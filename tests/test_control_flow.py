"""Control flow in reverse mode, against central finite differences (and closed forms)."""
import ast

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ssagrad
from gradcheck import assert_matches_finite_differences


def check(fn, *args, wrt=None):
    wrt = tuple(range(len(args))) if wrt is None else wrt
    return assert_matches_finite_differences(fn, args, wrt)


# -- branches ---------------------------------------------------------------------

def piecewise(x):
    if x < -1.0:
        y = -x ** 2
    elif x < 1.0:
        y = 2.0 * x + 1.0
    else:
        y = np.sin(x) * 3.0
    return y


@pytest.mark.parametrize("x, slope", [(-2.0, 4.0), (-0.5, 2.0), (0.5, 2.0), (2.0, 3 * np.cos(2.0))])
def test_piecewise_on_each_side_of_each_branch(x, slope):
    assert ssagrad.grad(piecewise)(x) == pytest.approx(slope, rel=1e-14)
    check(piecewise, x)


def relu(x):
    if x > 0:
        return x
    return 0.0


def absolute(x):
    return x if x >= 0 else -x


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.5, 3.0])
def test_relu_with_if_and_abs_with_a_conditional_expression(x):
    assert ssagrad.grad(relu)(x) == (1.0 if x > 0 else 0.0)
    assert ssagrad.grad(absolute)(x) == np.sign(x)


def clipped(x, low, high):
    inside = low < x < high
    if inside and not x == 0.0:
        return x ** 3
    if x <= low or x >= high:
        return 5.0 * x
    return x


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.5, 2.5])
def test_and_or_not_and_chained_comparisons(x):
    check(clipped, x, -1.0, 2.0, wrt=(0,))


def branch_on_array(x, w):
    if np.sum(x) > 0:
        out = np.tanh(x) * w
    else:
        out = x ** 2 * w
    return np.sum(out)


def test_branches_on_arrays_with_broadcasting(rng):
    w = rng.normal(size=(2, 1))
    check(branch_on_array, np.abs(rng.normal(size=(2, 3))), w)
    check(branch_on_array, -np.abs(rng.normal(size=(2, 3))), w)


def one_sided(x):
    y = x * 2.0
    if x > 0:
        y = y * x
    return y


def test_a_branch_without_else_passes_values_through():
    assert ssagrad.grad(one_sided)(3.0) == 12.0
    assert ssagrad.grad(one_sided)(-3.0) == 2.0


# -- loops ------------------------------------------------------------------------

def euler(x0, k, steps):
    x = x0
    dt = 0.01
    for _ in range(steps):
        x = x + dt * (-k * x)
    return x


@pytest.mark.parametrize("steps", [100, 1000])
def test_explicit_euler_matches_the_closed_form(steps):
    x0, k, dt = 1.5, 0.7, 0.01
    dx0, dk = ssagrad.grad(euler, wrt=(0, 1))(x0, k, steps)
    factor = 1 - dt * k
    assert dx0 == pytest.approx(factor ** steps, rel=1e-12)
    assert dk == pytest.approx(x0 * steps * factor ** (steps - 1) * -dt, rel=1e-12)
    check(euler, x0, k, steps, wrt=(0, 1))


def rnn(W, U, b, h, xs):
    for x_t in xs:
        h = np.tanh(W @ h + U @ x_t + b)
    return np.sum(h ** 2)


def test_rnn_over_a_sequence(rng):
    args = (rng.normal(size=(4, 4)) * 0.5, rng.normal(size=(4, 3)), rng.normal(size=4),
            rng.normal(size=4), rng.normal(size=(6, 3)))
    check(rnn, *args, wrt=(0, 1, 2, 3, 4))


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = 0.5 * (x + a / x)
    return x


@pytest.mark.parametrize("a", [0.5, 2.0, 10.0])
def test_newton_iterations_with_while_and_tolerance(a):
    assert ssagrad.grad(newton_sqrt)(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-9)


def until_over(x, limit):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] ** 2
        if total > limit:
            break
    return total


def test_break_on_a_data_dependent_condition():
    x = np.array([0.5, 1.0, 2.0, 0.3])
    g = check(until_over, x, 1.0, wrt=(0,))[0]
    np.testing.assert_allclose(g, [1.0, 2.0, 0.0, 0.0])  # stopped after the second term
    np.testing.assert_allclose(ssagrad.grad(until_over)(x, 100.0), 2 * x)


def positive_cubes(x):
    s = 0.0
    for v in x:
        if v < 0:
            continue
        s = s + v ** 3
    return s


def test_continue_skips_terms():
    x = np.array([0.5, -1.0, 2.0, -0.3])
    np.testing.assert_allclose(ssagrad.grad(positive_cubes)(x), np.where(x > 0, 3 * x ** 2, 0.0))
    check(positive_cubes, x)


def first_large(x):
    for i in range(len(x)):
        if x[i] > 1.0:
            return x[i] * 10.0
    return np.sum(x)


def test_early_return_inside_a_loop():
    np.testing.assert_allclose(ssagrad.grad(first_large)(np.array([0.5, 2.0, 3.0])), [0.0, 10.0, 0.0])
    np.testing.assert_allclose(ssagrad.grad(first_large)(np.array([0.5, 0.2])), [1.0, 1.0])


def matvec_norm(A, v):
    n, m = np.shape(A)
    total = 0.0
    for i in range(n):
        acc = 0.0
        for j in range(m):
            acc = acc + A[i, j] * v[j]
        total = total + acc ** 2
    return total


def matvec_norm_numpy(A, v):
    return np.sum((A @ v) ** 2)


def test_nested_loops_match_the_numpy_version(rng):
    A, v = rng.normal(size=(3, 4)), rng.normal(size=4)
    for ours, reference in zip(ssagrad.grad(matvec_norm, wrt=(0, 1))(A, v),
                               ssagrad.grad(matvec_norm_numpy, wrt=(0, 1))(A, v)):
        np.testing.assert_allclose(ours, reference, rtol=1e-12)
    check(matvec_norm, A, v)


def power_loop(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y + x


def count_down(x, n):
    while n > 0:
        x = np.sin(x)
        n = n - 1
    return x


def test_loops_that_run_zero_times():
    assert ssagrad.grad(power_loop)(3.0, 0) == 1.0
    assert ssagrad.grad(power_loop)(3.0, 4) == 4 * 27.0 + 1.0
    assert ssagrad.grad(count_down)(0.3, 0) == 1.0
    assert ssagrad.grad(count_down)(0.3, 1) == pytest.approx(np.cos(0.3))


def zipped(a, b):
    total = 0.0
    for x, y in zip(a, b):
        total = total + x * y
    for i, x in enumerate(a):
        total = total + i * x
    for x in reversed(b):
        total = total * 0.5 + x
    for i in reversed(range(3)):
        total = total + i * np.sum(a)
    return total


def test_zip_enumerate_and_reversed(rng):
    check(zipped, rng.normal(size=4), rng.normal(size=3))


def swap_in_loop(a, b, n):
    for _ in range(n):
        a, b = b, a * 2.0
    return a + 3.0 * b


def test_carried_values_that_swap():
    # after 3 steps: a = 2b, b = 4a  (a, b) -> (b, 2a) -> (2a, 2b) -> (2b, 4a)
    assert ssagrad.grad(swap_in_loop, wrt=(0, 1))(1.0, 1.0, 3) == (12.0, 2.0)


# -- what the tape holds ----------------------------------------------------------------

def invariant_matrix(W, x, n):
    for _ in range(n):
        x = np.tanh(W @ x)
    return np.sum(x)


def tape_items(source):
    """The values appended to each tape in generated source."""
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)
             and isinstance(n.func, ast.Attribute) and n.func.attr == "append"]
    return [[ast.unparse(e) for e in (c.args[0].elts if isinstance(c.args[0], ast.Tuple) else [c.args[0]])]
            for c in calls]


def test_the_tape_holds_only_what_the_reversed_body_reads():
    source = ssagrad.grad(invariant_matrix, wrt=(0, 1)).source
    items = tape_items(source)
    assert len(items) == 1 and "W" not in items[0]  # the loop-invariant matrix is never pushed
    assert set(items[0]) == {"x_1", "x_2"}          # the carried value in, and tanh's result


def computed_in_the_loop(logw, x, n, noise):
    for i in range(n):
        w = np.exp(logw)            # the same every iteration: kept once
        scale = 2.0 * np.ones(3)    # the same
        row = noise[i]              # changes with i: on the tape (as it is read)
        x = np.tanh(w @ x) * scale + row * x
    return np.sum(x ** 2)


def written_invariant(logw, x, n):
    for i in range(n):
        w = np.exp(logw)
        w[0, 0] = x[0]              # written: not the same every iteration
        x = np.tanh(w @ x)
    return np.sum(x ** 2)


def nested_invariant(logw, x, n):
    for j in range(2):
        logw = logw * 0.9
        for i in range(n):
            w = np.exp(logw)        # the same in the inner loop, not from one outer iteration to the next
            x = np.tanh(w @ x)
    return np.sum(x ** 2)


def test_values_a_loop_computes_the_same_every_iteration_are_kept_once():
    rng = np.random.default_rng(3)
    logw, x, noise = rng.normal(size=(3, 3)) * 0.3, rng.normal(size=3), rng.normal(size=(5, 3)) * 0.1
    for n in (0, 1, 5):
        check(computed_in_the_loop, logw, x, n, noise, wrt=(0, 1, 3))
        check(written_invariant, logw, x, n, wrt=(0, 1))
        check(nested_invariant, logw, x, n, wrt=(0, 1))
        hessian_vector = ssagrad.hvp(computed_in_the_loop, wrt=0)(logw, x, n, noise, np.ones((3, 3)))
        expected = (ssagrad.grad(computed_in_the_loop)(logw + 1e-6, x, n, noise)
                    - ssagrad.grad(computed_in_the_loop)(logw - 1e-6, x, n, noise)) / 2e-6
        np.testing.assert_allclose(hessian_vector, expected, rtol=1e-5, atol=1e-8)
    items = tape_items(ssagrad.grad(computed_in_the_loop, wrt=(0, 1, 3)).source_for(logw, x, 5, noise))
    assert len(items) == 1 and not {"w", "scale", "ones"} & set(items[0]) and "row" in items[0]
    written = tape_items(ssagrad.grad(written_invariant, wrt=(0, 1)).source_for(logw, x, 5))
    assert "w" in written[0]
    nested = tape_items(ssagrad.grad(nested_invariant, wrt=(0, 1)).source_for(logw, x, 5))
    assert any("w" in items for items in nested)


def no_saved_values(x, n):
    for _ in range(n):
        x = x * 2.0 + 1.0
    return x


def shifts_only(x, n):
    for _ in range(n):
        x = x + 1.0
    return x


def test_a_loop_whose_adjoint_reads_nothing_counts_iterations():
    source = ssagrad.grad(no_saved_values).source
    assert "tape" not in source and "count" in source
    assert ssagrad.grad(no_saved_values)(2.0, 5) == 32.0
    # and a reversed loop that would do nothing is not generated at all
    assert ssagrad.grad(shifts_only).source.count("for ") == 1
    assert ssagrad.grad(shifts_only)(2.0, 5) == 1.0


def test_generated_source_keeps_the_loop_structure():
    source = ssagrad.grad(euler).source
    tree = ast.parse(source)
    loops = [n for n in ast.walk(tree) if isinstance(n, ast.For)]
    assert len(loops) == 2
    assert ast.unparse(loops[0].iter) == "range(steps)"
    assert ast.unparse(loops[1].iter) == "reversed(tape)"


# -- random programs of one shape: random inputs and trip counts ---------------------------

def damped(x, w, n):
    for i in range(n):
        if np.sum(x) > 0:
            x = np.sin(x) * w
        else:
            x = x * 0.5 + w
    return np.sum(x ** 2)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(0, 12), seed=st.integers(0, 2 ** 16))
def test_random_inputs_and_trip_counts(n, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=3), rng.normal(size=3)
    check(damped, x, w, n, wrt=(0, 1))


def long_integration(x, k, n):
    for i in range(n):
        x = x + 0.001 * np.sin(-k * x)
        if np.sum(x) > 1e6:
            break
    return np.sum(x ** 2)


@pytest.mark.parametrize("n", [0, 1, 7, 50, 401])
def test_checkpointed_loops_give_the_same_gradients(n):
    x, k = np.linspace(0.1, 1.0, 4), 0.7
    plain = ssagrad.grad(long_integration, wrt=(0, 1))(x, k, n)
    checkpointed = ssagrad.grad(long_integration, wrt=(0, 1), checkpoint=True)(x, k, n)
    np.testing.assert_allclose(checkpointed[0], plain[0], rtol=1e-13)
    assert checkpointed[1] == pytest.approx(plain[1], rel=1e-13)


def test_checkpointing_keeps_a_small_fraction_of_the_tape():
    import tracemalloc
    x, k, n = np.linspace(0.1, 1.0, 200), 0.7, 4000
    peaks = []
    for checkpoint in (False, True):
        g = ssagrad.grad(long_integration, checkpoint=checkpoint)
        g(x, k, 2)  # compile first
        tracemalloc.start()
        g(x, k, n)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < 0.1 * peaks[0]
