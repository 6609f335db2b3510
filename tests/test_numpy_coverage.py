"""The rest of NumPy's array API, written as a user would write it, checked against finite differences in
both modes (ssagrad.check_grads with modes=("rev", "fwd")), plus the registry-wide promise that forward mode
covers what reverse mode covers."""
import ast

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError
from ssagrad.check import check_grads
from ssagrad.compiler.rules import registered_adjoints
from ssagrad.compiler.rules.tangents import linearity, tangent_rule

BOTH = ("rev", "fwd")


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def weights(shape):
    """Different weights for every entry, so a gradient in the wrong place shows."""
    return np.arange(1.0, np.prod(shape, dtype=int) + 1.0).reshape(shape)


# -- the registry: forward mode covers what reverse mode covers -----------------------------------------------

KNOWN_GAPS: list = []  # adjoints without a tangent rule, documented in docs/supported.md (none today)


def test_every_adjoint_rule_has_a_tangent_rule():
    def refuses(template):  # a rule that only raises (a set of differentiated values) refuses in both modes
        return all(isinstance(stmt, (ast.Raise, ast.Expr)) for stmt in template.body)

    built_in = [p for p, template in registered_adjoints().items()  # not the rules tests register
                if template.fn.__module__.startswith("ssagrad.compiler.rules") and not refuses(template)]
    assert len(built_in) > 250
    missing = sorted(f"{getattr(p, '__module__', None) or ''}.{getattr(p, '__qualname__', p)}"
                     for p in built_in if tangent_rule(p) is None and linearity(p) is None)
    assert missing == KNOWN_GAPS, f"adjoint rules without a tangent (forward-mode) rule: {missing}"


# -- differences --------------------------------------------------------------------------------------------


def diffs(x):
    return np.sum(np.sin(np.diff(x)) * 2.0) + np.sum(np.diff(x, n=2, axis=0) ** 2)


def first_difference(x):
    return np.sum(np.diff(x) ** 2)


def diff_with_ends(x, left, right):
    return np.sum(np.sin(np.diff(x, prepend=left, append=right)) * weights((5,)))


def diff_with_broadcast_end(x, left):
    return np.sum(np.cos(np.diff(x, axis=1, prepend=left)) * weights((2, 4)))


@pytest.mark.parametrize("shape", [(3, 4), (4, 2), (5, 3)])
def test_diff(rng, shape):
    check_grads(diffs, rng.normal(size=shape), modes=BOTH)


@pytest.mark.parametrize("shape", [(5,), (1,), (0,), (2, 3)])
def test_diff_of_short_and_empty_arrays(rng, shape):
    check_grads(first_difference, rng.normal(size=shape), modes=BOTH)


def test_diff_prepend_and_append_are_differentiated(rng):
    check_grads(diff_with_ends, rng.normal(size=4), rng.normal(size=1), 0.7, modes=BOTH)
    check_grads(diff_with_broadcast_end, rng.normal(size=(2, 4)), 0.3, modes=BOTH)


# -- cross products and np.gradient ---------------------------------------------------------------------------


def torque(r, f):
    return np.sum(np.cross(r, f) ** 2) + np.sum(np.sin(np.cross(f, r[0])))


def cross_columns(a, b):
    return np.sum(np.sin(np.cross(a, b, axis=0)) * weights((3, 2)))


def test_cross(rng):
    check_grads(torque, rng.normal(size=(4, 3)), rng.normal(size=(4, 3)), modes=BOTH)
    check_grads(torque, rng.normal(size=(2, 3)), rng.normal(size=(3,)), modes=BOTH)
    check_grads(cross_columns, rng.normal(size=(3, 2)), rng.normal(size=(3, 1)), modes=BOTH)


def smoothness(u, h):
    du = np.gradient(u, h)
    return np.sum(du ** 2) + np.sum(np.sin(np.gradient(u, edge_order=2)))


def field_energy(phi):
    ex, ey = np.gradient(phi)
    return np.sum(ex ** 2 + 0.5 * ey ** 2)


