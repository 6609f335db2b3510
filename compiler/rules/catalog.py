"""The list of supported functions, made from the rule registry (``docs/functions.md``).

Regenerate with ``python -m ssagrad.compiler.rules.catalog > docs/functions.md``;
a test fails when the file and the registry disagree.
"""
import builtins
import math
import operator
import sys

import numpy as np

from . import registered_adjoints, registered_nondifferentiable
from ... import runtime
from .. import ops
from ..ssa import public_name

SYNTAX = {operator.add: "a + b", operator.sub: "a - b", operator.mul: "a * b", operator.truediv: "a / b",
          operator.pow: "a ** b", operator.matmul: "a @ b", operator.mod: "a % b", operator.neg: "-a",
          operator.pos: "+a", operator.getitem: "a[index]", runtime.astype: "a.astype(dtype)",
          runtime.appended: "items.append(x)"}
ALSO = {operator.getitem: ("np.r_[...]", "np.c_[...]")}  # what a rule covers under another spelling
SCIPY_GROUPS = (("scipy.special.", "SciPy special functions"), ("scipy.stats.", "SciPy statistics"),
                ("scipy.linalg.", "SciPy linear algebra"))  # listed where SciPy is installed (its rules are)


def spelling(fn) -> str:
    """How code calls ``fn``: ``np.linalg.inv``, ``math.exp``, ``abs``, ``a + b``."""
    if fn in SYNTAX:
        return SYNTAX[fn]
    if ops.is_operator(fn):
        return f"operator.{fn.__name__}"
    name = getattr(fn, "__name__", repr(fn))
    owner = getattr(fn, "__self__", None)
    if isinstance(owner, np.ufunc) and getattr(np, owner.__name__, None) is owner:  # np.add.reduce
        return f"np.{owner.__name__}.{name}"
    for prefix, namespace in (("np.linalg.", np.linalg), ("np.random.", np.random), ("np.fft.", np.fft), ("np.", np),
                              ("math.", math)):
        if getattr(namespace, name, None) is fn:
            return prefix + name
    if getattr(builtins, name, None) is fn:
        return name
    return public_name(fn) or f"{getattr(fn, '__module__', '')}.{name}"


def _aliases(fn, spelled: str) -> tuple:
    """The other names a SciPy module gives ``fn`` (``scipy.special.digamma`` is ``scipy.special.psi``)."""
    module = sys.modules.get(spelled.rpartition(".")[0]) if spelled.startswith("scipy.") else None
    return tuple(f"{module.__name__}.{key}" for key, value in vars(module).items()
                 if value is fn and not key.startswith("_") and f"{module.__name__}.{key}" != spelled) if module else ()


def _group(spelled: str) -> str:
    for prefix, title in SCIPY_GROUPS:
        if spelled.startswith(prefix):
            return title
    if spelled.startswith("np.linalg."):
        return "NumPy linear algebra"
    if spelled.startswith("np.fft."):
        return "NumPy FFT"
    if spelled.startswith("np."):
        return "NumPy"
    if spelled.startswith("math."):
        return "math"
    if hasattr(builtins, spelled):
        return "Python builtins"
    return "Python operators and syntax"


def markdown() -> str:
    groups: dict = {}
    for fn, template in registered_adjoints().items():
        internal = (getattr(fn, "__module__", "") or "").startswith("ssagrad.runtime") and fn not in SYNTAX
        if template.fn.__module__.startswith("ssagrad.compiler.rules") and not internal:
            for spelled in (spelling(fn), *ALSO.get(fn, ()), *_aliases(fn, spelling(fn))):
                groups.setdefault(_group(spelled), set()).add(spelled)
    constants = sorted({spelling(fn) for fn in registered_nondifferentiable()
                        if not (getattr(fn, "__module__", "") or "").startswith("ssagrad.")})
    lines = ["# Supported functions", "",
             "Generated from the rule registry by `python -m ssagrad.compiler.rules.catalog`; do not edit.",
             "Each function listed has a reverse-mode rule tested against finite differences "
             "(`tests/rule_table.py`).", ""]
    for title in ("Python operators and syntax", "Python builtins", "math", "NumPy", "NumPy linear algebra", "NumPy FFT",
                  *(title for _, title in SCIPY_GROUPS if title in groups)):
        names = sorted(groups.get(title, ()))
        lines += [f"## {title} ({len(names)})", "", ", ".join(f"`{n}`" for n in names), ""]
    lines += ["## No gradient (piecewise constant, or not numeric)", "",
              "Their results are constants to differentiation: no error, and no gradient flows through them.", "",
              ", ".join(f"`{n}`" for n in constants), ""]
    return "\n".join(lines)


def refused_markdown() -> str:
    """The constructs refused with a located error, from normalize's catalogue (for docs/supported.md)."""
    from ..normalize import UNSUPPORTED_EXPRESSIONS, UNSUPPORTED_STATEMENTS
    statements = sorted(set(UNSUPPORTED_STATEMENTS.values()))
    expressions = sorted(set(UNSUPPORTED_EXPRESSIONS.values()))
    return ("Refused with a located `DifferentiationError` that names the construct:\n\n"
            f"- statements: {'; '.join(statements)}\n"
            f"- expressions: {'; '.join(expressions)}\n")


if __name__ == "__main__":
    print(markdown(), end="")
