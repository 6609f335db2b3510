"""Adjoints of matrix products, for every combination of operand ranks."""
import numpy as np

from .broadcast import unbroadcast


def _as_matrices(g, a, b):
    """Promote 1-d operands of matmul to matrices, as ``np.matmul`` does."""
    a2 = a if np.ndim(a) > 1 else np.expand_dims(a, 0)
    b2 = b if np.ndim(b) > 1 else np.expand_dims(b, -1)
    if np.ndim(b) == 1:  # restore the dropped column axis first, then the row axis
        g = np.expand_dims(g, -1)
    if np.ndim(a) == 1:
        g = np.expand_dims(g, -2)
    return g, a2, b2


def matmul_grad_left(g, a, b):
    """Gradient of ``a @ b`` with respect to ``a``."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:  # plain matrices: no batches to sum, no axes to restore
        return np.matmul(g, np.transpose(b))
    g2, a2, b2 = _as_matrices(g, a, b)
    da = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2)
    return np.reshape(da, np.shape(a))


def matmul_grad_right(g, a, b):
    """Gradient of ``a @ b`` with respect to ``b``."""
    if np.ndim(a) == 2 and np.ndim(b) == 2:
        return np.matmul(np.transpose(a), g)
    g2, a2, b2 = _as_matrices(g, a, b)
    db = unbroadcast(np.matmul(np.swapaxes(a2, -1, -2), g2), b2)
    return np.reshape(db, np.shape(b))


def dot_grad_left(g, a, b):
    """Gradient of ``np.dot(a, b)`` with respect to ``a``.

    ``dot`` contracts the last axis of ``a`` with the second-to-last of ``b``
    (the only axis of a 1-d ``b``); the gradient contracts ``g`` with every
    other axis of ``b``.
    """
    if np.ndim(a) == 0:
        return np.sum(g * b)
    if np.ndim(b) == 0:
        return g * b
    if np.ndim(b) == 1:
        return np.multiply.outer(g, b)
    free_a = np.ndim(a) - 1
    b_axes = list(range(np.ndim(b) - 2)) + [np.ndim(b) - 1]
    g_axes = list(range(free_a, np.ndim(g)))
    return np.tensordot(g, b, axes=(g_axes, b_axes))


def dot_grad_right(g, a, b):
    """Gradient of ``np.dot(a, b)`` with respect to ``b``."""
    if np.ndim(b) == 0:
        return np.sum(g * a)
    if np.ndim(a) == 0:
        return g * a
    free_a = np.ndim(a) - 1
    db = np.tensordot(a, g, axes=(list(range(free_a)), list(range(free_a))))
    if np.ndim(b) == 1:
        return db
    return np.moveaxis(db, 0, np.ndim(b) - 2)
