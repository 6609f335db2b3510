"""Rules checked against closed forms and at their special points (the table in test_rule_table.py covers FD)."""
import numpy as np
import pytest

import ssagrad
from gradcheck import assert_matches_finite_differences


def square(x):
    return np.sum(x ** 2)


def cube_float_power(x):
    return np.sum(x ** 3.0)


def reciprocal_power(x):
    return np.sum(x ** -1)


@pytest.mark.parametrize("fn, closed_form", [
    (square, lambda x: 2 * x), (cube_float_power, lambda x: 3 * x ** 2), (reciprocal_power, lambda x: -x ** -2.0),
])
def test_constant_powers_match_closed_forms(fn, closed_form):
    x = np.array([0.5, 1.5, -2.0])
    np.testing.assert_allclose(ssagrad.grad(fn)(x), closed_form(x), rtol=1e-14)


def relu_sum(x):
    return np.sum(np.maximum(x, 0.0))


def min_sum(x, y):
    return np.sum(np.minimum(x, y))


def max_all(x):
    return np.max(x)


def test_maximum_minimum_and_max_split_ties_evenly():
    np.testing.assert_array_equal(ssagrad.grad(relu_sum)(np.array([-1.0, 0.0, 2.0])), [0.0, 0.5, 1.0])
    x = np.array([1.0, 2.0, 3.0])
    y = np.array([2.0, 2.0, 2.0])
    np.testing.assert_array_equal(ssagrad.grad(min_sum, wrt=(0, 1))(x, y), ([1.0, 0.5, 0.0], [0.0, 0.5, 1.0]))
    np.testing.assert_array_equal(ssagrad.grad(max_all)(np.array([3.0, 1.0, 3.0, 3.0])), [1 / 3, 0, 1 / 3, 1 / 3])


def plain_sum(x):
    return np.sum(x)


def plain_mean(x):
    return np.mean(x)


@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (0,)], ids=str)
def test_sum_and_mean_closed_forms(shape):
    x = np.ones(shape)
    np.testing.assert_array_equal(ssagrad.grad(plain_sum)(x), np.ones(shape))
    if x.size:
        np.testing.assert_allclose(ssagrad.grad(plain_mean)(x), np.full(shape, 1 / x.size))


def method_sums(x):
    return x.sum() + x.mean(axis=0).sum() + np.sum(x.T * 2) + x.max() + x.prod() + x.std()


def test_array_methods_lower_to_numpy_rules():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    assert_matches_finite_differences(method_sums, (x,), wrt=(0,))


# -- NaN safety: the branch np.where does not take stays out of the gradient ---------------------

def masked_log(x):
    return np.sum(np.where(x > 0, np.log(x), 0.0))


def masked_sqrt(x):
    return np.sum(np.where(x > 0, np.sqrt(x), x))


def masked_division(x):
    return np.sum(np.where(x != 0, 1.0 / x, 0.0))


def test_where_keeps_nan_and_inf_of_the_branch_not_taken_out_of_the_gradient():
    x = np.array([0.0, 1.0, 4.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(ssagrad.grad(masked_log)(x), [0.0, 1.0, 0.25])
        np.testing.assert_array_equal(ssagrad.grad(masked_sqrt)(x), [1.0, 0.5, 0.25])
        np.testing.assert_array_equal(ssagrad.grad(masked_division)(x), [0.0, -1.0, -1 / 16])


def sqrt_at_zero(x):
    return np.sqrt(x)


def test_sqrt_at_zero_is_infinite_not_nan():
    with np.errstate(divide="ignore"):
        assert ssagrad.grad(sqrt_at_zero)(np.float64(0.0)) == np.inf


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def test_logsumexp_written_the_usual_way_is_stable():
    x = np.array([1000.0, 1001.0, 999.0])
    g = ssagrad.grad(logsumexp)(x)
    softmax = np.exp(x - x.max()) / np.sum(np.exp(x - x.max()))
    np.testing.assert_allclose(g, softmax, rtol=1e-12)
    assert np.all(np.isfinite(g))


def cumprod_total(x):
    return np.sum(np.cumprod(x))


def test_cumprod_with_zeros_matches_the_closed_form():
    x = np.array([2.0, 0.0, 3.0, 4.0])
    # d/dx_i sum_j prod_{k<=j} x_k = sum_{j>=i} prod_{k<=j, k!=i} x_k
    expected = [1.0, 2.0 + 2 * 3 + 2 * 3 * 4, 0.0, 0.0]
    np.testing.assert_allclose(ssagrad.grad(cumprod_total)(x), expected)


def float32_chain(x):
    return np.sum(np.tanh(x) * np.exp(x))


def test_float32_in_float32_out_and_float64_stays():
    for dtype in (np.float32, np.float64):
        g = ssagrad.grad(float32_chain)(np.linspace(-1, 1, 5).astype(dtype))
        assert g.dtype == dtype


def unused_rule_arguments(x):
    return np.sum(np.sum(x, dtype=np.float64, axis=0))


def test_keyword_arguments_a_rule_does_not_need_are_accepted():
    np.testing.assert_array_equal(ssagrad.grad(unused_rule_arguments)(np.ones((2, 2))), np.ones((2, 2)))


def svd_vectors(x):
    u, s, vt = np.linalg.svd(x)
    return np.sum(u)


def residuals(a, b):
    x, res, rank, sv = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(res)


def test_unsupported_cases_of_supported_functions_say_so():
    with pytest.raises(NotImplementedError, match="full_matrices=False"):  # a rectangular full U
        ssagrad.grad(svd_vectors)(np.arange(6.0).reshape(3, 2))
    a, b = np.random.default_rng(0).normal(size=(5, 2)), np.ones(5)
    with pytest.raises(NotImplementedError, match="residuals returned by np.linalg.lstsq"):
        ssagrad.grad(residuals)(a, b)
