"""SciPy in differentiated code, written as a user would write it: checked against central differences
in reverse and forward mode (``ssagrad.check_grads``)."""
import numpy as np
import pytest

import ssagrad

scipy = pytest.importorskip("scipy")
import scipy.linalg  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402
from scipy.special import expit as sigmoid  # noqa: E402
from scipy.special import gammaln, log_softmax, logsumexp, polygamma, softmax  # noqa: E402
from scipy.stats import norm  # noqa: E402
from scipy.stats import multivariate_normal as mvn  # noqa: E402

BOTH = ("rev", "fwd")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


# -- classification --------------------------------------------------------------------------------------

def logistic_loss(w, b, x, y):
    p = sigmoid(x @ w + b)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)) + 0.01 * np.sum(w ** 2)


def logistic_loss_stable(w, x, y):
    logits = x @ w
    # log(1 + exp(z)) as a logsumexp of (0, z): no overflow
    return np.sum(logsumexp(np.stack([np.zeros_like(logits), logits]), axis=0) - y * logits)


@pytest.mark.parametrize("n, d", [(5, 3), (1, 4), (8, 1)])
def test_logistic_regression_with_expit_under_another_name(rng, n, d):
    x, y = rng.normal(size=(n, d)), (rng.uniform(size=n) > 0.5).astype(float)
    ssagrad.check_grads(logistic_loss, rng.normal(size=d), 0.3, x, y, wrt=(0, 1), modes=BOTH)
    ssagrad.check_grads(logistic_loss_stable, rng.normal(size=d), x, y, wrt=0, modes=BOTH)


def softmax_cross_entropy(w, x, labels):
    logits = x @ w
    return -np.mean(log_softmax(logits, axis=1)[np.arange(len(labels)), labels])


def softmax_entropy(logits):
    p = softmax(logits, axis=-1)
    return -np.sum(p * np.log(p))


def test_multiclass_classification_with_log_softmax_and_softmax(rng):
    x, labels = rng.normal(size=(6, 4)), np.array([0, 2, 1, 1, 0, 2])
    ssagrad.check_grads(softmax_cross_entropy, rng.normal(size=(4, 3)), x, labels, wrt=0, modes=BOTH)
    for shape in [(3,), (2, 5), (2, 3, 4)]:
        ssagrad.check_grads(softmax_entropy, rng.normal(size=shape), modes=BOTH)


def mixture_log_likelihood(means, weights, x):
    # log sum_k w_k N(x; m_k, 1), for each point, through logsumexp's weights b=
    log_densities = -0.5 * (x[:, None] - means[None, :]) ** 2 - 0.5 * np.log(2 * np.pi)
    return np.sum(logsumexp(log_densities, axis=1, b=weights))


def test_a_mixture_through_logsumexp_weights(rng):
    ssagrad.check_grads(mixture_log_likelihood, rng.normal(size=3), np.array([0.2, 0.5, 0.3]),
                        rng.normal(size=7), wrt=(0, 1), modes=BOTH)


def logsumexp_keepdims(a):
    return np.sum(np.sin(a - logsumexp(a, axis=-1, keepdims=True)))


@pytest.mark.parametrize("shape", [(), (4,), (3, 4)])
def test_logsumexp_normalizes_with_keepdims_on_any_shape(rng, shape):
    ssagrad.check_grads(logsumexp_keepdims if shape else lambda_free_logsumexp, rng.normal(size=shape), modes=BOTH)


def lambda_free_logsumexp(a):
    return logsumexp(a) * 2.0


# -- counting and special functions ----------------------------------------------------------------------

def negative_binomial_nll(log_r, logit_p, counts):
    r, p = np.exp(log_r), sigmoid(logit_p)
    return -np.sum(gammaln(counts + r) - gammaln(r) - gammaln(counts + 1) + r * np.log(1 - p) + counts * np.log(p))


