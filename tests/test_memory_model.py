"""NumPy's memory model: aliases, views, in-place writes, duplicate indices, out=, np.add.at.

Each function is written as a user would. The contract: the value and gradients are those of the
Python function as Python runs it, or a DifferentiationError that points at the write and names the
other array.
"""
import operator

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError

X = np.array([0.3, -0.5, 0.7, 1.1, 0.2])
M = np.arange(6.0).reshape(2, 3) / 7 + 0.1


def check(f, *args, wrt=None):
    """Value equal to Python's on copies of the arguments; gradients equal to finite differences."""
    wrt = tuple(range(len(args))) if wrt is None else wrt
    value, _ = ssagrad.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, f(*ssagrad.runtime.own(args)), rtol=1e-12)
    ssagrad.check_grads(f, *args, wrt=wrt)


def refused(f, *args, line, names, wrt=0):
    with pytest.raises(DifferentiationError) as info:
        ssagrad.grad(f, wrt=wrt)(*args)
    err = info.value
    assert err.location is not None and err.location.line.strip() == line
    for name in names:
        assert repr(name) in err.message


# -- 1. in-place operators on a name another name holds ------------------------------------------
def scaled_alias(x):
    a = x
    a *= 2.0
    return np.sum(x ** 2)


def test_an_in_place_operator_through_an_alias_of_an_array_is_refused():
    refused(scaled_alias, X.copy(), line="a *= 2.0", names=["a", "x"])


def test_the_same_code_on_a_float_rebinds_and_is_differentiated():
    # for a Python float `a *= 2.0` makes a new float: x is unchanged, as Python runs it
    assert ssagrad.grad(scaled_alias)(0.5) == pytest.approx(1.0)


def accumulate_from_input(x):
    s = x
    for i in range(3):
        s += x ** i
    return np.sum(s * x)


def test_an_accumulator_started_from_an_input():
    check(accumulate_from_input, 0.7)                       # floats: s is a new value each time
    refused(accumulate_from_input, X.copy(), line="s += x ** i", names=["s", "x"])  # arrays: x changes too


def test_second_order_keeps_the_check():
    assert ssagrad.grad(ssagrad.grad(scaled_alias))(0.5) == pytest.approx(2.0)
    assert ssagrad.hessian(scaled_alias)(0.5) == pytest.approx(2.0)
    with pytest.raises(DifferentiationError, match="shares memory with 'x'"):
        ssagrad.hessian(scaled_alias)(np.array([0.5, 0.2]))


def written_through_another_name(x):
    y = x * 1.0
    z = y
    z[0] = 2.0
    return np.sum(y * x)


@pytest.mark.parametrize("second", ["hessian", "hvp", "hvp_reverse", "hessian_reverse"])
def test_second_order_refuses_where_the_first_order_check_would(second):
    """The gradient made to be differentiated again took `z = y` as a copy of an array written into later,
    which the run-time check (z and y share memory) then passed: the Hessian came out diag(2, 2, 2), not
    diag(0, 2, 2). A name a check looks at stays the array it is in Python; the refusal names the user's
    line."""
    x = np.array([0.3, -0.5, 0.7])
    transform = {"hessian": lambda: ssagrad.hessian(written_through_another_name)(x),
                 "hvp": lambda: ssagrad.hvp(written_through_another_name)(x, np.ones(3)),
                 "hvp_reverse": lambda: ssagrad.hvp(written_through_another_name, mode="reverse")(x, np.ones(3)),
                 "hessian_reverse": lambda: ssagrad.hessian(written_through_another_name, mode="reverse")(x)}
    with pytest.raises(DifferentiationError, match="shares memory|changes 'y' too") as info:
        transform[second]()
    assert info.value.location.line.strip() == "z[0] = 2.0"
    assert info.value.location.filename == __file__


def fresh_accumulator(x):
    h = x * 2.0
    h += np.sin(x)
    h **= 2
    return np.sum(h)


def test_in_place_operators_on_an_array_nothing_else_holds():
    check(fresh_accumulator, X.copy())


