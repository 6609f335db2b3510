"""ssagrad: source-to-source reverse-mode differentiation of Python and NumPy code.

    @ssagrad.grad
    def loss(w, x, y):
        p = 1 / (1 + np.exp(-x @ w))
        return np.mean((p - y) ** 2)

    loss(w, x, y)        # the gradient with respect to w
    print(loss.source)   # the generated gradient code
"""
import os as _os

# In a source checkout the compiler and runtime live in top-level folders;
# an install maps them under this package. Let a checkout import them too,
# so `python -c "import ssagrad"` works from the repo root.
_root = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))
if not _os.path.isdir(_os.path.join(_os.path.dirname(__file__), "compiler")) \
        and _os.path.isfile(_os.path.join(_root, "compiler", "__init__.py")):
    __path__.append(_root)  # noqa: F821  (a package's __path__)

from .api import GradFunction, grad, value_and_grad  # noqa: E402
from .rules import adjoint, nondifferentiable, stop_gradient, tangent  # noqa: E402
from .transforms import hessian, hvp, jacobian, jvp, vjp  # noqa: E402
from .graph import graph  # noqa: E402
from .check import check_grads, numerical_grad  # noqa: E402
from .compiler import DifferentiationError  # noqa: E402

__version__ = "0.1.0"
__all__ = ["grad", "value_and_grad", "jvp", "vjp", "jacobian", "hessian", "hvp", "GradFunction", "adjoint",
           "tangent", "nondifferentiable", "stop_gradient", "DifferentiationError", "check_grads", "numerical_grad", "graph"]
