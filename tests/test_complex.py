"""Complex numbers, as a user would write them: gradients of real-valued losses of complex (and real) inputs.

The convention is autograd's (docs/supported.md, "Complex numbers"): for a real-valued f of z = x + iy,
grad f = df/dx - i df/dy. The reference here is central differences applied to the real and the imaginary
part of each entry separately, combined that way; a real input's gradient is df/dx alone, and real.
"""
import numpy as np
import pytest

import ssagrad
from ssagrad.check import check_grads, numerical_grad

RNG = np.random.default_rng(16)


def cplx(*shape):
    return RNG.normal(size=shape) + 1j * RNG.normal(size=shape)


def partial_differences(f, args, index, direction):
    """d f / d t of f(args[index] + t * direction * e_k) for every entry k, by central differences (Richardson)."""
    args = list(args)
    x = args[index]
    scalar = np.ndim(x) == 0 and not isinstance(x, np.ndarray)
    base = np.array(x, dtype=complex if np.iscomplexobj(x) else float)
    out = np.zeros(base.shape)
    for k in np.ndindex(base.shape):
        h = 1e-4 * max(1.0, abs(base[k]))

        def central(step):
            values = []
            for sign in (1.0, -1.0):
                moved = base.copy()
                moved[k] += sign * step * direction
                args[index] = moved.item() if scalar else moved
                values.append(float(f(*args)))
            return (values[0] - values[1]) / (2 * step)
        out[k] = (4 * central(h / 2) - central(h)) / 3
    return out


def reference_grad(f, args, index=0):
    """df/dx - i df/dy for a complex argument, df/dx for a real one."""
    d_real = partial_differences(f, args, index, 1.0)
    if not np.iscomplexobj(args[index]):
        return d_real
    return d_real - 1j * partial_differences(f, args, index, 1j)


def check(f, *args, wrt=None, modes=("reverse", "forward")):
    wrt = tuple(range(len(args))) if wrt is None else wrt
    scale = max(1.0, abs(float(f(*args))))
    for mode in modes:
        grads = ssagrad.grad(f, wrt=wrt, mode=mode)(*args)
        for i, g in zip(wrt, grads):
            expected = reference_grad(f, args, i)
            assert np.shape(g) == np.shape(args[i])
            assert np.iscomplexobj(g) == np.iscomplexobj(args[i]), (mode, i, g)
            np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-6 * scale,
                                       err_msg=f"{f.__name__}: d/d(argument {i}), {mode} mode")
    return grads


# -- losses written as a user would ----------------------------------------------------------------------------

def power_spectrum(x):
    return np.sum(np.abs(np.fft.fft(x)) ** 2)


def power_spectrum_columns(x):
    return np.sum(np.abs(np.fft.fft(x, axis=0)) ** 2 * np.arange(1.0, 1.0 + x.shape[1]))


def least_squares(A, z, b):
    return np.sum(np.abs(A @ z - b) ** 2)


def norm_of_residual(A, z, b):
    return np.linalg.norm(A @ z - b)


def phase_retrieval(x, target):
    return np.sum((np.abs(np.fft.fft(x)) - target) ** 2)


def amplitude_and_phase(r, theta, target):
    z = r * np.exp(1j * theta)
    return np.sum(np.abs(z - target) ** 2)


def arithmetic(z, w):
    return np.sum(np.real(z * w / (z + 2.0) ** 2 - np.conj(w) ** 3) + np.imag(z - w) * np.real(w ** 2.5))


def holomorphic_mix(z):
    return np.sum(np.abs(np.log(z) + np.sin(z) * np.cos(z) - np.exp(z / 2.0)))


def parts(z):
    return np.sum(z.real ** 2 * np.imag(z) + np.real(z.conj() * z) + np.angle(z) * np.abs(z))


def filtered(x, H):
    return np.sum(np.fft.irfft(np.fft.rfft(x) * H, n=x.shape[-1]) ** 2)


def inverse_transform(z):
    return np.sum(np.real(np.fft.ifft(z, norm="ortho")) * np.arange(1.0, 1.0 + z.shape[-1])
                  + np.abs(np.fft.ifft(z)) ** 3)


def mean_energy(z):
    return np.mean(np.abs(z) ** 2) + np.mean(z * np.conj(z)).real


def spread(z):
    return np.var(z) + np.std(z, axis=0).sum()


def complex_scalar(z):
    return abs(z ** 2 + 1.0) + np.angle(z)


