"""Rules for the helpers of the memory model (compiler/aliasing.py), for code differentiated again."""
from ...runtime import like, own
from ..aliasing import MAY_SHARE
from . import adjoint, nondifferentiable
from .tangents import linear


@adjoint(own)  # a private copy of an argument: the identity
def _(result, x):
    d[x] = d[result]


linear(own)
nondifferentiable(like)  # an array that stands for another's shape and dtype: no values to differentiate
MAY_SHARE.add(like)  # anything but an ndarray comes back as it is
