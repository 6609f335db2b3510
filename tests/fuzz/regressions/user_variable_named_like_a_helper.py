import numpy as np

M = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])


# a user variable named like a rule helper (zeros_like) was copy-propagated into the helper's call
def f(x, y, z):
    ones = np.ones(3)
    zeros_like = y
    x = x * 0.5 + zeros_like * 0.5
    y = y * ones
    y[0] = np.sum(z * 2.0) * 0.3
    unbroadcast = x
    safe_div = unbroadcast
    return np.sum(np.sin(x) * y / (1.5 + safe_div ** 2))
