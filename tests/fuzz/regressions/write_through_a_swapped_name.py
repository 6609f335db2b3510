# Found by the random-program run (a wrong value, first order): b and y swap in a loop and b[0] = ... writes
# into the array y names next time round. Copy propagation read b as y after the write, so b looked dead
# after it and dead-code elimination, which knows names and not memory, dropped the write. User writes
# are never dead code now.
import numpy as np


def f(x, y, z):
    ones = np.ones(3)
    a = x
    b = x
    x = x
    i0 = 0
    while i0 < 3:
        i0 = i0 + 1
        b, y = y, b
        x = (-x)
        b[0] = (np.sum(x) * 0.3)
    return np.sum(y)