def test_a_negative_binomial_likelihood_with_gammaln(rng):
    counts = np.array([0.0, 3.0, 1.0, 8.0])
    ssagrad.check_grads(negative_binomial_nll, 0.4, -0.2, counts, wrt=(0, 1), modes=BOTH)
    ssagrad.check_grads(negative_binomial_nll, rng.normal(size=4), rng.normal(size=4), counts, wrt=(0, 1),
                        modes=BOTH)


def special_functions(x):
    return np.sum(scipy.special.erf(x) * scipy.special.digamma(1.5 + x ** 2) + scipy.special.i0(x)
                  - scipy.special.log_ndtr(x) + polygamma(2, 2.0 + x) + scipy.special.xlogy(x, 1.0 + x ** 2))


@pytest.mark.parametrize("x", [0.7, np.array(0.3), np.array([0.1, -0.8, 1.4])])
def test_special_functions_on_floats_zero_d_and_arrays(x):
    ssagrad.check_grads(special_functions, x, modes=BOTH)


def second_order(w, x):
    return np.sum(sigmoid(x @ w) ** 2) + np.sum(gammaln(1.0 + w ** 2))


def test_second_order_through_expit_and_gammaln(rng):
    ssagrad.check_grads(second_order, rng.normal(size=3), rng.normal(size=(4, 3)), wrt=0, order=2, modes=BOTH)


# -- statistics ------------------------------------------------------------------------------------------

def gaussian_nll(mu, log_sigma, x):
    return -np.sum(norm.logpdf(x, loc=mu, scale=np.exp(log_sigma)))


def gaussian_nll_positional(mu, sigma, x):
    return -np.sum(scipy.stats.norm.logpdf(x, mu, sigma))


@pytest.mark.parametrize("shapes", [((), (), (6,)), ((3,), (3,), (5, 3)), ((4, 1), (1, 3), (4, 3)), ((), (), ())])
def test_gaussian_likelihood_in_loc_and_scale(rng, shapes):
    mu, sigma, x = (rng.normal(size=s) for s in shapes)
    ssagrad.check_grads(gaussian_nll, mu, sigma, x, modes=BOTH)
    ssagrad.check_grads(gaussian_nll_positional, mu, 0.5 + np.abs(sigma), x, modes=BOTH)


def probit_likelihood(w, x, y):
    z = x @ w
    return np.sum(y * norm.logcdf(z) + (1 - y) * norm.logsf(z)) + np.sum(norm.cdf(z) - norm.sf(z) + norm.pdf(z))


def test_a_probit_model_with_the_normal_cdfs(rng):
    x, y = rng.normal(size=(6, 2)), np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    ssagrad.check_grads(probit_likelihood, rng.normal(size=2), x, y, wrt=0, modes=BOTH)


def robust_regression(w, log_df, x, y):
    residuals = y - x @ w
    return -np.sum(scipy.stats.t.logpdf(residuals, np.exp(log_df), scale=0.5))


def gamma_beta_priors(a, b, x):
    return np.sum(scipy.stats.gamma.logpdf(x, a, scale=1.0 / b)) + scipy.stats.beta.logpdf(0.3, a, b)


def poisson_regression(w, x, counts):
    return -np.sum(scipy.stats.poisson.logpmf(counts, np.exp(x @ w)))


def test_t_gamma_beta_and_poisson_models(rng):
    x = rng.normal(size=(5, 2))
    ssagrad.check_grads(robust_regression, rng.normal(size=2), 1.0, x, rng.normal(size=5), wrt=(0, 1), modes=BOTH)
    ssagrad.check_grads(gamma_beta_priors, 2.0, 1.5, rng.uniform(0.5, 2.0, size=4), modes=BOTH)
    ssagrad.check_grads(poisson_regression, 0.3 * rng.normal(size=2), x, np.array([0, 1, 4, 2, 0]), wrt=0,
                        modes=BOTH)


