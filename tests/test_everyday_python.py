"""Everyday Python that carries no derivative, written as a user writes it (issue 16, section 4).

Each function is checked against central finite differences (reverse mode, and forward mode where it
applies) on several shapes.
"""
import logging
import warnings

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError, check_grads

SHAPES = [(), (3,), (2, 4)]


def arrays(rng, shape, count=1):
    made = [rng.normal(size=shape) if shape != () else float(rng.normal()) for _ in range(count)]
    return made[0] if count == 1 else made


# -- `is None`, `is not None`, `in` ----------------------------------------------------------------------

def weighted(x, w=None):
    if w is None:
        w = 2.0
    return np.sum(w * x ** 2)


def maybe_scaled(x, scale=None):
    y = np.sin(x)
    if scale is not None:
        y = y * scale
    return np.sum(y ** 2)


def by_mode(x, mode="square"):
    if mode in ("square", "quad"):
        return np.sum(x ** 2)
    if mode not in ("cube",):
        return np.sum(np.abs(x))
    return np.sum(x ** 3)


def by_key(x, table):
    total = np.sum(x)
    if "scale" in table:
        total = total * table["scale"]
    if "shift" not in table:
        total = total + 1.0
    return total * np.sum(x ** 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_is_none_and_is_not_none(rng, shape):
    x, w = arrays(rng, shape, 2)
    check_grads(weighted, x, wrt=0)
    check_grads(weighted, x, w)
    check_grads(maybe_scaled, x, wrt=0)
    check_grads(maybe_scaled, x, w)


@pytest.mark.parametrize("shape", SHAPES)
def test_in_and_not_in(rng, shape):
    x = arrays(rng, shape)
    for mode in ("square", "quad", "cube", "other"):
        check_grads(by_mode, x, mode, wrt=0)
    for table in ({}, {"scale": 3.0}, {"scale": 3.0, "shift": 1.0}):
        check_grads(by_key, x, table, wrt=0)


def same_object(x, y):
    if x is y:
        return np.sum(x)
    return np.sum(x * y)


def test_is_between_two_values_of_the_function_is_refused(rng):
    with pytest.raises(DifferentiationError, match="`is` between two of the function's own values") as info:
        ssagrad.grad(same_object)(rng.normal(size=3), rng.normal(size=3))
    assert info.value.lineno is not None and "x is y" in info.value.source_line


def test_is_none_reads_as_a_test_in_the_generated_code():
    source = ssagrad.grad(weighted).source
    assert "is_(w, None)" in source


# -- has_aux, as in JAX -----------------------------------------------------------------------------------

def loss_with_metrics(W, x, y):
    pred = np.tanh(W @ x)
    loss = np.sum((pred - y) ** 2)
    accuracy = np.mean(np.abs(pred - y) < 0.5)
    return loss, (pred, accuracy)


def plain_loss(W, x, y):
    return np.sum((np.tanh(W @ x) - y) ** 2)


@pytest.mark.parametrize("m, n", [(1, 1), (3, 4), (5, 2)])
def test_grad_with_aux_returns_the_gradient_and_the_aux(rng, m, n):
    W, x, y = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)
    g, (pred, accuracy) = ssagrad.grad(loss_with_metrics, has_aux=True)(W, x, y)
    expected = check_grads(plain_loss, W, x, y, wrt=0)[0]
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    np.testing.assert_allclose(pred, np.tanh(W @ x))
    assert accuracy == np.mean(np.abs(np.tanh(W @ x) - y) < 0.5)


@pytest.mark.parametrize("m, n", [(1, 1), (3, 4)])
def test_value_and_grad_with_aux(rng, m, n):
    W, x, y = rng.normal(size=(m, n)), rng.normal(size=n), rng.normal(size=m)
    (loss, aux), (gW, gx) = ssagrad.value_and_grad(loss_with_metrics, wrt=(0, 1), has_aux=True)(W, x, y)
    assert loss == plain_loss(W, x, y)
    np.testing.assert_allclose(aux[0], np.tanh(W @ x))
    expected = check_grads(plain_loss, W, x, y, wrt=(0, 1))
    np.testing.assert_allclose(gW, expected[0], rtol=1e-12)
    np.testing.assert_allclose(gx, expected[1], rtol=1e-12)


def test_has_aux_as_a_decorator_with_a_number_as_aux():
    @ssagrad.grad(has_aux=True)
    def f(x):
        y = np.sin(x)
        return y * y, float(y)

    g, aux = f(0.3)
    assert type(g) is float and abs(g - np.sin(0.6)) < 1e-12
    assert aux == float(np.sin(0.3))


def not_a_pair(x):
    return np.sum(x ** 2)


def vector_loss(x):
    return x ** 2, 0.0


