"""Rules for ``scipy.linalg``: triangular and Cholesky solves, factorizations, matrix functions.

``cho_factor`` and ``lu_factor`` return a pair (the factor, then a flag or the pivots) that their solves take
whole: ``cf = cho_factor(k); cho_solve(cf, y)`` or ``c, low = cho_factor(k); cho_solve((c, low), y)``. The
rules treat the pair as a container (its gradient a pair: the factor's, and none for the flag or pivots).
A factor's other triangle holds ``a``'s own entries (SciPy leaves them there): its gradient passes through.
Functions that read one triangle of a symmetric matrix (``cholesky``, ``cho_factor``, ``solve`` and ``inv``
with a symmetric ``assume_a``) give gradients in that triangle.
"""
import numpy as np
import scipy.linalg as linalg

from ...runtime import det_grad
from ...runtime.scipy_grads import (GENERAL, SYMMETRIC, cho_factor_grad, cho_factor_tangent, cho_solve_grads,
                                    cho_solve_tangent, cholesky_grad, cholesky_tangent, cholesky_upper_grad,
                                    cholesky_upper_tangent, expm_frechet, expm_grad, inv_grad_of, inv_tangent_of,
                                    lu_factor_grad, lu_factor_tangent, lu_solve_grads, lu_solve_tangent,
                                    solve_grads, solve_tangent_of, solve_triangular_grads, solve_triangular_tangent,
                                    sqrtm_grad, sqrtm_tangent)
from . import adjoint
from .tangents import tangent

# -- triangular solves ---------------------------------------------------------------------------------


