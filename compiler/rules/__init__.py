"""The rule registry: what each primitive's derivative is.

Rules are templates (see ``compiler/templates.py``), registered by
decorating a function whose parameters are the result and the primitive's
arguments::

    @adjoint(np.sin)
    def _(result, x):
        d[x] = d[result] * np.cos(x)

The modules beside this one hold the rules, one module a library.
"""
from ..templates import Template

_ADJOINTS: dict = {}
_NONDIFFERENTIABLE: set = set()


def _key(fn):
    try:
        hash(fn)
    except TypeError:
        raise TypeError(f"cannot register a rule for the unhashable object {fn!r}") from None
    return fn


def adjoint(*fns):
    """Register the decorated template as the adjoint rule of each of ``fns``."""
    def register(template_fn):
        template = Template(template_fn)
        for fn in fns:
            _ADJOINTS[_key(fn)] = template
            _NONDIFFERENTIABLE.discard(fn)
        return template_fn
    return register


def nondifferentiable(*fns):
    """Declare ``fns`` piecewise constant or not numeric: their results carry no gradient."""
    for fn in fns:
        _NONDIFFERENTIABLE.add(_key(fn))
        _ADJOINTS.pop(fn, None)


def adjoint_rule(fn):
    try:
        return _ADJOINTS.get(fn)
    except TypeError:  # unhashable callee: it can have no rule
        return None


def is_differentiable(fn) -> bool:
    try:
        return fn not in _NONDIFFERENTIABLE
    except TypeError:
        return True


from . import builtins, math, numpy, operators  # noqa: E402,F401  (registers the rules)