def test_has_aux_needs_a_pair_with_a_scalar_first():
    with pytest.raises(DifferentiationError, match="returns a pair") as info:
        ssagrad.grad(not_a_pair, has_aux=True)(np.ones(3))
    assert "return np.sum(x ** 2)" in info.value.source_line
    with pytest.raises(DifferentiationError, match="floating-point scalar"):
        ssagrad.grad(vector_loss, has_aux=True)(np.ones(3))


# -- dicts: walking them, .get, displays, dict(...), comprehensions; list(...) and tuple(...) ------------

def check_dict_grads(fn, params, *rest):
    """The gradient of ``fn`` in the dict ``params`` (a dict of the same keys) against central differences of
    each entry."""
    grads = ssagrad.grad(fn)(params, *rest)
    assert type(grads) is dict and list(grads) == list(params)
    for key, value in params.items():
        expected = ssagrad.numerical_grad(lambda v: fn({**params, key: v}, *rest), [value], 0)
        np.testing.assert_allclose(grads[key], expected, rtol=1e-6, atol=1e-6, err_msg=key)
        assert np.shape(grads[key]) == np.shape(value)
    return grads


def l2_items(params):
    total = 0.0
    for name, value in params.items():
        total = total + np.sum(value ** 2) * len(name)
    return total


def l2_values(params):
    total = 0.0
    for value in params.values():
        total = total + np.sum(np.sin(value))
    return total


def l2_keys(params):
    total = 0.0
    for name in params.keys():
        total = total + np.sum(params[name] ** 3)
    return total


def l2_for_in(params):
    total = 0.0
    for name in params:
        if name != "skip":
            total = total + np.sum(params[name] * np.cos(params[name]))
    return total


def with_defaults(params, x):
    scale = params.get("scale", 1.0)
    shift = params.get("shift", np.zeros_like(x))
    return np.sum((scale * x + shift) ** 2)


def doubled_then_read(params):
    doubled = {name: 2.0 * value for name, value in params.items() if name != "skip"}
    total = 0.0
    for name in doubled:
        total = total + np.sum(doubled[name] ** 2)
    return total


def listed(params):
    values = list(params.values())
    names = list(params.keys())
    firsts = tuple(params.values())
    return np.sum(values[0] * values[-1]) * len(names) + np.sum(firsts[0])


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("fn", [l2_items, l2_values, l2_keys, l2_for_in, doubled_then_read, listed])
def test_walking_a_dict_of_parameters(rng, fn, shape):
    check_dict_grads(fn, {"W": arrays(rng, shape), "bias": arrays(rng, shape), "skip": arrays(rng, shape)})


@pytest.mark.parametrize("shape", [(3,), (2, 2)])
def test_dict_get_with_a_default(rng, shape):
    x = rng.normal(size=shape)
    check_dict_grads(with_defaults, {"scale": 1.5}, x)
    check_dict_grads(with_defaults, {"shift": rng.normal(size=shape)}, x)
    check_dict_grads(with_defaults, {"scale": 0.5, "shift": rng.normal(size=shape)}, x)
    check_grads(lambda x: with_defaults({"scale": 2.0}, x), x)


def built_inside(x, y):
    layer = {"W": x, "b": np.sin(y)}
    other = dict(W=2.0 * x, b=y)
    zipped = dict(zip(["u", "v"], [x * y, x]))
    copied = dict(layer)
    squares = {k: v ** 2 for k, v in copied.items()}
    return np.sum(squares["W"] * other["b"]) + np.sum(zipped["u"] * layer["b"] + other["W"]) + np.sum(squares["b"])


def pairs_as_sequences(x, y):
    t = tuple([x, 2.0 * y])
    items = list((x * y, y))
    return np.sum(t[0] * t[1]) + np.sum(items[0] ** 2 - items[1])


def rows(x):
    listed_rows = list(x)
    return np.sum(listed_rows[0] * listed_rows[-1])


@pytest.mark.parametrize("shape", SHAPES)
def test_dicts_lists_and_tuples_built_inside_the_function(rng, shape):
    x, y = arrays(rng, shape, 2)
    check_grads(built_inside, x, y)
    check_grads(pairs_as_sequences, x, y)


@pytest.mark.parametrize("shape", [(3,), (2, 4)])
def test_list_of_an_array_walks_its_rows(rng, shape):
    check_grads(rows, rng.normal(size=shape))


def walk_pairs(xs, ys):
    total = 0.0
    for i, (a, b) in enumerate(zip(xs, ys)):
        total = total + (i + 1) * np.sum(a * np.sin(b))
    for i, (a, b, c) in enumerate(zip(xs, ys, xs[::-1])):
        total = total + np.sum(a * b * c) / (i + 2)
    return total