def mvn_fit(mean, factor, x):
    cov = factor @ factor.T + 0.5 * np.eye(len(mean))
    return -np.sum(mvn.logpdf(x, mean=mean, cov=cov))


def dirichlet_prior(theta, log_alpha):
    return scipy.stats.dirichlet.logpdf(softmax(theta), np.exp(log_alpha))


def test_multivariate_normal_in_mean_and_covariance_and_the_dirichlet(rng):
    for x in (rng.normal(size=(6, 3)), rng.normal(size=3)):
        ssagrad.check_grads(mvn_fit, rng.normal(size=3), rng.normal(size=(3, 3)), x, modes=BOTH)
    ssagrad.check_grads(dirichlet_prior, rng.normal(size=4), rng.normal(size=4), modes=BOTH)


# -- what has no derivative is refused at the user's call ------------------------------------------------

def polygamma_in_its_order(n, x):
    return np.sum(polygamma(n, x))


def poisson_in_its_count(k, mu):
    return np.sum(scipy.stats.poisson.logpmf(k, mu))


def test_differentiating_an_integer_argument_is_a_located_error_in_both_modes():
    x = np.array([0.5, 2.0])
    with pytest.raises(ssagrad.DifferentiationError, match="no derivative in the order n") as info:
        ssagrad.grad(polygamma_in_its_order, wrt=0)(1.0, x)
    assert info.value.location.lineno == polygamma_in_its_order.__code__.co_firstlineno + 1
    with pytest.raises(ssagrad.DifferentiationError, match="no derivative in the order n"):
        ssagrad.jvp(polygamma_in_its_order, (1.0, x), (1.0, None))
    with pytest.raises(ssagrad.DifferentiationError, match="no derivative in the count k") as info:
        ssagrad.grad(poisson_in_its_count, wrt=0)(np.array([0.0, 2.0]), x)
    assert info.value.location.lineno == poisson_in_its_count.__code__.co_firstlineno + 1
    # differentiated in the other argument, both are fine
    ssagrad.check_grads(polygamma_in_its_order, 1, x, wrt=1, modes=BOTH)
    ssagrad.check_grads(poisson_in_its_count, np.array([0, 2]), x, wrt=1, modes=BOTH)


def logsumexp_with_sign(a):
    value, sign = logsumexp(a, return_sign=True)
    return value


def incomplete_gamma(x):
    return np.sum(scipy.special.gammainc(2.0, x))


def normal_quantile(q):
    return np.sum(norm.ppf(q))


def test_a_function_without_a_rule_is_named_where_scipy_exports_it():
    with pytest.raises(ssagrad.DifferentiationError, match=r"@ssagrad\.adjoint\(scipy\.special\.gammainc\)"):
        ssagrad.grad(incomplete_gamma)(np.array([0.5, 1.0]))
    with pytest.raises(ssagrad.DifferentiationError, match=r"@ssagrad\.adjoint\(scipy\.stats\.norm\.ppf\)"):
        ssagrad.grad(normal_quantile)(np.array([0.5, 0.7]))
    with pytest.raises(ssagrad.DifferentiationError, match=r"@ssagrad\.tangent\(scipy\.special\.gammainc\)"):
        ssagrad.jvp(incomplete_gamma, (np.array([0.5, 1.0]),), (np.ones(2),))
    with pytest.raises(ssagrad.DifferentiationError, match="return_sign"):
        ssagrad.grad(logsumexp_with_sign)(np.array([0.5, 1.0]))


def test_registering_a_rule_under_the_name_the_message_gives_makes_it_differentiable():
    from ssagrad.compiler.rules import _ADJOINTS

    assert scipy.special.gammaincc not in _ADJOINTS

    def gammaincc_sum(x):
        return np.sum(scipy.special.gammaincc(1.0, x))  # e^-x for a = 1

    try:
        @ssagrad.adjoint(scipy.special.gammaincc)
        def _(result, a, x):
            d[x] = d[result] * -np.exp(-x) * x ** (a - 1) / scipy.special.gamma(a)  # noqa: F821

        ssagrad.check_grads(gammaincc_sum, np.array([0.3, 1.2]), modes=("rev",))
    finally:
        _ADJOINTS.pop(scipy.special.gammaincc, None)


