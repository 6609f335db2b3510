"""The adjoint of reading ``x[index]``: put the gradient back where it was read from."""
import numpy as np

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def _is_basic(index) -> bool:
    """Does ``x[index]`` name each element at most once (no fancy indexing)?"""
    if isinstance(index, tuple):
        return all(isinstance(i, _BASIC) for i in index)
    return isinstance(index, _BASIC)


def unindex(g, x, index):
    """The gradient of ``x[index]``: ``g`` placed into zeros shaped like ``x``.

    Integer-array indices may repeat an element; their gradients add up.
    """
    out = np.zeros_like(x)
    if _is_basic(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out
