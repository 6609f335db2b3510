"""Checking gradients against central finite differences."""
import numpy as np

from .api import grad
from .runtime import own

# Central differences D(h) have truncation error ~h^2 f'''; Richardson extrapolation
# (4 D(h/2) - D(h)) / 3 cancels that term, leaving ~h^4, so a step of 1e-5 (relative to |x|) keeps
# truncation negligible even for strongly curved functions while rounding stays ~eps |f| / h ~ 1e-11 |f|.
STEP = 1e-5
TOLERANCE = 1e-6


def _central(fn, args, index, x, position, h, scalar):
    up, down = x.copy(), x.copy()
    up[position] += h
    down[position] -= h
    cast = complex if np.iscomplexobj(x) else float
    args[index] = cast(up) if scalar else up
    f_up = fn(*args)
    args[index] = cast(down) if scalar else down
    f_down = fn(*args)
    return np.real(f_up - f_down) / (2 * h)  # (a complex result: its real part's, as grad takes it)


def numerical_grad(fn, args, index, step=STEP):
    """d fn / d args[index] by central differences with Richardson extrapolation, in float64. For a complex
    argument ``z = x + iy``, ``d fn/dx - i d fn/dy`` (the convention of docs/supported.md, Complex numbers):
    a step ``i h`` divided by ``2 i h`` gives the second term."""
    args = list(args)
    x = args[index]
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    x = np.array(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64)
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = step * max(1.0, abs(x[i]))
        for direction in ((1.0, 1j) if np.iscomplexobj(x) else (1.0,)):
            coarse = _central(fn, args, index, x, i, h * direction, scalar)
            fine = _central(fn, args, index, x, i, h * direction / 2, scalar)
            out[i] += (4 * fine - coarse) / 3
    if scalar:
        return complex(out) if np.iscomplexobj(out) else float(out)
    return out


def _compare(what, ours, expected, rtol, atol):
    if np.iscomplexobj(ours) or np.iscomplexobj(expected):  # the real and the imaginary parts, side by side
        ours, expected = (np.stack([np.real(v), np.imag(v)], axis=-1) for v in (ours, expected))
    ours, expected = np.asarray(ours, dtype=float), np.asarray(expected, dtype=float)
    if ours.shape != expected.shape:
        raise AssertionError(f"{what}: shape {ours.shape}, expected {expected.shape}")
    error = np.abs(ours - expected) - (atol + rtol * np.abs(expected))
    if ours.size and np.nanmax(error) > 0 or np.any(np.isnan(ours) != np.isnan(expected)):
        worst = np.unravel_index(np.nanargmax(error), ours.shape) if ours.size else ()
        raise AssertionError(
            f"{what} differs from central differences; worst entry {tuple(int(i) for i in worst)}: "
            f"ssagrad {ours[worst]!r}, numerical {expected[worst]!r} "
            f"(|difference| {abs(ours[worst] - expected[worst]):.3g}, allowed {atol + rtol * abs(expected[worst]):.3g})")


def check_grads(fn, *args, wrt=None, modes=("rev", "fwd"), order=1, rtol=TOLERANCE, atol=TOLERANCE):
    """Assert that ssagrad's derivatives of ``fn`` at ``args`` match central finite differences.

    ``modes``: ``"rev"`` checks the gradient (reverse mode), ``"fwd"`` a
    directional derivative along a random direction (forward mode). ``order=2``
    also checks the Hessian of a scalar ``fn`` against differences of its
    gradient. ``wrt`` defaults to every argument. On failure the message names
    the worst entry. Returns the gradients.
    """
    wrt = tuple(range(len(args))) if wrt is None else (wrt if isinstance(wrt, tuple) else (wrt,))
    primal = fn

    def fn(*point):  # on copies: a function that writes into its arguments gives the same value each time
        return primal(*own(point))
    fn.__name__ = primal.__name__
    scale = max(1.0, float(np.max(np.abs(fn(*args)), initial=0.0)))
    before = own(args)
    grads = grad(primal, wrt=wrt)(*args)
    for index, (now, then) in enumerate(zip(args, before)):
        if isinstance(now, np.ndarray) and not np.array_equal(now, then, equal_nan=True):
            raise AssertionError(f"the gradient of {primal.__name__} changed argument {index}: a gradient call "
                                 f"must leave the caller's arrays as they were")
    expected = [numerical_grad(fn, args, i) for i in wrt]
    if "rev" in modes:
        for index, g, e in zip(wrt, grads, expected):
            _compare(f"d {fn.__name__} / d(argument {index}) (reverse mode)", g, e, rtol, atol * scale)
    if "fwd" in modes:
        from .transforms import jvp
        rng = np.random.default_rng(0)
        directions = {i: rng.normal(size=np.shape(args[i])) + (1j * rng.normal(size=np.shape(args[i]))
                                                                if np.iscomplexobj(args[i]) else 0.0) for i in wrt}
        tangents = [(type(args[i])(directions[i]) if type(args[i]) in (float, complex) else directions[i])
                    if i in wrt else None for i in range(len(args))]
        _, derivative = jvp(primal, args, tangents)
        derivative = np.real(derivative)  # along t, a real f changes by Re(sum(grad * t)) (complex_grads.py)
        along = sum(np.real(np.tensordot(e, directions[i], axes=np.ndim(directions[i])))
                    for i, e in zip(wrt, expected)) if np.ndim(fn(*args)) == 0 else None
        if along is not None:
            _compare(f"d {fn.__name__} along a random direction (forward mode)", derivative, along, rtol, atol * scale)
    if order == 2:
        from .transforms import hessian
        for index in wrt:
            ours = hessian(primal, wrt=index)(*args)
            gradient = grad(primal, wrt=index)
            x = args[index]
            columns = []
            for k in np.ndindex(np.shape(x)):
                def entry(*point, k=k):
                    return np.asarray(gradient(*point))[k]
                columns.append(np.ravel(numerical_grad(entry, args, index)))
            numeric = np.reshape(np.stack(columns), np.shape(x) + np.shape(x)) if columns else ours
            _compare(f"the Hessian of {fn.__name__} in argument {index}", ours, numeric, rtol * 10, atol * 10 * scale)
    return grads