# -- linear algebra --------------------------------------------------------------------------------------

from scipy.linalg import cho_factor, cho_solve, lu_factor, lu_solve, solve_triangular  # noqa: E402


def gp_negative_log_marginal_likelihood(log_length, log_noise, x, y):
    sq = (x[:, None] - x[None, :]) ** 2
    k = np.exp(-0.5 * sq / np.exp(2 * log_length)) + np.exp(2 * log_noise) * np.eye(len(x))
    factor = cho_factor(k, lower=True)
    alpha = cho_solve(factor, y)
    return 0.5 * np.sum(y * alpha) + np.sum(np.log(np.diag(factor[0]))) + 0.5 * len(x) * np.log(2 * np.pi)


def gp_with_unpacked_factor(log_length, x, y):
    k = np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2 / np.exp(2 * log_length)) + 0.1 * np.eye(len(x))
    c, lower = cho_factor(k)
    alpha = cho_solve((c, lower), y)
    variance = cho_solve((c, lower), np.ones_like(y))  # the factor used twice
    return 0.5 * np.sum(y * alpha) + np.sum(np.log(np.diag(c))) + np.sum(variance)


@pytest.mark.parametrize("n", [1, 3, 6])
def test_gaussian_process_marginal_likelihood_with_cho_factor_and_cho_solve(rng, n):
    x, y = np.sort(rng.uniform(-2, 2, size=n)), rng.normal(size=n)
    ssagrad.check_grads(gp_negative_log_marginal_likelihood, 0.2, -1.0, x, y, wrt=(0, 1, 3), modes=BOTH)
    ssagrad.check_grads(gp_with_unpacked_factor, 0.1, x, y, wrt=(0, 2), modes=BOTH)


def whitened(factor_entries, b):
    lower = np.tril(factor_entries) + 3.0 * np.eye(len(b))
    z = solve_triangular(lower, b, lower=True)
    back = solve_triangular(lower, z, lower=True, trans=1)
    return np.sum(z ** 2) + np.sum(np.sin(back))


def lu_twice(a, b):
    lu_piv = lu_factor(a)
    x = lu_solve(lu_piv, b)
    return np.sum(np.sin(x)) + np.sum(lu_solve(lu_piv, x) ** 2)


def matrix_functions(a):
    spd = a @ a.T + 2.0 * np.eye(len(a))
    return (np.sum(scipy.linalg.expm(0.3 * a)) + np.trace(scipy.linalg.sqrtm(spd)) + np.log(scipy.linalg.det(spd))
            + np.sum(scipy.linalg.inv(spd) @ scipy.linalg.solve(spd, a, assume_a="pos")))


def test_triangular_lu_and_matrix_functions(rng):
    for b in (rng.normal(size=3), rng.normal(size=(3, 2))):
        ssagrad.check_grads(whitened, rng.normal(size=(3, 3)), b, modes=BOTH)
        ssagrad.check_grads(lu_twice, rng.normal(size=(3, 3)) + 4.0 * np.eye(3), b, modes=BOTH)
    ssagrad.check_grads(matrix_functions, rng.normal(size=(3, 3)), modes=BOTH)


# -- the rest of scipy.special, and scipy.linalg.cholesky, as programs use them ----------------------------

def beta_binomial_nll(log_a, log_b, k, n):
    a, b = np.exp(log_a), np.exp(log_b)
    log_choose = -np.log(n + 1.0) - scipy.special.betaln(n - k + 1.0, k + 1.0)
    return -np.sum(log_choose + scipy.special.betaln(k + a, n - k + b) - scipy.special.betaln(a, b)) \
        + 0.1 * np.sum(np.log(scipy.special.beta(a, b) * scipy.special.gamma(a + b) / scipy.special.gamma(a)))