@adjoint(linalg.solve_triangular)
def _(result, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    if trans not in (0, 1, "N", "T"):
        raise NotImplementedError("scipy.linalg.solve_triangular has derivative rules for trans=0 and trans=1 "
                                  "(given as constants)")
    grads = solve_triangular_grads(d[result], a, b, result, trans, lower, unit_diagonal)
    d[a] = grads[0]
    d[b] = grads[1]


@tangent(linalg.solve_triangular)
def _(result, a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True):
    if trans not in (0, 1, "N", "T"):
        raise NotImplementedError("scipy.linalg.solve_triangular has derivative rules for trans=0 and trans=1 "
                                  "(given as constants)")
    d[result] = solve_triangular_tangent(d[a], None, a, b, result, trans, lower, unit_diagonal)
    d[result] = solve_triangular_tangent(None, d[b], a, b, result, trans, lower, unit_diagonal)


# -- Cholesky ------------------------------------------------------------------------------------------

@adjoint(linalg.cholesky)
def _(result, a, lower=False, overwrite_a=False, check_finite=True):
    if lower:
        d[a] = cholesky_grad(np.tril(d[result]), result)
    else:
        d[a] = cholesky_upper_grad(d[result], result)


@tangent(linalg.cholesky)
def _(result, a, lower=False, overwrite_a=False, check_finite=True):
    if lower:
        d[result] = cholesky_tangent(d[a], result)
    else:
        d[result] = cholesky_upper_tangent(d[a], result)


@adjoint(linalg.cho_factor, outputs=(1, 2))
def _(results, a, lower=False, overwrite_a=False, check_finite=True):
    d[a] = cho_factor_grad(d[results], a, results, lower)


@tangent(linalg.cho_factor)
def _(results, a, lower=False, overwrite_a=False, check_finite=True):
    d[results] = cho_factor_tangent(d[a], a, results, lower)


@adjoint(linalg.cho_solve)
def _(result, c_and_lower, b, overwrite_b=False, check_finite=True):
    grads = cho_solve_grads(d[result], c_and_lower, b, result)
    d[c_and_lower] = grads[0]
    d[b] = grads[1]


@tangent(linalg.cho_solve)
def _(result, c_and_lower, b, overwrite_b=False, check_finite=True):
    d[result] = cho_solve_tangent(d[c_and_lower], None, c_and_lower, b, result)
    d[result] = cho_solve_tangent(None, d[b], c_and_lower, b, result)


# -- LU ------------------------------------------------------------------------------------------------

@adjoint(linalg.lu_factor, outputs=(1, 2))
def _(results, a, overwrite_a=False, check_finite=True):
    d[a] = lu_factor_grad(d[results], a, results)


@tangent(linalg.lu_factor)
def _(results, a, overwrite_a=False, check_finite=True):
    d[results] = lu_factor_tangent(d[a], a, results)


@adjoint(linalg.lu_solve)
def _(result, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    if trans != 0:
        raise NotImplementedError("scipy.linalg.lu_solve has derivative rules for trans=0 only")
    grads = lu_solve_grads(d[result], lu_and_piv, b, result)
    d[lu_and_piv] = grads[0]
    d[b] = grads[1]


@tangent(linalg.lu_solve)
def _(result, lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True):
    if trans != 0:
        raise NotImplementedError("scipy.linalg.lu_solve has derivative rules for trans=0 only")
    d[result] = lu_solve_tangent(d[lu_and_piv], None, lu_and_piv, b, result)
    d[result] = lu_solve_tangent(None, d[b], lu_and_piv, b, result)


# -- solve, inv, det -----------------------------------------------------------------------------------

@adjoint(linalg.solve)
def _(result, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
      transposed=False):
    if assume_a not in GENERAL + SYMMETRIC or transposed:
        raise NotImplementedError("scipy.linalg.solve has derivative rules for assume_a=None, 'gen', 'sym', 'her' "
                                  "or 'pos' (given as constants), without transposed=True")
    grads = solve_grads(d[result], a, b, result, assume_a, lower)
    d[a] = grads[0]
    d[b] = grads[1]


@tangent(linalg.solve)
def _(result, a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True, assume_a=None,
      transposed=False):
    if assume_a not in GENERAL + SYMMETRIC or transposed:
        raise NotImplementedError("scipy.linalg.solve has derivative rules for assume_a=None, 'gen', 'sym', 'her' "
                                  "or 'pos' (given as constants), without transposed=True")
    d[result] = solve_tangent_of(d[a], None, a, b, result, assume_a, lower)
    d[result] = solve_tangent_of(None, d[b], a, b, result, assume_a, lower)


@adjoint(linalg.inv)
def _(result, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if assume_a not in GENERAL + SYMMETRIC:
        raise NotImplementedError("scipy.linalg.inv has derivative rules for assume_a=None, 'gen', 'sym', 'her' "
                                  "or 'pos' (given as constants)")
    d[a] = inv_grad_of(d[result], a, result, assume_a, lower)


@tangent(linalg.inv)
def _(result, a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if assume_a not in GENERAL + SYMMETRIC:
        raise NotImplementedError("scipy.linalg.inv has derivative rules for assume_a=None, 'gen', 'sym', 'her' "
                                  "or 'pos' (given as constants)")
    d[result] = inv_tangent_of(d[a], result, assume_a, lower)


@adjoint(linalg.det)
def _(result, a, overwrite_a=False, check_finite=True):
    d[a] = det_grad(d[result], a, result)


@tangent(linalg.det)
def _(result, a, overwrite_a=False, check_finite=True):
    d[result] = result * np.trace(np.linalg.solve(a, d[a]), axis1=-2, axis2=-1)


# -- matrix functions ----------------------------------------------------------------------------------

@adjoint(linalg.expm)
def _(result, A):
    d[A] = expm_grad(d[result], A)


@tangent(linalg.expm)
def _(result, A):
    d[result] = expm_frechet(A, d[A])


@adjoint(linalg.sqrtm)
def _(result, A, disp=True, blocksize=64):
    if disp is not True:
        raise NotImplementedError("scipy.linalg.sqrtm has derivative rules without disp= (which returns the error "
                                  "estimate too)")
    d[A] = sqrtm_grad(d[result], result)


@tangent(linalg.sqrtm)
def _(result, A, disp=True, blocksize=64):
    if disp is not True:
        raise NotImplementedError("scipy.linalg.sqrtm has derivative rules without disp= (which returns the error "
                                  "estimate too)")
    d[result] = sqrtm_tangent(d[A], result)
