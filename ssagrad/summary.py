"""Short text for the numbers on a picture: a scalar as it is, an array as its shape and its values
when there are few of them, else its norm."""
import numpy as np

FEW = 4  # arrays of at most this many entries show them


def number(value) -> str:
    """A scalar, in at most 4 significant digits (``2``, ``0.1966``)."""
    try:
        return f"{float(value):.4g}"
    except (TypeError, ValueError):
        return str(value)


def summary(value) -> str:
    """``3``, ``(3,) [1, 2, 3]``, or ``(100,) norm 5.774``; ``?`` for a value not computed."""
    if value is None:
        return "?"
    if isinstance(value, dict):  # parameters in a dict: each entry's shape (or number)
        entries = [f"{k}: {_brief(v)}" for k, v in list(value.items())[:FEW]]
        return "{" + ", ".join(entries) + (", ..." if len(value) > FEW else "") + "}"
    if isinstance(value, (list, tuple)) and any(np.ndim(v) for v in value):
        entries = [_brief(v) for v in value[:FEW]]
        return "[" + ", ".join(entries) + (", ..." if len(value) > FEW else "") + "]"
    if np.ndim(value) == 0:
        return number(value)
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        return f"{array.shape} {array.dtype}"
    if array.size <= FEW:
        return f"{array.shape} [{', '.join(number(v) for v in array.ravel())}]"
    return f"{array.shape} norm {number(np.linalg.norm(array.astype(float)))}"


def _brief(value) -> str:
    return number(value) if np.ndim(value) == 0 and not isinstance(value, (dict, list, tuple)) else \
        str(np.shape(value)) if not isinstance(value, (dict, list, tuple)) else type(value).__name__


def jacobian(value, head_shape, tail_shape) -> str:
    """A local derivative: a number, ``diag ...`` for an elementwise one, else the Jacobian's summary."""
    if np.ndim(value) == 0:
        return number(value)
    square = value.reshape(int(np.prod(head_shape, dtype=int)), -1)
    if head_shape == tail_shape and len(head_shape) and square.shape[0] == square.shape[1] \
            and not np.any(square - np.diag(np.diag(square))):
        return f"diag {summary(np.diag(square).reshape(head_shape))}"
    return summary(value)
