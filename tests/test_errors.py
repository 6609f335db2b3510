"""Bad input gets a located DifferentiationError that says what to do."""
import statistics

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError

HERE = __file__


def line_of(fn, text):
    """The file line number in ``fn``'s source that contains ``text``."""
    import inspect
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


def raises_at(fn, text, *args, match, wrt=None):
    with pytest.raises(DifferentiationError, match=match) as info:
        ssagrad.grad(fn, wrt=wrt)(*args)
    err = info.value
    assert err.filename == HERE
    assert err.lineno == line_of(fn, text)
    assert text in err.source_line
    assert err.source_line in str(err) and "^" in str(err)
    return err


def with_with(x):
    with open(__file__):
        y = x * 2
    return y


def with_generator(x):
    return sum({t * 2 for t in x})


def with_lambda(x):
    g = lambda t: t * 2  # noqa: E731
    return np.sum(np.apply_along_axis(g, 0, x))


def with_try(x):
    try:
        y = x * 2
    except ValueError:
        y = x
    return y


@pytest.mark.parametrize("fn, text, what", [
    (with_with, "with open", "`with` statements"),
    (with_generator, "t * 2 for t in x", "set comprehensions"),
    (with_lambda, "np.apply_along_axis(g, 0, x)", "can only be called here, not passed around"),
    (with_try, "try:", "`try` statements"),
])
def test_unsupported_syntax_is_named_and_located(fn, text, what):
    raises_at(fn, text, 1.0, match=what)


def test_the_caret_points_at_the_construct():
    err = raises_at(with_generator, "t * 2 for t in x", 1.0, match="set comprehensions")
    line = err.location.line
    assert line[err.col:err.location.end_col] == "{t * 2 for t in x}"
    assert str(err).splitlines()[-1].strip() == "^" * len("{t * 2 for t in x}")


def writes_into_a_view(x):
    row = x[0]
    row[1] = 5.0
    return np.sum(x)


def writes_into_an_attribute(x):
    x.flat = 3.0
    return np.sum(x)


def test_writing_into_a_view_or_an_attribute_is_refused():
    err = raises_at(writes_into_a_view, "row[1] = 5.0", np.ones((2, 2)), match="changes 'x' too")
    assert "row = row.copy()" in err.message
    raises_at(writes_into_an_attribute, "x.flat", np.ones(2), match="assignment to an attribute")


def calls_convolve(x):
    y = np.convolve(x, x)
    return np.sum(y)


def test_a_call_with_no_rule_names_the_function_and_how_to_register_one():
    err = raises_at(calls_convolve, "np.convolve", np.ones(3), match=r"no derivative rule for numpy\.convolve")
    assert "@ssagrad.adjoint(numpy.convolve)" in err.message
    assert "stop_gradient" in err.message


def countdown(x, n):
    if n == 0:
        return x
    return countdown(x * 2, n - 1)


def test_recursion_is_refused_where_it_is_called():
    raises_at(countdown, "return countdown(x * 2, n - 1)", 1.0, 3, match="calls itself")


def pair(x):
    return x * 2, x * 3


def uses_pair_whole(x):
    t = pair(x)
    return t[0] + t[1]


def test_a_helper_returning_a_tuple_must_be_unpacked():
    raises_at(uses_pair_whole, "t = pair(x)", 1.0, match=r"returns a tuple of 2 values; unpack exactly that")


def inactive_unruled_call(x):
    n = np.convolve(np.ones(3), np.ones(2))
    return x * np.sum(n)


def test_calls_without_rules_are_fine_when_nothing_flows_through_them():
    assert ssagrad.grad(inactive_unruled_call)(2.0) == 6.0


def sum_with_out(x):
    return np.sum(x, out=None)


def test_an_argument_the_rule_does_not_handle():
    raises_at(sum_with_out, "np.sum(x, out=None)", np.ones(2), match="does not handle the keyword argument 'out'")


def vector_valued(x):
    return x * 2


def test_non_scalar_output_says_to_reduce_or_use_a_jacobian():
    err = raises_at(vector_valued, "return x * 2", np.ones(3), match="scalar result")
    assert "shape (3,)" in err.message and "Jacobian" in err.message


