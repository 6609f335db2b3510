# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    z = (-np.sin((y * 0.5)))
    if np.sum(x) > 2.00:
        return np.sum((np.tanh(1.5) * 0.7 + (np.cos(0.3) - (0.3 * 0.7 + y * 0.2)) * 0.2))
    for i0 in range(2):
        for i1 in range(3):
            if np.sum(x) > 0.46:
                continue
            if np.sum(y) > -0.70:
                continue
        if np.sum(z) > -0.20:
            continue
        for i1 in range(3):
            z = np.exp(0.3 * (np.sin(1.5) - (1.5 - y)))
            x = (np.sin((x + 0.3)) + np.exp(0.3 * np.sin(y)))
    return np.sum(x)