@pytest.mark.parametrize("shape", [(3,), (4, 2)])
def test_enumerate_zip_with_nested_targets(rng, shape):
    check_grads(walk_pairs, rng.normal(size=shape), rng.normal(size=shape), modes=("rev", "fwd"))


def loss_and_metrics(params, x):
    pred = np.tanh(params["W"] @ x + params["b"])
    loss = np.sum(pred ** 2)
    return loss, {"mean": np.mean(pred), "labels": [int(p > 0) for p in pred]}


def loss_only(params, x):
    return np.sum(np.tanh(params["W"] @ x + params["b"]) ** 2)


def test_has_aux_with_a_dict_of_metrics(rng):
    params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=3)}
    x = rng.normal(size=2)
    grads, metrics = ssagrad.grad(loss_and_metrics, has_aux=True)(params, x)
    expected = check_dict_grads(loss_only, params, x)
    for key in params:
        np.testing.assert_allclose(grads[key], expected[key], rtol=1e-12)
    pred = np.tanh(params["W"] @ x + params["b"])
    assert metrics["mean"] == np.mean(pred) and metrics["labels"] == [int(p > 0) for p in pred]


def by_tags(x, tags):
    wanted = {t.lower() for t in tags}
    if "big" in wanted and "small" not in {"tiny", "small"} - wanted:
        return np.sum(x ** 2)
    return np.sum(x)


def set_of_values(x):
    return sum({2.0 * x, x})


def test_sets_of_values_with_no_derivative(rng):
    x = rng.normal(size=3)
    check_grads(by_tags, x, ["Big", "SMALL"], wrt=0)
    check_grads(by_tags, x, ["tiny"], wrt=0)
    with pytest.raises(DifferentiationError, match="set displays and set comprehensions of differentiated") as info:
        ssagrad.grad(set_of_values)(1.5)
    assert "{2.0 * x, x}" in info.value.source_line


def test_a_gradient_with_dicts_exports(rng):
    from ssagrad.export import export_source
    source = export_source(ssagrad.grad(doubled_then_read))
    namespace = {}
    exec(compile(source, "exported", "exec"), namespace)
    params = {"W": rng.normal(size=3), "skip": rng.normal(size=3)}
    value, grads = namespace["doubled_then_read_grad"](params)
    np.testing.assert_allclose(grads["W"], ssagrad.grad(doubled_then_read)(params)["W"])


# -- f-strings, str.format and string methods (no derivative) --------------------------------------------

def layers(params, x, names):
    h = x
    for i in range(len(names)):
        W = params[f"W{i}"]
        b = params["b{}".format(i)]
        h = np.tanh(W @ h + b)
        if names[i].lower().startswith("skip"):
            h = h + x[: h.shape[0]]
    label = f"{len(names):>3d}-{names[0]!r}"
    return np.sum(h ** 2) * len(label) / len("-".join(names))


@pytest.mark.parametrize("n", [1, 3])
def test_f_strings_and_str_format_build_keys(rng, n):
    params = {"W0": rng.normal(size=(n, 3)), "b0": rng.normal(size=n),
              "W1": rng.normal(size=(n, n)), "b1": rng.normal(size=n)}
    x = rng.normal(size=3)
    names = ["Dense", "SKIP_1"] if n == 3 else ["dense"]
    check_dict_grads(layers, params, x, names)
    check_grads(lambda x: layers(params, x, names), x)
    source = ssagrad.grad(layers).source
    assert "str.format('W{}', i)" in source and "str.format('{:>3d}-{!r}'," in source


# -- print, warnings, logging, raise and assert: kept in the primal sweep, not in the adjoint -------------

log = logging.getLogger("everyday")

def noisy(x, verbose=True):
    if verbose:
        print("x has shape", np.shape(x), f"and norm {np.sqrt(np.sum(x ** 2)):.3f}")
    y = np.sin(x)
    if np.any(np.abs(x) > 10.0):
        warnings.warn("x is large")
    log.info("sum of y: %s", np.sum(y))
    logging.debug("step {}".format(1))
    return np.sum(y * x)


def checked(x, scale):
    assert np.ndim(x) <= 2, f"x must be at most a matrix, got {np.ndim(x)} dimensions"
    assert scale > 0
    if np.ndim(x) > 2:
        raise ValueError("unreachable")
    if scale > 100.0:
        raise ValueError(f"scale {scale} is too large")
    elif scale > 50.0:
        y = x * 50.0
    else:
        y = x * scale
    return np.sum(np.tanh(y) ** 2)


def in_a_loop(xs):
    total = 0.0
    for i, x in enumerate(xs):
        if np.any(np.isnan(x)):
            raise FloatingPointError(f"row {i} has a NaN")
        print("row", i)
        total = total + np.sum(x ** 3)
    return total