# -- 2. copy idioms are copies ---------------------------------------------------------------------
COPIES = ["x * 1.0", "1.0 * x", "x ** 1", "x + 0.0", "np.array(x)", "x.copy()", "np.copy(x)", "x * 1"]


@pytest.mark.parametrize("idiom", COPIES)
def test_copy_idioms_make_new_arrays(idiom, tmp_path):
    f = _function(tmp_path, f"b = {idiom}\n    b[0] = s\n    return np.sum(b ** 2) + np.sum(x ** 3)", "x, s")
    check(f, X.copy(), 0.4)
    assert "x[0] = s" not in ssagrad.grad(f, wrt=(0, 1)).source


def test_np_asarray_is_the_same_array(tmp_path):
    f = _function(tmp_path, "b = np.asarray(x)\n    b[0] = s\n    return np.sum(x ** 2)", "x, s")
    refused(f, X.copy(), 0.4, line="b[0] = s", names=["b", "x"])


# -- 3. views written through --------------------------------------------------------------------
VIEWS = ["y[1:]", "y.T", "y.reshape(-1)", "np.ravel(y)", "y[...]", "np.asarray(y)", "y[0]"]


@pytest.mark.parametrize("view", VIEWS)
def test_writing_through_a_view_of_an_array_read_later_is_refused(view, tmp_path):
    f = _function(tmp_path, f"v = {view}\n    v *= 3.0\n    return np.sum(y ** 2)", "y")
    refused(f, M.copy(), line="v *= 3.0", names=["v", "y"])
    g = _function(tmp_path, f"v = {view}\n    v[0] = s\n    return np.sum(y ** 2)", "y, s")
    refused(g, M.copy(), 0.5, line="v[0] = s", names=["v", "y"])


def test_writing_into_the_base_while_a_view_is_read_later_is_refused():
    def f(y, s):
        v = y[1:]
        y[1] = s
        return np.sum(v ** 2)
    refused(f, X.copy(), 0.5, line="y[1] = s", names=["y", "v"])


def view_read_only_by_itself(y, s):
    v = y[1:]
    v[0] = s
    return np.sum(v ** 2)


def test_a_view_written_and_read_alone_is_fine_and_the_caller_array_is_untouched():
    y = X.copy()
    check(view_read_only_by_itself, y, 0.5)
    np.testing.assert_array_equal(y, X)


def test_reading_with_an_index_array_or_a_mask_makes_a_copy():
    def by_list(a, s):
        t = a[[0, 1, 2, 3]]
        t[0] = s
        return np.sum(t ** 2) + np.sum(a ** 3)

    def by_mask(a, s):
        t = a[a > 0]
        t[0] = s
        return np.sum(t ** 2) + np.sum(a ** 3)
    check(by_list, X.copy(), 0.4)
    check(by_mask, X.copy(), 0.4)


def test_a_float_read_from_an_array_is_not_a_view():
    def f(y, s):
        first = y[0]
        y[0] = s
        return first * np.sum(y ** 2)
    check(f, X.copy(), 0.3)
    refused(f, M.copy(), 0.3, line="y[0] = s", names=["y", "first"])  # a row of a matrix is a view


def test_a_recurrence_that_reads_the_previous_entry():
    def f(x, a):
        y = np.zeros(5)
        y[0] = x[0]
        for i in range(1, 5):
            prev = y[i - 1]
            y[i] = prev * a + x[i]
        return np.sum(y ** 2)
    check(f, X.copy(), 0.8)


def test_aliases_made_in_an_earlier_iteration():
    def dead_alias(x):  # a is the same array as b from the second iteration on, but not read after the write
        a = np.zeros(3)
        b = np.ones(3)
        for i in range(3):
            b[i] = x[i] * a[i] + x[i]
            a = b
        return np.sum(a * b)

    def live_alias(x):
        a = np.zeros(3)
        b = np.ones(3)
        total = 0.0
        for i in range(3):
            b[i] = x[i] + 1.0
            total = total + np.sum(a * x)
            a = b
        return total
    check(dead_alias, X[:3].copy())
    refused(live_alias, X[:3].copy(), line="b[i] = x[i] + 1.0", names=["a", "b"])


