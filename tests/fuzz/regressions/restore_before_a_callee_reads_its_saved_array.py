# Found by the random-program run: the backward sweep's restore of x[0] was dropped as dead code, but the
# saved values of the call scale(x, ...) hold the same array, so its backward read the overwritten entry.
import numpy as np


def scale(v, factor=2.0):
    w = v * factor
    return np.tanh(w) + 0.1 * w


def f(x, y, z):
    ones = np.ones(3)
    x = x * ones
    x[0] = np.sum(scale(x, factor=x)) * 0.3
    return np.sum(x)