def one_component(phi, h):
    parts = np.gradient(phi, h, axis=(0, 1))
    return np.sum(np.sin(parts[1]))


@pytest.mark.parametrize("n", [3, 6])
def test_gradient_of_a_vector_with_a_spacing(rng, n):
    check_grads(smoothness, rng.normal(size=n), 0.7, modes=BOTH)


def test_gradient_of_a_field_unpacked_and_indexed(rng):
    check_grads(field_energy, rng.normal(size=(4, 5)), modes=BOTH)
    check_grads(one_component, rng.normal(size=(3, 4)), 1.3, modes=BOTH)


# -- appending, splitting, rotating -----------------------------------------------------------------------------


def grow(x, y):
    return np.sum(np.sin(np.append(x, y)) * weights((np.size(x) + np.size(y),)))


def grow_rows(x, y):
    return np.sum(np.sin(np.append(x, y, axis=0)) * weights((3, 3)))


def test_append(rng):
    check_grads(grow, rng.normal(size=(2, 2)), rng.normal(size=3), modes=BOTH)
    check_grads(grow, rng.normal(size=3), 0.5, modes=BOTH)
    check_grads(grow, np.zeros(0), rng.normal(size=2), modes=BOTH)
    check_grads(grow_rows, rng.normal(size=(2, 3)), rng.normal(size=(1, 3)), modes=BOTH)


def halves(x):
    parts = np.split(x, 2)
    return np.sum(np.sin(parts[0])) + np.sum(parts[1] ** 2) * 3.0


def uneven(x):
    parts = np.array_split(x, 3, axis=1)
    return np.sum(np.sin(parts[0] * parts[2][:, :1]))


def columns(x):
    left, right = np.hsplit(x, 2)
    top = np.vsplit(x, [1])[0]
    return np.sum(left * right) + np.sum(np.sin(top))


def depth(x):
    front, back = np.dsplit(x, 2)
    return np.sum(np.sin(front) * back)


def test_split_returns_a_list_indexed_later(rng):
    check_grads(halves, rng.normal(size=6), modes=BOTH)
    check_grads(halves, rng.normal(size=(4, 3)), modes=BOTH)
    check_grads(uneven, rng.normal(size=(2, 7)), modes=BOTH)


def test_hsplit_vsplit_dsplit(rng):
    check_grads(columns, rng.normal(size=(3, 4)), modes=BOTH)
    check_grads(depth, rng.normal(size=(2, 3, 4)), modes=BOTH)


def rotated(x):
    return np.sum(np.sin(np.rot90(x)) * weights(np.shape(np.rot90(x)))) + np.sum(np.rot90(x, 2, axes=(1, 0))[0])


def rolled(x):
    return np.sum(np.sin(np.rollaxis(x, 2)) * weights((4, 2, 3))) + np.sum(np.rollaxis(x, 0, 2)[1] ** 2)


def test_rot90_and_rollaxis(rng):
    check_grads(rotated, rng.normal(size=(2, 3)), modes=BOTH)
    check_grads(rotated, rng.normal(size=(3, 2, 2)), modes=BOTH)
    check_grads(rolled, rng.normal(size=(2, 3, 4)), modes=BOTH)


# -- partition, nan_to_num ----------------------------------------------------------------------------------------


def smallest_two(x):
    return np.sum(np.sin(np.partition(x, 1)[:2]))


def median_row(x):
    return np.sum(np.partition(x, 2, axis=0)[2] ** 2)


def test_partition(rng):
    check_grads(smallest_two, rng.permutation(5) + rng.uniform(0, 0.5, 5), modes=BOTH)
    check_grads(median_row, rng.permutation(12).reshape(4, 3) + 0.1, modes=BOTH)


def safe_log_sum(x):
    return np.sum(np.nan_to_num(np.log(x), neginf=-10.0) * weights((4,)))


