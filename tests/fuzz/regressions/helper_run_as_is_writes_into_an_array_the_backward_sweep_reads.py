# Found by the random-program run (a wrong gradient, first order): bump(b) is not differentiated (nothing
# it returns reaches the result), so the gradient ran it as it is, and it wrote into b, which the backward
# sweep then read for the adjoint of w = np.sin(b). A function run as it is that writes into its argument
# now gets its own copy, as a differentiated one does.
import numpy as np


def bump(v):
    v[0] = np.sum(v) * 0.3
    v *= 0.8
    return np.tanh(v)


def f(x, y, z):
    a = np.copy(x)
    b = np.copy(x)
    if np.sum(z) > 0.93:
        if np.sum(x) > -1.0:
            w = np.sin((b))
            u = np.sin(w)
            x = x * 0.5 + u * 0.5
    if np.sum(a) > -0.35:
        b = bump(b)
    return np.sum(np.sin(x))
