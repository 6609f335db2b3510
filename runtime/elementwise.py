"""Small helpers for elementwise adjoints that need care at special points."""
import numpy as np

from .broadcast import unbroadcast


def replace_zero(x, value):
    """``x`` with its zeros replaced by ``value`` (keeps ``log(x)`` finite where it is multiplied by 0)."""
    return np.where(x == 0, value, x)


def tie_share(x, result, other):
    """The share of the gradient of ``maximum(x, other)`` (or minimum) that goes to ``x``.

    1 where ``x`` won, 0 where it lost, and 1/2 at ties, so that tied entries
    split the gradient evenly (as autograd does).
    """
    return (x == result) / (1.0 + (x == other))


def safe_div(g, d):
    """``g / d``, but 0 where ``g`` is 0.

    Rules whose derivative divides by a value that can be zero (``log``,
    ``sqrt``, division, inverse trigonometric functions) use it, so a branch
    that ``np.where`` masked out contributes 0 rather than 0/0 = NaN even
    where its derivative is infinite: ``np.where(x > 0, np.log(x), 0)`` has a
    finite gradient at ``x = 0``.
    """
    if type(g) is float and type(d) is float:
        return g / d if g != 0.0 else 0.0
    zero = g == 0
    if not np.any(zero):
        return g / d
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(zero, 0.0, g / d)


def clip_share(a, a_min, a_max):
    """1 where ``np.clip`` passed ``a`` through, 0 where it clipped it."""
    inside = np.ones_like(a, dtype=bool) if np.ndim(a) else True
    if a_min is not None:
        inside = inside & (a >= a_min)
    if a_max is not None:
        inside = inside & (a <= a_max)
    return inside


def sinc_derivative(x, result):
    """d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, which is 0 at x = 0."""
    at_zero = x == 0
    safe_x = np.where(at_zero, 1.0, x)
    return np.where(at_zero, 0.0, (np.cos(np.pi * x) - result) / safe_x)


def select_grads(g, condlist, choicelist):
    """Gradients of ``np.select(condlist, choicelist)`` for each choice: the first true condition wins."""
    taken = np.zeros(np.shape(g), dtype=bool)
    grads = []
    for cond, choice in zip(condlist, choicelist):
        mine = np.logical_and(cond, np.logical_not(taken))
        taken = np.logical_or(taken, cond)
        grads.append(unbroadcast(np.where(mine, g, 0.0), choice))
    return grads


def select_tangent(condlist, tangents, choicelist):
    """The choices' part of the tangent of ``np.select``: each choice's tangent (zero where it has none),
    selected as the value is."""
    return np.select(condlist, [np.zeros(np.shape(c)) if t is None else t for t, c in zip(tangents, choicelist)],
                     0.0)


def astype(x, dtype):
    """``x.astype(dtype)``, also for Python scalars (what ``x.astype(...)`` in your code becomes)."""
    return x.astype(dtype) if hasattr(x, "astype") else np.dtype(dtype).type(x)


def astype_grad(g, x, dtype):
    """Gradient of ``x.astype(dtype)``: in ``x``'s own dtype; none through a cast to integers or booleans."""
    if np.dtype(dtype).kind in "biu":
        return np.zeros_like(x)
    return astype(g, np.result_type(x))