def cleaned(x, fill):
    return np.sum(np.sin(np.nan_to_num(x / np.array([1.0, 0.0, 2.0, 0.0]) * np.array([1.0, 1.0, 1.0, 0.0]),
                                       nan=fill, posinf=2.0 * fill)))


def test_nan_to_num(rng):
    check_grads(safe_log_sum, np.array([0.5, 0.7, 2.0, 1.5]), modes=BOTH)
    with np.errstate(divide="ignore"):  # log(0) = -inf, replaced by a constant: no gradient there, and no NaN
        for mode in ("reverse", "forward"):
            g = ssagrad.grad(safe_log_sum, mode=mode)(np.array([0.5, 0.0, 2.0, 1.5]))
            np.testing.assert_array_equal(g, [2.0, 0.0, 1.5, 4.0 / 1.5])
    with np.errstate(divide="ignore", invalid="ignore"):
        check_grads(cleaned, np.array([0.5, 0.3, 2.0, 1.5]), 0.25, modes=BOTH)


# -- ufunc methods ----------------------------------------------------------------------------------------------


def reduced(x):
    return np.sum(np.sin(np.add.reduce(x))) + np.sum(np.multiply.reduce(x, axis=-1) ** 2)


def running_max(x):
    return np.sum(np.maximum.accumulate(x) * weights(np.shape(x))) + np.sum(np.sin(np.add.accumulate(x)))


def running_min(x):
    return np.sum(np.minimum.accumulate(x, axis=1) ** 2) + np.sum(np.multiply.accumulate(x, axis=1))


def outer_products(a, b):
    return np.sum(np.sin(np.multiply.outer(a, b))) + np.sum(np.subtract.outer(a, b) ** 2)


@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 3, 2)])
def test_ufunc_reduce_and_accumulate(rng, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape) * 0.3 + 0.2  # no ties: the running max has no kink
    check_grads(reduced, x, modes=BOTH)
    check_grads(running_max, x, modes=BOTH)
    if len(shape) > 1:
        check_grads(running_min, x, modes=BOTH)


@pytest.mark.parametrize("shapes", [((3,), (2,)), ((2, 2), (3,)), ((), (4,))])
def test_ufunc_outer(rng, shapes):
    check_grads(outer_products, rng.normal(size=shapes[0]), rng.normal(size=shapes[1]), modes=BOTH)


# -- einsum ---------------------------------------------------------------------------------------------------


def batched(x, y):
    return np.sum(np.sin(np.einsum("...ij,...jk->...ik", x, y)))


def sublists(x, y):
    return np.sum(np.sin(np.einsum(x, [0, 1], y, [1, 2], [0, 2])))


def ellipsis_sublists(x, y):
    return np.sum(np.cos(np.einsum(x, [Ellipsis, 0], y, [0], [Ellipsis])))


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 4, 5)), ((3, 4), (2, 4, 2)), ((2, 1, 3, 4), (5, 4, 2)),
                                    ((3, 4), (4, 2))])
def test_einsum_with_ellipsis_broadcasts(rng, shapes):
    check_grads(batched, rng.normal(size=shapes[0]), rng.normal(size=shapes[1]), modes=BOTH)


def test_einsum_sublist_form(rng):
    check_grads(sublists, rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), modes=BOTH)
    check_grads(ellipsis_sublists, rng.normal(size=(2, 2, 3)), rng.normal(size=3), modes=BOTH)


# -- np.linalg -------------------------------------------------------------------------------------------------


def eig_loss(a):
    w, v = np.linalg.eig(a)
    return np.sum(w ** 2) + np.sum(v[0] * v[2])


def spectral_radius(a):
    return np.max(np.abs(np.linalg.eigvals(a)))


def upper_eigh(a):
    w, v = np.linalg.eigh(a, UPLO="U")
    return np.sum(np.sin(w)) + np.sum(v[1] ** 2 * w)


def eigvalsh_both(a):
    return np.sum(np.linalg.eigvalsh(a) * weights((3,))) + np.sum(np.linalg.eigvalsh(a, UPLO="U") ** 2)