@pytest.mark.parametrize("shape", SHAPES)
def test_print_warn_and_log_run_once_in_the_primal_sweep(rng, shape, capsys):
    x = arrays(rng, shape)
    check_grads(noisy, x, wrt=0)
    capsys.readouterr()
    ssagrad.grad(noisy)(x)
    printed = capsys.readouterr().out
    assert printed == f"x has shape {np.shape(x)} and norm {np.sqrt(np.sum(x ** 2)):.3f}\n"
    ssagrad.jvp(noisy, (x,), (np.ones_like(x),))
    assert capsys.readouterr().out == printed
    source = ssagrad.grad(noisy).source
    assert source.count("print(") == 1 and "warnings.warn('x is large')" in source
    backward = source[source.index("gradient is 1"):]
    assert "print" not in backward and "log" not in backward


def test_a_warning_in_differentiated_code_is_raised(rng):
    x = np.array([1.0, 20.0])
    with pytest.warns(UserWarning, match="x is large"):
        g = ssagrad.grad(noisy)(x)
    np.testing.assert_allclose(g, np.sin(x) + x * np.cos(x))


@pytest.mark.parametrize("shape", SHAPES)
def test_assert_and_raise_in_a_branch(rng, shape):
    x = arrays(rng, shape)
    for scale in (0.5, 70.0):
        check_grads(checked, x, scale)
    with pytest.raises(ValueError, match="scale 200.0 is too large"):
        ssagrad.grad(checked)(x, 200.0)
    with pytest.raises(AssertionError):
        ssagrad.grad(checked)(x, -1.0)
    with pytest.raises(AssertionError, match="at most a matrix, got 3"):
        ssagrad.grad(checked)(np.ones((2, 2, 2)), 1.0)
    with pytest.raises(AssertionError):
        ssagrad.jvp(checked, (x, -1.0), (None, 1.0))


def test_raise_and_print_in_a_loop(rng, capsys):
    xs = rng.normal(size=(3, 2))
    check_grads(in_a_loop, xs)
    capsys.readouterr()
    ssagrad.grad(in_a_loop)(xs)
    assert capsys.readouterr().out == "row 0\nrow 1\nrow 2\n"
    xs[1, 0] = np.nan
    with pytest.raises(FloatingPointError, match="row 1 has a NaN"):
        ssagrad.grad(in_a_loop)(xs)


def test_second_derivatives_through_asserts(rng):
    check_grads(checked, 0.3, 2.0, order=2)


def test_a_checkpointed_loop_that_prints_is_refused(rng):
    with pytest.raises(DifferentiationError, match="writes output"):
        ssagrad.grad(in_a_loop, checkpoint=True)(rng.normal(size=(3, 2)))


def helper_call_for_effect(x):
    np.sum(x)
    return np.sum(x ** 2)


def test_other_bare_calls_are_refused_where_they_are():
    with pytest.raises(DifferentiationError, match="print, warnings.warn and logging calls are kept") as info:
        ssagrad.grad(helper_call_for_effect)(np.ones(2))
    assert info.value.source_line == "np.sum(x)"


# -- functions as people write them: decorators that forward, nested defs, partials, keyword-only ---------

import functools  # noqa: E402


def logged(f):
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        """Forwards its call."""
        return f(*args, **kwargs)
    return wrapper


def timed(f):  # a wrapper that does more than forward: not looked through
    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        result = f(*args, **kwargs)
        return result * 1.0
    return wrapper


@logged
@logged
def decorated_energy(x, scale=2.0):
    return scale * np.sum(np.cosh(x))


@timed
def timed_energy(x):
    return np.sum(x ** 2)


def calls_decorated(x, y):
    return decorated_energy(x * y) + decorated_energy(y, scale=0.5)


@pytest.mark.parametrize("shape", SHAPES)
def test_functools_wraps_wrappers_that_forward(rng, shape):
    x, y = arrays(rng, shape, 2)
    check_grads(decorated_energy, x)
    check_grads(calls_decorated, x, y)
    assert ssagrad.value_and_grad(decorated_energy)(x)[0] == decorated_energy(x)
    value, pullback = ssagrad.vjp(decorated_energy, x)
    np.testing.assert_allclose(pullback(1.0)[0], ssagrad.grad(decorated_energy)(x), rtol=1e-12)
    assert value == decorated_energy(x)


def test_a_wrapper_that_does_more_than_forward_is_refused(rng):
    with pytest.raises(DifferentiationError, match="decorator's wrapper"):
        ssagrad.grad(timed_energy)(rng.normal(size=3))


