# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    if np.sum(y) > 0.91:
        y = np.cos(np.tanh(np.sin(0.3)))
    for i0 in range(3):
        for i1 in range(3):
            z = np.cos((-1.5))
            for i2 in range(0):
                x = (-np.exp(0.3 * y))
                z = (np.sin((1.5 - z)) * 0.5)
                x = np.exp(0.3 * np.cos(np.exp(0.3 * x)))
        z = (((0.3 * 0.5) + (x + 0.3)) * 0.5)
    x = 0.3
    return np.sum((np.sin(z) * 0.5))
