# Found by the random-program run: f writes into y but its result does not depend on y, so the gradient
# made to be differentiated again set dy = zeros_like(y) at the end, after the loop's write into y (the
# same array as y_1): differentiating it again refused that read. Such a zero gradient is now made before
# the forward sweep.
import numpy as np


def f(x, y, z):
    for i0 in range(1):
        if np.sum(x) > 0.0:
            y[0] = (np.sum(x) * 0.3)
    return np.sum(x)
