"""The rule registry: what each primitive's derivative is.

Rules are templates (see ``compiler/templates.py``), registered by
decorating a function whose parameters are the result and the primitive's
arguments::

    @adjoint(np.sin)
    def _(result, x):
        d[x] = d[result] * np.cos(x)

The modules beside this one hold the rules, one module a library.
"""
import importlib.util
import sys
import threading

from ..templates import Template

_ADJOINTS: dict = {}
_NONDIFFERENTIABLE: set = set()
_OUTPUTS: dict = {}  # functions that return a tuple: how many values


_SCIPY_PENDING = False  # True once the built-in rules are registered, until the SciPy rules are too
_SCIPY_LOCK = threading.RLock()
_SCIPY_STATE = ["pending"]  # "loading" while this thread registers them, then "done"


def _load_scipy_rules(force=False):
    """Register the rules for SciPy (``scipy_*.py`` here) the first time a rule is looked up while SciPy is
    imported (code that calls SciPy has imported it; ``force``: wherever it is installed), so importing
    ssagrad does not import SciPy. A rule you registered before for a SciPy function stays yours."""
    global _SCIPY_PENDING
    if not force and "scipy" not in sys.modules:
        return
    with _SCIPY_LOCK:  # other threads wait here until the rules are registered
        if _SCIPY_STATE[0] != "pending":
            return
        _SCIPY_STATE[0] = "loading"
        try:
            if importlib.util.find_spec("scipy") is not None:  # optional: pip install 'ssagrad[scipy]'
                from . import tangents
                adjoints, tangent_rules = dict(_ADJOINTS), dict(tangents._TANGENTS)
                constants = set(_NONDIFFERENTIABLE)
                from . import scipy_linalg, scipy_special, scipy_stats  # noqa: F401  (registers the rules)
                for fn in constants:
                    _ADJOINTS.pop(fn, None)
                    _NONDIFFERENTIABLE.add(fn)
                _ADJOINTS.update(adjoints)
                tangents._TANGENTS.update(tangent_rules)
        finally:
            _SCIPY_STATE[0] = "done"
            _SCIPY_PENDING = False


def _key(fn):
    try:
        hash(fn)
    except TypeError:
        raise TypeError(f"cannot register a rule for the unhashable object {fn!r}") from None
    return fn


def adjoint(*fns, outputs=1):
    """Register the decorated template as the adjoint rule of each of ``fns``.

    For a function that returns a tuple of ``outputs`` values, the template's
    first parameter stands for the tuple: ``results[i]`` is a result and
    ``d[results[i]]`` its gradient (``None`` when nothing used that result).
    """
    if _SCIPY_PENDING:  # the SciPy rules first, so that a rule registered now replaces theirs
        _load_scipy_rules()

    def register(template_fn):
        template = Template(template_fn)
        for fn in fns:
            _ADJOINTS[_key(fn)] = template
            _NONDIFFERENTIABLE.discard(fn)
            if outputs != 1:  # a count, a tuple of counts, or "many": as many as the call site unpacks
                _OUTPUTS[fn] = outputs
        return template_fn
    return register


def output_count(fn):
    """How many values ``fn`` returns: 1 unless registered otherwise (a count, a tuple of counts, "many")."""
    if _SCIPY_PENDING:
        _load_scipy_rules()
    try:
        return _OUTPUTS.get(fn, 1)
    except TypeError:
        return 1


def registered_adjoints() -> dict:
    """Every primitive with an adjoint rule -> its template (for docs and coverage tests)."""
    if _SCIPY_PENDING:
        _load_scipy_rules(force=True)
    return dict(_ADJOINTS)


def registered_nondifferentiable() -> set:
    if _SCIPY_PENDING:
        _load_scipy_rules(force=True)
    return set(_NONDIFFERENTIABLE)


def nondifferentiable(*fns):
    """Declare ``fns`` piecewise constant or not numeric: their results carry no gradient."""
    if _SCIPY_PENDING:
        _load_scipy_rules()
    for fn in fns:
        _NONDIFFERENTIABLE.add(_key(fn))
        _ADJOINTS.pop(fn, None)


def adjoint_rule(fn):
    if _SCIPY_PENDING:
        _load_scipy_rules()
    try:
        return _ADJOINTS.get(fn)
    except TypeError:  # unhashable callee: it can have no rule
        return None


def floating(dtype) -> bool:
    """For a template ``if``: is ``dtype`` (``None``, a string or a type such as ``np.float32``) a floating
    (or complex) dtype, known when the gradient is compiled? A rule that takes a ``dtype`` refuses the others:
    a cast to integers is piecewise constant, and a dtype only known at run time cannot be checked."""
    import numpy as np
    try:
        return dtype is None or np.issubdtype(np.dtype(dtype), np.inexact)
    except TypeError:
        return False


def joins(x, index) -> bool:
    """For a template ``if``: is ``x[index]`` a join by ``np.r_`` or ``np.c_`` (without a directive string
    such as ``'0,2'``), whose items are the index?"""
    import numpy as np
    directive = isinstance(index, tuple) and any(isinstance(item, str) for item in index)
    return (x is np.r_ or x is np.c_) and not directive


def is_differentiable(fn) -> bool:
    if _SCIPY_PENDING:
        _load_scipy_rules()
    try:
        return fn not in _NONDIFFERENTIABLE
    except TypeError:
        return True


from . import builtins, containers, linalg, math, numpy, operators  # noqa: E402,F401  (registers the rules)
from . import tangents  # noqa: E402,F401  (after the adjoint rules: some tangents derive from them)
from . import memory  # noqa: E402,F401  (own, like: after tangents, which it declares own linear with)
from . import runtime_helpers  # noqa: E402,F401  (the runtime helpers' adjoints: reverse over reverse)
_SCIPY_PENDING = True  # the SciPy rules load on first use (see _load_scipy_rules)
