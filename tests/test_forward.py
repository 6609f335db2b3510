"""Forward mode and higher order: jvp, vjp, jacobian, hessian, hvp, grad of grad."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ssagrad
import ssagrad.transforms as transforms
from ssagrad.check import numerical_grad


def e(a, b):
    c = a + b
    d = b + 1
    return c * d


def test_the_seed_graph_in_both_modes():
    assert ssagrad.jvp(e, (2.0, 1.0), (None, 1.0)) == (6.0, 5.0)
    assert ssagrad.jvp(e, (2.0, 1.0), (1.0, None)) == (6.0, 2.0)
    assert ssagrad.grad(e, wrt=(0, 1), mode="forward")(2.0, 1.0) == ssagrad.grad(e, wrt=(0, 1))(2.0, 1.0) == (2.0, 5.0)


def total_energy(x):
    return np.sum(np.sin(x) ** 2)


def test_one_reverse_pass_for_a_million_inputs_and_one_forward_pass_per_input(monkeypatch):
    x = np.linspace(0, 1, 10 ** 6)
    g = ssagrad.grad(total_energy)
    g(x)  # compile
    calls = []
    compiled = g.compiled_for((x,))  # the gradient specialized to x, which the call runs
    original = compiled.function
    compiled.function = lambda *a, **k: calls.append(1) or original(*a, **k)
    try:
        np.testing.assert_allclose(g(x), 2 * np.sin(x) * np.cos(x))
    finally:
        compiled.function = original
    assert len(calls) == 1  # one backward pass gives all 10^6 derivatives

    passes = []
    real_jvp = transforms.jvp
    monkeypatch.setattr(transforms, "jvp", lambda *a: passes.append(1) or real_jvp(*a))
    small = np.linspace(0, 1, 50)
    np.testing.assert_allclose(ssagrad.grad(total_energy, mode="forward")(small), 2 * np.sin(small) * np.cos(small))
    assert len(passes) == 50  # forward mode: one pass per input


def quadratic(x, A):
    return x @ A @ x


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    H = np.zeros((n, n))
    for i in range(n - 1):
        H[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        H[i, i + 1] = H[i + 1, i] = -400 * x[i]
        H[i + 1, i + 1] += 200
    return H


def test_hessians_match_closed_forms(rng):
    A = rng.normal(size=(4, 4))
    np.testing.assert_allclose(ssagrad.hessian(quadratic)(rng.normal(size=4), A), A + A.T, atol=1e-12)
    x = np.array([1.2, 0.8, -0.5, 0.3])
    np.testing.assert_allclose(ssagrad.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-12)
    v = rng.normal(size=4)
    np.testing.assert_allclose(ssagrad.hvp(rosenbrock)(x, v), rosenbrock_hessian(x) @ v, rtol=1e-12)


def tanh(x):
    return np.tanh(x)


def sine(x):
    return np.sin(x)


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.5, 2.0])
def test_derivatives_of_derivatives(x):
    t = np.tanh(x)
    assert ssagrad.grad(ssagrad.grad(tanh))(x) == pytest.approx(-2 * t * (1 - t ** 2), abs=1e-14)
    assert ssagrad.grad(ssagrad.grad(ssagrad.grad(sine)))(x) == pytest.approx(-np.cos(x), abs=1e-14)
    assert ssagrad.grad(ssagrad.grad(ssagrad.grad(ssagrad.grad(sine))))(x) == pytest.approx(np.sin(x), abs=1e-14)


def spiral(x):
    r = np.sqrt(x[0] ** 2 + x[1] ** 2)
    return np.stack([r * np.cos(x[2]), r * np.sin(x[2]), x[2] * x[0], np.tanh(r)])


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_jacobians_in_both_modes_match_finite_differences(mode, rng):
    x = rng.normal(size=3)
    J = ssagrad.jacobian(spiral, mode=mode)(x)
    assert J.shape == (4, 3)
    numeric = np.stack([numerical_grad(lambda t, i=i: spiral(t)[i], (x,), 0) for i in range(4)])
    np.testing.assert_allclose(J, numeric, rtol=1e-6, atol=1e-8)


def looped(x, w, n):
    for i in range(n):
        if np.sum(x) > 0:
            x = np.sin(x) * w
        else:
            x = x * 0.5 + w
    return x * w


def helper(z, scale=2.0):
    return np.tanh(z * scale)


def with_helpers(x, w):
    h = helper(x, scale=0.5) * w
    out = np.zeros(3)
    for i in range(3):
        out[i] = helper(h[i]) + x[i]
    return out


def with_containers(params, x):
    h = np.tanh(params["W"] @ x + params["b"])
    return h * params["scale"]


FUNCTIONS = [
    (looped, lambda r: (r.normal(size=3), r.normal(size=3), 4), (0, 1)),
    (with_helpers, lambda r: (r.normal(size=3), r.normal(size=3)), (0, 1)),
    (spiral, lambda r: (r.normal(size=3),), (0,)),
]


@pytest.mark.parametrize("fn, make, wrt", FUNCTIONS, ids=lambda v: getattr(v, "__name__", ""))
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2 ** 16))
def test_jvp_and_vjp_agree_on_random_vectors(fn, make, wrt, seed):
    """<u, J v> computed with forward mode equals <J^T u, v> computed with reverse mode."""
    rng = np.random.default_rng(seed)
    args = make(rng)
    v = [rng.normal(size=np.shape(args[i])) if i in wrt else None for i in range(len(args))]
    value, jv = ssagrad.jvp(fn, args, v)
    u = rng.normal(size=np.shape(value))
    _, pullback = ssagrad.vjp(fn, *args)
    cotangents = pullback(u)
    forward = float(np.sum(u * jv))
    reverse = sum(float(np.sum(cotangents[i] * v[i])) for i in wrt)
    assert forward == pytest.approx(reverse, rel=1e-9, abs=1e-9)


def test_forward_mode_through_dicts(rng):
    params = {"W": rng.normal(size=(2, 3)), "b": rng.normal(size=2), "scale": 1.5}
    x = rng.normal(size=3)
    tangent = {"W": rng.normal(size=(2, 3)), "b": np.zeros(2), "scale": 0.0}
    _, jv = ssagrad.jvp(with_containers, (params, x), (tangent, None))
    h = params["W"] @ x + params["b"]
    np.testing.assert_allclose(jv, (1 - np.tanh(h) ** 2) * (tangent["W"] @ x) * 1.5)


class Doubler:
    """A callable that is not a Python function: ssagrad cannot read its source, only its rules."""

    def __call__(self, x):
        return 2.0 * x


double = Doubler()


@ssagrad.adjoint(double)
def _(result, x):
    d[x] = 2.0 * d[result]


def doubled_sum(a):
    twice = double(a)
    return np.sum(twice)


def test_a_construct_without_a_tangent_rule_is_a_located_error():
    with pytest.raises(ssagrad.DifferentiationError, match="no tangent .forward-mode. rule for .*register one") as info:
        ssagrad.jvp(doubled_sum, (np.eye(2),), (np.eye(2),))
    assert "twice = double(a)" in str(info.value)
    assert ssagrad.grad(doubled_sum)(np.eye(2)) == pytest.approx(2.0 * np.ones((2, 2)))  # reverse mode works


def test_generated_tangent_code_interleaves_primal_and_tangent():
    compiled = transforms.compile_jvp(tanh, ("x",))
    lines = [line.strip() for line in compiled.source.splitlines()]
    assert lines[1:3] == ["tanh = np.tanh(x)", "dtanh = dx * (1 - tanh ** 2)"]


def three_sines(x):
    for _ in range(3):
        x = np.sin(x) * 1.5
    return np.sum(x ** 2)


def test_hessian_through_a_loop_matches_finite_differences_of_the_gradient():
    x = np.array([0.3, -0.2, 0.9])
    g = ssagrad.grad(three_sines)
    numeric = np.stack([numerical_grad(lambda t, i=i: g(t)[i], (x,), 0) for i in range(3)])
    np.testing.assert_allclose(ssagrad.hessian(three_sines)(x), numeric, rtol=1e-6, atol=1e-8)


def test_forward_mode_gradient_shows_its_tangent_code():
    source = ssagrad.grad(three_sines, mode="forward").source
    assert source.startswith("def three_sines_jvp(x, *, dx):") and "dsin = dx_1 * np.cos(x_1)" in source


def cubic(x):
    return np.sin(x) * x ** 2


def directional(x, v):
    return ssagrad.jvp(cubic, (x,), (v,))[1]


def test_grad_of_jvp_is_reverse_over_forward():
    x = 0.7
    second = 2 * np.cos(x) * x * 2 - np.sin(x) * x ** 2 + 2 * np.sin(x)  # d2/dx2 of sin(x) x^2
    assert ssagrad.grad(directional)(x, 1.0) == pytest.approx(second, rel=1e-12)
    assert ssagrad.grad(directional, wrt="v")(x, 1.0) == pytest.approx(np.cos(x) * x ** 2 + 2 * x * np.sin(x))


def batched_factorizations(a):
    s = a @ np.swapaxes(a, -1, -2) + np.diag([1.0, 2.0, 3.0])  # symmetric, positive, spread eigenvalues
    sign, logdet = np.linalg.slogdet(s)
    w, v = np.linalg.eigh(s)
    q, r = np.linalg.qr(a + 2.0 * np.eye(3))
    return (np.sum(logdet) + np.sum(np.sin(np.linalg.cholesky(s))) + np.sum(w ** 2) + np.sum(v[..., 0] ** 3)
            + np.sum(np.sin(q)) + np.sum(r ** 2) + np.sum(np.linalg.svdvals(s) ** 1.5)
            + np.sum(np.sin(np.linalg.pinv(a + 3.0 * np.eye(3)))))


@pytest.mark.parametrize("shape", [(3, 3), (2, 3, 3)])
def test_factorization_tangents_match_a_directional_difference(shape):
    rng = np.random.default_rng(3)
    a, v = rng.normal(size=shape) * 0.5, rng.normal(size=shape)
    _, derivative = ssagrad.jvp(batched_factorizations, (a,), (v,))
    step = 1e-6
    expected = (batched_factorizations(a + step * v) - batched_factorizations(a - step * v)) / (2 * step)
    assert derivative == pytest.approx(expected, rel=1e-6)


def select_with_constants(x, y):
    first = np.select([x < -0.3, x > 0.4], [2.0, y * x])            # a constant choice, default 0
    second = np.select([y > 0.1], [np.sin(x)], default=y ** 2)       # a default with a tangent
    third = np.select([x > 0.0], [1.5], default=np.cos(y))           # only the default varies
    return np.sum(first * 1.3 + second + third ** 2)


@pytest.mark.parametrize("wrt", [(0,), (1,), (0, 1)])
def test_select_tangent_with_constant_choices_and_defaults(wrt):
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(2, 7))
    directions = [rng.normal(size=7) if i in wrt else None for i in range(2)]
    _, derivative = ssagrad.jvp(select_with_constants, (x, y), directions)
    step = 1e-6
    shifted = [lambda sign, i=i: (x, y)[i] + sign * step * (directions[i] if directions[i] is not None else 0)
               for i in range(2)]
    expected = (select_with_constants(shifted[0](1), shifted[1](1))
                - select_with_constants(shifted[0](-1), shifted[1](-1))) / (2 * step)
    assert derivative == pytest.approx(expected, rel=1e-6)


def least_squares_everything(a, b):
    x, residuals, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + 0.5 * np.sum(residuals) + np.sum(sv ** 2) * 0.1


@pytest.mark.parametrize("b_shape", [(6,), (6, 2)])
@pytest.mark.parametrize("wrt", [(0,), (1,), (0, 1)])
def test_lstsq_tangents_of_solution_residuals_and_singular_values(b_shape, wrt):
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(6, 3)), rng.normal(size=b_shape)
    directions = [rng.normal(size=np.shape(v)) if i in wrt else None for i, v in enumerate((a, b))]
    _, derivative = ssagrad.jvp(least_squares_everything, (a, b), directions)
    step = 1e-6
    moved = [lambda sign, v=v, d=d: v if d is None else v + sign * step * d for v, d in zip((a, b), directions)]
    expected = (least_squares_everything(moved[0](1), moved[1](1))
                - least_squares_everything(moved[0](-1), moved[1](-1))) / (2 * step)
    assert derivative == pytest.approx(expected, rel=1e-6)
