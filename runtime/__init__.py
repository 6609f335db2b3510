"""What generated gradient code calls at run time.

Everything here takes and returns arrays through NumPy's own functions, so it
dispatches (``__array_function__``) instead of coercing where it can. This
package imports only NumPy, so an exported gradient can carry these helpers
with it.
"""
from .broadcast import broadcast_like, like, shape_of, unbroadcast, unmean, unsum, zero_tangent, zeros_like
from .elementwise import (astype, astype_grad, clip_share, replace_zero, safe_div, select_grads, select_tangent,
                          sinc_derivative,
                          tie_share)
from .indexing import added_at, set_at, unindex, unsort, untake, untake_along_axis, written_part, zero_at
from .ownership import SharedMemoryCheck, own
from .linalg import (solve_tangent, cholesky_grad, cholesky_tangent, eigh_tangents, qr_tangents, svdvals_tangent, pinv_tangent, lstsq_tangents, det_grad, eigh_grad, inv_grad, lstsq_grads, pinv_grad, qr_grad, slogdet_grad,
                     solve_grad_a, solve_grad_b, svdvals_grad)
from .products import (dot_grad_left, dot_grad_right, einsum_grads, inner_grad_left, inner_grad_right, kron_grad,
                       matmul_grad_left, matmul_grad_right, outer_grad_left, outer_grad_right, tensordot_grad_left,
                       tensordot_grad_right, vdot_grad)
from .reductions import (cumprod_grad, cumprod_tangent, cumsum_grad, extremum_grad, norm_grad, prod_grad,
                         sort_tangent, std_grad, var_grad)
from .shapes import (unconcatenate, undiag, undiagonal, unhstack, unpad, unrepeat, unsplit, unstack, untile, untrace,
                     unvstack)
from .containers import appended, array_grad, head_grad, item_grad, last_grad
from .numpy_grads import power_slope


def checkpoint_interval(steps: int) -> int:
    """Iterations between checkpoints of a loop of ``steps`` iterations: about sqrt(steps), so the
    checkpoints and one segment's tape each hold about sqrt(steps) entries."""
    import math
    return max(1, math.isqrt(max(steps, 1)))
