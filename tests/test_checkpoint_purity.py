"""checkpoint=True runs loop segments again in the backward sweep: calls there must repeat what they did.

A loop whose body draws random numbers, reads the clock or does I/O is
refused with a located error (it would otherwise be differentiated at numbers
the forward sweep never used); drawn before the loop, the same computation
checkpoints and gets the gradient it gets without checkpointing.
"""
import inspect
import random
import time

import numpy as np
import pytest

import ssagrad
from ssagrad import DifferentiationError
from ssagrad.check import numerical_grad

rng = np.random.default_rng(0)


def reseed():
    global rng
    rng = np.random.default_rng(0)
    np.random.seed(0)
    random.seed(0)


def with_generator(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) + 0.1 * rng.normal()
    return s * s


def with_numpy_global_state(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) + 0.1 * np.random.normal()
    return s * s


def with_random_module(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) * random.random()
    return s * s


def with_clock(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) + 0.0 * time.time()
    return s * s


def jitter(s):
    return s + 0.1 * rng.standard_normal()


def through_a_helper(x, n):
    s = x
    for i in range(n):
        s = jitter(np.sin(s))
    return s * s


def draw(generator):
    return generator.normal()


def passing_the_generator(x, n):
    s = x
    for i in range(n):
        s = np.sin(s) + 0.1 * draw(rng)
    return s * s


def drawn_before_the_loop(x, n):
    noise = rng.normal(size=n)
    s = x
    for i in range(n):
        s = np.sin(s) + 0.1 * noise[i]
    return s * s


def source_line_of(fn, text):
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, line in enumerate(lines) if text in line)


@pytest.mark.parametrize("fn, call", [
    (with_generator, "rng.normal()"),
    (with_numpy_global_state, "np.random.normal()"),
    (with_random_module, "random.random()"),
    (with_clock, "time.time()"),
    (through_a_helper, "jitter(np.sin(s))"),
    (passing_the_generator, "draw(rng)"),
])
def test_impure_call_in_a_checkpointed_loop_is_refused_where_it_is(fn, call):
    reseed()
    state = rng.bit_generator.state
    with pytest.raises(DifferentiationError, match="checkpoint=True runs this loop's body again") as info:
        ssagrad.grad(fn, checkpoint=True)(0.5, 6)
    err = info.value
    assert err.filename == __file__
    assert err.lineno == source_line_of(fn, call)
    assert call in err.source_line
    assert call in err.location.line[err.col:err.location.end_col]
    assert rng.bit_generator.state == state  # refused when compiling: nothing was drawn


def test_the_refusal_names_the_call_inside_a_helper():
    with pytest.raises(DifferentiationError, match=r"calls rng\.standard_normal\(\), which draws random numbers"):
        ssagrad.grad(through_a_helper, checkpoint=True)(0.5, 6)


@pytest.mark.parametrize("fn", [with_generator, with_numpy_global_state, with_random_module, through_a_helper,
                                passing_the_generator])
def test_without_checkpointing_the_draws_are_made_once(fn):
    reseed()
    expected_value = fn(0.5, 6)
    after_plain = rng.bit_generator.state, np.random.get_state()[2], random.getstate()
    reseed()
    value, gradient = ssagrad.value_and_grad(fn)(0.5, 6)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert (rng.bit_generator.state, np.random.get_state()[2], random.getstate()) == after_plain

    def same_draws(x):
        reseed()
        return fn(x, 6)
    assert gradient == pytest.approx(numerical_grad(same_draws, (0.5,), 0), rel=1e-6)


def test_draws_made_before_the_loop_checkpoint_and_match_the_full_tape():
    checkpointed = ssagrad.value_and_grad(drawn_before_the_loop, checkpoint=True)
    assert "checkpoints" in checkpointed.source  # really checkpointed
    reseed()
    expected_value = drawn_before_the_loop(0.5, 40)
    after_plain = rng.bit_generator.state
    reseed()
    value, gradient = checkpointed(0.5, 40)
    assert rng.bit_generator.state == after_plain  # the draws were made once
    reseed()
    full_value, full_gradient = ssagrad.value_and_grad(drawn_before_the_loop)(0.5, 40)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert value == pytest.approx(full_value, rel=1e-12)
    assert gradient == pytest.approx(full_gradient, rel=1e-12)


def test_pure_loops_still_checkpoint():
    def pure(x, n):
        s = x
        for i in range(n):
            s = np.sin(s) + 0.1 * np.cos(i * s)
        return s * s
    g = ssagrad.grad(pure, checkpoint=True)
    assert "checkpoints" in g.source
    assert g(0.5, 30) == pytest.approx(ssagrad.grad(pure)(0.5, 30), rel=1e-12)