def gaussian_copula(logits, scale):  # uniforms to normal scores, four ways, and back
    u = sigmoid(logits)
    z = scipy.special.ndtri(u)
    z_erf = np.sqrt(2.0) * scipy.special.erfinv(2.0 * u - 1.0)
    z_erfc = -np.sqrt(2.0) * scipy.special.erfcinv(2.0 * u)
    back = scipy.special.ndtr(scale * z) + 0.5 * scipy.special.erfc(-scale * z_erf / np.sqrt(2.0))
    return np.sum(back * z_erfc) + np.sum(scipy.special.logit(u) ** 2)


def dirichlet_entropy(log_alpha):  # the entropy of a Dirichlet, and of its mean
    alpha = np.exp(log_alpha)
    total = np.sum(alpha)
    k = len(alpha)
    log_b = np.sum(gammaln(alpha)) - gammaln(total)
    mean = alpha / total
    return (log_b + (total - k) * scipy.special.psi(total) - np.sum((alpha - 1.0) * scipy.special.psi(alpha))
            + np.sum(scipy.special.entr(mean)))


def bessel_series(c, r):  # a field written in Bessel functions of the first and second kind
    return np.sum(c[0] * scipy.special.j0(r) + c[1] * scipy.special.j1(r) + c[2] * scipy.special.y0(r + 1.0)
                  + c[3] * scipy.special.y1(r + 1.0) + c[4] * scipy.special.i1(0.3 * r)) ** 2


def cholesky_log_det(a):
    spd = a @ a.T + 2.0 * np.eye(len(a))
    upper = scipy.linalg.cholesky(spd)
    lower = scipy.linalg.cholesky(spd, lower=True)
    return 2.0 * np.sum(np.log(np.diag(upper))) + np.sum(lower ** 2) + np.sum(np.triu(upper, 1))


def test_the_rest_of_scipy_special_and_cholesky_in_programs(rng):
    k, n = np.array([0.0, 3.0, 5.0, 2.0]), np.array([5.0, 5.0, 8.0, 3.0])
    ssagrad.check_grads(beta_binomial_nll, 0.3, -0.4, k, n, wrt=(0, 1), modes=BOTH)
    ssagrad.check_grads(beta_binomial_nll, rng.normal(size=4), rng.normal(size=4), k, n, wrt=(0, 1), modes=BOTH)
    ssagrad.check_grads(gaussian_copula, rng.normal(size=5), 0.8, modes=BOTH)
    ssagrad.check_grads(dirichlet_entropy, rng.normal(size=4), modes=BOTH)
    ssagrad.check_grads(bessel_series, rng.normal(size=5), rng.uniform(0.2, 3.0, size=6), modes=BOTH)
    ssagrad.check_grads(cholesky_log_det, rng.normal(size=(3, 3)), modes=BOTH)


# -- second order, and what is not supported yet ---------------------------------------------------------

def normal_log_likelihood(mu, x):
    return np.sum(norm.logpdf(x, mu, 1.5))


def frozen_distribution(mu, x):
    return np.sum(norm(mu, 1.5).logpdf(x))


def tails_and_counts(x):
    return (np.sum(scipy.special.log_ndtr(x) + norm.logcdf(x, 0.2, 1.5) + norm.logsf(x))
            + np.sum(scipy.special.xlogy(x, 2.0 + x) + scipy.special.xlog1py(x ** 2, x ** 2))
            + np.sum(scipy.stats.poisson.logpmf(np.array([0, 2, 5]), 1.0 + x ** 2)))


