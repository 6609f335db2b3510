# Found by the random-program run: (-0.3) ** 2 was generated as -0.3 ** 2, which Python reads as -(0.3 ** 2).
import numpy as np


def f(x, y, z):
    ones = np.ones(3)
    x = x
    return np.sum(x / (1.5 + (-0.3) ** 2))
