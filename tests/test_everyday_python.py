"""Everyday Python that carries no derivative, written as a user writes it (issue 16, section 4).

Each function is checked against central finite differences (reverse mode, and forward mode where it
applies) on several shapes.
"""
import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError, check_grads

SHAPES = [(), (3,), (2, 4)]


def arrays(rng, shape, count=1):
    made = [rng.normal(size=shape) if shape != () else float(rng.normal()) for _ in range(count)]
    return made[0] if count == 1 else made


# -- `is None`, `is not None`, `in` ----------------------------------------------------------------------

def weighted(x, w=None):
    if w is None:
        w = 2.0
    return np.sum(w * x ** 2)


def maybe_scaled(x, scale=None):
    y = np.sin(x)
    if scale is not None:
        y = y * scale
    return np.sum(y ** 2)


def by_mode(x, mode="square"):
    if mode in ("square", "quad"):
        return np.sum(x ** 2)
    if mode not in ("cube",):
        return np.sum(np.abs(x))
    return np.sum(x ** 3)


def by_key(x, table):
    total = np.sum(x)
    if "scale" in table:
        total = total * table["scale"]
    if "shift" not in table:
        total = total + 1.0
    return total * np.sum(x ** 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_is_none_and_is_not_none(rng, shape):
    x, w = arrays(rng, shape, 2)
    check_grads(weighted, x, wrt=0)
    check_grads(weighted, x, w)
    check_grads(maybe_scaled, x, wrt=0)
    check_grads(maybe_scaled, x, w)


@pytest.mark.parametrize("shape", SHAPES)
def test_in_and_not_in(rng, shape):
    x = arrays(rng, shape)
    for mode in ("square", "quad", "cube", "other"):
        check_grads(by_mode, x, mode, wrt=0)
    for table in ({}, {"scale": 3.0}, {"scale": 3.0, "shift": 1.0}):
        check_grads(by_key, x, table, wrt=0)


def same_object(x, y):
    if x is y:
        return np.sum(x)
    return np.sum(x * y)


def test_is_between_two_values_of_the_function_is_refused(rng):
    with pytest.raises(DifferentiationError, match="`is` between two of the function's own values") as info:
        ssagrad.grad(same_object)(rng.normal(size=3), rng.normal(size=3))
    assert info.value.lineno is not None and "x is y" in info.value.source_line


def test_is_none_reads_as_a_test_in_the_generated_code():
    source = ssagrad.grad(weighted).source
    assert "is_(w, None)" in source


# -- has_aux, as in JAX -----------------------------------------------------------------------------------

def loss_with_metrics(W, x, y):
    pred = np.tanh(W @ x)
    loss = np.sum((pred - y) ** 2)
    accuracy = np.mean(np.abs(pred - y) < 0.5)
    return loss, (pred, accuracy)


def plain_loss(W, x, y):
    return np.sum((np.tanh(W @ x) - y) ** 2)


@pytest.mark.parametrize("m, n", [(1, 1), (3, 4), (5, 2)])
def test_grad_with_aux_returns_the_gradient_and_the_aux(rng, m, n):
    W, x, y = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)
    g, (pred, accuracy) = ssagrad.grad(loss_with_metrics, has_aux=True)(W, x, y)
    expected = check_grads(plain_loss, W, x, y, wrt=0)[0]
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    np.testing.assert_allclose(pred, np.tanh(W @ x))
    assert accuracy == np.mean(np.abs(np.tanh(W @ x) - y) < 0.5)


@pytest.mark.parametrize("m, n", [(1, 1), (3, 4)])
def test_value_and_grad_with_aux(rng, m, n):
    W, x, y = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)
    (loss, aux), (gW, gx) = ssagrad.value_and_grad(loss_with_metrics, wrt=(0, 1), has_aux=True)(W, x, y)
    assert loss == plain_loss(W, x, y)
    np.testing.assert_allclose(aux[0], np.tanh(W @ x))
    expected = check_grads(plain_loss, W, x, y, wrt=(0, 1))
    np.testing.assert_allclose(gW, expected[0], rtol=1e-12)
    np.testing.assert_allclose(gx, expected[1], rtol=1e-12)


def test_has_aux_as_a_decorator_with_a_number_as_aux():
    @ssagrad.grad(has_aux=True)
    def f(x):
        y = np.sin(x)
        return y * y, float(y)

    g, aux = f(0.3)
    assert type(g) is float and abs(g - np.sin(0.6)) < 1e-12
    assert aux == float(np.sin(0.3))


def not_a_pair(x):
    return np.sum(x ** 2)


def vector_loss(x):
    return x ** 2, 0.0


def test_has_aux_needs_a_pair_with_a_scalar_first():
    with pytest.raises(DifferentiationError, match="returns a pair") as info:
        ssagrad.grad(not_a_pair, has_aux=True)(np.ones(3))
    assert "return np.sum(x ** 2)" in info.value.source_line
    with pytest.raises(DifferentiationError, match="floating-point scalar"):
        ssagrad.grad(vector_loss, has_aux=True)(np.ones(3))
