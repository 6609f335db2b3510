# Found by the random-program run (second order): hvp in z crashes inside the generated tangent code with
# "TypeError: 'NoneType' object is not subscriptable". The inner loop's tape (of like() values, which have
# no tangent) is saved on the outer loop's tape; its tangent there is zeros_like(tape), a list of None, and
# the tangent of the reversed inner loop reads `ditem[0]` from it.
import numpy as np


def g(v):
    return np.tanh(v)


def f(x, y, z):
    for i in range(1):
        for j in range(1):
            return np.sum(z * 0.5)
        z = g(z)
    return np.sum(z)
