# Found by the first random-program run; it broke the tape or the liveness analysis.
import numpy as np

def f(x, y, z):
    z = y
    z = (np.sin((x + 0.3)) - 1.5)
    for i0 in range(3):
        x = (-z)
        n1 = 0
        while n1 < 0:
            n1 = n1 + 1
            for i2 in range(0):
                z = x
            z = (np.exp(0.3 * y) * 0.7 + 1.5 * 0.2)
            for i2 in range(1):
                z = ((np.exp(0.3 * y) - 0.3) * 0.7 + np.cos(np.cos(z)) * 0.2)
                z = np.tanh((np.sin(x) * 0.5))
        y = ((np.cos(z) * 0.5) * 0.7 + x * 0.2)
    return np.sum(((np.exp(0.3 * 1.5) + (z * 0.5)) + (np.sin(y) * 0.7 + (1.5 - y) * 0.2)))