def three(a, b, c):
    return a * b * c


def test_wrt_out_of_range_and_unknown_names_fail_at_decoration():
    with pytest.raises(DifferentiationError, match=r"has 3 parameter\(s\) \(a, b, c\), so wrt must be in 0..2") as info:
        ssagrad.grad(three, wrt=3)
    assert info.value.lineno == line_of(three, "def three")
    with pytest.raises(DifferentiationError, match="has no parameter 'bb'.*did you mean 'b'"):
        ssagrad.grad(three, wrt="bb")
    with pytest.raises(TypeError, match="wrt must be"):
        ssagrad.grad(three, wrt=1.5)
    with pytest.raises(TypeError, match="wrt must be"):
        ssagrad.grad(three, wrt=())


@pytest.mark.parametrize("bad, what", [
    (3, "an integer"), (np.arange(3), "an integer"), (True, "a boolean"), (np.array([True]), "a boolean"),
])  # (complex numbers are differentiated: tests/test_complex.py)
def test_non_float_wrt_arguments(bad, what):
    with pytest.raises(DifferentiationError, match=f"with respect to 'a': it is {what}") as info:
        ssagrad.grad(three)(bad, 1.0, 1.0)
    assert info.value.lineno == line_of(three, "def three")


def test_integer_arguments_not_differentiated_are_fine():
    assert ssagrad.grad(three)(1.0, 2, 3) == 6.0


def test_functions_without_source():
    namespace = {}
    exec("def made_by_exec(x):\n    return x * 2\n", namespace)
    with pytest.raises(DifferentiationError, match="source of function 'made_by_exec' is not available"):
        ssagrad.grad(namespace["made_by_exec"])(1.0)


def test_ambiguous_lambdas_and_non_functions():
    pair = (ssagrad.grad(lambda a: a * 2), ssagrad.grad(lambda a: a * 3))
    with pytest.raises(DifferentiationError, match="several have the same parameters"):
        pair[0](1.0)
    with pytest.raises(TypeError, match="Python function"):
        ssagrad.grad(np.sin)
    with pytest.raises(TypeError, match="grad of grad takes the gradient of a function of one"):
        ssagrad.grad(ssagrad.grad(three, wrt=(0, 1)))


def undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821


def no_return(x):
    y = x * 2  # noqa: F841


def bare_call(x):
    np.sum(x)
    return x


def star_args(x):
    return np.sum(*x)


@pytest.mark.parametrize("fn, text, match", [
    (undefined_name, "not_defined_anywhere", "name 'not_defined_anywhere' is not defined"),
    (no_return, "def no_return", "has no `return` statement"),
    (bare_call, "np.sum(x)", "expression statement has no effect"),
    (star_args, "*x", r"`\*args` in a call"),
])
def test_other_mistakes(fn, text, match):
    raises_at(fn, text, 1.0, match=match)


def test_error_renders_like_a_syntax_error():
    err = raises_at(with_try, "try:", 1.0, match="try")  # noqa
    text = str(err).splitlines()
    assert text[1] == f'  File "{HERE}", line {err.lineno}, column 5, in with_try'
    assert text[2] == "    try:"


def generator(x):
    yield x * 2


def evaluates(x):
    return eval("x * 2")


def uses_global(x):
    global OFFSET_FOR_ERRORS
    OFFSET_FOR_ERRORS = x
    return x


def outer_with_nonlocal(x):
    total = 0.0

    def inner(v):
        nonlocal total
        total = v
        return v
    return inner


def test_generators_eval_global_and_nested_definitions():
    raises_at(generator, "yield x * 2", 1.0, match=r"generators and coroutines \(`yield`")
    raises_at(evaluates, 'eval("x * 2")', 1.0, match="eval.. runs code ssagrad cannot see")
    raises_at(uses_global, "global OFFSET_FOR_ERRORS", 1.0, match="`global` declarations")
    raises_at(outer_with_nonlocal, "def inner(v):", 1.0, match="nested function definitions")


async def really_async(x):
    return x


