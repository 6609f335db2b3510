# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    x = (np.exp(0.3 * z) * (-x))
    if np.sum(y) > 0.96:
        for i1 in range(3):
            x = (np.exp(0.3 * (x - 0.3)) - (y * 0.7 + np.tanh(1.5) * 0.2))
        if np.sum(z) > 2.00:
            return np.sum(((-x) - (-x)))
    return np.sum(np.exp(0.3 * ((x * x) * np.exp(0.3 * z))))