def svd_loss(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    # products within one singular vector, or of u_k and v_k together: unchanged when svd flips a pair's sign
    return np.sum(s) + np.sum(u[..., 0, :] * u[..., -1, :]) + np.sum((u[..., 1, :] * vh[..., :, 0]) ** 2 * s)


def low_rank(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(np.sin((u[..., :1] * s[..., None, :1]) @ vh[..., :1, :]))


def nearly_triangular(rng, n=3):
    return np.diag(np.arange(1.0, n + 1.0) * 1.5) + np.triu(rng.normal(size=(n, n)), 1) + 0.05 * rng.normal(size=(n, n))


def test_eig_with_a_real_spectrum(rng):
    check_grads(eig_loss, nearly_triangular(rng), modes=BOTH)
    check_grads(spectral_radius, nearly_triangular(rng, 4), modes=BOTH)


def test_eig_with_complex_eigenvalues_is_refused():
    def rotation_loss(a):
        w, v = np.linalg.eig(a)
        return np.sum(np.abs(w))

    with pytest.raises(NotImplementedError, match="complex eigenvalues"):
        ssagrad.grad(rotation_loss)(np.array([[0.0, -1.0], [1.0, 0.0]]) + 0.1)


def test_eigh_reads_the_triangle_it_is_told(rng):
    a = rng.normal(size=(3, 3)) * 0.3 + np.diag([0.0, 2.0, 4.0])
    check_grads(upper_eigh, a, modes=BOTH)
    check_grads(eigvalsh_both, a, modes=BOTH)
    g = ssagrad.grad(upper_eigh)(a)
    assert np.all(np.tril(g, -1) == 0.0)  # the lower triangle is never read


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5), (3, 4, 2)])
def test_svd_vectors(rng, shape):
    fixed = np.random.default_rng(7).normal(size=shape)
    u, _, vt = np.linalg.svd(fixed, full_matrices=False)
    k = min(shape[-2:])
    a = u @ (np.arange(1.0, k + 1.0)[:, None] * 1.5 * vt) + 0.05 * rng.normal(size=shape)
    check_grads(svd_loss, a, modes=BOTH)
    check_grads(low_rank, a, modes=BOTH)


def test_full_svd_of_a_rectangular_matrix_is_refused(rng):
    def full(a):
        u, s, vh = np.linalg.svd(a)
        return np.sum(u)

    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        ssagrad.grad(full)(rng.normal(size=(3, 2)))


def norm_of_numbers(x, y):
    return np.linalg.norm([x, y, 1.0]) + np.linalg.norm([x, 2.0 * y], ord=1)


def norm_of_rows(a, b):
    return np.sum(np.linalg.norm([a, b], axis=0) * weights((3,)))


def test_norm_of_a_list(rng):
    check_grads(norm_of_numbers, 0.6, -1.3, modes=BOTH)
    check_grads(norm_of_rows, rng.normal(size=3), rng.normal(size=3), modes=BOTH)


# -- powers at zero -------------------------------------------------------------------------------------------


def zeroth_power(x):
    return np.sum(x ** 0) + np.sum(np.power(x, 0.0)) + np.sum(np.sin(x))


def zeroth_power_of_a_float(x):
    return x ** 0 + pow(x, 0.0) * 2.0 + x ** 0.0 * x


def half_power(x):
    return np.sum(np.power(x, 0.5))


@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_zeroth_power_at_zero_has_slope_zero(mode):
    assert np.all(ssagrad.grad(zeroth_power, mode=mode)(np.zeros(3)) == np.cos(0.0))
    assert ssagrad.grad(zeroth_power_of_a_float, mode=mode)(0.0) == 1.0
    assert ssagrad.jvp(zeroth_power_of_a_float, (0.0,), (1.0,))[1] == 1.0
    check_grads(zeroth_power, np.array([0.0, 1.5, -2.0]), modes=BOTH)
    check_grads(zeroth_power_of_a_float, 0.0, modes=BOTH)


