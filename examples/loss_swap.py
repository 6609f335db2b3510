"""The same network with its loss node swapped: squared error against cross-entropy.

With a sigmoid output, squared error's gradient carries the factor
y_hat (1 - y_hat), which vanishes when the output saturates; cross-entropy's
does not. Run: python examples/loss_swap.py
"""
import numpy as np

import ssagrad


def output(w, x):
    return 1 / (1 + np.exp(-(x @ w)))


def squared_error(w, x, y):
    return np.mean((output(w, x) - y) ** 2)


def cross_entropy(w, x, y):
    p = output(w, x)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def main():
    x = np.array([[1.0, 2.0], [-1.0, 0.5], [2.0, -1.0]])
    y = np.array([1.0, 0.0, 1.0])
    print("scale of w   |grad| squared error   |grad| cross-entropy   (the outputs saturate as w grows)")
    ratios = []
    for scale in (0.1, 1.0, 5.0, 20.0):
        w = -scale * np.array([1.0, 1.0])  # confidently wrong on the positive examples
        g_se = np.linalg.norm(ssagrad.grad(squared_error)(w, x, y))
        g_ce = np.linalg.norm(ssagrad.grad(cross_entropy)(w, x, y))
        ratios.append(g_ce / g_se)
        print(f"{scale:10.1f}   {g_se:20.3e}   {g_ce:20.3e}")
    assert ratios[-1] > ratios[0]  # the more saturated, the more cross-entropy's gradient dominates


if __name__ == "__main__":
    main()
