# Found by the random-program run: the tangent of z + array (z a float) stayed a float, so np.sum missed
# the broadcast (forward mode gave 1/3 of the derivative).
import numpy as np

M = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6], [-0.2, 0.3, 0.5]])


def f(x, y, z):
    ones = np.ones(3)
    x, x = x, x
    return np.sum((z + np.tanh(M @ (0.3 * ones))) * 0.5)
