"""Seeded, domain-aware sample points: six scales, every orthant, points stepped off the
boundaries an expression announces (boundary_hints), and the first draws shared between
comparisons (SharedDraws)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import numpy

from grading.engine.numeric.bounds import Point
from grading.engine.tree import BinOp, Call, Group, Neg, Node, Num, Var, integer_exponent, walk

# log-uniform magnitude bands, cycled through so every scale is represented
BANDS = ((1e-3, 0.05), (0.05, 0.5), (0.5, 2.0), (2.0, 8.0), (8.0, 30.0), (30.0, 300.0))


Linear = tuple[dict[str, Fraction], Fraction]  # (coefficients, constant)


def _scaled(form: Linear, factor: Fraction) -> Linear:
    return {k: factor * c for k, c in form[0].items()}, factor * form[1]


def _linear(node: Node) -> Linear | None:
    """(coefficients, constant) when node is linear with rational coefficients."""
    if isinstance(node, Num):
        return {}, node.value
    if isinstance(node, Var):
        return {node.name: Fraction(1)}, Fraction(0)
    if isinstance(node, Group):
        return _linear(node.inner)
    if isinstance(node, Neg):
        inner = _linear(node.operand)
        return None if inner is None else _scaled(inner, Fraction(-1))
    if isinstance(node, BinOp) and node.op in "+-*/":
        a, b = _linear(node.left), _linear(node.right)
        if a is None or b is None:
            return None
        if node.op in "+-":
            sign = 1 if node.op == "+" else -1
            coeffs = dict(a[0])
            for k, c in b[0].items():
                coeffs[k] = coeffs.get(k, Fraction(0)) + sign * c
            return coeffs, a[1] + sign * b[1]
        if node.op == "*":
            if not a[0]:
                return _scaled(b, a[1])
            if not b[0]:
                return _scaled(a, b[1])
            return None
        if not b[0] and b[1] != 0:
            return _scaled(a, 1 / b[1])
    return None


def _poly(node: Node) -> tuple[str | None, dict[int, Fraction]] | None:
    """A polynomial in at most one variable with rational coefficients: (name, {power: c})."""
    if isinstance(node, Num):
        return None, {0: node.value}
    if isinstance(node, Var):
        return node.name, {1: Fraction(1)}
    if isinstance(node, Group):
        return _poly(node.inner)
    if isinstance(node, Neg):
        inner = _poly(node.operand)
        return None if inner is None else (inner[0], {k: -c for k, c in inner[1].items()})
    if not isinstance(node, BinOp):
        return None
    a = _poly(node.left)
    if a is None:
        return None
    if node.op == "^":
        n = integer_exponent(node.right)
        if n is None or not 0 <= n <= 8:
            return None
        out: tuple[str | None, dict[int, Fraction]] = (a[0], {0: Fraction(1)})
        for _ in range(n):
            out = _poly_mul(out, a)  # type: ignore[assignment]
            if out is None:
                return None
        return out
    b = _poly(node.right)
    if b is None or (a[0] and b[0] and a[0] != b[0]):
        return None
    name = a[0] or b[0]
    if node.op in "+-":
        sign = 1 if node.op == "+" else -1
        coeffs = dict(a[1])
        for k, c in b[1].items():
            coeffs[k] = coeffs.get(k, Fraction(0)) + sign * c
        return name, coeffs
    if node.op == "*":
        return _poly_mul(a, b)
    if node.op == "/" and set(b[1]) == {0} and b[1][0] != 0:
        return name, {k: c / b[1][0] for k, c in a[1].items()}
    return None


def _poly_mul(
    a: tuple[str | None, dict[int, Fraction]], b: tuple[str | None, dict[int, Fraction]]
) -> tuple[str | None, dict[int, Fraction]] | None:
    if a[0] and b[0] and a[0] != b[0]:
        return None
    out: dict[int, Fraction] = {}
    for i, c in a[1].items():
        for j, d in b[1].items():
            out[i + j] = out.get(i + j, Fraction(0)) + c * d
    if max(out, default=0) > 8:
        return None
    return a[0] or b[0], out


def _real_roots(coeffs: dict[int, Fraction]) -> list[Fraction]:
    degree = max((k for k, c in coeffs.items() if c), default=0)
    if degree == 0:
        return []
    poly = [float(coeffs.get(k, 0)) for k in range(degree, -1, -1)]
    roots = []
    for r in numpy.roots(poly):
        if abs(r.imag) <= 1e-9 * max(1.0, abs(r.real)) and math.isfinite(r.real):
            roots.append(Fraction(float(r.real)))
    return roots


def boundary_hints(nodes: Sequence[Node]) -> dict[str, list[Fraction]]:
    """Where a domain or a kink starts: roots of linear arguments of abs, roots, logs, inverse
    trig, denominators and real-power bases, by variable."""
    hints: dict[str, list[Fraction]] = {}

    def add(arg: Node, levels: Sequence[int]) -> None:
        lin = _linear(arg)
        if lin is None:
            poly = _poly(arg)
            if poly is None or poly[0] is None:
                return
            for level in levels:
                shifted = dict(poly[1])
                shifted[0] = shifted.get(0, Fraction(0)) - level
                for root in _real_roots(shifted):
                    if abs(root) < 10**6 and root not in hints.setdefault(poly[0], []):
                        hints[poly[0]].append(root)
            return
        coeffs = {k: c for k, c in lin[0].items() if c}
        if len(coeffs) != 1:
            return
        ((name, c),) = coeffs.items()
        for level in levels:
            root = (level - lin[1]) / c
            if abs(root) < 10**6 and root not in hints.setdefault(name, []):
                hints[name].append(root)

    for node in nodes:
        for n in walk(node):
            if isinstance(n, Call):
                if n.fn in ("abs", "sqrt", "log", "sign", "coth", "csch"):
                    add(n.arg, (0,))
                elif n.fn in ("asin", "acos", "atanh", "asec", "acsc"):
                    add(n.arg, (-1, 1))
                elif n.fn == "acosh":
                    add(n.arg, (1,))
            elif isinstance(n, BinOp) and n.op == "/":
                add(n.right, (0,))
            elif isinstance(n, BinOp) and n.op == "^" and integer_exponent(n.right) is None:
                add(n.left, (0,))
    return hints


@dataclass
class Sampler:
    """Seeded points over several scales, near boundary hints, learning where the key lives."""

    variables: list[str]
    seed: int
    positive: bool
    hints: dict[str, list[Fraction]] = field(default_factory=dict)
    draws: int = 0
    accepted: int = 0
    good_signs: list[tuple[bool, ...]] = field(default_factory=list)

    shared: SharedDraws | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(f"partial-credit:{self.seed}")
        n = len(self.variables)
        self.orthant_mask = random.Random(f"orthants:{self.seed}").randrange(2**n) if n else 0
        if self.shared is not None and not self.shared.serves(self):
            self.shared = None

    def _value(self, lo: float, hi: float) -> Any:
        size = math.exp(self.rng.uniform(math.log(lo), math.log(hi)))
        exponent = math.floor(math.log2(size)) - 52
        mantissa = self.rng.getrandbits(52) | (1 << 52)
        # a dyadic rational with a full random mantissa: exact at every precision used, and
        # never on a coarse grid where sin(2^k pi x) or similar could vanish by construction
        return mpmath.ldexp(mantissa, exponent)

    def draw(self) -> Point:
        i = self.draws
        shared = self.shared
        if shared is not None:
            if i < FIXED_DRAWS:
                self.draws += 1
                return shared.point(i)
            if i == FIXED_DRAWS:
                self.rng.setstate(shared.state_after_fixed())
        return self._draw()

    def _draw(self) -> Point:
        i = self.draws
        self.draws += 1
        lo, hi = BANDS[i % len(BANDS)]
        hinted = [v for v in self.variables if self.hints.get(v)]
        mode = "random"
        if hinted and i % 3 == 2:
            mode = "hint"
        elif not self.positive and i >= 18 and self.accepted < max(2, i // 4):
            mode = ("positive", "learned", "random")[i % 3]
        signs: tuple[bool, ...]
        if self.positive or mode == "positive":
            signs = tuple(False for _ in self.variables)
        elif mode == "learned" and self.good_signs:
            signs = self.good_signs[self.rng.randrange(len(self.good_signs))]
        else:
            signs = tuple(self.rng.random() < 0.5 for _ in self.variables)
            n = len(self.variables)
            if mode in ("random", "hint") and n <= 3 and i < 2**n:
                # the first 2^n points visit every orthant once (in a seeded order), so that a
                # difference confined to one quadrant meets a point evaluated with mpmath
                k = i ^ self.orthant_mask
                signs = tuple(bool(k >> j & 1) for j in range(n))
        point: Point = {}
        for name, negative in zip(self.variables, signs, strict=True):
            v = self._value(lo, hi)
            point[name] = -v if negative else v
        if mode == "hint":
            name = hinted[self.rng.randrange(len(hinted))]
            roots = self.hints[name]
            root = roots[self.rng.randrange(len(roots))]
            scale = max(1.0, abs(float(root)))
            offset = self._value(1e-7 * scale, scale)
            with mpmath.workprec(400):
                # the root rounded to a double, then stepped off: still exact and dyadic
                base = mpmath.mpf(float(root))
                below = self.rng.random() >= 0.5
                if i < 2 ** len(self.variables):
                    # keep the orthant this point was given (its side of the boundary)
                    below = signs[self.variables.index(name)]
                v = base + (-offset if below else offset)
            if not self.positive or v > 0:
                point[name] = v
        point["__signs__"] = signs
        return point

    def accept(self, point: Point) -> None:
        self.accepted += 1
        signs = point["__signs__"]
        if signs not in self.good_signs:
            self.good_signs.append(signs)


# Draws before this one do not depend on which points were accepted (see Sampler.draw): the
# same settings give the same points, whoever asks.
FIXED_DRAWS = 18


class SharedDraws:
    """The first FIXED_DRAWS points of a Sampler with these settings, drawn once for several
    comparisons (a wrong answer against each candidate mistake). The points are shared as
    they are, with what evaluators keep in them about themselves."""

    def __init__(
        self,
        variables: Sequence[str],
        seed: int,
        positive: bool,
        hints: dict[str, list[Fraction]],
    ) -> None:
        self._proto = Sampler(list(variables), seed, positive, hints)
        self._points: list[Point] = []
        self._state: Any = None

    def serves(self, sampler: Sampler) -> bool:
        proto = self._proto
        return (
            sampler.variables == proto.variables
            and sampler.seed == proto.seed
            and sampler.positive == proto.positive
            and sampler.hints == proto.hints
        )

    def point(self, i: int) -> Point:
        while len(self._points) <= i:
            self._points.append(self._proto._draw())
        return self._points[i]

    def state_after_fixed(self) -> Any:
        if self._state is None:
            self.point(FIXED_DRAWS - 1)
            self._state = self._proto.rng.getstate()
        return self._state
