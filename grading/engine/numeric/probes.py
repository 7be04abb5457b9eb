"""Points where an answer's own functions change fastest, to look at after the sampled points
agree (issue #15's hand-built traps).

Random points over six scales never see a term that matters only far away or in a small
region: e^(x-500) is below 10^-87 wherever x < 300, e^(-10000(x-0.5)^2) only exists within
0.03 of x = 0.5, abs(r) - r with r = (x-0.3)^2 + (y-0.2)^2 - 0.0001 is zero outside a disk of
radius 0.01. Each is a function applied to a polynomial argument u, and each shows at once
where u is extreme or crosses a level: at the critical point of u (grad u = 0: the top of the
bump, the centre of the disk) and where u = 0 or u = 40 along each axis (e^(x-500) is 1 at
x = 500, e^40 further on). probe_points() returns those points for the arguments the answer
has that the key does not; comparison.probe() compares the two sides there, rigorously.

A probe can only find a real difference (the comparison is the same as at a sampled point),
so it never rejects a true equivalent; a point where either side is undefined is skipped
(an isolated hole is not a difference under the policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import mpmath

from grading.engine.numeric.bounds import Point
from grading.engine.printing import to_text
from grading.engine.tree import BinOp, Call, Const, Group, Neg, Node, Num, Var, walk

Monomial = tuple[int, ...]
Poly = dict[Monomial, Fraction]

MAX_DEGREE = 2  # arguments up to quadratic: their critical point is a linear system
MAX_PROBES = 16
# e^u compared with polynomials: u = 0 makes it 1, u = 40 makes it 2.4e17
EXP_LEVELS = (Fraction(0), Fraction(40))
OTHER_LEVELS = (Fraction(0),)
MAX_COORDINATE = 10**6
_BASE = Fraction(3, 4)  # the other coordinates of a point on an axis without a critical point


def _poly(node: Node, names: Sequence[str]) -> Poly | None:
    """node as a polynomial of total degree <= MAX_DEGREE with rational coefficients."""
    n = len(names)
    if isinstance(node, Num):
        return {(0,) * n: node.value}
    if isinstance(node, Var):
        if node.name not in names:
            return None
        i = names.index(node.name)
        return {tuple(1 if j == i else 0 for j in range(n)): Fraction(1)}
    if isinstance(node, Group):
        return _poly(node.inner, names)
    if isinstance(node, Neg):
        inner = _poly(node.operand, names)
        return None if inner is None else {m: -c for m, c in inner.items()}
    if not isinstance(node, BinOp):
        return None
    a = _poly(node.left, names)
    if a is None:
        return None
    if node.op == "^":
        e = _poly(node.right, names)
        if e is None or set(e) - {(0,) * n}:
            return None
        k = e.get((0,) * n, Fraction(0))
        if k.denominator != 1 or not 0 <= k <= MAX_DEGREE:
            return None
        out: Poly | None = {(0,) * n: Fraction(1)}
        for _ in range(int(k)):
            out = _mul(out, a) if out is not None else None
        return out
    b = _poly(node.right, names)
    if b is None:
        return None
    if node.op in "+-":
        sign = 1 if node.op == "+" else -1
        out = dict(a)
        for m, c in b.items():
            out[m] = out.get(m, Fraction(0)) + sign * c
        return out
    if node.op == "*":
        return _mul(a, b)
    if node.op == "/" and not set(b) - {(0,) * n} and b.get((0,) * n):
        d = b[(0,) * n]
        return {m: c / d for m, c in a.items()}
    return None


def _mul(a: Poly, b: Poly) -> Poly | None:
    out: Poly = {}
    for m, c in a.items():
        for k, d in b.items():
            mono = tuple(x + y for x, y in zip(m, k, strict=True))
            if sum(mono) > MAX_DEGREE:
                if c * d:
                    return None
                continue
            out[mono] = out.get(mono, Fraction(0)) + c * d
    return out


def _coefficient(p: Poly, *indices: int) -> Fraction:
    """The coefficient of the monomial with these variable indices (repeats for squares)."""
    n = len(next(iter(p)))
    mono = tuple(sum(1 for i in indices if i == j) for j in range(n))
    return p.get(mono, Fraction(0))


def _critical_point(p: Poly, n: int) -> list[Fraction] | None:
    """A solution of grad p = 0 (free variables at _BASE), or None without one."""
    # row i: d p / d x_i = sum_j H[i][j] x_j + b_i
    rows = []
    for i in range(n):
        row = [(2 if i == j else 1) * _coefficient(p, i, j) for j in range(n)]
        rows.append([*row, -_coefficient(p, i)])
    pivots: list[int] = []
    r = 0
    for col in range(n):
        pivot = next((k for k in range(r, n) if rows[k][col]), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        lead = rows[r][col]
        rows[r] = [v / lead for v in rows[r]]
        for k in range(n):
            if k != r and rows[k][col]:
                f = rows[k][col]
                rows[k] = [a - f * b for a, b in zip(rows[k], rows[r], strict=True)]
        pivots.append(col)
        r += 1
    if not pivots or any(rows[k][n] for k in range(r, n)):
        return None  # linear (no critical point) or inconsistent
    x = [_BASE] * n
    for k, col in enumerate(pivots):
        x[col] = rows[k][n] - sum(
            (rows[k][j] * _BASE for j in range(n) if j not in pivots), Fraction(0)
        )
    return x


def _axis_roots(p: Poly, base: list[Fraction], i: int, level: Fraction) -> list[Fraction]:
    """Real x_i with p = level, the other coordinates at `base`."""
    n = len(base)
    a = b = c = Fraction(0)
    for mono, coeff in p.items():
        term = coeff
        for j in range(n):
            if j != i:
                term *= base[j] ** mono[j]
        if mono[i] == 2:
            a += term
        elif mono[i] == 1:
            b += term
        else:
            c += term
    c -= level
    if a:
        disc = b * b - 4 * a * c
        if disc < 0:
            return []
        root = Fraction(float(disc) ** 0.5)
        return [(-b + root) / (2 * a), (-b - root) / (2 * a)]
    if b:
        return [-c / b]
    return []


def _features(nodes: Sequence[Node]) -> dict[str, tuple[Node, bool]]:
    """The arguments of functions (and of e^) that contain a variable, by their text: the
    argument and whether it is an exponent of e."""
    found: dict[str, tuple[Node, bool]] = {}
    for node in nodes:
        for n in walk(node):
            arg: Node | None = None
            is_exp = False
            if isinstance(n, Call) and n.fn != "sign":
                arg, is_exp = n.arg, n.fn == "exp"
            elif isinstance(n, BinOp) and n.op == "^" and isinstance(n.left, Const):
                arg, is_exp = n.right, n.left.name == "e"
            if arg is not None and any(isinstance(k, Var) for k in walk(arg)):
                found.setdefault(to_text(arg), (arg, is_exp))
    return found


def probe_points(
    key: Sequence[Node], answer: Sequence[Node], variables: Sequence[str], positive: bool
) -> list[Point]:
    """The points to look at for the function arguments the answer has and the key lacks
    (none when it has no new one: then the sampled points saw what there is)."""
    if not variables:
        return []
    names = list(variables)
    n = len(names)
    known = _features(key)
    points: list[list[Fraction]] = []
    for text, (arg, is_exp) in _features(answer).items():
        if text in known:
            continue
        p = _poly(arg, names)
        if p is None or not p:
            continue
        critical = _critical_point(p, n)
        base = critical if critical is not None else [_BASE] * n
        if critical is not None:
            points.append(critical)
        for level in EXP_LEVELS if is_exp else OTHER_LEVELS:
            for i in range(n):
                for root in _axis_roots(p, base, i, level):
                    points.append([root if j == i else base[j] for j in range(n)])
    out: list[Point] = []
    seen: set[tuple[float, ...]] = set()
    for coords in points:
        values = tuple(float(c) for c in coords)
        if values in seen or any(abs(v) > MAX_COORDINATE for v in values):
            continue
        if positive and any(v <= 0 for v in values):
            continue
        seen.add(values)
        # doubles are dyadic: exact at every precision the evaluators use
        out.append({name: mpmath.mpf(v) for name, v in zip(names, values, strict=True)})
        if len(out) >= MAX_PROBES:
            break
    return out