# -- against central differences ----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (4,), (2, 3)])
def test_power_spectrum_of_a_real_signal(shape):
    x = RNG.normal(size=shape)
    g = check(power_spectrum, x)[0]
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x.shape[-1] * x)  # Parseval: sum |fft(x)|^2 = n sum x^2


@pytest.mark.parametrize("shape", [(5,), (3, 4)])
def test_power_spectrum_of_a_complex_signal(shape):
    check(power_spectrum, cplx(*shape))


def test_fft_along_an_axis():
    check(power_spectrum_columns, RNG.normal(size=(4, 3)))
    check(power_spectrum_columns, cplx(4, 3))


@pytest.mark.parametrize("z_shape, b_shape", [((3,), (2,)), ((3, 2), (2, 2)), ((3, 2), (2, 1)), ((3,), ())])
def test_complex_least_squares(z_shape, b_shape):
    """Every argument complex, and b broadcast against A @ z."""
    A, z, b = cplx(2, 3), cplx(*z_shape), cplx(*b_shape) if b_shape else complex(0.4, -0.3)
    check(least_squares, A, z, b, wrt=(0, 1) if not b_shape else (0, 1, 2))
    check(norm_of_residual, A, z, b, wrt=(1,))


def test_least_squares_with_a_real_matrix_and_a_complex_unknown():
    A, z, b = RNG.normal(size=(4, 3)), cplx(3), cplx(4)
    gA, gz = check(least_squares, A, z, b, wrt=(0, 1))
    assert gA.dtype == np.float64 and gz.dtype == np.complex128


@pytest.mark.parametrize("signal", ["real", "complex"])
def test_phase_retrieval(signal):
    x = RNG.normal(size=6) if signal == "real" else cplx(6)
    target = np.abs(np.fft.fft(RNG.normal(size=6)))
    check(phase_retrieval, x, target, wrt=(0,))


@pytest.mark.parametrize("r_shape", [None, (4,)])
def test_real_parameters_through_complex_values(r_shape):
    """Amplitude and phase are real: their gradients are real (the real part of what reaches them)."""
    r = 1.3 if r_shape is None else RNG.uniform(0.5, 2.0, size=r_shape)
    theta, target = RNG.normal(size=4), cplx(4)
    gr, gtheta = check(amplitude_and_phase, r, theta, target, wrt=(0, 1))
    assert type(gr) is type(r) and gtheta.dtype == np.float64


@pytest.mark.parametrize("z_shape, w_shape", [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3))])
def test_arithmetic_with_broadcasting(z_shape, w_shape):
    z, w = cplx(*z_shape) + 3.0, cplx(*w_shape) + 2.0  # away from the branch cut of w ** 2.5
    check(arithmetic, z, w)


def test_exp_log_sin_cos():
    check(holomorphic_mix, cplx(3, 2) + 2.0)


def test_real_imag_conj_angle_and_attributes():
    check(parts, cplx(2, 3))


