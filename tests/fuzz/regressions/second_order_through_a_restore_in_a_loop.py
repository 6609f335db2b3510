# Found by the random-program run (second order): grad is right, but hvp (forward mode over the generated
# gradient) refuses with a DifferentiationError located in generated code: the backward sweep's restore of
# the overwritten entry (`z_2[0] = z_old`) writes into an array the loop's tape still holds, and the
# shared-memory check of the second compile sees 'tape' (and 'x_1') as other names for it.
import numpy as np


def f(x, y, z):
    for i in range(2):
        z = np.sin(x)
        z[0] = 0.5
        x = x * z
    return np.sum(x)