def with_inner_functions(x, y):
    a = 2.0 * x

    def inner(z, scale=1.0):
        """Reads a, as a closure does, when it is called."""
        t = np.sin(z) * a
        return np.sum(t * scale)

    def twice(z):
        return inner(z) + inner(z, scale=-0.5)
    s = inner(x) + inner(y, scale=3.0)
    a = a + y  # the later calls read the new a
    if np.sum(x) > 0:
        def branch_only(z):
            return np.sum(z ** 3)
        s = s + branch_only(y)
    return s + twice(x * y)


@pytest.mark.parametrize("shape", SHAPES)
def test_nested_functions_are_closures_over_the_locals(rng, shape):
    x, y = arrays(rng, shape, 2)
    for sign in (1.0, -1.0):
        check_grads(with_inner_functions, sign * np.abs(x), y)


def passes_inner_around(x):
    def inner(z):
        return z * 2.0
    return np.sum(np.apply_along_axis(inner, 0, x))


def early_return_inside(x):
    def inner(z):
        if np.sum(z) > 0:
            return z
        return -z
    return np.sum(inner(x))


def test_nested_functions_that_cannot_be_inlined_are_refused(rng):
    with pytest.raises(DifferentiationError, match="can only be called here") as info:
        ssagrad.grad(passes_inner_around)(np.ones(3))
    assert "np.apply_along_axis(inner, 0, x)" in info.value.source_line
    with pytest.raises(DifferentiationError, match="a `return` before its last statement") as info:
        ssagrad.grad(early_return_inside)(np.ones(3))
    assert info.value.source_line == "return z"


def squared_distance(a, data, scale=1.0):
    return np.sum(scale * (a - data) ** 2)


DATA = np.linspace(-1.0, 1.0, 3)
to_data = functools.partial(squared_distance, data=DATA, scale=3.0)
from_twos = functools.partial(squared_distance, np.full(3, 2.0))


def with_partials(x):
    return to_data(x) + from_twos(x, 0.5) + to_data(x, scale=2.0)


def test_functools_partial_objects_called_inside(rng):
    check_grads(with_partials, rng.normal(size=3))
    assert "part" not in ssagrad.grad(with_partials).source or "to_data.keywords['data']" in \
        ssagrad.grad(with_partials).source


def keyword_only(x, *, scale, shift=0.0):
    return np.sum(scale * np.sin(x) + shift)


def calls_keyword_only(x, y):
    return keyword_only(x, scale=y) + keyword_only(y, shift=1.0, scale=2.0)


@pytest.mark.parametrize("shape", SHAPES)
def test_keyword_only_parameters(rng, shape):
    x, y = arrays(rng, shape, 2)
    check_grads(calls_keyword_only, x, np.sum(y) if shape == () else float(np.sum(y)))
    check_grads(lambda x, y: keyword_only(x, scale=y), x, 1.5)


def noisy_loss(W, x, rng):
    noise = rng.normal(scale=0.1, size=np.shape(W))
    keep = rng.random(np.shape(W)) > 0.3
    return np.sum(np.where(keep, (W + noise) * x, 0.0) ** 2)


@pytest.mark.parametrize("shape", [(3,), (2, 3)])
def test_random_generator_calls_inside_are_not_differentiated(shape):
    W, x = np.random.default_rng(1).normal(size=(2,) + shape)
    g = ssagrad.grad(noisy_loss)(W, x, np.random.default_rng(7))
    rng = np.random.default_rng(7)
    noise, keep = rng.normal(scale=0.1, size=shape), rng.random(shape) > 0.3
    np.testing.assert_allclose(g, np.where(keep, 2 * (W + noise) * x ** 2, 0.0), rtol=1e-12)
    expected = ssagrad.numerical_grad(lambda W: noisy_loss(W, x, np.random.default_rng(7)), [W], 0)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-8)


def draws_around(W, rng):
    return np.sum(rng.normal(loc=W, scale=0.1) ** 2)


def test_a_draw_from_a_differentiated_location_is_refused(rng):
    with pytest.raises(DifferentiationError, match="no derivative rule for") as info:
        ssagrad.grad(draws_around)(np.ones(3), rng)
    assert "rng.normal(loc=W, scale=0.1)" in info.value.source_line


def over_batches(x, *batches, scale=1.0, **options):
    total = 0.0
    for b in batches:
        total = total + np.sum((x - b) ** 2)
    return scale * total * options.get("weight", 1.0) + len(batches)


def sums_rest(a, *rest):
    return np.sum(a) + len(rest)


def passes_into_rest(x):
    return sums_rest(1.0, x)


def passes_named(x):
    return sums_rest(x, "a", "b") + sums_rest(a=x * 2.0)


