"""Logistic regression fitted by scipy.optimize.minimize with ssagrad's gradient as jac.

Run: python examples/scipy_optimize.py   (needs scipy)
"""
import numpy as np

import ssagrad


def negative_log_likelihood(w, x, y, l2=0.01):
    z = x @ w
    return np.mean(np.logaddexp(0.0, z) - y * z) + l2 * np.sum(w ** 2)


def main():
    from scipy.optimize import minimize
    rng = np.random.default_rng(0)
    x = np.hstack([rng.normal(size=(200, 3)), np.ones((200, 1))])
    true_w = np.array([1.5, -2.0, 0.5, 0.3])
    y = (rng.uniform(size=200) < 1 / (1 + np.exp(-x @ true_w))).astype(float)
    result = minimize(negative_log_likelihood, np.zeros(4), args=(x, y), jac=ssagrad.grad(negative_log_likelihood),
                      method="L-BFGS-B")
    print(f"converged: {result.success} in {result.nit} iterations; loss {result.fun:.4f}")
    print(f"fitted w: {np.round(result.x, 3)}   (data drawn with w = {true_w})")
    assert result.success and np.linalg.norm(ssagrad.grad(negative_log_likelihood)(result.x, x, y)) < 1e-4


if __name__ == "__main__":
    main()
