"""The Numba mode of the random-program run (issue 17): each program's ``numba.njit(f)`` differentiated.

The program is loaded again with the generator's helpers as ``@numba.njit`` functions (one set shared
by every program, as a user's module would hold them), so Numba can compile the primal. Then:

- ``ssagrad.value_and_grad(numba.njit(f), wrt=...)`` gives the Python gradient's numbers (``RTOL``), and
  its value is the Python function's and the Numba primal's, or it is a located DifferentiationError;
- a program the Python gradient refuses is refused with Numba too (located);
- no gradient call changes the caller's arrays.

Any other exception (a Numba typing traceback) or other numbers is a failure. A primal Numba cannot
compile itself (a NumPy call Numba has no version of) is counted apart; its gradient must still be a
located refusal or the right numbers.
"""
import re

import numpy as np

import ssagrad
from grammar import PRELUDE, load
from ssagrad import DifferentiationError
from ssagrad.runtime import own

# The house tolerance. The Numba gradient may round in other orders than Python's: Numba's `@` and
# reductions, its libm, and compiler/adjoint_chains.py's factored carried float adjoints (~1e-15 a step of
# a reversed loop). None of it shows on these programs (length-3 arrays, loops of at most 3 steps): 400
# programs of seed 41 differed by at most 1.1e-16 of the scale compared at, and no gradient of theirs had
# an adjoint chain factored (a float adjoint carried through a reversed loop of plain assignments).
RTOL = 1e-12
HELPERS = ("squash", "scale", "bend", "nest", "fill", "bump")
_jitted = {}


def jitted_helpers() -> dict:
    """The generator's helpers compiled by Numba, one set for all programs."""
    if not _jitted:
        import numba
        module = load(PRELUDE)
        for name in HELPERS:
            _jitted[name] = numba.njit(getattr(module, name))
            setattr(module, name, _jitted[name])  # helpers calling helpers (nest) call the jitted ones
    return _jitted


def numba_program(source):
    """``numba.njit(f)`` of a fresh load of ``source``, calling jitted helpers."""
    import numba
    module = load(source)
    for name, helper in jitted_helpers().items():
        setattr(module, name, helper)
    return numba.njit(module.f)


# the largest difference seen, relative to the scale compared at (the conftest's summary prints it)
WORST = {"difference": 0.0, "source": None}


def _equal(ours, expected, scale, source):
    difference = float(np.max(np.abs(np.asarray(ours) - expected) / (np.abs(expected) + scale)))
    if difference > WORST["difference"]:
        WORST.update(difference=difference, source=source)
    return np.allclose(ours, expected, rtol=RTOL, atol=RTOL * scale)


def _numba_errors():
    from numba.core.errors import NumbaError
    return (NumbaError, NotImplementedError)   # Numba raises the latter for what it types but cannot lower


def _kind(text: str) -> str:
    """A Numba error's first line, ANSI colours and names taken out: what sorts a summary's outcomes."""
    lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", text).splitlines()]
    line = next((line for line in lines if line and not line.startswith("Failed in")), "")
    line = re.sub(r"Function\(<(?:built-in )?(?:function|ufunc) '?(\w+)'?[^>]*>\)", r"\1", line)
    line = re.sub(r"(?:array|Array)\([^()]*(?:\([^()]*\))?[^()]*\)", "array", line)
    return re.split(r" found for| for '| defined at|: ", line)[0][:100]


def _refusal(error, source, refusal) -> str:
    """A located refusal by kind; a Numba compile error by Numba's reason, a missing helper by its name."""
    if "jit='numba'" not in error.message:
        return "numba " + refusal(error, source)
    assert error.location is not None, f"a DifferentiationError without a location: {error}\nin:\n{source}"
    helper = re.search(r"needs the helper (\w+)\(\)", error.message)
    if helper:
        return f"numba refused: no Numba version of {helper.group(1)}()"
    return "numba refused: Numba cannot compile the gradient: " + _kind(error.message.split(": ", 2)[-1])


def check_numba(source, args, expected, refused, refusal) -> str:
    """What became of ``source``'s Numba gradient. ``expected``: (value, gradients) of the Python path at
    ``args`` (None when ``refused``, the Python path's DifferentiationError); ``refusal(error, source)`` names
    a located refusal (asserting its location)."""
    where = f"\nin this program (Numba mode):\n{source}"
    dispatcher = numba_program(source)
    primal, cannot = None, None
    try:
        primal = dispatcher(*own(args))
    except _numba_errors() as error:  # the gradient must be located or right all the same
        cannot = f"numba cannot compile the function ({_kind(str(error))}); gradient "
    gradient = ssagrad.value_and_grad(dispatcher, wrt=tuple(range(len(args))))
    calling = list(own(args))  # copies, a float stays a float
    try:
        value, grads = gradient(*calling)
    except DifferentiationError as error:
        return (cannot or "") + _refusal(error, source, refusal)
    except Exception as error:  # noqa: BLE001 -- every other exception is a failure, with the program
        raise AssertionError(f"Numba gradient: {type(error).__name__}: {error}{where}") from error
    for index, (now, then) in enumerate(zip(calling, args)):
        assert np.array_equal(now, then), f"the Numba gradient changed argument {index} of the caller{where}"
    assert refused is None, (f"the Python gradient refuses ({refused.message}), the Numba gradient returns "
                             f"{value!r}, {grads!r}{where}")
    python_value, python_grads = expected
    scale = max(1.0, abs(python_value))
    assert _equal(value, python_value, scale, source), \
        f"value: Numba gradient {value!r}, Python {python_value!r}{where}"
    if primal is not None:
        assert _equal(value, primal, scale, source), \
            f"value: Numba gradient {value!r}, Numba primal {primal!r}{where}"
    for index, (g, expected_g) in enumerate(zip(grads, python_grads)):
        assert _equal(g, expected_g, max(1.0, float(np.max(np.abs(expected_g)))), source), (
            f"d f / d(argument {index}): Numba {g!r}, Python {expected_g!r}{where}")
    return cannot + "right" if cannot else "numba clean"