@pytest.mark.parametrize("shape", SHAPES)
def test_star_args_and_star_star_kwargs_in_the_differentiated_function(rng, shape):
    x, b1, b2 = arrays(rng, shape, 3)
    g = ssagrad.grad(over_batches)(x, b1, b2, scale=2.0, weight=3.0)
    expected = ssagrad.numerical_grad(lambda x: over_batches(x, b1, b2, scale=2.0, weight=3.0), [x], 0)
    np.testing.assert_allclose(g, expected, rtol=1e-6, atol=1e-6)
    value, tangent = ssagrad.jvp(over_batches, (x, b1), (np.ones_like(x) if shape else 1.0, None))
    assert value == over_batches(x, b1)
    np.testing.assert_allclose(tangent, np.sum(2 * (x - b1)), rtol=1e-12)
    check_grads(passes_named, x)
    check_grads(lambda x, *rest, k=2.0: np.sum(x ** k) * len(rest), x, wrt=0)


def test_what_star_args_cannot_do_yet_is_refused(rng):
    x = rng.normal(size=3)
    with pytest.raises(DifferentiationError, match="'batches', the \\*args or \\*\\*kwargs parameter"):
        ssagrad.grad(over_batches, wrt=1)(x, x)
    with pytest.raises(DifferentiationError, match="into sums_rest\\(\\)'s \\*rest") as info:
        ssagrad.grad(passes_into_rest)(x)
    assert info.value.source_line == "return sums_rest(1.0, x)"
    with pytest.raises(DifferentiationError, match="into sums_rest\\(\\)'s \\*rest"):
        ssagrad.jvp(passes_into_rest, (x,), (x,))


# -- methods: self.helper(x) and model.loss(x) are differentiated like any function of yours ---------------

class Model:
    def __init__(self, scale):
        self.scale = scale

    def features(self, x, power=2):
        return np.sin(x) ** power * self.scale

    def loss(self, x, y):
        h = self.features(x) + self.features(y, power=3)
        return np.sum(h * x)


class Wider(Model):
    def loss(self, x, y):  # inherits features
        return Model.loss(self, x, y) + np.sum(self.features(x * y))


MODEL = Model(1.5)


def uses_the_model(x, y):
    return MODEL.loss(x, y) * 2.0


@pytest.mark.parametrize("shape", SHAPES)
def test_self_method_calls_are_differentiated_like_helpers(rng, shape):
    x, y = arrays(rng, shape, 2)
    check_grads(MODEL.loss, x, y)
    check_grads(Wider(0.5).loss, x, y)
    check_grads(uses_the_model, x, y)
    assert "dispatches_to(self, Model, 'features')" in ssagrad.grad(MODEL.loss).source


def test_a_method_overridden_in_a_subclass_is_refused(rng):
    class Overrides(Model):
        def features(self, x, power=2):
            return x * power

    x = rng.normal(size=3)
    ssagrad.grad(MODEL.loss)(x, x)  # compiled (cached) already: checked when it runs
    with pytest.raises(DifferentiationError, match="compiled as Model.features, but this object is a .*Overrides"):
        ssagrad.grad(Overrides(1.0).loss)(x, x)
    ssagrad.compiler.cache.clear()
    with pytest.raises(DifferentiationError, match="may be Model.features or an override") as info:
        ssagrad.grad(Overrides(1.0).loss)(x, x)
    assert info.value.source_line == "h = self.features(x) + self.features(y, power=3)"


# -- dataclass instances as parameters: p.W, and a gradient of the same class --------------------------------

import dataclasses  # noqa: E402


@dataclasses.dataclass
class Layer:
    W: np.ndarray
    b: np.ndarray
    name: str = "dense"
    gain: float = 1.0


@dataclasses.dataclass(frozen=True)
class Net:
    first: Layer
    scales: tuple


def layer_loss(p, x):
    h = np.tanh(p.W @ x + p.b) * p.gain
    for _ in range(2):
        h = h * p.gain + np.sum(p.b)
    return np.sum(h ** 2)


def net_loss(net, x):
    return layer_loss(net.first, x) * net.scales[0] + np.sum(net.first.b) * net.scales[1]


def check_dataclass_grads(fn, p, x, fields):
    g = ssagrad.grad(fn)(p, x)
    assert type(g) is type(p)
    for path in fields:
        def replaced(value, path=path):
            *outer, last = path.split(".")
            if outer:
                inner = dataclasses.replace(getattr(p, outer[0]), **{last: value})
                return fn(dataclasses.replace(p, **{outer[0]: inner}), x)
            return fn(dataclasses.replace(p, **{last: value}), x)
        current = p
        ours = g
        for part in path.split("."):
            current, ours = getattr(current, part), getattr(ours, part)
        expected = ssagrad.numerical_grad(replaced, [current], 0)
        np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6, err_msg=path)
        assert np.shape(ours) == np.shape(current) and type(ours) is type(current)
    return g


