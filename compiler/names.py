"""Fresh, readable names that never collide with the user's."""
import ast
import keyword
import re


class Namer:
    """Hands out names not yet taken: ``x``, then ``x_1``, ``x_2``, ..."""

    def __init__(self, taken=()):
        self.taken = set(taken)

    def reserve(self, name: str) -> None:
        self.taken.add(name)

    def fresh(self, hint: str) -> str:
        base = re.sub(r"\W", "_", hint) or "t"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = "_" + base
        name, n = base, 0
        while name in self.taken:
            n += 1
            name = f"{base}_{n}"
        self.taken.add(name)
        return name


def helper_name(name: str, value) -> ast.Name:
    """A name that generated code binds to ``value`` at compile time (renamed if it clashes)."""
    node = ast.Name(id=name, ctx=ast.Load())
    node.ssagrad_helper = value
    return node