def test_rfft_filter_with_a_complex_transfer_function():
    for n in (6, 7):
        x, H = RNG.normal(size=(2, n)), cplx(n // 2 + 1)
        gx, gH = check(filtered, x, H)
        assert gx.dtype == np.float64


def test_ifft():
    check(inverse_transform, cplx(5))
    check(inverse_transform, cplx(2, 4))


def test_means_variances_and_norms():
    check(mean_energy, cplx(3, 2))
    check(spread, cplx(4, 2))


def test_a_python_complex_scalar():
    g = check(complex_scalar, complex(0.7, -1.1))[0]
    assert type(g) is complex


def test_value_and_grad():
    z = cplx(4)
    value, g = ssagrad.value_and_grad(mean_energy)(z)
    assert value == pytest.approx(mean_energy(z))
    np.testing.assert_allclose(g, reference_grad(mean_energy, (z,)), atol=1e-7)


def test_jvp_with_a_complex_tangent():
    """The directional derivative along t = a + ib is df/dx a + df/dy b = Re(sum(g * t))."""
    z, t = cplx(2, 3), cplx(2, 3)
    _, derivative = ssagrad.jvp(parts, (z,), (t,))
    g = reference_grad(parts, (z,))
    assert derivative == pytest.approx(float(np.real(np.sum(g * t))), rel=1e-6)


# -- what was silently wrong before, and autograd's numbers -----------------------------------------------


def one_plus_ix(x):
    return np.sum(np.abs(x * 1j + 1.0) ** 2)


def imaginary_part(x):
    return np.sum(np.imag(x * (1 + 2j)))


def test_real_inputs_through_complex_intermediates():
    x = np.array([0.3, -1.2, 0.7])
    np.testing.assert_allclose(ssagrad.grad(one_plus_ix)(x), 2 * x)  # it gave -2x
    np.testing.assert_allclose(ssagrad.grad(imaginary_part)(x), 2.0)  # it gave 0 (np.imag had "no gradient")


def autograd_example(z):
    return np.sum(np.abs(z) ** 2 + np.real(np.exp(z)) * np.imag(z ** 2))


def autograd_lsq(z, A, b):
    return np.sum(np.abs(np.dot(A, z) - b) ** 2)


def autograd_angles(z):
    return np.sum(np.angle(z) * np.abs(np.log(z)))


Z = np.array([0.3 + 0.5j, -1.2 + 0.1j, 0.7 - 0.4j])
A_FIXED = np.array([[1.0 + 0.5j, -0.3 + 0.2j, 0.8 - 1.1j], [0.4 - 0.7j, 1.5 + 0.1j, -0.2 + 0.3j]])
B_FIXED = np.array([0.5 - 0.2j, -1.0 + 0.9j])
X_FIXED = np.array([0.3, -1.2, 0.7, 2.0, -0.5])
TARGET = np.array([1.0, 0.5, 2.0, 0.5, 1.0])


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_autograd_numbers(mode):
    """Numbers computed with autograd 1.x (autograd.grad of the same functions written with autograd.numpy) in
    a scratch script; autograd is not a dependency."""
    grad = ssagrad.grad
    np.testing.assert_allclose(grad(autograd_example, mode=mode)(Z), [
        2.1399963157056825 - 1.516620494567174j, -2.4119875798164108 + 0.51203816964479j,
        -1.1225131357695113 - 1.357557043535144j], rtol=1e-12)
    np.testing.assert_allclose(grad(autograd_lsq, mode=mode)(Z, A_FIXED, B_FIXED), [
        0.0479999999999996 + 2.0059999999999993j, -1.4079999999999995 + 1.396j,
        0.9279999999999997 + 0.3420000000000006j], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(grad(phase_retrieval, mode=mode)(X_FIXED, TARGET), [
        -1.170001509061957, -8.821652094617985, 3.829668902886713, 12.060186567229685, -2.8982018664364544],
        rtol=1e-12)
    np.testing.assert_allclose(grad(autograd_angles, mode=mode)(Z), [
        -3.474430384478958 - 1.1288940202951956j, -0.5753236491744125 + 5.0494840417789355j,
        0.8552163830310107 - 0.9992592962753937j], rtol=1e-12)


def holomorphic(z):
    return np.sum(np.sin(z) * z ** 2)


def test_a_complex_result_differentiates_its_real_part():
    """Documented: the gradient of a complex result is its real part's, which for a holomorphic f is f'(z)."""
    z = cplx(3)
    np.testing.assert_allclose(ssagrad.grad(holomorphic)(z), np.cos(z) * z ** 2 + 2 * z * np.sin(z))


# -- second derivatives and clear refusals ------------------------------------------------------------------


def abs_cubed(x):
    return np.sum(np.abs(x) ** 3)


def test_hessian_through_abs_of_real_values_still_works():
    x = np.array([0.3, -1.2, 0.7])
    for mode in ("reverse", "forward"):
        np.testing.assert_allclose(ssagrad.hessian(abs_cubed, mode=mode)(x), np.diag(6 * np.abs(x)))


def hermitian_eigenvalues(m):
    return np.sum(np.linalg.eigh(m)[0] ** 2)


def cholesky_energy(m):
    return np.sum(np.abs(np.linalg.cholesky(m)) ** 2)


def matrix_two_norm(m):
    return np.linalg.norm(m, 2)


@pytest.mark.parametrize("fn, name", [(hermitian_eigenvalues, "np.linalg.eigh"),
                                      (cholesky_energy, "np.linalg.cholesky"),
                                      (matrix_two_norm, "np.linalg.norm")])
def test_rules_written_for_real_values_refuse_complex_ones(fn, name):
    a = cplx(3, 3)
    m = a @ a.conj().T + 3 * np.eye(3)
    fn(m)  # NumPy computes it
    with pytest.raises(NotImplementedError, match=f"{name}.* of complex values has no gradient rule"):
        ssagrad.grad(fn)(m)


def test_second_derivatives_through_complex_abs_are_refused():
    with pytest.raises(NotImplementedError, match="second derivatives through np.abs of complex values"):
        ssagrad.hessian(complex_abs_cubed_of_real, mode="reverse")(np.array([0.3, -1.2]))


def complex_abs_cubed_of_real(x):
    return np.sum(np.abs(x * (1.0 + 2.0j)) ** 3)


# -- more of NumPy on complex values: holomorphic rules serve them unchanged ----------------------------------

B = cplx(3)


def determinant(A):
    return np.abs(np.linalg.det(A))


def inverse_applied(A):
    return np.sum(np.abs(np.linalg.inv(A) @ B))


def solved(A):
    return np.sum(np.real(np.linalg.solve(A, B)) ** 2)


def contracted(A):
    return np.abs(np.einsum("ij,j->", A, B)) + np.abs(np.sum(np.dot(A, A) @ B))


def products_and_sums(b):
    return np.abs(np.prod(b)) + np.sum(np.abs(np.cumsum(b) ** 2)) + np.abs(b[1] * b[0]) + np.abs(b[::-1] @ b)


def joined(b):
    return np.sum(np.abs(np.concatenate([b, b[:2] * 2j]) ** 2)) + np.sum(np.abs(np.stack([b, np.conj(b)]) @ b))


def branches(b):
    return np.sum(np.abs(np.where(np.real(b) > 0, b ** 2, 1j * b))) + np.sum(np.abs(np.sqrt(b + 3.0)))


def cast_to_complex(x):
    return np.abs(np.sum(np.asarray(x, dtype=complex) * B)) + np.abs(np.sum(x.astype(np.complex128) * B ** 2))


def written_into(x):
    z = np.zeros(3, dtype=complex)
    z[0] = x[0] * 1j
    z[1:] = x[1:] + B[1:]
    return np.sum(np.abs(z) ** 2)


def looped(b):
    s = 0.0
    for k in range(3):
        s = s + np.abs(b[k] * (k + 1j)) ** 2
    return s


@pytest.mark.parametrize("fn, kind", [(determinant, "matrix"), (inverse_applied, "matrix"), (solved, "matrix"),
                                      (contracted, "matrix"), (products_and_sums, "vector"), (joined, "vector"),
                                      (branches, "vector"), (cast_to_complex, "real"), (written_into, "real"),
                                      (looped, "vector")], ids=lambda v: getattr(v, "__name__", v))
def test_more_numpy(fn, kind):
    arg = {"matrix": cplx(3, 3) + 3 * np.eye(3), "vector": cplx(3), "real": RNG.normal(size=3)}[kind]
    check(fn, arg)


def energy_through_conj(z):
    return np.sum(np.abs(z.conj() * z))


def test_gradients_keep_the_complex_type_and_dtype():
    z = (np.arange(3.0) + 1j).astype(np.complex64)
    g = ssagrad.grad(energy_through_conj)(z)
    assert g.dtype == np.complex64
    np.testing.assert_allclose(g, 2 * np.conj(z), rtol=1e-6)
    g = ssagrad.grad(energy_through_conj)(np.complex128(1 + 2j))
    assert type(g) is np.complex128 and g == pytest.approx(2 - 4j)


def image_spectrum(img, kernel):
    blurred = np.fft.ifft2(np.fft.fft2(img) * np.fft.fft2(kernel, s=img.shape))
    return np.sum(np.abs(np.fft.fftshift(np.fft.fftn(blurred, norm="ortho"))) * np.arange(1.0, 1.0 + img.shape[1]))


def test_two_dimensional_transforms_and_shifts():
    img, kernel = RNG.normal(size=(4, 5)), RNG.normal(size=(2, 2))
    gi, gk = check(image_spectrum, img, kernel)
    assert gi.dtype == gk.dtype == np.float64
    check(image_spectrum, cplx(3, 4), cplx(3, 2))


# -- ssagrad.check on complex arguments ------------------------------------------------------------------------


def test_numerical_grad_follows_the_convention():
    z = cplx(3)
    np.testing.assert_allclose(numerical_grad(mean_energy, (z,), 0), 4 * np.conj(z) / 3, rtol=1e-8)
    assert numerical_grad(complex_scalar, (complex(0.7, -1.1),), 0) == pytest.approx(
        complex(reference_grad(complex_scalar, (complex(0.7, -1.1),))), rel=1e-7)


def test_check_grads_with_complex_arguments():
    A, z, b = cplx(2, 3), cplx(3), cplx(2)
    check_grads(least_squares, A, z, b)
    check_grads(amplitude_and_phase, 1.3, RNG.normal(size=4), cplx(4), wrt=(0, 1))


def squared_magnitude(z):
    return np.real(z * np.conj(z))


@ssagrad.adjoint(squared_magnitude)
def _(result, z):
    d[z] = d[result] * 2 * z  # noqa: F821  (wrong on purpose: the gradient of |z|^2 is 2 conj(z))


@ssagrad.tangent(squared_magnitude)
def _(result, z):
    d[result] = np.real(2 * z * d[z])  # noqa: F821  (wrong on purpose: 2 Re(conj(z) dz))


def uses_the_wrong_rule(z):
    return np.sum(squared_magnitude(z))


def test_check_grads_catches_a_missing_conjugate():
    with pytest.raises(AssertionError, match="differs from central differences"):
        check_grads(uses_the_wrong_rule, cplx(3), modes=("rev",))
    with pytest.raises(AssertionError, match="differs from central differences"):
        check_grads(uses_the_wrong_rule, cplx(3), modes=("fwd",))


def spectrum(x):
    return np.fft.fft(x) * np.exp(1j * x)


def test_forward_jacobian_of_complex_values():
    x = RNG.normal(size=4)
    expected = np.fft.fft(np.eye(4), axis=0) * np.exp(1j * x)[:, None] + np.diag(1j * spectrum(x))
    np.testing.assert_allclose(ssagrad.jacobian(spectrum, mode="forward")(x), expected, atol=1e-12)


C3 = np.array([1 + 2j, 0.5 - 1j, 2.0 + 0.1j])


def real_values_with_complex_adjoints(z):
    """Real values (a spread, a norm, a magnitude) whose adjoints come through complex products."""
    s, n, m = np.std(z), np.linalg.norm(z), np.var(z)
    return np.real(np.dot(np.stack([s, n, m]), C3)) + np.real(np.dot(np.abs(z), C3))


def test_real_values_whose_adjoints_come_through_complex_products():
    check(real_values_with_complex_adjoints, cplx(3))


def real_image_filter(img, transfer):
    """A 2-D filter in the frequency domain of a real image (rfft2/irfft2), with a complex transfer function."""
    out = np.fft.irfft2(np.fft.rfft2(img) * transfer, s=img.shape)
    return np.sum((out - img[::-1]) ** 2) + np.sum(np.abs(np.fft.rfftn(out, axes=(1, 0))))


@pytest.mark.parametrize("shape", [(4, 6), (3, 5)])
def test_rfft2_filter(shape):
    img = RNG.normal(size=shape)
    transfer = cplx(shape[0], shape[1] // 2 + 1)
    g_img, g_transfer = check(real_image_filter, img, transfer)
    assert g_img.dtype == np.float64 and g_transfer.dtype == np.complex128


def complex_result(x):
    return np.exp(1j * x) * x


def squared_modulus(z):
    return np.sum(np.abs(z) ** 2)


def signed(z):
    return np.sum(np.real(np.sign(z)) * np.abs(z))


def test_transforms_that_would_answer_for_half_a_complex_value_refuse():
    """jacobian of a complex result runs forward mode (which carries it whole); jacobian, hessian and hvp with
    respect to a complex argument, and vjp of or at complex values, refuse instead of treating the value as
    its real part; np.sign of a complex value has a gradient that is not written: refused when it runs."""
    x = np.array([0.3, -0.7])
    expected = np.diag(1j * np.exp(1j * x) * x + np.exp(1j * x))
    for mode in ("auto", "forward", "reverse"):
        np.testing.assert_allclose(ssagrad.jacobian(complex_result, mode=mode)(x), expected, rtol=1e-12)
    z = np.array([1.0 + 2.0j, -0.5 + 0.1j])
    for transform in (lambda: ssagrad.jacobian(squared_modulus)(z), lambda: ssagrad.hessian(squared_modulus)(z),
                      lambda: ssagrad.hvp(squared_modulus)(z, np.ones(2)), lambda: ssagrad.vjp(complex_result, x),
                      lambda: ssagrad.vjp(squared_modulus, z)):
        with pytest.raises(TypeError, match="complex"):
            transform()
    with pytest.raises(NotImplementedError, match="np.sign of a complex"):
        ssagrad.grad(signed)(z)
