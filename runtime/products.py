"""Adjoints of matrix products, for every combination of operand ranks."""
import numpy as np

from .complex_grads import refuse_complex

from .broadcast import size_of, unbroadcast


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
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        if b.dtype.kind == "c" and a.dtype.kind != "c":  # a real a: the real part (runtime/complex_grads.py)
            return (g @ b.T).real
        return g @ b.T  # plain matrices: no batches to sum, no axes to restore
    g2, a2, b2 = _as_matrices(g, a, b)
    da = unbroadcast(np.matmul(g2, np.swapaxes(b2, -1, -2)), a2)
    return np.reshape(da, np.shape(a))


def matmul_grad_right(g, a, b):
    """Gradient of ``a @ b`` with respect to ``b``."""
    if type(a) is np.ndarray and type(b) is np.ndarray and a.ndim == 2 and b.ndim == 2:
        if a.dtype.kind == "c" and b.dtype.kind != "c":
            return (a.T @ g).real
        return a.T @ g
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


def vdot_grad(g, a, b):
    """Gradient of ``np.vdot(a, b)`` (real arrays, flattened) with respect to ``a``."""
    refuse_complex('np.vdot', g, a, b)
    return np.reshape(g * np.ravel(b), np.shape(a))


def inner_grad_left(g, a, b):
    """Gradient of ``np.inner(a, b)`` (a sum over both last axes) with respect to ``a``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.sum(g * b) if np.ndim(a) == 0 else g * b
    free_a, free_b = np.ndim(a) - 1, np.ndim(b) - 1
    g_axes = list(range(free_a, free_a + free_b))
    return np.tensordot(g, b, axes=(g_axes, list(range(free_b))))


def inner_grad_right(g, a, b):
    """Gradient of ``np.inner(a, b)`` with respect to ``b``."""
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return np.sum(g * a) if np.ndim(b) == 0 else g * a
    free_a = np.ndim(a) - 1
    return np.tensordot(g, a, axes=(list(range(free_a)), list(range(free_a))))


def outer_grad_left(g, a, b):
    return np.reshape(np.reshape(g, (size_of(a), size_of(b))) @ np.ravel(b), np.shape(a))


def outer_grad_right(g, a, b):
    return np.reshape(np.ravel(a) @ np.reshape(g, (size_of(a), size_of(b))), np.shape(b))


def _tensordot_axes(axes, ndim_a):
    if np.ndim(axes) == 0:
        n = int(axes)
        return list(range(ndim_a - n, ndim_a)), list(range(n))
    left, right = axes
    left = [left] if np.ndim(left) == 0 else list(left)
    right = [right] if np.ndim(right) == 0 else list(right)
    return left, right


def _tensordot_parts(a, b, axes):
    """The contracted axes of ``a`` and ``b`` (paired, non-negative) and the free axes of each."""
    left, right = _tensordot_axes(axes, np.ndim(a))
    left = [i % np.ndim(a) for i in left]
    right = [i % np.ndim(b) for i in right]
    free_a = [i for i in range(np.ndim(a)) if i not in left]
    free_b = [i for i in range(np.ndim(b)) if i not in right]
    return left, right, free_a, free_b


def _inverse(order):
    """The permutation undoing ``order``, as a list of ints (Dask's transpose tests ``if axes``, which an
    index array refuses)."""
    return [int(i) for i in np.argsort(order)]


def tensordot_grad_left(g, a, b, axes=2):
    """Gradient of ``np.tensordot(a, b, axes)`` with respect to ``a``."""
    left, right, free_a, free_b = _tensordot_parts(a, b, axes)
    g_b_axes = list(range(len(free_a), len(free_a) + len(free_b)))
    partial = np.tensordot(g, b, axes=(g_b_axes, free_b))  # axes: free_a..., then right (in b's order)
    order = free_a + [left[right.index(r)] for r in sorted(right)]
    return np.transpose(partial, _inverse(order))


def tensordot_grad_right(g, a, b, axes=2):
    """Gradient of ``np.tensordot(a, b, axes)`` with respect to ``b``."""
    left, right, free_a, free_b = _tensordot_parts(a, b, axes)
    partial = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))  # axes: left (a's order), free_b
    order = [right[left.index(l)] for l in sorted(left)] + free_b
    return np.transpose(partial, _inverse(order))


def _einsum_parts(subscripts, count):
    inputs, _, output = subscripts.replace(" ", "").partition("->")
    terms = inputs.split(",")
    if "." in subscripts:
        raise ValueError("the gradient of einsum with '...' is not supported; name every axis")
    if len(terms) != count:
        raise ValueError(f"einsum subscripts name {len(terms)} operands, got {count}")
    if "->" not in subscripts:  # implicit output: the letters used once, in order
        letters = "".join(terms)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return terms, output


def einsum_grads(g, subscripts, operands):
    """Gradients of ``np.einsum(subscripts, *operands)`` for every operand.

    Each is an einsum of ``g`` with the other operands; letters repeated
    within an operand (a diagonal or trace) are written back onto that
    diagonal, and letters only that operand has (summed within it) broadcast.
    """
    terms, output = _einsum_parts(subscripts, len(operands))
    sizes = {}
    for term, op in zip(terms, operands):
        sizes.update(zip(term, np.shape(op)))
    grads = []
    for k, (term, op) in enumerate(zip(terms, operands)):
        unique = "".join(dict.fromkeys(term))
        others = [t for i, t in enumerate(terms) if i != k]
        available = set(output).union(*others) if others else set(output)
        wanted = "".join(c for c in unique if c in available)
        spec = ",".join([output] + others) + "->" + wanted
        partial = np.einsum(spec, g, *[o for i, o in enumerate(operands) if i != k])
        # letters summed within this operand only: the gradient is the same along them
        full = np.expand_dims(partial, [i for i, c in enumerate(unique) if c not in available])
        full = np.broadcast_to(full, tuple(sizes[c] for c in unique))
        if len(unique) == len(term):
            grads.append(np.transpose(full, [unique.index(c) for c in term]) if unique != term else full)
            continue
        out = np.zeros(np.shape(op), dtype=np.result_type(full, op))
        index = []
        for position, c in enumerate(term):
            shape = [1] * len(unique)
            shape[unique.index(c)] = sizes[c]
            index.append(np.arange(sizes[c]).reshape(shape))
        out[tuple(index)] = full
        grads.append(out)
    return grads


def kron_grad(g, a, b, which):
    """Gradient of ``np.kron(a, b)`` with respect to ``a`` (``which`` 0) or ``b`` (1)."""
    ndim = max(np.ndim(a), np.ndim(b))
    sa = (1,) * (ndim - np.ndim(a)) + tuple(np.shape(a))
    sb = (1,) * (ndim - np.ndim(b)) + tuple(np.shape(b))
    blocks = np.reshape(g, [n for pair in zip(sa, sb) for n in pair])
    a_axes = "".join(chr(97 + 2 * i) for i in range(ndim))
    b_axes = "".join(chr(98 + 2 * i) for i in range(ndim))
    g_axes = "".join(a + b for a, b in zip(a_axes, b_axes))
    if which == 0:
        return np.reshape(np.einsum(f"{g_axes},{b_axes}->{a_axes}", blocks, np.reshape(b, sb)), np.shape(a))
    return np.reshape(np.einsum(f"{g_axes},{a_axes}->{b_axes}", blocks, np.reshape(a, sa)), np.shape(b))
