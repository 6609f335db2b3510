"""Second derivatives by reverse mode over the generated gradient (reverse over reverse), as a user asks for them.

``ssagrad.hessian(f, mode="reverse")`` runs the gradient of ``f`` once and its own backward sweep once per
row; ``ssagrad.hvp(f, mode="reverse")`` seeds that sweep with the vector; ``ssagrad.grad(g, mode="reverse")``
of a derivative ``g`` takes its gradient in reverse mode. Each must equal forward over reverse (the default)
and central differences of the gradient, for programs with branches, loops, helpers, writes into arrays,
broadcasting and matrix products.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ssagrad
from ssagrad import DifferentiationError

X = np.array([0.3, 0.7, -0.4])
V = np.array([1.0, -2.0, 0.5])
W = np.array([[0.5, -1.0, 0.25], [2.0, 0.3, -0.7]])


def differences_of_the_gradient(f, x, *rest):
    """Row k: central differences of the k-th entry of f's gradient."""
    gradient = ssagrad.grad(f)
    rows = [ssagrad.numerical_grad(lambda y, k=k: np.asarray(gradient(y, *rest))[k], (x,), 0)
            for k in np.ndindex(np.shape(x))]
    return np.reshape(np.stack(rows), np.shape(x) + np.shape(x))


def assert_second_order(f, x, *rest):
    """Reverse over reverse equals forward over reverse (to rounding) and differences of the gradient."""
    reverse = ssagrad.hessian(f, mode="reverse")(x, *rest)
    forward = ssagrad.hessian(f)(x, *rest)
    np.testing.assert_allclose(reverse, forward, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(reverse, differences_of_the_gradient(f, x, *rest), rtol=1e-6, atol=1e-6)
    v = np.reshape(np.arange(1.0, np.size(x) + 1.0) * (-1.0) ** np.arange(np.size(x)), np.shape(x))
    product = ssagrad.hvp(f, mode="reverse")(x, *rest, v)
    np.testing.assert_allclose(product, ssagrad.hvp(f)(x, *rest, v), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.ravel(product), np.reshape(reverse, (np.size(x), -1)) @ np.ravel(v),
                               rtol=1e-10, atol=1e-12)


# -- the programs --------------------------------------------------------------------------------------------
def smooth(x):
    return np.sum(np.sin(x) * x ** 2) + np.cos(x[0]) * np.exp(x[1])


def branchy(x):
    if np.sum(x) > 0:
        r = np.sin(x)
    else:
        r = np.cos(x) * 2.0
    return np.sum(r * x)


def taped(x):
    s = x
    for i in range(4):
        if i % 2 == 0:
            s = np.sin(s) * x
        else:
            s = s * s + x
    return np.sum(s)


def settle(x):
    s = x
    k = 0
    while k < 3:
        s = np.tanh(s) * x + 0.5
        k = k + 1
    return np.sum(s ** 2)


def powers(x):
    s = np.ones(3)
    for i in range(1, 4):
        s = s + x ** i
    return np.sum(s * x)


def squash(v, k):
    return np.tanh(v * k) * v


def either(v, k):
    if k > 0:
        return v * k
    return np.exp(v)


def with_helpers(x):
    return np.sum(squash(x, 2.0) * either(x, -1.0)) + np.sum(either(x, 3.0) ** 2)


def scaled(v, scale=2.0, *, power=2):
    return scale * v ** power


def cubed_by_a_helper(x):
    return np.sum(scaled(x, power=3))


def duplicate_writes(x):
    out = np.zeros(4)
    out[[0, 2, 2]] = np.sin(x) * x
    out[1] = x[0] * x[1]
    return np.sum(out ** 2 * np.arange(1.0, 5.0))


def slice_writes(x):
    out = np.ones(3)
    out[1:] = x[:2] ** 2
    return np.sum(np.tanh(out) * x)


def accumulated(x):
    out = np.zeros(2)
    np.add.at(out, [0, 1, 0], x * x[0])
    return np.sum(np.sin(out))


def broadcasting(x):
    table = x[:, None] * x[None, :] + np.sin(x)
    return np.sum(table ** 2) / (1.0 + np.mean(x ** 2))


def matrices(x):
    h = np.tanh(W @ x)
    return np.sum(h ** 2) + x @ W.T @ W @ x + np.dot(x, np.sin(x))


def reductions(x):
    centered = x - np.mean(x)
    return np.var(x * 2.0) + np.max(x ** 2) + np.sum(np.cumsum(centered ** 2)) + np.sum(np.sort(x) * V)


def rearranged(x):
    grid = np.reshape(np.concatenate([x, x ** 2]), (2, 3))
    first, _, last = np.split(grid, 3, axis=1)
    return (np.sum(np.stack([first, last]) ** 3) + np.sum(np.tile(x, 2) * np.repeat(x, 2))
            + np.trace(np.outer(x, np.sin(x))) + np.sum(np.take(x, [0, 2, 2]) ** 2))


def products(x):
    return np.vdot(x, x * 2.0) + np.sum(np.kron(x, np.sin(x))) + np.sum(np.inner(x, np.cos(x)) ** 2) \
        + np.sum(np.tensordot(np.outer(x, x), np.outer(x, V)) ** 2)


def selected(x):
    chosen = np.where(x > 0.5, x ** 2, np.sin(x))
    picked = np.select([x < -0.55, x > 0.6], [x * 3.0, np.exp(x)], x ** 3)
    return np.sum(chosen * picked) + np.sum(np.clip(x, -0.35, 0.65) ** 2)


PROGRAMS = [smooth, branchy, taped, settle, powers, with_helpers, cubed_by_a_helper, duplicate_writes, slice_writes,
            accumulated, broadcasting, matrices, reductions, rearranged, products, selected]


@pytest.mark.parametrize("f", PROGRAMS, ids=[f.__name__ for f in PROGRAMS])
def test_hessians_by_reverse_over_reverse(f):
    assert_second_order(f, X)
    assert_second_order(f, -X[::-1].copy())


def loop_writes(x):
    out = np.zeros(3)
    for i in range(3):
        out[i] = np.sin(x[i]) * x[i]
    return np.sum(out ** 2)


def test_writes_in_a_loop_by_reverse_over_reverse():
    assert_second_order(loop_writes, X)


def test_a_hessian_in_another_argument():
    def quadratic(x, a):
        return x @ a @ x + np.sum(np.sin(a) * np.outer(x, x))
    a = np.arange(9.0).reshape(3, 3) / 9.0
    hessian = ssagrad.hessian(quadratic, wrt="a", mode="reverse")(X, a)
    np.testing.assert_allclose(hessian, ssagrad.hessian(quadratic, wrt="a")(X, a), rtol=1e-10, atol=1e-12)
    assert hessian.shape == (3, 3, 3, 3)


def test_an_integer_power_of_a_negative_base_has_a_finite_hessian_both_ways():
    # x ** i with i a loop index saved on the tape, and x ** 3 inside a helper: the exponent has no derivative
    for f in (powers, cubed_by_a_helper):
        for mode in ("forward", "reverse"):
            assert np.all(np.isfinite(ssagrad.hessian(f, mode=mode)(np.array([-0.5, -1.5, 2.0]))))
    np.testing.assert_allclose(ssagrad.hessian(powers, mode="reverse")(X), np.diag(2 + 6 * X + 12 * X ** 2),
                               rtol=1e-12)


# -- derivatives of derivatives of one number -----------------------------------------------------------------
def sine(x):
    return np.sin(x)


def wavy(x):
    s = x
    for i in range(3):
        if s > 0:
            s = np.sin(s) * x
        else:
            s = s * s - x
    return s


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.5, 2.0])
def test_grad_of_grad_in_reverse_mode(x):
    second = ssagrad.grad(ssagrad.grad(sine), mode="reverse")
    assert second(x) == pytest.approx(-np.sin(x), abs=1e-14)
    third = ssagrad.grad(second, mode="reverse")
    assert third(x) == pytest.approx(-np.cos(x), abs=1e-14)
    # the orders mix: forward over reverse over reverse, reverse over forward over reverse
    assert ssagrad.grad(second)(x) == pytest.approx(-np.cos(x), abs=1e-14)
    assert ssagrad.grad(ssagrad.grad(ssagrad.grad(sine)), mode="reverse")(x) == pytest.approx(-np.cos(x), abs=1e-14)
    assert "reverse mode" in repr(second)