def test_hessians_through_rules_written_with_functions_that_have_rules(rng):
    ssagrad.check_grads(normal_log_likelihood, rng.normal(size=3), rng.normal(size=3), wrt=0, order=2,
                        modes=BOTH)
    ssagrad.check_grads(tails_and_counts, rng.uniform(0.2, 1.5, size=3), order=2, modes=BOTH)
    ssagrad.check_grads(lambda_free_logsumexp, rng.normal(size=3), order=2, modes=BOTH)
    ssagrad.check_grads(logsumexp_keepdims, rng.normal(size=(2, 3)), order=2, modes=BOTH)
    ssagrad.check_grads(mixture_log_likelihood, rng.normal(size=3), np.array([0.2, 0.5, 0.3]), rng.normal(size=7),
                        wrt=(0, 1), order=2, modes=BOTH)
    ssagrad.check_grads(softmax_entropy, rng.normal(size=(2, 3)), order=2, modes=BOTH)
    ssagrad.check_grads(softmax_cross_entropy, rng.normal(size=(4, 3)), rng.normal(size=(6, 4)),
                        np.array([0, 2, 1, 1, 0, 2]), wrt=0, order=2, modes=BOTH)
    x = rng.normal(size=(5, 2))
    ssagrad.check_grads(probit_likelihood, rng.normal(size=2), x, np.array([1.0, 0.0, 1.0, 1.0, 0.0]), wrt=0,
                        order=2, modes=BOTH)
    ssagrad.check_grads(robust_regression, rng.normal(size=2), 1.0, x, rng.normal(size=5), wrt=(0, 1), order=2,
                        modes=BOTH)
    ssagrad.check_grads(gamma_beta_priors, 2.0, 1.5, rng.uniform(0.5, 2.0, size=4), order=2, modes=BOTH)
    with pytest.raises(ssagrad.DifferentiationError, match="i1_derivative"):
        ssagrad.hessian(bessel_i1)(rng.normal(size=3))


def bessel_i1(x):
    return np.sum(scipy.special.i1(x))


def test_a_frozen_distribution_is_refused_at_the_call(rng):
    with pytest.raises(ssagrad.DifferentiationError) as info:
        ssagrad.grad(frozen_distribution)(0.3, rng.normal(size=3))
    assert info.value.location.lineno == frozen_distribution.__code__.co_firstlineno + 1


def test_importing_ssagrad_does_not_import_scipy_and_a_rule_registered_first_stays(tmp_path):
    import subprocess
    import sys
    program = tmp_path / "user_rule.py"
    program.write_text(
        "import sys\n"
        "import numpy as np\n"
        "import ssagrad\n"
        "assert 'scipy' not in sys.modules, 'importing ssagrad imported SciPy'\n"
        "import scipy.special\n"
        "\n"
        "@ssagrad.tangent(scipy.special.erf)  # before any SciPy rule is looked up\n"
        "def _(result, x):\n"
        "    d[result] = d[x] * 100.0\n"
        "\n"
        "def f(x):\n"
        "    return np.sum(scipy.special.erf(x) + scipy.special.expit(x))\n"
        "\n"
        "value, derivative = ssagrad.jvp(f, (np.zeros(2),), (np.ones(2),))\n"
        "assert derivative == 2 * 100.0 + 2 * 0.25, derivative\n"
        "assert np.allclose(ssagrad.grad(f)(np.zeros(2)), 2 / np.sqrt(np.pi) + 0.25)\n")
    done = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def checkpointed_mixture(x):
    total = 0.0
    for i in range(5):
        total = total + logsumexp(x * (i + 1.0)) + np.sum(sigmoid(x * i))
    return total


def test_a_checkpointed_loop_calling_scipy_functions_with_rules(rng):
    x = rng.normal(size=4)
    np.testing.assert_allclose(ssagrad.grad(checkpointed_mixture, checkpoint=True)(x),
                               ssagrad.numerical_grad(checkpointed_mixture, [x], 0), rtol=1e-7, atol=1e-9)
