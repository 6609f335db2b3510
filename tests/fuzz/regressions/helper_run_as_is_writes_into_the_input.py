# Found by the random-program run: bump(x) is not differentiated (nothing it returns reaches the result), so
# the gradient calls it as it is, and it writes into x; only parameters the function itself wrote by indexing
# were copied (`x = own(x)`), so the gradient call changed the caller's array.
import numpy as np


def bump(v):
    v[0] = np.sum(v) * 0.3
    return np.tanh(v)


def f(x, y, z):
    if np.sum(x) > 0.34:
        x = bump(x)
    for i0 in range(0):
        z[0] = np.sum(x) * 0.3
    return np.sum(np.exp(0.3 * np.tanh(1.5)))
