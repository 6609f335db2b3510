"""Helpers with control flow, and second derivatives of everything grad accepts.

A function you call from differentiated code gets its own generated forward
and backward functions; whatever works at the top level must work there, at
any depth. And the generated gradient is ordinary Python, so ``hessian``,
``hvp`` and ``grad(grad(f))`` (forward mode over it) must accept every
function ``grad`` accepts. Each program is checked against central finite
differences (``check_grads(..., order=2)`` checks the gradient, a forward-mode
derivative and the Hessian), and against its closed form where it has one.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ssagrad
from ssagrad import DifferentiationError, check_grads

X = np.array([0.3, 0.7, -0.4])


def summed(helper, n):
    """``f(x) = np.sum(helper(x, n))``: the helper called from differentiated code."""
    def f(x):
        return np.sum(helper(x, n))
    return f


def assert_derivatives(f, x, gradient, hessian):
    """The gradient and the Hessian of ``f`` at ``x`` are the closed forms given."""
    np.testing.assert_allclose(ssagrad.grad(f)(x), gradient, rtol=1e-12)
    np.testing.assert_allclose(ssagrad.hessian(f)(x), hessian, rtol=1e-12, atol=1e-12)


# -- helpers whose result is carried through a loop ---------------------------------------------
def iterate(v, n):
    s = v
    for i in range(n):
        s = np.sin(s) + v
    return s


def power_by_loop(v, n):
    p = np.ones_like(v)
    for i in range(n):
        p = p * v
    return p


def settle(v):
    s = v
    k = 0
    while k < 3:
        s = np.sin(s) * v
        k = k + 1
    return s


def squash(v):
    return np.tanh(v) * v


class TestHelpersCarriedThroughLoops:
    def test_the_reported_program(self):
        check_grads(summed(iterate, 3), X, order=2)

    def test_power_by_a_loop_has_the_closed_form_derivatives(self):
        def f(x):
            return np.sum(power_by_loop(x, 4))
        np.testing.assert_allclose(ssagrad.grad(f)(X), 4 * X ** 3, rtol=1e-12)
        np.testing.assert_allclose(ssagrad.hessian(f)(X), np.diag(12 * X ** 2), rtol=1e-12, atol=1e-15)

    def test_a_while_loop_in_a_helper(self):
        def f(x):
            return np.sum(settle(x) ** 2)
        check_grads(f, X, order=2)

    def test_a_helper_called_in_a_loop_with_the_carried_value(self):
        def f(x):
            s = x
            for i in range(3):
                s = squash(s) + 0.5 * x
            return np.sum(s)
        check_grads(f, X, order=2)

    def test_a_loop_in_a_helper_of_one_scalar(self):
        def f(x):
            return iterate(x, 4) * x
        check_grads(f, 0.4, order=2)


# -- helpers that branch or return early --------------------------------------------------------
def reported(v):
    if np.sum(v) > 100:
        return v * 2
    else:
        r = np.cos(v)
    return r


def either(v, k):
    if k > 0:
        r = v * k
    else:
        r = np.exp(v)
    return r


def clipped_cube(v, limit):
    if np.max(np.abs(v)) > limit:
        return v * limit ** 2
    r = v ** 3
    return r


class TestHelpersThatBranch:
    def test_the_reported_program_takes_the_else_branch(self):
        def f(x):
            return np.sum(reported(x))
        np.testing.assert_allclose(ssagrad.grad(f)(X), -np.sin(X), rtol=1e-12)
        np.testing.assert_allclose(ssagrad.hessian(f)(X), np.diag(-np.cos(X)), rtol=1e-12, atol=1e-15)
        check_grads(f, X, order=2)

    def test_the_reported_program_returns_early(self):
        def f(x):
            return np.sum(reported(x) * x)
        assert_derivatives(f, X + 100.0, 4 * (X + 100.0), 4 * np.eye(3))

    def test_the_same_at_the_top_level(self):
        def f(x):
            if np.sum(x) > 100:
                return np.sum(x * 2)
            else:
                r = np.cos(x)
            return np.sum(r)
        np.testing.assert_allclose(ssagrad.grad(f)(X), -np.sin(X), rtol=1e-12)
        np.testing.assert_allclose(ssagrad.grad(f)(X + 100.0), 2 * np.ones(3))
        check_grads(f, X, order=2)

    def test_each_branch_of_one_helper_from_two_call_sites(self):
        def f(x):
            return np.sum(either(x, -1.0) + either(x, 2.0))
        np.testing.assert_allclose(ssagrad.grad(f)(X), np.exp(X) + 2.0, rtol=1e-12)
        np.testing.assert_allclose(ssagrad.hessian(f)(X), np.diag(np.exp(X)), rtol=1e-12, atol=1e-15)
        check_grads(f, X, order=2)

    @pytest.mark.parametrize("limit", [0.5, 5.0])
    def test_an_early_return_taken_or_not(self, limit):
        def f(x):
            return np.sum(clipped_cube(x, limit))
        expected = np.full(3, limit ** 2) if np.max(np.abs(X)) > limit else 3 * X ** 2
        np.testing.assert_allclose(ssagrad.grad(f)(X), expected, rtol=1e-12)
        check_grads(f, X, order=2)

    def test_a_name_bound_on_some_paths_only_is_still_refused(self):
        def f(x):
            if np.sum(x) > 0:
                r = np.sin(x)
            if np.sum(x) > 100:
                return np.sum(x)
            return np.sum(r)  # unbound when sum(x) <= 0: Python raises, ssagrad refuses
        with pytest.raises(DifferentiationError, match="'r' is assigned on some paths only"):
            ssagrad.grad(f)(X)


# -- break, continue, return inside loops ---------------------------------------------------------
def first_terms(v, n):
    acc = v * 0.0
    for i in range(n):
        if i == 1:
            continue
        acc = acc + np.sin(v * i)
        if i == 3:
            break
    return acc


def shrink(v, n):
    s = v
    for i in range(n):
        s = s * np.cos(s)
        if np.sum(s) < -100:
            return s
    return s + 1.0


def skip_odd(v):
    total = 0.0
    for i in range(4):
        if i % 2 == 1:
            continue
        else:
            t = np.sin(v) * (i + 1)
        total = total + np.sum(t * v)
    return total


class TestHelpersThatLeaveLoops:
    def test_break_and_continue(self):
        def f(x):
            return np.sum(first_terms(x, 6))
        np.testing.assert_allclose(ssagrad.grad(f)(X), 2 * np.cos(2 * X) + 3 * np.cos(3 * X), rtol=1e-12)
        check_grads(f, X, order=2)

    def test_return_inside_a_loop(self):
        check_grads(summed(shrink, 4), X, order=2)

    def test_a_name_made_only_after_a_continue(self):
        def f(x):
            return skip_odd(x)
        # terms i = 0 and 2: sum(sin(x) x) + 3 sum(sin(x) x)
        np.testing.assert_allclose(ssagrad.grad(f)(X), 4 * (np.cos(X) * X + np.sin(X)), rtol=1e-12)
        check_grads(f, X, order=2)

    def test_the_same_at_the_top_level(self):
        def f(x):
            if np.sum(x) > 100:
                return np.sum(x)
            r = x ** 3
            for i in range(3):
                if i == 1:
                    continue
                r = r * np.cos(x)
            return np.sum(r)
        check_grads(f, X, order=2)


# -- helpers calling helpers, tuple results, keyword and default arguments -------------------------
def polar(v, w):
    return v * w, np.sin(v) + w


def scaled(v, scale=2.0, *, power=2):
    return scale * v ** power


def inner(v):
    return np.tanh(v) * v


def middle(v, n):
    t = v
    for i in range(n):
        t = inner(t) + 0.1 * v
    return t


def outer(v):
    if np.max(v) > 10:
        return v
    a, b = polar(middle(v, 2), v)
    return a + scaled(b, scale=0.5)


class TestHelpersAtDepth:
    def test_a_tuple_result(self):
        def f(x):
            a, b = polar(x, x ** 2)
            return np.sum(a * b)
        # a b = x^3 (sin x + x^2)
        np.testing.assert_allclose(ssagrad.grad(f)(X), 3 * X ** 2 * np.sin(X) + X ** 3 * np.cos(X) + 5 * X ** 4,
                                   rtol=1e-12)
        check_grads(f, X, order=2)

    def test_keyword_and_default_arguments(self):
        def f(x):
            return np.sum(scaled(x) + scaled(x, 3.0) + scaled(x, power=3) + scaled(v=x, scale=0.5))
        np.testing.assert_allclose(ssagrad.grad(f)(X), 4 * X + 6 * X + 6 * X ** 2 + X, rtol=1e-12)
        positive = np.abs(X) + 0.1
        np.testing.assert_allclose(ssagrad.hessian(f)(positive), np.diag(11 + 12 * positive), rtol=1e-12)

    def test_helpers_with_loops_branches_and_tuples_three_deep(self):
        def f(x):
            return np.sum(outer(x))
        check_grads(f, X, modes=("rev", "fwd"))
        # positive: scaled's exponent is a parameter (see the test below for a negative base)
        check_grads(f, np.abs(X) + 0.1, order=2)

    def test_the_early_return_three_deep(self):
        def f(x):
            return np.sum(outer(x) * x)
        assert_derivatives(f, X + 20.0, 2 * (X + 20.0), 2 * np.eye(3))

    def test_an_integer_exponent_passed_to_a_helper_at_a_negative_base(self):
        def f(x):
            return np.sum(scaled(x, power=3))
        np.testing.assert_allclose(ssagrad.hessian(f)(X), np.diag(12 * X), rtol=1e-12)

    def test_forward_mode_through_a_tuple_result(self):
        def f(x):
            a, b = polar(x, x ** 2)
            return np.sum(a * b)
        _, derivative = ssagrad.jvp(f, (X,), (np.ones(3),))
        assert derivative == pytest.approx(np.sum(ssagrad.grad(f)(X)), rel=1e-12)


# -- second order through branches, tapes and calls ---------------------------------------------------
def branchy(x):
    if np.sum(x) > 0:
        r = np.sin(x)
    else:
        r = np.cos(x)
    return np.sum(r * x)


def alternating(x):
    s = x
    for i in range(4):
        if i % 2 == 0:
            t = np.sin(s)
        else:
            t = np.cos(s) * x
        s = t + s
    return np.sum(s)


def taped(x):
    s = x
    for i in range(3):
        s = np.sin(s) * x
    return np.sum(s)


def via_helpers(x):
    a, b = polar(x, np.cos(x))
    return np.sum(iterate(x, 2) * reported(x)) + np.sum(a * b)


class TestSecondOrder:
    @pytest.mark.parametrize("x", [X, -X])
    def test_an_if_else_assigning_on_both_paths(self, x):
        expected = np.diag(2 * np.cos(x) - x * np.sin(x)) if np.sum(x) > 0 else np.diag(-2 * np.sin(x) - x * np.cos(x))
        np.testing.assert_allclose(ssagrad.hessian(branchy)(x), expected, rtol=1e-12, atol=1e-15)
        check_grads(branchy, x, order=2)

    def test_branches_inside_a_loop(self):
        check_grads(alternating, X, order=2)

    def test_a_loop_that_saves_a_tape(self):
        check_grads(taped, X, order=2)

    def test_calls_of_user_functions(self):
        check_grads(via_helpers, X, order=2)

    def test_hvp_is_the_hessian_times_the_vector(self):
        v = np.array([0.5, -1.0, 2.0])
        for fn in (branchy, alternating, taped, via_helpers):
            np.testing.assert_allclose(ssagrad.hvp(fn)(X, v), ssagrad.hessian(fn)(X) @ v, rtol=1e-12, atol=1e-14)

    def test_grad_of_grad_of_one_scalar(self):
        def f(x):
            if x > 0:
                r = np.sin(x)
            else:
                r = np.cos(x)
            return iterate(r, 2) * x

        def second(x):
            return ssagrad.grad(ssagrad.grad(f))(x)
        for x in (0.4, -0.6):
            assert second(x) == pytest.approx(ssagrad.hessian(f)(x), rel=1e-12)
            check_grads(f, x, order=2)
        assert ssagrad.grad(ssagrad.grad(ssagrad.grad(lambda x: power_by_loop(x, 4))))(0.5) == pytest.approx(24 * 0.5)

    def test_writes_into_an_array(self):
        def f(x):
            out = np.zeros(3)
            for i in range(3):
                out[i] = np.sin(x[i]) * x[i]
            return np.sum(out ** 2)
        check_grads(f, X, order=2)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3), st.floats(-3.0, 3.0))
def test_second_derivatives_through_a_branching_helper_match_the_closed_form(values, k):
    x = np.array(values)

    def f(x):
        return np.sum(either(x, k) * x)
    # either(x, k) = k x (k > 0) or exp(x): f'' = 2k, or (2 + x) exp(x)
    expected = np.diag(np.full(3, 2 * k) if k > 0 else (2 + x) * np.exp(x))
    np.testing.assert_allclose(ssagrad.hessian(f)(x), expected, rtol=1e-12, atol=1e-12)
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ssagrad.hvp(f)(x, v), expected @ v, rtol=1e-12, atol=1e-12)