# -- 4. duplicate indices, np.add.at ---------------------------------------------------------------
def test_the_last_write_to_a_repeated_index_wins():
    def f(x, y):
        y[[0, 2, 2]] = x
        return np.sum(y ** 2)
    ours = ssagrad.grad(f)(np.array([1.0, 2.0, 3.0]), np.zeros(4))
    np.testing.assert_allclose(ours, [2.0, 0.0, 6.0])  # x[1] was overwritten by x[2]
    check(f, np.array([1.0, 2.0, 3.0]), np.zeros(4) + 0.5)


def test_an_augmented_write_to_repeated_indices_is_read_then_write():
    def f(x, y):
        y[[0, 0, 2]] += x
        return np.sum(y ** 2)
    check(f, np.array([1.0, 2.0, 3.0]), np.ones(4))


def test_np_add_at_accumulates():
    def f(x, y):
        np.add.at(y, [0, 0, 2], x)
        return np.sum(y ** 2)

    def scalar(x, y):
        np.add.at(y, (np.array([0, 1, 1]), np.array([2, 0, 0])), x)
        return np.sum(np.sin(y))
    check(f, np.array([1.0, 2.0, 3.0]), np.ones(4))
    check(scalar, 0.7, M.copy())


def test_duplicates_in_a_two_dimensional_index():
    def f(x, y):
        y[np.array([1, 1, 0]), 1:] = x
        return np.sum(y ** 3)
    check(f, np.arange(6.0).reshape(3, 2) / 5, M.copy())


# -- 5. writes that nothing reads afterwards (issue 19) --------------------------------------------
def test_a_write_nothing_reads_afterwards():
    def f(x, s):
        y = np.sin(x)
        a = np.sin(y)
        y[3] = s
        return np.sum(a)
    check(f, X.copy(), 0.4)


def test_a_scratch_array_filled_in_a_loop_and_never_read_again():
    def f(x, s):
        scratch = np.cos(x)
        total = 0.0
        for i in range(3):
            total = total + np.sum(scratch * x)
            scratch[i] = s * i
        return total
    check(f, X.copy(), 0.4)


def test_writes_into_the_input_in_a_branch_and_a_helper():
    def clobber(v, s):
        v[0] = s
        return s * 0.0

    def f(x, s):
        a = np.sum(np.exp(x))
        if s > 0:
            x[1] = s
        else:
            x[2] = s
        b = clobber(np.sin(x), s)
        return a + b
    check(f, X.copy(), 0.4)
    check(f, X.copy(), -0.4)


# -- 6. out= and other writes ----------------------------------------------------------------------
def test_out_arguments_write_into_the_array():
    def f(x, y):
        np.exp(x, out=y)
        z = np.multiply(y, 2.0, y)
        return np.sum(z * y) + np.sum(y)
    check(f, X.copy(), np.zeros(5))


def test_functions_that_write_into_their_arguments_are_refused():
    def f(x):
        y = np.zeros(5)
        r = np.copyto(y, x)
        return np.sum(y)
    with pytest.raises(DifferentiationError, match="copyto writes into its argument"):
        ssagrad.grad(f)(X.copy())


def test_appending_to_a_list_another_name_holds():
    def f(x):
        items = []
        kept = items
        items.append(x)
        return np.sum(x) * len(kept)
    refused(f, X.copy(), line="items.append(x)", names=["kept", "items"])


GLOBAL_BUFFER = np.zeros(5)


def test_writes_into_a_global_array_are_refused():
    def f(x):
        b = GLOBAL_BUFFER
        b[0] = x[0]
        return np.sum(b * x)
    refused(f, X.copy(), line="b[0] = x[0]", names=["b", "GLOBAL_BUFFER"])
    assert not GLOBAL_BUFFER.any()


# -- 7. a called function that writes into its argument -----------------------------------------
def zero_first(v):
    v[0] = 0.0
    return v


def test_a_helper_that_writes_into_its_argument():
    def returns_it(x):
        y = np.sin(x)
        y = zero_first(y)
        return np.sum(y ** 2)

    def keeps_reading_it(x):
        y = np.sin(x)
        z = zero_first(y)
        return np.sum(y ** 2) + np.sum(z)
    check(returns_it, X.copy())
    refused(keeps_reading_it, X.copy(), line="z = zero_first(y)", names=["y"])