def test_half_power_at_zero_is_infinite_not_an_exception():
    with np.errstate(divide="ignore"):
        assert np.isinf(ssagrad.grad(half_power)(np.zeros(2))).all()


# -- results that carry no gradient ----------------------------------------------------------------------------


def close(x):
    return np.allclose(x, 1.0)


def largest(x):
    return np.argmax(x)


def count(x):
    return np.sum(x > 0)


def length(x):
    return len(x)


@pytest.mark.parametrize("fn", [close, largest, count, length])
@pytest.mark.parametrize("mode", ["reverse", "forward"])
def test_a_bool_or_integer_result_is_refused_not_a_zero_gradient(fn, mode):
    with pytest.raises(DifferentiationError, match="bool or an integer") as error:
        ssagrad.grad(fn, mode=mode)(np.array([0.5, -1.0, 2.0]))
    if mode == "reverse":
        assert error.value.lineno == fn.__code__.co_firstlineno + 1  # the return statement
    with pytest.raises(DifferentiationError, match="bool or an integer"):
        ssagrad.value_and_grad(fn)(np.array([0.5, -1.0, 2.0]))


def test_a_float_result_nothing_reaches_still_has_a_zero_gradient():
    def constant(x):
        return np.sum(np.ones(3) * 2.0)

    assert np.all(ssagrad.grad(constant)(np.array([1.0, 2.0])) == 0.0)


# -- second derivatives (docs/supported.md lists which rules have them) -------------------------------------------


def second_order_program(x):
    a, b = np.hsplit(x[:4], 2)
    rows = np.rollaxis(np.reshape(x, (2, 3)), 1)
    return (np.sum(np.sin(np.diff(x, prepend=0.5))) + np.sum(np.gradient(x, 0.7) ** 2)
            + np.sum(np.cos(np.append(x, x[:2] ** 2))) + np.sum(np.cross(x[:3], x[3:] ** 2) ** 2)
            + np.sum(a * np.sin(b)) + np.sum(np.rot90(rows) ** 3) + np.sum(np.sin(np.partition(x, 2)) * weights((6,)))
            + np.sum(np.nan_to_num(np.log(x)) ** 2) + np.sum(np.sin(np.add.reduce(rows)))
            + np.sum(np.maximum.accumulate(x) ** 2) + np.sum(np.sin(np.multiply.outer(x[:2], x[4:])))
            + np.sum(np.add.outer(x[:2], x[3:]) ** 2) + np.sum(x ** 0 * x ** 3))


def test_second_derivatives_through_the_new_rules(rng):
    x = rng.permutation(6) * 0.3 + 0.4  # distinct and positive (log)
    check_grads(second_order_program, x, modes=BOTH, order=2)


def spectral_program(x):
    w, v = np.linalg.eigh(x + np.diag([0.0, 3.0, 6.0]))
    u, _ = np.linalg.eigh(x + np.diag([0.0, 2.0, 5.0]), UPLO="U")
    return (np.sum(np.sin(w)) + np.sum(v[0] * v[1]) + np.sum(v[2] ** 2 * w) + np.sum(u ** 3)
            + np.sum(np.sin(np.linalg.eigvalsh(x + np.diag([1.0, 3.0, 5.0]), UPLO="U"))))


def test_second_derivatives_through_eigh_and_eigvalsh(rng):
    x = rng.normal(size=(3, 3)) * 0.3
    check_grads(spectral_program, x, modes=BOTH, order=2)
    np.testing.assert_allclose(ssagrad.hessian(spectral_program, mode="reverse")(x),
                               ssagrad.hessian(spectral_program)(x), rtol=1e-9, atol=1e-9)


def test_second_derivatives_through_eig_and_the_singular_vectors(rng):
    check_grads(eig_loss, nearly_triangular(rng), modes=BOTH, order=2)
    check_grads(spectral_radius, nearly_triangular(rng), modes=BOTH, order=2)
    for shape in [(4, 3), (3, 5), (3, 3)]:
        fixed = np.random.default_rng(7).normal(size=shape)
        u, _, vt = np.linalg.svd(fixed, full_matrices=False)
        a = u @ (np.arange(1.0, min(shape) + 1.0)[:, None] * 1.5 * vt) + 0.05 * rng.normal(size=shape)
        check_grads(svd_loss, a, modes=BOTH, order=2)
        check_grads(low_rank, a, modes=BOTH, order=2)


