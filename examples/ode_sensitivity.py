"""Sensitivity of an ODE's final state to its parameters, through 500 explicit Euler steps.

A damped oscillator x'' = -k x - c x'; the gradient of the final position
with respect to (k, c) and the initial state, checked against finite differences.
Run: python examples/ode_sensitivity.py
"""
import numpy as np

import ssagrad


def final_position(k, c, x0, v0, steps=500, dt=0.01):
    x, v = x0, v0
    for _ in range(steps):
        a = -k * x - c * v
        x, v = x + dt * v, v + dt * a
    return x


def main():
    point = (2.0, 0.3, 1.0, 0.0)
    grads = ssagrad.grad(final_position, wrt=(0, 1, 2, 3))(*point)
    numeric = [ssagrad.numerical_grad(final_position, point, i) for i in range(4)]
    print(f"x(T) = {final_position(*point):.6f}")
    for name, g, n in zip(("k", "c", "x0", "v0"), grads, numeric):
        print(f"  dx(T)/d{name:2s} = {g: .8f}   finite differences {n: .8f}")
    assert np.allclose(grads, numeric, rtol=1e-6, atol=1e-9)


if __name__ == "__main__":
    main()
