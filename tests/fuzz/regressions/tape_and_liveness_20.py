# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    for i0 in range(1):
        for i1 in range(0):
            if np.sum(x) > -0.95:
                x = 1.5
                y = np.exp(0.3 * (0.3 * 0.5))
            if np.sum(x) > -0.59:
                x = z
        z = 0.3
    x = y
    if np.sum(x) > 1.15:
        return np.sum(0.3)
    return np.sum(np.exp(0.3 * ((y * 0.5) - x)))
