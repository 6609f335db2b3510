"""Rules for ``np.linalg``. Stacks of matrices (leading batch axes) work where NumPy's functions do."""
import numpy as np

from ...runtime import (cholesky_grad, det_grad, eigh_grad, inv_grad, lstsq_grads, pinv_grad, qr_grad,
                        slogdet_grad, solve_grad_a, solve_grad_b, svdvals_grad)
from ...runtime.numpy_grads import (eig_grad, eig_grad_vjp, eigh_grad_vjp, eigvals_grad, eigvals_grad_vjp,
                                    eigvalsh_grad, eigvalsh_grad_vjp, svd_grad, svd_grad_vjp, upper)
from . import adjoint


@adjoint(np.linalg.inv)
def _(result, a):
    d[a] = inv_grad(d[result], result)


@adjoint(np.linalg.det)
def _(result, a):
    d[a] = det_grad(d[result], a, result)


@adjoint(np.linalg.slogdet, outputs=2)
def _(results, a):
    d[a] = slogdet_grad(d[results[1]], a)  # the sign is piecewise constant


@adjoint(np.linalg.solve)
def _(result, a, b):
    d[a] = solve_grad_a(d[result], a, b, result)
    d[b] = solve_grad_b(d[result], a, b)


@adjoint(np.linalg.cholesky)
def _(result, a, upper=False):
    if upper:
        raise NotImplementedError("only the lower Cholesky factor (upper=False) has a gradient rule")
    d[a] = cholesky_grad(d[result], result)


@adjoint(np.linalg.eigh, outputs=2)
def _(results, a, UPLO="L"):
    if UPLO == "L":
        d[a] = eigh_grad(d[results[0]], d[results[1]], results[0], results[1])
    elif UPLO == "U":  # reads the upper triangle: the transpose of the lower triangle's gradient
        d[a] = upper(eigh_grad(d[results[0]], d[results[1]], results[0], results[1]))
    else:
        raise NotImplementedError("eigh has gradient rules for UPLO='L' and UPLO='U', written as constants")


@adjoint(np.linalg.eigvalsh)
def _(result, a, UPLO="L"):
    if UPLO != "L" and UPLO != "U":
        raise NotImplementedError("eigvalsh has gradient rules for UPLO='L' and UPLO='U', written as constants")
    d[a] = eigvalsh_grad(d[result], a, UPLO)


@adjoint(np.linalg.eig, outputs=2)  # a real spectrum (complex eigenvalues raise when the gradient runs)
def _(results, a):
    d[a] = eig_grad(d[results[0]], d[results[1]], results[0], results[1])


@adjoint(np.linalg.eigvals)
def _(result, a):
    d[a] = eigvals_grad(d[result], a)


@adjoint(np.linalg.qr, outputs=2)
def _(results, a, mode="reduced"):
    if mode != "reduced":
        raise NotImplementedError("only qr(a, mode='reduced') has a gradient rule")
    d[a] = qr_grad(d[results[0]], d[results[1]], results[0], results[1])


@adjoint(np.linalg.svdvals)
def _(result, x):
    d[x] = svdvals_grad(d[result], x)


@adjoint(np.linalg.svd, outputs=(1, 3))
def _(result, a, full_matrices=True, compute_uv=True, hermitian=False):
    if compute_uv is False:
        d[a] = svdvals_grad(d[result], a)
    else:  # u, s, vh: full_matrices=False, or a square matrix
        d[a] = svd_grad(d[result], result, a, full_matrices)


@adjoint(np.linalg.lstsq, outputs=4)
def _(results, a, b, rcond=None):
    d[a] = lstsq_grads(d[results[0]], a, b, results[0], d[results[1]])[0]
    d[b] = lstsq_grads(d[results[0]], a, b, results[0], d[results[1]])[1]


@adjoint(np.linalg.pinv)
def _(result, a, rcond=None, hermitian=False, rtol=None):
    d[a] = pinv_grad(d[result], a, result)


# -- the runtime helpers of the rules above, differentiated again (reverse over reverse) ----------------------


@adjoint(eigh_grad)
def _(result, g_w, g_v, w, v):
    d[g_w] = eigh_grad_vjp(d[result], g_w, g_v, w, v, 0)
    d[g_v] = eigh_grad_vjp(d[result], g_w, g_v, w, v, 1)
    d[w] = eigh_grad_vjp(d[result], g_w, g_v, w, v, 2)
    d[v] = eigh_grad_vjp(d[result], g_w, g_v, w, v, 3)


@adjoint(eigvalsh_grad)
def _(result, g, a, UPLO="L"):
    d[g] = eigvalsh_grad_vjp(d[result], g, a, UPLO, 0)
    d[a] = eigvalsh_grad_vjp(d[result], g, a, UPLO, 1)


@adjoint(eig_grad)
def _(result, g_w, g_v, w, v):
    d[g_w] = eig_grad_vjp(d[result], g_w, g_v, w, v, 0)
    d[g_v] = eig_grad_vjp(d[result], g_w, g_v, w, v, 1)
    d[w] = eig_grad_vjp(d[result], g_w, g_v, w, v, 2)
    d[v] = eig_grad_vjp(d[result], g_w, g_v, w, v, 3)


@adjoint(eigvals_grad)
def _(result, g, a):
    d[g] = eigvals_grad_vjp(d[result], g, a, 0)
    d[a] = eigvals_grad_vjp(d[result], g, a, 1)


@adjoint(svd_grad)
def _(result, g, factors, a, full_matrices=True):
    d[g] = svd_grad_vjp(d[result], g, factors, a, full_matrices, 0)
    d[factors] = svd_grad_vjp(d[result], g, factors, a, full_matrices, 1)
