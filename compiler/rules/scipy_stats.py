"""Rules for ``scipy.stats`` distributions' log-densities and distribution functions.

``scipy.stats.norm`` is an object and ``norm.logpdf`` a method bound to it: each read of the
attribute makes a new bound method, equal (``==``, same hash) to the one registered here, so
``norm.logpdf(...)``, ``scipy.stats.norm.logpdf(...)`` and ``from scipy.stats import norm as n;
n.logpdf(...)`` all find these rules. Location and scale are differentiable wherever they are given
(positionally or by keyword); an integer count (``poisson.logpmf``'s ``k``) is refused where differentiated.
"""
import numpy as np
import scipy.special as sc
import scipy.stats as stats

from ...runtime import broadcast_like, safe_div, unbroadcast
from ...runtime.scipy_grads import (dirichlet_logpdf_grads, dirichlet_logpdf_tangent, mvn_logpdf_grads,
                                    mvn_logpdf_tangent)
from . import adjoint
from .scipy_special import NoDerivative, refusing
from .tangents import elementwise, tangent

LOG_SQRT_2PI = float(0.5 * np.log(2.0 * np.pi))

COUNT = NoDerivative("scipy.stats.poisson.logpmf(k, mu, loc) has no derivative in the count k or the shift loc "
                     "(integers): differentiate in the rate mu, or cut k with ssagrad.stop_gradient(k)")

# -- the normal distribution: z = (x - loc) / scale ---------------------------------------------------


@adjoint(stats.norm.logpdf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[x] = unbroadcast(-d[result] * z / scale, x)
    d[loc] = unbroadcast(d[result] * z / scale, loc)
    d[scale] = unbroadcast(d[result] * (z * z - 1.0) / scale, scale)


@adjoint(stats.norm.pdf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    d[x] = unbroadcast(-d[result] * result * z / scale, x)
    d[loc] = unbroadcast(d[result] * result * z / scale, loc)
    d[scale] = unbroadcast(d[result] * result * (z * z - 1.0) / scale, scale)


@adjoint(stats.norm.cdf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = np.exp(-0.5 * z * z - LOG_SQRT_2PI) / scale
    d[x] = unbroadcast(d[result] * slope, x)
    d[loc] = unbroadcast(-d[result] * slope, loc)
    d[scale] = unbroadcast(-d[result] * slope * z, scale)


@adjoint(stats.norm.sf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = np.exp(-0.5 * z * z - LOG_SQRT_2PI) / scale
    d[x] = unbroadcast(-d[result] * slope, x)
    d[loc] = unbroadcast(d[result] * slope, loc)
    d[scale] = unbroadcast(d[result] * slope * z, scale)


@adjoint(stats.norm.logcdf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = np.exp(-0.5 * z * z - LOG_SQRT_2PI - result) / scale  # phi(z) / Phi(z)
    d[x] = unbroadcast(d[result] * slope, x)
    d[loc] = unbroadcast(-d[result] * slope, loc)
    d[scale] = unbroadcast(-d[result] * slope * z, scale)


@adjoint(stats.norm.logsf)
def _(result, x, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = np.exp(-0.5 * z * z - LOG_SQRT_2PI - result) / scale  # phi(z) / Phi(-z)
    d[x] = unbroadcast(-d[result] * slope, x)
    d[loc] = unbroadcast(d[result] * slope, loc)
    d[scale] = unbroadcast(d[result] * slope * z, scale)


# -- Student's t, gamma and beta log-densities ----------------------------------------------------------

@adjoint(stats.t.logpdf)
def _(result, x, df, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = -(df + 1.0) * z / (df + z * z)  # d logpdf / dz
    d[x] = unbroadcast(d[result] * slope / scale, x)
    d[df] = unbroadcast(d[result] * 0.5 * (sc.digamma(0.5 * (df + 1.0)) - sc.digamma(0.5 * df) - 1.0 / df
                                           - np.log1p(z * z / df) + (df + 1.0) * z * z / (df * (df + z * z))), df)
    d[loc] = unbroadcast(-d[result] * slope / scale, loc)
    d[scale] = unbroadcast(-d[result] * (1.0 + slope * z) / scale, scale)


@adjoint(stats.gamma.logpdf)
def _(result, x, a, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = (a - 1.0) / z - 1.0
    d[x] = unbroadcast(d[result] * slope / scale, x)
    d[a] = unbroadcast(d[result] * (np.log(z) - sc.digamma(a)), a)
    d[loc] = unbroadcast(-d[result] * slope / scale, loc)
    d[scale] = unbroadcast(-d[result] * (1.0 + slope * z) / scale, scale)


@adjoint(stats.beta.logpdf)
def _(result, x, a, b, loc=0.0, scale=1.0):
    z = (x - loc) / scale
    slope = (a - 1.0) / z - (b - 1.0) / (1.0 - z)
    d[x] = unbroadcast(d[result] * slope / scale, x)
    d[a] = unbroadcast(d[result] * (np.log(z) - sc.digamma(a) + sc.digamma(a + b)), a)
    d[b] = unbroadcast(d[result] * (np.log1p(-z) - sc.digamma(b) + sc.digamma(a + b)), b)
    d[loc] = unbroadcast(-d[result] * slope / scale, loc)
    d[scale] = unbroadcast(-d[result] * (1.0 + slope * z) / scale, scale)


# -- the Poisson log-probability, in its rate --------------------------------------------------------

@adjoint(stats.poisson.logpmf)
def _(result, k, mu, loc=0.0):
    d[k] = COUNT
    d[loc] = COUNT
    d[mu] = unbroadcast(d[result] * (safe_div(k - loc, mu) - 1.0), mu)


@tangent(stats.poisson.logpmf)
def _(result, k, mu, loc=0.0):
    d[result] = d[k] * COUNT
    d[result] = d[loc] * COUNT
    d[result] = broadcast_like(d[mu] * (safe_div(k - loc, mu) - 1.0), result)


elementwise(stats.norm.logpdf, stats.norm.pdf, stats.norm.cdf, stats.norm.sf, stats.norm.logcdf, stats.norm.logsf,
            stats.t.logpdf, stats.gamma.logpdf, stats.beta.logpdf)


# -- multivariate: the normal (x, mean, cov) and the Dirichlet (x, alpha) ----------------------------------

@adjoint(stats.multivariate_normal.logpdf)
def _(result, x, mean=None, cov=1, allow_singular=False):
    grads = mvn_logpdf_grads(d[result], x, mean, cov)
    d[x] = grads[0]
    d[mean] = grads[1]
    d[cov] = grads[2]


@tangent(stats.multivariate_normal.logpdf)
def _(result, x, mean=None, cov=1, allow_singular=False):
    d[result] = mvn_logpdf_tangent(d[x], None, None, x, mean, cov, result)
    d[result] = mvn_logpdf_tangent(None, d[mean], None, x, mean, cov, result)
    d[result] = mvn_logpdf_tangent(None, None, d[cov], x, mean, cov, result)


@adjoint(stats.dirichlet.logpdf)
def _(result, x, alpha):
    grads = dirichlet_logpdf_grads(d[result], x, alpha)
    d[x] = grads[0]
    d[alpha] = grads[1]


@tangent(stats.dirichlet.logpdf)
def _(result, x, alpha):
    d[result] = dirichlet_logpdf_tangent(d[x], None, x, alpha)
    d[result] = dirichlet_logpdf_tangent(None, d[alpha], x, alpha)


refusing(stats.poisson.logpmf)