def sublist_einsum(x):
    return np.sum(np.sin(np.einsum(x, [0, 1], x, [1, 2], [0, 2])))


def einsum_program(x):
    m = np.reshape(x, (2, 2))
    return (np.sum(np.einsum("i,i->i", x, np.sin(x))) + np.sum(np.sin(np.einsum("ij,jk->ik", m, m ** 2)))
            + np.sum(np.cos(np.einsum("...i,...i->...", m, x[:2] * 3.0))) + np.sum(np.sin(np.einsum("ii", m) * x))
            + np.sum(np.sin(np.einsum(m, [Ellipsis, 0], np.cos(x[2:]), [0], [Ellipsis]))))


def test_second_derivatives_through_einsum(rng):
    check_grads(einsum_program, rng.normal(size=4), modes=BOTH, order=2)
    check_grads(sublist_einsum, rng.normal(size=(2, 2)), modes=BOTH, order=2)


def test_reverse_over_reverse_agrees_with_forward_over_reverse(rng):
    x = rng.permutation(6) * 0.3 + 0.4
    forward = ssagrad.hessian(second_order_program)(x)
    np.testing.assert_allclose(ssagrad.hessian(second_order_program, mode="reverse")(x), forward, rtol=1e-9,
                               atol=1e-9)
    np.testing.assert_allclose(forward, forward.T, rtol=1e-9, atol=1e-9)


def test_reverse_over_reverse_through_einsum(rng):
    for fn, x in [(einsum_program, rng.normal(size=4)), (sublist_einsum, rng.normal(size=(2, 2)))]:
        np.testing.assert_allclose(ssagrad.hessian(fn, mode="reverse")(x), ssagrad.hessian(fn)(x), rtol=1e-9,
                                   atol=1e-9)


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (3, 3)])
def test_reverse_over_reverse_through_the_singular_vectors(rng, shape):
    fixed = np.random.default_rng(7).normal(size=shape)
    u, _, vt = np.linalg.svd(fixed, full_matrices=False)
    a = u @ (np.arange(1.0, min(shape) + 1.0)[:, None] * 1.5 * vt) + 0.05 * rng.normal(size=shape)
    for fn in (svd_loss, low_rank):
        np.testing.assert_allclose(ssagrad.hessian(fn, mode="reverse")(a), ssagrad.hessian(fn)(a), rtol=1e-8,
                                   atol=1e-8)


def test_reverse_over_reverse_through_eig(rng):
    a = nearly_triangular(rng)
    for fn in (eig_loss, spectral_radius):
        np.testing.assert_allclose(ssagrad.hessian(fn, mode="reverse")(a), ssagrad.hessian(fn)(a), rtol=1e-9,
                                   atol=1e-9)


# -- several results, indexed where called or kept whole ------------------------------------------------------


def svd_indexed(a):
    return np.sum(np.linalg.svd(a, full_matrices=False)[1] ** 2) + np.sum(np.linalg.svd(a, compute_uv=False))


def svd_kept_whole(a):
    result = np.linalg.svd(a, full_matrices=False)
    return np.sum(result[0][0] * result[0][1]) + np.sum(np.sin(result[1]))


def eig_indexed(a):
    return np.sum(np.linalg.eig(a)[0] ** 2) + np.sum(np.linalg.eigvalsh(a + a.T) ** 3)


def middle_third(x):
    return np.sum(np.split(x, 3)[1] ** 2) + np.sum(np.sin(np.hsplit(x, 3)[2]))


