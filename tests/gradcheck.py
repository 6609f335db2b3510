"""Shared checks: ssagrad's gradient against central finite differences."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import ssagrad
from ssagrad.check import TOLERANCE, numerical_grad


def assert_matches_finite_differences(fn, args, wrt):
    """Every gradient in ``wrt`` equals central differences, and has its input's shape and type."""
    grads = ssagrad.grad(fn, wrt=tuple(wrt))(*args)
    scale = max(1.0, float(np.max(np.abs(fn(*args)), initial=0.0)))
    for index, g in zip(wrt, grads):
        x = args[index]
        assert np.shape(g) == np.shape(x), f"gradient shape {np.shape(g)} != input shape {np.shape(x)}"
        assert type(g) is type(x) or (isinstance(x, np.ndarray) and isinstance(g, np.ndarray))
        expected = numerical_grad(fn, args, index)
        np.testing.assert_allclose(g, expected, rtol=TOLERANCE, atol=TOLERANCE * scale,
                                   err_msg=f"d{fn.__name__}/d(argument {index})")
    return grads


def values(shape, low=-2.0, high=2.0, away_from_zero=False):
    """Float64 inputs of ``shape``; ``None`` means a Python float."""
    if away_from_zero:
        element = st.one_of(st.floats(max(low, 0.1), high), st.floats(low, min(high, -0.1)))
    else:
        element = st.floats(low, high)
    if shape is None:
        return element
    return hnp.arrays(np.float64, shape, elements=element)


def weights_like(value, seed=1):
    """A fixed random cotangent with the shape of ``value``: reduces any output to a scalar."""
    w = np.random.default_rng(seed).normal(size=np.shape(value))
    return float(w) if np.ndim(value) == 0 and not isinstance(value, np.ndarray) else w
