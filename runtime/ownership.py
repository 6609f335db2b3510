"""Gradient calls leave the caller's arrays as they were."""
import numpy as np


def own(value):
    """A private copy of an argument the function writes into (arrays inside lists, tuples and dicts too).

    Python's function would change the caller's array; a gradient call does not, so that calling it
    twice on the same arguments gives the same answer.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(own(v) for v in value)
    if isinstance(value, dict):
        return {k: own(v) for k, v in value.items()}
    if hasattr(value, "__array_function__") and hasattr(value, "copy"):  # Dask, CuPy
        return value.copy()
    return value


class SharedMemoryCheck:
    """Called before an in-place write: ``check(a, *others)`` raises ``error`` (the compiler's located
    DifferentiationError) if the write would reach one of ``others`` (the same list or dict, or overlapping
    array memory). Whether it does depends on the values: ``y = x; y += 1`` rebinds y when x is a float,
    and changes x when it is an array."""

    def __init__(self, error):
        self.error = error

    def __call__(self, array, *others):
        for other in others:
            if _shares(array, other):
                raise self.error

    def __repr__(self):
        return "SharedMemoryCheck(...)"


def _shares(a, b) -> bool:
    """May writing into ``a`` change what ``b`` holds (``b`` itself, or an array inside a container)?"""
    if isinstance(b, (list, tuple, dict)) and a is not b:
        return any(_shares(a, item) for item in (b.values() if isinstance(b, dict) else b))
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return np.may_share_memory(a, b)
    if isinstance(a, (list, dict)) or hasattr(a, "__array_function__"):  # containers, Dask, CuPy: the same object
        return a is b
    return False
