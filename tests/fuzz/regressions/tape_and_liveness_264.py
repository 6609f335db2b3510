# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    for i0 in range(2):
        x = (((x * 0.5) + (y * 0.7 + 0.3 * 0.2)) + 1.5)
        y = x
        if np.sum(x) > 0.00:
            continue
    y = (-x)
    x = (y * 0.5)
    return np.sum(np.sin(np.exp(0.3 * 0.3)))
