"""Helpers in another module, called from differentiated code in tests/test_language.py."""
import numpy as xp


def softplus(z, sharpness=1.0):
    return xp.log1p(xp.exp(sharpness * z)) / sharpness


def affine(W, x, b):
    return W @ x + b
