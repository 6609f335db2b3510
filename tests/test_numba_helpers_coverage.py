"""Numba gradients through the helpers of runtime/numba_cuts.py (np.concatenate, np.stack, np.column_stack,
np.linspace, np.cumsum, np.clip, np.diff, np.prod): each compiled by Numba, equal to the Python gradient
to rounding and to central differences, on two shapes."""
import numpy as np
import pytest

numba = pytest.importorskip("numba")

import ssagrad  # noqa: E402
from ssagrad.check import numerical_grad  # noqa: E402


def _check(f, args):
    """The Numba gradient of f in every argument: compiled, the Python gradient's numbers, and central
    differences'."""
    wrt = tuple(range(len(args)))
    gradient = ssagrad.grad(f, wrt=wrt)
    compiled = gradient(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    assert gradient._last.translated.dispatcher.signatures  # compiled by Numba, not run in Python
    python = ssagrad.grad(f.py_func, wrt=wrt)(*[np.copy(a) if isinstance(a, np.ndarray) else a for a in args])
    for i, (got, want) in enumerate(zip(compiled, python)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got, numerical_grad(f.py_func, args, i), rtol=1e-7, atol=1e-8)


rng = np.random.default_rng(3)


@numba.njit
def concatenated(x, y):
    return np.sum(np.sin(np.concatenate((x, y))))


@numba.njit
def concatenated_columns(x, y):
    return np.sum(np.sin(np.concatenate((x, y), axis=1)) * np.cos(np.concatenate((y, x), axis=1)))


def test_concatenate():
    _check(concatenated, (rng.normal(size=3), rng.normal(size=2)))
    _check(concatenated, (rng.normal(size=(2, 3)), rng.normal(size=(1, 3))))
    _check(concatenated_columns, (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))))


@numba.njit
def stacked(x, y):
    return np.sum(np.sin(np.stack((x, y))) * np.cos(np.stack((y, x, x), axis=-1)[..., 0]))


def test_stack():
    _check(stacked, (rng.normal(size=4), rng.normal(size=4)))
    _check(stacked, (rng.normal(size=(2, 3)), rng.normal(size=(2, 3))))


@numba.njit
def column_stacked(x, y):
    return np.sum(np.sin(np.column_stack((x, y))))


def test_column_stack():
    _check(column_stacked, (rng.normal(size=3), rng.normal(size=3)))
    _check(column_stacked, (rng.normal(size=4), rng.normal(size=(4, 2))))


@numba.njit
def ramp5(a, b):
    return np.sum(np.sin(np.linspace(a, b, 5)))


@numba.njit
def ramp2(a, b):
    return np.sum(np.sin(np.linspace(a, b, 2)) * 3.0)


def test_linspace():
    _check(ramp5, (0.3, 1.7))
    _check(ramp2, (-0.4, 2.2))


@numba.njit
def cumulative(x):
    return np.sum(np.sin(np.cumsum(x)))


def test_cumsum():
    _check(cumulative, (rng.normal(size=5),))
    _check(cumulative, (rng.normal(size=(3, 2)),))


@numba.njit
def clipped(x):
    return np.sum(np.sin(np.clip(x, -0.5, 0.5)) + np.clip(x, -1.0, 2.0) ** 2)


@numba.njit
def clipped_open(x, high):
    return np.sum(np.sin(np.clip(x, None, 0.5)) + np.clip(x, -1.0, None) ** 2 + np.clip(x, -0.3, high) ** 3)


def test_clip():
    # values away from the bounds (central differences across a kink are meaningless)
    _check(clipped, (np.array([-1.3, -0.2, 0.1, 0.8, 1.7, 2.6]),))
    _check(clipped, (np.array([[-0.9, 0.3, 0.45], [2.4, -0.05, 0.7]]),))
    _check(clipped_open, (np.array([-1.3, -0.2, 0.1, 0.8, 1.7]), np.array([0.0, 0.5, 0.05, 2.0, 1.0])))


@numba.njit
def differences(x):
    return np.sum(np.sin(np.diff(x)) * np.cos(np.diff(x, 2)).sum())


def test_diff():
    _check(differences, (rng.normal(size=6),))
    _check(differences, (rng.normal(size=(3, 5)),))


@numba.njit
def product(x):
    return np.prod(x) * np.sum(x)


def test_prod():
    _check(product, (rng.normal(size=5),))
    _check(product, (rng.normal(size=(2, 3)),))
    with_zero = np.array([1.5, 0.0, -2.0, 0.7])  # the entry at 0 gets the product of the others
    np.testing.assert_array_equal(ssagrad.grad(product)(with_zero.copy()),
                                  ssagrad.grad(product.py_func)(with_zero.copy()))


def test_diff_hessian():
    """A Hessian of np.diff compiles (diff_tangent in the tangent code): the Python Hessian's numbers, and
    each column central differences of the gradient."""
    for x in (rng.normal(size=5), rng.normal(size=(2, 4))):
        compiled = ssagrad.hessian(differences)(x.copy())
        np.testing.assert_allclose(compiled, ssagrad.hessian(differences.py_func)(x.copy()), rtol=1e-12, atol=1e-14)
        gradient = ssagrad.grad(differences.py_func)
        for i in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[i] = 1e-6
            column = (gradient(x + step) - gradient(x - step)) / 2e-6
            np.testing.assert_allclose(compiled[(Ellipsis,) + i], column, rtol=1e-6, atol=1e-7)