@pytest.mark.parametrize("x", [-0.8, 0.3, 1.1])
def test_grad_of_grad_through_branches_and_a_loop(x):
    reverse = ssagrad.grad(ssagrad.grad(wavy), mode="reverse")(x)
    assert reverse == pytest.approx(ssagrad.grad(ssagrad.grad(wavy))(x), rel=1e-12, abs=1e-14)
    first = ssagrad.grad(wavy)
    assert reverse == pytest.approx(ssagrad.numerical_grad(first, (x,), 0), rel=1e-6, abs=1e-8)


def test_grad_of_grad_refuses_an_array_instead_of_summing_the_hessian():
    def f(x):
        return np.sum(np.sin(x))
    for mode in ("forward", "reverse"):
        with pytest.raises(TypeError, match="use ssagrad.hessian or ssagrad.hvp"):
            ssagrad.grad(ssagrad.grad(f), mode=mode)(X)


def test_modes_are_checked_and_the_defaults_unchanged():
    with pytest.raises(ValueError, match="'forward' .* or 'reverse'"):
        ssagrad.hessian(smooth, mode="backward")
    with pytest.raises(ValueError, match="'forward' .* or 'reverse'"):
        ssagrad.hvp(smooth, mode="auto")
    assert ssagrad.grad(smooth).mode == "reverse"
    assert ssagrad.grad(ssagrad.grad(sine)).mode == "forward"


def test_a_function_without_a_rule_for_its_second_derivative_says_where():
    def f(x):
        return np.linalg.det(np.outer(x, x) + np.eye(3))
    with pytest.raises(DifferentiationError, match="det_grad"):
        ssagrad.hessian(f, mode="reverse")(X)


# -- hypothesis-drawn inputs (0 included: powers at 0 have their derivatives, issue 16) ------------------
@settings(max_examples=20, deadline=None)
@given(hnp.arrays(np.float64, 3, elements=st.floats(-2.0, 2.0)), st.sampled_from(PROGRAMS))
def test_both_orders_agree_on_drawn_inputs(x, f):
    reverse = ssagrad.hessian(f, mode="reverse")(x)
    np.testing.assert_allclose(reverse, ssagrad.hessian(f)(x), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(reverse, np.swapaxes(reverse, 0, 1), rtol=1e-9, atol=1e-9)  # a Hessian is symmetric
