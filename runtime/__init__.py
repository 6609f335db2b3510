"""What generated gradient code calls at run time.

Everything here takes and returns arrays through NumPy's own functions, so it
dispatches (``__array_function__``) instead of coercing: no ``np.asarray`` on
values that may belong to another array library. This package imports only
NumPy, so an exported gradient can carry these helpers with it.
"""
from .broadcast import unbroadcast, unmean, unsum, zeros_like
from .products import matmul_grad_left, matmul_grad_right, dot_grad_left, dot_grad_right
from .elementwise import replace_zero, tie_share
from .indexing import unindex

__all__ = [
    "unbroadcast", "unsum", "unmean", "zeros_like",
    "matmul_grad_left", "matmul_grad_right", "dot_grad_left", "dot_grad_right",
    "replace_zero", "tie_share", "unindex",
]