def scratch_then_helper(x):
    b = np.copy(x)
    w = np.sin(b)
    x = x * 0.5 + np.sin(w) * 0.5
    b = zero_first(b)  # nothing it returns is differentiated: the gradient runs it as it is
    return np.sum(np.sin(x))


def test_a_helper_run_as_it_is_writes_into_its_own_copy():
    """zero_first(b) wrote into b, which the backward sweep then read for the adjoint of np.sin(b): a
    wrong gradient (found by the random-program run). It gets its own copy now, in both orders."""
    check(scratch_then_helper, X.copy())
    assert "zero_first(own(b))" in ssagrad.grad(scratch_then_helper).source_for(X.copy())
    h = ssagrad.hessian(scratch_then_helper)(X.copy())
    g = ssagrad.grad(scratch_then_helper)
    step = 1e-6
    columns = [(g(X + step * e) - g(X - step * e)) / (2 * step) for e in np.eye(5)]
    np.testing.assert_allclose(h, np.stack(columns, axis=-1), rtol=1e-5, atol=1e-8)


# -- 8. the caller's arrays ------------------------------------------------------------------------
def writes_its_input(x, s):
    x[1] = s * x[0]
    x *= 2.0
    return np.sum(x ** 2)


def test_gradient_calls_leave_the_callers_arrays_as_they_were():
    x = X.copy()
    ssagrad.grad(writes_its_input, wrt=(0, 1))(x, 0.3)
    ssagrad.value_and_grad(writes_its_input)(x, 0.3)
    ssagrad.jvp(writes_its_input, (x, 0.3), (np.ones(5), 1.0))
    value, vjp = ssagrad.vjp(writes_its_input, x, 0.3)
    vjp(1.0)
    np.testing.assert_array_equal(x, X)
    assert value == writes_its_input(X.copy(), 0.3)
    writes_its_input(x, 0.3)  # the plain function changes it, as Python does
    assert not np.array_equal(x, X)


# -- what may share memory: the list stays honest ------------------------------------------------
def test_every_registered_function_that_returns_a_view_is_listed():
    from ssagrad.compiler.aliasing import COPIES_BY_DEFAULT, MAY_SHARE, _is_fresh_call
    from ssagrad.compiler.rules import registered_adjoints, registered_nondifferentiable
    a = np.arange(12.0).reshape(3, 4)
    tried = 0
    for fn in list(registered_adjoints()) + list(registered_nondifferentiable()):
        if not callable(fn) or fn in COPIES_BY_DEFAULT or fn is operator.getitem:  # indexing: see above
            continue
        for args in ((a,), (a, 1), (a, 0), (a, (4, 3)), ("ij->ji", a), (a, a.copy()), ([a, a],), (a, 2, 0)):
            if isinstance(fn, np.ufunc) and len(args) > fn.nin:
                continue  # a ufunc's extra argument is out=
            try:
                with np.errstate(all="ignore"):
                    out = fn(*args)
            except Exception:
                continue
            tried += 1
            pieces = out if isinstance(out, (list, tuple)) else [out]
            if any(isinstance(p, np.ndarray) and np.shares_memory(p, a) for p in pieces):
                assert fn in MAY_SHARE and not _is_fresh_call(fn, {}), f"{fn} returns a view"
    assert tried > 100


def _function(tmp_path, body, params):
    """A module-level function from source (ssagrad reads source files)."""
    import importlib.util
    path = tmp_path / f"case_{abs(hash(body))}.py"
    path.write_text(f"import numpy as np\n\n\ndef f({params}):\n    {body}\n")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.f


def test_two_arguments_that_are_the_same_array():
    def f(x, y):
        x[0] = 2.0 * y[1]
        return np.sum(x * y)
    a = X.copy()
    check(f, a, X.copy())
    with pytest.raises(DifferentiationError, match="writes into 'x', which shares memory with 'y'"):
        ssagrad.grad(f)(a, a)


