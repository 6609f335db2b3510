"""Rule-table cases for the SciPy rules (``compiler/rules/scipy_*.py``), added to ``rule_table.TABLE``.

Imported at the end of ``tests/rule_table.py``; adds nothing where SciPy is not installed.
"""
import importlib.util

import numpy as np

import rule_table
from rule_table import SHAPES, A, binary, case, unary

if importlib.util.find_spec("scipy") is not None:
    import scipy.linalg
    import scipy.special as sc
    import scipy.stats
else:  # pragma: no cover
    sc = None

PAIRS = [(None, None), ((), (2, 3)), ((3,), (3,)), ((2, 3), (3,)), ((3, 1), (1, 4))]


def weighted(text, params="x"):
    """``sum(sin(<text>) * ramp)`` as a function of ``params``, from a module file (ssagrad reads source);
    the ramp makes every entry count differently."""
    return source(f"np.sum(np.sin({text}) * np.arange(1.0, np.size({text}) + 1.0).reshape(np.shape({text})))",
                  params)


def source(expression, params="x"):
    """``def f(<params>): return <expression>`` in a module file that imports SciPy."""
    return rule_table.source(expression, params, "import numpy as np\nimport scipy.linalg\nimport scipy.special as sc\n"
                             "import scipy.stats\nfrom scipy.stats import norm\n")


