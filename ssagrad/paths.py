"""The sum over paths: ∂output/∂input is the sum, over every path from input to output, of the
product of the local derivatives on the path's edges (the chain rule, drawn).

Listed for small graphs of scalars only: the number of paths can grow
exponentially with depth, which is why reverse and forward mode factor the sum
instead of enumerating it; and a loop drawn once has no single edge per step.
"""
from dataclasses import dataclass

import numpy as np

from .summary import number

PATH_LIMIT = 32  # more paths than this: refuse, and point at the node's derivative instead


@dataclass
class Paths:
    """``terms``: one per path, each a list of ((tail, head), local derivative); ``total``: their sum."""

    input: str
    output: str
    terms: list

    @property
    def products(self) -> list[float]:
        return [float(np.prod([value for _, value in term])) for term in self.terms]

    @property
    def total(self) -> float:
        return float(sum(self.products))

    def __str__(self):
        name = f"∂{self.output}/∂{self.input}"
        if not self.terms:
            return f"{name} = 0  (no path from {self.input} to {self.output})\n"
        symbols = " + ".join("·".join(f"∂{h}/∂{t}" for (t, h), _ in term) for term in self.terms)
        numbers = " + ".join("·".join(number(v) for _, v in term) for term in self.terms)
        lines = [f"{name} = {symbols} = {numbers} = {number(self.total)}"]
        for term, product in zip(self.terms, self.products):
            route = " → ".join([term[0][0][0]] + [h for (_, h), _ in term])
            lines.append(f"  {route}: {'·'.join(number(v) for _, v in term)} = {number(product)}")
        return "\n".join(lines) + "\n"


def sum_over_paths(edges, local: dict, blocked: set, source: str, output: str) -> Paths:
    """The paths from ``source`` to ``output`` along ``edges`` (tail, head), valued by ``local``.

    ``blocked``: edges with no single local derivative (inside a loop, an in-place write); a path that
    needs one cannot be listed.
    """
    out_edges: dict[str, list] = {}
    for edge in dict.fromkeys(edges):
        out_edges.setdefault(edge[0], []).append(edge)
    reaches: dict[str, int] = {}  # node -> number of paths from it to the output

    def count(node):
        if node not in reaches:
            reaches[node] = 0  # a cycle (a loop's carried value) counts nothing more
            reaches[node] = 1 if node == output else sum(count(h) for _, h in out_edges.get(node, []))
        return reaches[node]
    total = count(source)
    if total > PATH_LIMIT:
        raise ValueError(f"{total} paths lead from {source} to {output}: too many to list (the limit is "
                         f"{PATH_LIMIT}); the graph's ∂{output}/∂{source} sums them")
    terms = []

    def follow(node, path):
        if node == output:
            terms.append([(edge, _scalar(edge, local, blocked)) for edge in path])
            return
        for edge in out_edges.get(node, []):
            if count(edge[1]) and edge not in path:
                follow(edge[1], path + [edge])
    follow(source, [])
    return Paths(source, output, terms)


def _scalar(edge, local, blocked) -> float:
    tail, head = edge
    if edge in blocked or edge not in local:
        raise ValueError(f"the path through {tail} -> {head} has no single local derivative (a loop drawn once, "
                         f"or a write into an array): paths are listed for graphs without those")
    value = local[edge]
    if np.ndim(value) != 0:
        raise ValueError(f"∂{head}/∂{tail} is a {np.shape(value)} Jacobian: paths are listed for graphs of "
                         f"scalars")
    return float(value)