@pytest.mark.parametrize("m, n", [(1, 1), (2, 3)])
def test_dataclass_parameters_get_a_gradient_of_their_class(rng, m, n):
    p = Layer(rng.normal(size=(m, n)), rng.normal(size=m), gain=0.7)
    x = rng.normal(size=n)
    g = check_dataclass_grads(layer_loss, p, x, ["W", "b", "gain"])
    assert g.name is None  # a string has no gradient
    net = Net(p, (0.5, 2.0))
    g = check_dataclass_grads(net_loss, net, x, ["first.W", "first.b", "first.gain"])
    assert type(g.scales) is tuple
    np.testing.assert_allclose(g.scales, (layer_loss(p, x), np.sum(p.b)), rtol=1e-12)
    tangent = Layer(rng.normal(size=(m, n)), rng.normal(size=m), gain=0.3)
    value, derivative = ssagrad.jvp(layer_loss, (p, x), (tangent, None))
    gradient = ssagrad.grad(layer_loss)(p, x)
    expected = np.sum(gradient.W * tangent.W) + np.sum(gradient.b * tangent.b) + gradient.gain * tangent.gain
    assert value == layer_loss(p, x) and abs(derivative - expected) < 1e-9 * max(1.0, abs(expected))


def test_einsum_with_star_operands_still_differentiates(rng):
    check_grads(lambda W, x: np.sum(np.einsum("ij,j->i", W, x) ** 2), rng.normal(size=(2, 3)), rng.normal(size=3))


def test_grad_of_a_partial_object(rng):
    x = rng.normal(size=3)
    g = ssagrad.grad(to_data)(x)
    np.testing.assert_allclose(g, 6.0 * (x - DATA), rtol=1e-12)
    np.testing.assert_allclose(ssagrad.grad(from_twos)(x), -2.0 * (2.0 - x), rtol=1e-12)  # wrt: data, the first left
    assert abs(ssagrad.grad(to_data, wrt="scale")(x) - np.sum((x - DATA) ** 2)) < 1e-12
    value, g = ssagrad.value_and_grad(to_data)(x, scale=0.5)  # a call's keyword overrides the partial's
    assert value == squared_distance(x, DATA, 0.5)
    np.testing.assert_allclose(g, x - DATA, rtol=1e-12)


def rebinds_while_walking(params):
    total = 0.0
    for name, value in params.items():
        total = total + np.sum(value ** 2)
        params = {"other": value * 0.0}  # the loop still walks the dict it started with
    return total + np.sum(params["other"])


class Helpers:
    @staticmethod
    def energy(x):
        return np.sum(x.clip(-1.0, 1.0) ** 2) + np.sum(x ** 2)


def counts_and_types(x, n=2):
    if isinstance(n, int) and len(x) > n:
        return np.sum(x[:n] ** 2) / len(x)
    return np.sum(x) * len(np.shape(x))


def test_rebinding_the_walked_dict_and_static_methods(rng):
    check_dict_grads(rebinds_while_walking, {"a": rng.normal(size=3), "b": rng.normal(size=2)})
    check_grads(Helpers.energy, rng.normal(size=4))
    for shape in [(1,), (5,), (4, 2)]:
        check_grads(counts_and_types, rng.normal(size=shape), wrt=0)


@pytest.mark.parametrize("fn", [l2_items, l2_values, l2_keys, l2_for_in, doubled_then_read, listed,
                                rebinds_while_walking])
def test_walking_a_dict_in_forward_mode(rng, fn):
    params = {"W": rng.normal(size=(2, 3)), "bias": rng.normal(size=3), "skip": rng.normal(size=3)}
    if fn is listed:
        params["W"] = rng.normal(size=3)
    tangents = {k: rng.normal(size=np.shape(v)) for k, v in params.items()}
    value, derivative = ssagrad.jvp(fn, (params,), (tangents,))
    gradient = check_dict_grads(fn, params)
    expected = sum(np.sum(gradient[k] * tangents[k]) for k in params)
    assert value == fn(params) and abs(derivative - expected) <= 1e-9 * max(1.0, abs(expected))


def sgd_step(params, grads, lr):
    total = 0.0
    for name in grads:
        if name != "skip":
            total = total + np.sum((params[name] - lr * grads[name]) ** 2)
    return total


def sum_over_indices(x, order):
    total = 0.0
    for i in order:
        total = total + x[i] ** 2
    return total


def test_walking_one_dict_to_index_another(rng):
    params = {"W": rng.normal(size=3), "b": rng.normal(size=2), "skip": rng.normal(size=2)}
    grads = {k: rng.normal(size=np.shape(v)) for k, v in params.items()}
    check_dict_grads(sgd_step, params, grads, 0.1)
    check_dict_grads(lambda g, p: sgd_step(p, g, 0.1), grads, params)
    check_grads(sum_over_indices, rng.normal(size=5), [4, 0, 2], wrt=0)
    check_grads(sum_over_indices, rng.normal(size=5), np.array([1, 1, 3]), wrt=0)