if sc is not None:
    # -- scipy.special: one argument --------------------------------------------------------------------
    UNARY = [
        (sc.expit, -4, 4), (sc.logit, 0.05, 0.95), (sc.gammaln, 0.2, 5), (sc.digamma, 0.3, 5), (sc.gamma, 0.2, 4),
        (sc.erf, -2, 2), (sc.erfc, -2, 2), (sc.erfinv, -0.9, 0.9), (sc.erfcinv, 0.1, 1.9), (sc.entr, 0.1, 3),
        (sc.ndtr, -3, 3), (sc.log_ndtr, -6, 4), (sc.ndtri, 0.05, 0.95), (sc.i0, -3, 3), (sc.i1, -3, 3),
        (sc.j0, -6, 6), (sc.j1, -6, 6), (sc.y0, 0.5, 6), (sc.y1, 0.5, 6),
    ]
    for op, low, high in UNARY:
        for shape in SHAPES:
            case(op, unary(op), A(shape, low, high))
    case(sc.log_ndtr, unary(sc.log_ndtr), A((3,), -30, -20), note="far in the left tail")

    # -- scipy.special: two arguments, with broadcasting ------------------------------------------------
    for op, (low_a, high_a), (low_b, high_b) in [
            (sc.beta, (0.3, 4), (0.3, 4)), (sc.betaln, (0.3, 4), (0.3, 4)), (sc.xlogy, (-2, 2), (0.2, 3)),
            (sc.xlog1py, (-2, 2), (-0.5, 3))]:
        for xs, ys in PAIRS:
            case(op, binary(op), A(xs, low_a, high_a), A(ys, low_b, high_b), wrt=(0, 1))
    for n in (0, 1, 2, 3):
        case(sc.polygamma, weighted(f"sc.polygamma({n}, x)"), A((3,), 0.3, 4), note=f"order {n}")
    case(sc.polygamma, weighted("sc.polygamma(n, x)", "n, x"), np.array([0, 1, 2]), A((2, 3), 0.5, 4), wrt=(1,),
         note="orders as an array, broadcast")
    case(sc.polygamma, weighted("sc.polygamma(1, x)"), A(None, 0.3, 4), note="a Python float")

    # -- scipy.special: reductions ----------------------------------------------------------------------
    for text, shapes in [
            ("sc.logsumexp(x)", [(3,), (2, 3), ()]), ("sc.logsumexp(x, axis=0)", [(3,), (2, 3)]),
            ("sc.logsumexp(x, axis=-1, keepdims=True)", [(2, 3)]), ("sc.logsumexp(x, axis=(0, 2))", [(2, 3, 2)]),
            ("sc.logsumexp(x, 1)", [(2, 3)]), ("sc.logsumexp(x, keepdims=True)", [(2, 3)])]:
        for shape in shapes:
            case(sc.logsumexp, weighted(text), A(shape, -3, 3))
    for text, xs, ys in [("sc.logsumexp(x, b=y)", (3,), (3,)), ("sc.logsumexp(x, axis=1, b=y)", (2, 3), (3,)),
                         ("sc.logsumexp(x, axis=0, b=y, keepdims=True)", (2, 3), (2, 1)),
                         ("sc.logsumexp(x, b=y)", (2, 3), ())]:
        case(sc.logsumexp, weighted(text, "x, y"), A(xs, -3, 3), A(ys, 0.2, 2), wrt=(0, 1), note="weights b")
    for fn in (sc.softmax, sc.log_softmax):
        name = fn.__name__
        for text, shape in [(f"sc.{name}(x)", (3,)), (f"sc.{name}(x)", (2, 3)), (f"sc.{name}(x, axis=1)", (2, 3)),
                            (f"sc.{name}(x, axis=0)", (2, 3)), (f"sc.{name}(x, -1)", (2, 2, 3)),
                            (f"sc.{name}(x, axis=(0, 1))", (2, 2, 3))]:
            case(fn, weighted(text), A(shape, -3, 3))

    # -- scipy.stats: the normal distribution, in x, loc and scale (positional and keyword) -------------
    NORM = [scipy.stats.norm.logpdf, scipy.stats.norm.pdf, scipy.stats.norm.cdf, scipy.stats.norm.logcdf,
            scipy.stats.norm.sf, scipy.stats.norm.logsf]
    for method in NORM:
        name = method.__name__
        case(method, weighted(f"norm.{name}(x)"), A((3,), -3, 3))
        case(method, weighted(f"norm.{name}(x)"), A(None, -3, 3))
        for xs, ls, ss in [((3,), (), ()), ((2, 3), (3,), (2, 1)), ((), (3,), ()), (None, None, None)]:
            case(method, weighted(f"scipy.stats.norm.{name}(x, loc, scale)", "x, loc, scale"), A(xs, -3, 3),
                 A(ls, -1, 1), A(ss, 0.5, 2), wrt=(0, 1, 2))
            case(method, weighted(f"norm.{name}(x, scale=scale, loc=loc)", "x, loc, scale"), A(xs, -3, 3),
                 A(ls, -1, 1), A(ss, 0.5, 2), wrt=(0, 1, 2), note="keywords")
        case(method, weighted(f"norm.{name}(x, loc)", "x, loc"), A((3,), -3, 3), A((), -1, 1), wrt=(0, 1))
        case(method, weighted(f"norm.{name}(x, scale=scale)", "x, scale"), A((3,), -3, 3), A((3,), 0.5, 2),
             wrt=(0, 1))
    case(scipy.stats.norm.logcdf, weighted("norm.logcdf(x)"), A((3,), -30, -20), note="far in the left tail")
    case(scipy.stats.norm.logsf, weighted("norm.logsf(x)"), A((3,), 20, 30), note="far in the right tail")

    # -- scipy.stats: t, gamma and beta log-densities in every parameter ----------------------------------
    case(scipy.stats.t.logpdf, weighted("scipy.stats.t.logpdf(x, df=df)", "x, df"), A((3,), -3, 3), A((), 1, 5),
         wrt=(0, 1))
    case(scipy.stats.gamma.logpdf, weighted("scipy.stats.gamma.logpdf(x, a)", "x, a"), A((3,), 0.5, 3),
         A((3,), 0.5, 4), wrt=(0, 1))
    case(scipy.stats.beta.logpdf, weighted("scipy.stats.beta.logpdf(x, a, b)", "x, a, b"), A((3,), 0.2, 0.8),
         A((), 0.5, 4), A((3,), 0.5, 4), wrt=(0, 1, 2))
    for xs, ps in [((3,), ()), ((2, 3), (3,)), (None, None)]:
        case(scipy.stats.t.logpdf, weighted("scipy.stats.t.logpdf(x, df, loc, scale)", "x, df, loc, scale"),
             A(xs, -3, 3), A(ps, 0.5, 8), A(ps, -1, 1), A(ps, 0.5, 2), wrt=(0, 1, 2, 3))
        case(scipy.stats.gamma.logpdf, weighted("scipy.stats.gamma.logpdf(x, a, loc, scale)", "x, a, loc, scale"),
             A(xs, 0.5, 3), A(ps, 0.5, 4), A(ps, -0.4, 0.2), A(ps, 0.5, 2), wrt=(0, 1, 2, 3))
        case(scipy.stats.beta.logpdf, weighted("scipy.stats.beta.logpdf(x, a, b, loc, scale)", "x, a, b, loc, scale"),
             A(xs, 0.2, 0.8), A(ps, 0.5, 4), A(ps, 0.5, 4), A(ps, -0.1, 0.1), A(ps, 1.0, 1.3), wrt=(0, 1, 2, 3, 4))

    # -- scipy.stats: the Poisson log-probability in its rate -------------------------------------------
    COUNTS = np.array([0, 1, 3, 7])
    case(scipy.stats.poisson.logpmf, weighted("scipy.stats.poisson.logpmf(k, mu)", "k, mu"), COUNTS,
         A((4,), 0.3, 6), wrt=(1,))
    case(scipy.stats.poisson.logpmf, weighted("scipy.stats.poisson.logpmf(k, mu)", "k, mu"), COUNTS,
         A((), 0.3, 6), wrt=(1,), note="one rate")
    case(scipy.stats.poisson.logpmf, weighted("scipy.stats.poisson.logpmf(k, mu=mu, loc=1)", "k, mu"), COUNTS + 1,
         A((2, 4), 0.3, 6), wrt=(1,), note="shifted")

    # -- scipy.stats: the multivariate normal in x, mean and cov; the Dirichlet in x and alpha -----------
    SPD = A((3, 3), symmetric_positive=True)
    MVN = scipy.stats.multivariate_normal.logpdf
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean, cov)", "x, mean, cov"), A((4, 3)), A((3,)),
         SPD, wrt=(0, 1, 2))
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean=mean, cov=cov)", "x, mean, cov"), A((3,)),
         A((3,)), SPD, wrt=(0, 1, 2), note="one sample")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, cov=cov)", "x, cov"), A((2, 2, 3)), SPD,
         wrt=(0, 1), note="no mean; samples in two axes")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean, cov)", "x, mean, cov"), A((5,)), A((1,)),
         A((1, 1), 0.5, 2), wrt=(0, 1, 2), note="one dimension: x is five samples")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean, cov)", "x, mean, cov"), A((4, 3)), A((3,)),
         A((), 0.5, 2), wrt=(0, 1, 2), note="a number times the identity")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean, cov)", "x, mean, cov"), A((4, 3)), A((3,)),
         A((3,), 0.5, 2), wrt=(0, 1, 2), note="a diagonal")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, cov=cov)", "x, cov"), A((5,)), A(None, 0.5, 2),
         wrt=(0, 1), note="no mean, a float variance: five samples of one dimension")
    case(MVN, weighted("scipy.stats.multivariate_normal.logpdf(x, mean, 1.5)", "x, mean"), A((2,)), A(None),
         wrt=(0, 1), note="a float mean: two samples of one dimension")
    DIRICHLET = scipy.stats.dirichlet.logpdf
    case(DIRICHLET, weighted("scipy.stats.dirichlet.logpdf(sc.softmax(t), alpha)", "t, alpha"), A((4,)),
         A((4,), 0.5, 4), wrt=(0, 1), note="x on the simplex, through softmax")
    case(DIRICHLET, weighted("scipy.stats.dirichlet.logpdf(sc.softmax(t)[:-1], alpha)", "t, alpha"), A((4,)),
         A((4,), 0.5, 4), wrt=(0, 1), note="the last entry left out")
    case(DIRICHLET, weighted("scipy.stats.dirichlet.logpdf(sc.softmax(t, axis=0), alpha)", "t, alpha"), A((3, 2)),
         A((3,), 0.5, 4), wrt=(0, 1), note="samples as columns")
    case(DIRICHLET, weighted("scipy.stats.dirichlet.logpdf(x, alpha)", "x, alpha"), np.array([0.2, 0.3, 0.5]),
         A((3,), 0.5, 4), wrt=(1,))

    # -- scipy.linalg ------------------------------------------------------------------------------------
    L = scipy.linalg
    EYE = "9.0 * np.eye(3)"  # a + EYE is diagonally dominant for entries of a in [-2, 2]: never singular
    for text, bs in [(f"scipy.linalg.solve_triangular(a + {EYE}, b)", [(3,), (3, 2)]),
                     (f"scipy.linalg.solve_triangular(a + {EYE}, b, lower=True)", [(3,), (3, 2)]),
                     (f"scipy.linalg.solve_triangular(a + {EYE}, b, trans=1, lower=True)", [(3, 2)]),
                     (f"scipy.linalg.solve_triangular(a + {EYE}, b, trans='T')", [(3,)]),
                     (f"scipy.linalg.solve_triangular(a + {EYE}, b, unit_diagonal=True)", [(3, 2)])]:
        for bshape in bs:
            case(L.solve_triangular, weighted(text, "a, b"), A((3, 3)), A(bshape), wrt=(0, 1))
    case(L.cholesky, weighted("scipy.linalg.cholesky(s)", "s"), SPD, note="reads the upper triangle")
    case(L.cholesky, weighted("scipy.linalg.cholesky(s, lower=True)", "s"), SPD, note="reads the lower triangle")
    case(L.cholesky, weighted("scipy.linalg.cholesky(x @ x.T + 3.0 * np.eye(3))"), A((3, 3)))
    case(L.cho_factor, weighted("scipy.linalg.cho_factor(s)[0]", "s"), SPD,
         note="the other triangle is the input's own")
    case(L.cho_factor, weighted("scipy.linalg.cho_factor(s, lower=True)[0]", "s"), SPD)
    for lower in (False, True):
        for bshape in [(3,), (3, 2)]:
            case(L.cho_solve, weighted(f"scipy.linalg.cho_solve(scipy.linalg.cho_factor(s, lower={lower}), b)",
                                       "s, b"), SPD, A(bshape), wrt=(0, 1))
            case(L.cho_factor, weighted(f"scipy.linalg.cho_solve(scipy.linalg.cho_factor(s, {lower}), b)", "s, b"),
                 SPD, A(bshape), wrt=(0, 1))
    case(L.cho_solve, weighted("scipy.linalg.cho_solve((c + 3.0 * np.eye(3), True), b)", "c, b"), A((3, 3)),
         A((3,)), wrt=(0, 1), note="a lower factor given directly")
    # a + 9I is diagonally dominant for entries of a in [-2, 2]: never singular (a + 6I is, at a = -2 everywhere)
    PERMUTED = "(a + 9.0 * np.eye(3))[[2, 0, 1]]"  # partial pivoting must swap rows back, far from a tie
    case(L.lu_factor, weighted(f"scipy.linalg.lu_factor(a + 9.0 * np.eye(3))[0]", "a"), A((3, 3)), note="no swaps")
    case(L.lu_factor, weighted(f"scipy.linalg.lu_factor({PERMUTED})[0]", "a"), A((3, 3)))
    case(L.lu_solve, weighted(f"scipy.linalg.lu_solve(scipy.linalg.lu_factor(a + 9.0 * np.eye(3)), b)", "a, b"),
         A((3, 3)), A((3,)), wrt=(0, 1), note="no swaps")
    for bshape in [(3,), (3, 2)]:
        case(L.lu_solve, weighted(f"scipy.linalg.lu_solve(scipy.linalg.lu_factor({PERMUTED}), b)", "a, b"),
             A((3, 3)), A(bshape), wrt=(0, 1))
        case(L.lu_factor, weighted(f"scipy.linalg.lu_solve(scipy.linalg.lu_factor(a + 9.0 * np.eye(3)), b)", "a, b"),
             A((3, 3)), A(bshape), wrt=(0, 1))
    case(L.expm, weighted("scipy.linalg.expm(x)"), A((3, 3), -1, 1))
    case(L.expm, weighted("scipy.linalg.expm(x)"), A((2, 3, 3), -1, 1), note="a batch")
    case(L.expm, weighted("scipy.linalg.expm(x)"), A((1, 1), -1, 1))
    case(L.sqrtm, weighted("scipy.linalg.sqrtm(s)", "s"), SPD)
    case(L.sqrtm, weighted("scipy.linalg.sqrtm(x @ x.T + 3.0 * np.eye(3) + 0.2 * x)"), A((3, 3)),
         note="not symmetric")
    case(L.det, weighted(f"scipy.linalg.det(x + {EYE})"), A((3, 3)))
    case(L.det, weighted("scipy.linalg.det(x)"), A((3, 3), generic=True))
    case(L.det, weighted("scipy.linalg.det(x + 4.0 * np.eye(3))"), A((2, 3, 3)), note="a batch")
    case(L.inv, weighted(f"scipy.linalg.inv(x + {EYE})"), A((3, 3)))
    case(L.inv, weighted("scipy.linalg.inv(s, assume_a='pos')", "s"), SPD, note="reads the upper triangle")
    case(L.inv, weighted("scipy.linalg.inv(s, assume_a='sym', lower=True)", "s"), SPD)
    for options in ["", ", assume_a='gen'", ", assume_a='pos'", ", assume_a='sym', lower=True"]:
        for bshape in [(3,), (3, 2)]:
            matrix = "a" if "assume_a='" in options and "gen" not in options else f"a + {EYE}"
            spec = SPD if matrix == "a" else A((3, 3))
            case(L.solve, weighted(f"scipy.linalg.solve({matrix}, b{options})", "a, b"), spec, A(bshape),
                 wrt=(0, 1))