def test_async_functions():
    with pytest.raises(DifferentiationError, match="async functions cannot be differentiated") as info:
        ssagrad.grad(really_async)(1.0)
    assert info.value.lineno == line_of(really_async, "async def really_async")


def logged(fn):
    import functools

    @functools.wraps(fn)
    def wrapper(*args):
        return fn(*args) * 2.0
    return wrapper


def untraced(fn):
    def wrapper(*args, **kwargs):
        return fn(*args, **kwargs)
    return wrapper


@logged
def doubled(x):
    return x * 3.0


@untraced
def hidden(x):
    return x * 3.0


def test_decorated_functions_say_to_differentiate_the_undecorated_one():
    with pytest.raises(DifferentiationError, match=r"decorator's wrapper around 'doubled'.*__wrapped__"):
        ssagrad.grad(doubled)(1.0)
    with pytest.raises(DifferentiationError, match="if this is a decorator's wrapper"):
        ssagrad.grad(hidden)(1.0)
    assert ssagrad.grad(doubled.__wrapped__)(1.0) == 3.0


UNCAUGHT = '''
import statistics

import numpy as np
import ssagrad


def f(x):
    with open(__file__) as handle:
        y = x * 2.0
    return np.sum(y)


def g(x):
    y = x * 1.0
    z = y
    z[0] = 2.0
    return np.sum(y * x)


import sys
fn = {"compile": lambda: ssagrad.grad(f)(np.ones(3)), "run": lambda: ssagrad.grad(g)(np.ones(3)),
      "hessian": lambda: ssagrad.hessian(g)(np.ones(3)), "jvp": lambda: ssagrad.jvp(f, (np.ones(3),), (np.ones(3),))}
fn[sys.argv[1]]()
'''


@pytest.mark.parametrize("where", ["compile", "run", "hessian", "jvp"])
def test_an_uncaught_error_shows_the_users_code_not_the_compilers(where, tmp_path):
    """Like a SyntaxError: the user's frames, the message and the user's line; no frame of the compiler or
    the runtime (one line of ssagrad re-raises it)."""
    import os
    import subprocess
    import sys
    script = tmp_path / "user_script.py"
    script.write_text(UNCAUGHT)
    result = subprocess.run([sys.executable, str(script), where], capture_output=True, text=True,
                            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    trace = result.stderr
    assert "DifferentiationError" in trace and str(script) in trace
    frames = [line for line in trace.splitlines() if line.startswith('  File "')]
    internal = [line for line in frames if "user_script.py" not in line and "<ssagrad" not in line]
    assert len(internal) == 1 and "ssagrad" in internal[0], trace  # the re-raise
    assert "with open(__file__) as handle:" in trace or "z[0] = 2.0" in trace
    assert "During handling" not in trace and "direct cause" not in trace


def multiplies_at(x):
    a = x * 1.0
    np.multiply.at(a, [0, 1], 2.0)
    return np.sum(a)


def copies_to(x):
    a = x * 1.0
    np.copyto(a, x * 2.0)
    return np.sum(a)


@pytest.mark.parametrize("fn, line", [(multiplies_at, "np.multiply.at(a, [0, 1], 2.0)"),
                                      (copies_to, "np.copyto(a, x * 2.0)")])
def test_a_call_that_writes_into_its_argument_is_not_said_to_have_no_effect(fn, line):
    with pytest.raises(DifferentiationError, match="writes into its argument in place") as info:
        ssagrad.grad(fn)(np.ones(3))
    assert "no effect" not in info.value.message and info.value.location.line.strip() == line


def calls_a_library(x):
    y = x * 2.0
    return statistics.fmean(y)


def test_a_refusal_inside_a_library_names_your_call_first():
    """statistics.fmean has no rule, so ssagrad reads its source, which yields: the error is at your call,
    and the library's line comes after it."""
    with pytest.raises(DifferentiationError) as info:
        ssagrad.grad(calls_a_library)(np.ones(3))
    error = info.value
    assert error.location.filename == __file__ and error.location.line.strip() == "return statistics.fmean(y)"
    assert "statistics.fmean() has no derivative rule" in error.message and "yield" in error.message
    text = str(error)
    assert text.index("return statistics.fmean(y)") < text.index("statistics.py") and "yield x" in text