def test_several_results_indexed_where_called_or_kept_whole(rng):
    a = nearly_triangular(rng)
    check_grads(svd_indexed, a, modes=BOTH)
    check_grads(svd_kept_whole, a, modes=BOTH)
    check_grads(eig_indexed, a, modes=BOTH)
    check_grads(middle_third, rng.normal(size=6), modes=BOTH)


# -- lists of numbers where NumPy takes arrays ---------------------------------------------------------------


def differences_of_a_list(x, y, z):
    return np.sum(np.diff([x, y * 2.0, z]) ** 2) + np.sum(np.gradient([x, y, x * z]) ** 2)


def cross_of_lists(x, y):
    return np.sum(np.cross([x, y, 1.0], [y, 2.0, x]) ** 2) + np.sum(np.append([x, y], 1.0) ** 3)


def test_lists_of_numbers():
    check_grads(differences_of_a_list, 0.3, 0.5, 0.9, modes=BOTH)
    check_grads(cross_of_lists, 0.3, -0.8, modes=BOTH)


def slopes(x):
    gx, gy = np.gradient(x, 0.5, edge_order=2)
    return np.sum(np.sin(gx) * gy) + np.sum(np.gradient(x, axis=1) ** 2)


def test_gradient_on_dask_arrays(rng):
    da = pytest.importorskip("dask.array")
    x = rng.normal(size=(6, 8))
    lazy = ssagrad.grad(slopes)(da.from_array(x, chunks=(3, 4)))  # chunks longer than edge_order + 1
    assert isinstance(lazy, da.Array)
    np.testing.assert_allclose(lazy.compute(), ssagrad.grad(slopes)(x), rtol=1e-12, atol=1e-12)
    check_grads(slopes, x, modes=BOTH)


def along_coordinates(u, t):
    return np.sum(np.gradient(u, t) ** 2)


def test_gradient_with_coordinate_arrays(rng):
    t = np.array([0.0, 0.4, 1.0, 1.3, 2.0])
    check_grads(along_coordinates, rng.normal(size=5), t, wrt=0, modes=BOTH)  # the coordinates held fixed
    with pytest.raises(NotImplementedError, match="coordinate arrays"):
        ssagrad.grad(along_coordinates, wrt=(0, 1))(rng.normal(size=5), t)


# -- 0-d and empty arrays ------------------------------------------------------------------------------------


def zero_d(x):
    return np.sin(np.nan_to_num(x)) + np.sum(np.multiply.outer(x, np.arange(1.0, 3.0)) ** 2) + np.sum(np.append(x, x))


def empties(x):
    return (np.sum(np.add.reduce(x)) + np.sum(np.rot90(x) ** 2) + np.sum(np.multiply.outer(x, x))
            + np.sum(np.einsum("...i,...i->...", x, x)) + np.sum(np.diff(x, axis=0)) + np.sum(np.nan_to_num(x)))


def test_zero_dimensional_and_empty_arrays(rng):
    check_grads(zero_d, np.array(0.7), modes=BOTH)
    for shape in [(0, 3), (3, 0)]:
        g = ssagrad.grad(empties)(np.zeros(shape))
        assert g.shape == shape
        check_grads(empties, np.zeros(shape), modes=BOTH)


def split_kept_whole(x):
    parts = np.split(x, 2)
    return np.sum(np.sin(parts[0]) * parts[1])


def test_second_derivatives_through_a_split_kept_whole(rng):
    x = rng.normal(size=6)
    check_grads(split_kept_whole, x, modes=BOTH, order=2)
    np.testing.assert_allclose(ssagrad.hessian(split_kept_whole, mode="reverse")(x),
                               ssagrad.hessian(split_kept_whole)(x), rtol=1e-12, atol=1e-12)


def running_product(x):
    return np.sum(np.sin(np.multiply.accumulate(x))) + np.sum(np.multiply.reduce(x) ** 2)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_second_derivatives_of_products_are_located_refusals(rng, mode):
    with pytest.raises(DifferentiationError, match="(cum)?prod_grad"):  # as for np.prod and np.cumprod
        ssagrad.hessian(running_product, mode=mode)(rng.normal(size=4))
