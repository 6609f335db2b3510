"""Fit a spring chain's stiffness and damping to an observed trajectory, with the gradient of an @numba.njit
simulation compiled by Numba (docs/numba.md).

    python examples/numba_simulation.py

The simulation is a ring of masses joined by springs (stiffness k) with damping c, integrated by
semi-implicit Euler; the loss sums the squared distances to an observed trajectory. ``ssagrad.grad`` reads
the kernel's Python source, generates its gradient and compiles it with Numba, with the kernel's own
options. Gradient descent recovers k and c; the script prints the speed-up over ssagrad's Python gradient.
"""
import time

import numpy as np

import ssagrad

try:
    import numba
except ImportError:  # Numba is an optional extra: python -m pip install 'ssagrad[numba]'
    numba = None


def spring_chain_loss(k, c, x0, observed, dt):
    x = x0.copy()
    v = np.zeros(x0.shape[0])
    loss = 0.0
    for step in range(observed.shape[0]):
        force = k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x) - c * v
        v = v + dt * force
        x = x + dt * v
        loss += np.sum((x - observed[step]) ** 2)
    return loss


def trajectory(k, c, x0, steps, dt):
    x, v, out = x0.copy(), np.zeros_like(x0), []
    for _ in range(steps):
        v = v + dt * (k * (np.roll(x, 1) + np.roll(x, -1) - 2.0 * x) - c * v)
        x = x + dt * v
        out.append(x)
    return np.array(out)


def best_time(f, repeat=5):
    f()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    if numba is None:
        print("Numba is not installed (python -m pip install 'ssagrad[numba]'): nothing to compile")
        return
    x0 = np.sin(np.linspace(0.0, 2.0 * np.pi, 64, endpoint=False))
    dt, steps = 0.05, 200
    observed = trajectory(2.0, 0.3, x0, steps, dt)
    kernel = numba.njit(spring_chain_loss)

    start = time.perf_counter()
    gradient = ssagrad.value_and_grad(kernel, wrt=(0, 1))  # compiled with Numba, as the kernel is
    gradient(1.0, 0.1, x0, observed, dt)
    print(f"first call (generate the gradient + Numba's compile): {time.perf_counter() - start:.2f} s")

    python = ssagrad.grad(spring_chain_loss, wrt=(0, 1))
    ours, theirs = gradient(1.0, 0.1, x0, observed, dt)[1], python(1.0, 0.1, x0, observed, dt)
    assert np.allclose(ours, theirs, rtol=1e-10), (ours, theirs)

    theta, m, s = np.array([1.0, 0.1]), np.zeros(2), np.zeros(2)  # (k, c), fitted with Adam
    for t in range(1, 1501):
        loss, (dk, dc) = gradient(theta[0], theta[1], x0, observed, dt)
        g = np.array([dk, dc])
        m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g ** 2
        theta = theta - 0.02 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-12)
    k, c = theta
    print(f"fitted k = {k:.4f} (true 2.0), c = {c:.4f} (true 0.3), loss {loss:.2e}")
    assert abs(k - 2.0) < 1e-2 and abs(c - 0.3) < 1e-2, (k, c)

    numba_time = best_time(lambda: gradient(k, c, x0, observed, dt))
    python_time = best_time(lambda: python(k, c, x0, observed, dt))
    primal_time = best_time(lambda: kernel(k, c, x0, observed, dt))
    print(f"gradient: Numba {numba_time * 1e6:.0f} us, Python {python_time * 1e6:.0f} us "
          f"({python_time / numba_time:.1f}x faster); the Numba simulation alone {primal_time * 1e6:.0f} us")


if __name__ == "__main__":
    main()