def distance_and_size(a, data, scale=1.0):
    return np.sum(scale * (a - data) ** 2), np.size(a)


def test_jvp_vjp_and_has_aux_of_a_partial_object(rng):
    x, direction = rng.normal(size=3), rng.normal(size=3)
    value, derivative = ssagrad.jvp(to_data, (x,), (direction,))
    assert value == to_data(x) and abs(derivative - np.sum(6.0 * (x - DATA) * direction)) < 1e-12
    value, pullback = ssagrad.vjp(to_data, x)
    np.testing.assert_allclose(pullback(2.0)[0], 12.0 * (x - DATA), rtol=1e-12)
    g, size = ssagrad.grad(functools.partial(distance_and_size, data=DATA, scale=3.0), has_aux=True)(x)
    np.testing.assert_allclose(g, 6.0 * (x - DATA), rtol=1e-12)
    assert size == 3
    with pytest.raises(TypeError, match="partial with keywords"):
        ssagrad.hessian(to_data)(x)


def test_a_derivative_of_a_derivative_of_a_partial_with_keywords_is_refused():
    cubed = functools.partial(lambda x, power: x ** power, power=3.0)
    assert abs(ssagrad.grad(cubed)(2.0) - 12.0) < 1e-12
    with pytest.raises(TypeError, match="grad of grad"):
        ssagrad.grad(ssagrad.grad(cubed))(2.0)


def against_the_grain(xs, ys):
    total = 0.0
    for a, b in zip(xs, reversed(ys)):
        total = total + np.sum(a * np.sin(b))
    for i, c in enumerate(reversed(list(xs))):
        total = total + i * np.sum(c ** 2)
    return total


@pytest.mark.parametrize("shape", [(3,), (4, 2)])
def test_reversed_inside_zip_and_enumerate(rng, shape):
    check_grads(against_the_grain, rng.normal(size=shape), rng.normal(size=shape))


def fills_a_dict(x):
    out = {}
    out["a"] = x * 2.0
    for i in range(3):
        out["a"] = out["a"] * np.cos(x)
        out[f"k{i}"] = x * i
    out["k1"] += np.sin(x)
    return np.sum(out["a"] * out["k1"] + out["k2"])


def fills_a_shared_dict(x):
    out = {}
    alias = out
    out["a"] = x
    return np.sum(alias["a"])


@pytest.mark.parametrize("shape", SHAPES)
def test_setting_entries_of_a_dict_the_function_builds(rng, shape):
    check_grads(fills_a_dict, arrays(rng, shape))


def test_setting_an_entry_of_a_dict_another_name_holds_is_refused(rng):
    with pytest.raises(DifferentiationError, match="'alias'") as info:
        ssagrad.grad(fills_a_shared_dict)(rng.normal(size=3))
    assert info.value.source_line == 'out["a"] = x'


def aux_without_a_rule(x):
    return np.sum(x ** 2), np.interp(0.5, x, x)


def test_an_aux_made_by_a_function_without_a_rule_is_refused_where_it_is_made():
    with pytest.raises(DifferentiationError, match="no derivative rule for numpy.interp") as info:
        ssagrad.grad(aux_without_a_rule, has_aux=True)(np.linspace(0.0, 1.0, 4))
    assert "np.interp(0.5, x, x)" in info.value.source_line


def sums_the_keys(d):
    total = 0.0
    for k in d:
        total = total + k * 1.0
    return total


def sums_the_items(xs):
    total = 0.0
    for x in xs:
        total = total + np.sum(x ** 2)
    return total


@pytest.mark.parametrize("walked", [{0: 5.0, 1: 7.0}, {0.5, 1.5}, {"a": 1.0}])
def test_a_loop_walking_a_dict_by_index_is_refused_at_the_loop(walked):
    # walked by index, {0: 5.0, 1: 7.0} would give its values (12) for its keys' sum (1): never silently
    for transform in (ssagrad.grad, ssagrad.value_and_grad):
        with pytest.raises(DifferentiationError, match="walks a") as info:
            transform(sums_the_keys)(walked)
        assert info.value.location.lineno == sums_the_keys.__code__.co_firstlineno + 2
        assert info.value.location.line.strip() == "for k in d:"
    with pytest.raises(DifferentiationError, match="walks a"):
        ssagrad.grad(sums_the_items)(walked)
    xs = [np.ones(2), np.full(3, 2.0)]  # a list is walked as before
    np.testing.assert_allclose(ssagrad.grad(sums_the_items)(xs)[1], 2.0 * xs[1])
