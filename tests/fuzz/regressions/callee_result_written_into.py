# Found by the random-program run: bump() returns tanh(v), which its saved values hold too; y[0] = ... then
# writes into it. In the gradient made to be differentiated again the restore is a new array, so bump's
# backward function would read the written values: differentiating again refused. The result of a
# callee written into later is taken as own(...) there.
import numpy as np


def bump(v):
    v[0] = np.sum(v) * 0.3
    v *= 0.8
    return np.tanh(v)


def f(x, y, z):
    if np.sum(x) > 0.0:
        y = bump(y)
        y[0] = (np.sum(x) * 0.3)
    return np.sum(y)
