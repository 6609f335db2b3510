"""Checking gradients against central finite differences."""
import numpy as np

from .api import grad

# Central differences D(h) have truncation error ~h^2 f'''; Richardson extrapolation
# (4 D(h/2) - D(h)) / 3 cancels that term, leaving ~h^4, so a step of 1e-5 (relative to |x|) keeps
# truncation negligible even for strongly curved functions while rounding stays ~eps |f| / h ~ 1e-11 |f|.
STEP = 1e-5
TOLERANCE = 1e-6


def _central(fn, args, index, x, position, h, scalar):
    up, down = x.copy(), x.copy()
    up[position] += h
    down[position] -= h
    args[index] = float(up) if scalar else up
    f_up = fn(*args)
    args[index] = float(down) if scalar else down
    f_down = fn(*args)
    return (f_up - f_down) / (2 * h)


def numerical_grad(fn, args, index, step=STEP):
    """d fn / d args[index] by central differences with Richardson extrapolation, in float64."""
    args = list(args)
    x = args[index]
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    x = np.array(x, dtype=np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = step * max(1.0, abs(x[i]))
        coarse = _central(fn, args, index, x, i, h, scalar)
        fine = _central(fn, args, index, x, i, h / 2, scalar)
        out[i] = (4 * fine - coarse) / 3
    return float(out) if scalar else out


def check_grads(fn, *args, wrt=None, rtol=TOLERANCE, atol=TOLERANCE):
    """Assert that ssagrad's gradient of ``fn`` at ``args`` matches central differences.

    ``wrt`` defaults to every positional argument. Returns the gradients.
    """
    wrt = tuple(range(len(args))) if wrt is None else (wrt if isinstance(wrt, tuple) else (wrt,))
    grads = grad(fn, wrt=wrt)(*args)
    scale = max(1.0, float(np.max(np.abs(fn(*args)))))
    for index, g in zip(wrt, grads):
        expected = numerical_grad(fn, args, index)
        if not np.allclose(g, expected, rtol=rtol, atol=atol * scale):
            raise AssertionError(
                f"gradient of {fn.__name__} with respect to argument {index} differs from central "
                f"differences:\nssagrad:   {g!r}\nnumerical: {expected!r}")
    return grads
