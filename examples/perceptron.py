"""A sigmoid perceptron with squared loss: ssagrad's gradient against the textbook formula.

For y_hat = sigmoid(w . x) and L = (y_hat - y)^2 / 2, the chain rule gives
dL/dw_i = x_i * y_hat * (1 - y_hat) * (y_hat - y): the input, the sigmoid's
derivative, and the error. Run: python examples/perceptron.py
"""
import numpy as np

import ssagrad


def perceptron_loss(w, x, y):
    y_hat = 1 / (1 + np.exp(-np.dot(w, x)))
    return 0.5 * (y_hat - y) ** 2


def main():
    w = np.array([0.5, -0.3, 0.8])
    x = np.array([1.0, 2.0, -1.5])
    y = 1.0
    y_hat = 1 / (1 + np.exp(-w @ x))
    print(f"w . x = {w @ x:.4f}, y_hat = sigmoid(w . x) = {y_hat:.6f}, target y = {y}")
    print(f"terms: sigmoid'(w . x) = y_hat (1 - y_hat) = {y_hat * (1 - y_hat):.6f}, error y_hat - y = {y_hat - y:.6f}")
    formula = x * y_hat * (1 - y_hat) * (y_hat - y)
    gradient = ssagrad.grad(perceptron_loss)(w, x, y)
    for i in range(3):
        print(f"  dL/dw_{i}: x_{i} * y_hat(1 - y_hat) * (y_hat - y) = {formula[i]: .8f}   ssagrad: {gradient[i]: .8f}")
    assert np.allclose(gradient, formula, rtol=1e-13, atol=0)
    print("\nThe generated gradient:\n")
    print(ssagrad.grad(perceptron_loss).source)


if __name__ == "__main__":
    main()
