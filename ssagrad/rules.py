"""Registering derivative rules for your own functions, and cutting gradients."""
from .compiler.aliasing import MAY_SHARE
from .compiler.rules import adjoint, nondifferentiable
from .compiler.rules.tangents import linear, tangent

__all__ = ["adjoint", "tangent", "linear", "nondifferentiable", "stop_gradient"]


def stop_gradient(x):
    """``x`` itself, but no gradient flows back through it."""
    return x


nondifferentiable(stop_gradient)
MAY_SHARE.add(stop_gradient)  # the same array: writing into one changes the other
