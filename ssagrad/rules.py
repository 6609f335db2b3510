"""Registering derivative rules for your own functions, and cutting gradients."""
from .compiler.rules import adjoint, nondifferentiable
from .compiler.rules.tangents import linear, tangent

__all__ = ["adjoint", "tangent", "linear", "nondifferentiable", "stop_gradient"]


def stop_gradient(x):
    """``x`` itself, but no gradient flows back through it."""
    return x


nondifferentiable(stop_gradient)
