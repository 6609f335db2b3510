"""A two-layer network learning XOR by plain gradient descent, until the loss is below 0.01.

Run: python examples/xor_mlp.py
"""
import numpy as np

import ssagrad

X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
Y = np.array([0.0, 1.0, 1.0, 0.0])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loss(params, x, y):
    h = np.tanh(x @ params["W1"] + params["b1"])
    p = sigmoid(h @ params["w2"] + params["b2"])
    return np.mean((p - y) ** 2)


def train(seed=1, learning_rate=3.0, max_steps=5000):  # seed 0 starts in a local minimum, as XOR nets can
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(2, 4)), "b1": np.zeros(4), "w2": rng.normal(size=4), "b2": 0.0}
    gradient = ssagrad.value_and_grad(loss)
    for step in range(max_steps):
        value, grads = gradient(params, X, Y)
        if value < 0.01:
            return params, step, value
        params = {k: params[k] - learning_rate * grads[k] for k in params}
    return params, max_steps, value


def main():
    params, steps, value = train()
    h = np.tanh(X @ params["W1"] + params["b1"])
    predictions = sigmoid(h @ params["w2"] + params["b2"])
    print(f"loss {value:.4f} after {steps} steps of gradient descent")
    for x, p in zip(X, predictions):
        print(f"  XOR{tuple(int(v) for v in x)} -> {p:.3f}")
    assert value < 0.01 and np.all((predictions > 0.5) == (Y > 0.5))


if __name__ == "__main__":
    main()