def test_an_array_inside_a_dict_of_parameters():
    def writes_entry(params, x):
        W = params["W"]
        W[0] = x
        return np.sum(params["W"] * params["b"])

    def reads_entry_before(params, x):
        W, b = params["W"], params["b"]
        W[0] = x
        return np.sum(W * b)
    params = {"W": X.copy(), "b": X[::-1].copy()}
    with pytest.raises(DifferentiationError, match="changes 'params' too"):
        ssagrad.grad(writes_entry, wrt=1)(params, 0.5)
    g = ssagrad.grad(reads_entry_before, wrt=(0, 1))(params, 0.5)
    np.testing.assert_allclose(g[1], params["b"][0])
    np.testing.assert_allclose(g[0]["b"], np.r_[0.5, X[1:]])
    np.testing.assert_array_equal(params["W"], X)  # untouched


def test_an_exported_gradient_keeps_its_checks(tmp_path):
    from ssagrad.export import export_source
    path = tmp_path / "exported_scaled_alias.py"
    path.write_text(export_source(scaled_alias))
    import importlib.util
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.scaled_alias_grad(0.5) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="shares memory with 'x'"):
        module.scaled_alias_grad(X.copy())


def test_second_order_through_a_loop_that_writes_into_an_array():
    def f(x):
        y = np.zeros(3)
        for i in range(3):
            y[i] = np.sin(x[i]) * x[(i + 1) % 3]
            y[i] = y[i] * y[i]
        return np.sum(y * x)
    ssagrad.check_grads(f, np.array([0.3, -0.5, 0.7]), order=2)
    assert "set_at" not in ssagrad.grad(f).source  # first-order code restores in place, keeps references


def test_a_pullback_called_twice_on_a_function_that_writes_into_arrays():
    def f(x):
        y = np.sin(x)
        z = y * x
        y[[0, 1, 0]] = z[:3] ** 2
        return np.sin(y) * 2.0 + z
    x = X.copy()
    _, pullback = ssagrad.vjp(f, x)
    first = pullback(np.ones(5))[0]
    np.testing.assert_allclose(pullback(np.ones(5))[0], first)
    rows = ssagrad.jacobian(f, mode="reverse")(x)
    np.testing.assert_allclose(rows, ssagrad.jacobian(f, mode="forward")(x), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(rows.sum(axis=0), first, rtol=1e-10)


def new_axes_beside_index_arrays(x):
    return np.sum(np.sin(x[:, [0, 1], None, [1, 2]]) * np.arange(1.0, 7.0).reshape(2, 3, 1)) \
        + np.sum(x[:, None, 1:] ** 2)


def test_reading_with_new_axes_beside_index_arrays():
    """None beside index arrays can move axes (x[:, [0, 1], None, [1, 2]] has shape (2, 3, 1)): its gradient
    goes through np.add.at; None among basic indices is written without the new axes."""
    ssagrad.check_grads(new_axes_beside_index_arrays, np.arange(36.0).reshape(3, 4, 3) / 40)


def _sum_of_sum(x, c):
    return np.sum(x + c)  # both gradients are one array in the generated code


def _sum_of_sum_with_aux(x, c):
    return np.sum(x + c), 1.0


@pytest.mark.parametrize("call", [
    lambda x, c: ssagrad.grad(_sum_of_sum, wrt=(0, 1))(x, c),
    lambda x, c: ssagrad.value_and_grad(_sum_of_sum, wrt=(0, 1))(x, c)[1],
    lambda x, c: ssagrad.grad(_sum_of_sum_with_aux, wrt=(0, 1), has_aux=True)(x, c)[0],
    lambda x, c: ssagrad.vjp(_sum_of_sum, x, c)[1](1.0),
], ids=["grad", "value_and_grad", "has_aux", "vjp"])
def test_no_two_gradients_share_memory(call):
    x, c = np.ones(3), np.arange(3.0)
    for _ in range(2):  # the first call and the cached one
        gx, gc = call(x, c)
        np.testing.assert_array_equal(gx, np.ones(3))
        gx *= 5.0
        np.testing.assert_array_equal(gc, np.ones(3))
