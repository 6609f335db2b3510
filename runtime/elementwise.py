"""Small helpers for elementwise adjoints that need care at special points."""
import numpy as np


def replace_zero(x, value):
    """``x`` with its zeros replaced by ``value`` (keeps ``log(x)`` finite where it is multiplied by 0)."""
    return np.where(x == 0, value, x)


def tie_share(x, result, other):
    """The share of the gradient of ``maximum(x, other)`` (or minimum) that goes to ``x``.

    1 where ``x`` won, 0 where it lost, and 1/2 at ties, so that tied entries
    split the gradient evenly (as autograd does).
    """
    return (x == result) / (1.0 + (x == other))
