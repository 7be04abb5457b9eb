"""The expression tree every part of the engine shares: its nodes, its vocabulary (functions,
constants, Greek names), a walk, exact constant folding, and a checked JSON form.

Parsing makes these trees (parsing.py), printing writes them back out (printing.py), the SymPy
bridge converts them (sympy_bridge.py) and the numeric package evaluates them.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from grading.engine import limits
from grading.engine.types import Message

# --------------------------------------------------------------------------- vocabulary

# The functions a tree may call, by their canonical names (parsing.FUNCTION_ALIASES maps what
# students type onto them; sign comes only from SymPy, in a key or a mistake).
FUNCTIONS = frozenset(
    "sin cos tan sec csc cot asin acos atan asec acsc acot sinh cosh tanh sech csch coth "
    "asinh acosh atanh exp log sqrt abs sign".split()
)
CONSTANTS = ("e", "pi")
GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ρ": "rho",
    "σ": "sigma", "τ": "tau", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
}  # fmt: skip
GREEK_NAMES = set(GREEK.values())
# What + - * / do to two values (Fractions, floats, SymPy expressions); "^" is each user's own.
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
}

# --------------------------------------------------------------------------- AST


@dataclass(eq=False)
class Node:
    start: int  # position in the original text
    end: int
    nstart: int  # position in the normalized text
    nend: int


@dataclass(eq=False)
class Num(Node):
    value: Fraction = Fraction(0)
    text: str = "0"

    @property
    def is_decimal(self) -> bool:
        return "." in self.text


@dataclass(eq=False)
class Var(Node):
    name: str = ""


@dataclass(eq=False)
class Const(Node):
    name: str = "e"


@dataclass(eq=False)
class Neg(Node):
    operand: Node = field(default_factory=lambda: Num(0, 0, 0, 0))


@dataclass(eq=False)
class BinOp(Node):
    op: str = "+"
    left: Node = field(default_factory=lambda: Num(0, 0, 0, 0))
    right: Node = field(default_factory=lambda: Num(0, 0, 0, 0))
    implicit: bool = False


@dataclass(eq=False)
class Call(Node):
    fn: str = "sin"
    arg: Node = field(default_factory=lambda: Num(0, 0, 0, 0))


@dataclass(eq=False)
class Vec(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Group(Node):
    """Brackets as typed; kept so that LaTeX and readings can show them."""

    inner: Node = field(default_factory=lambda: Num(0, 0, 0, 0))


@dataclass
class Parsed:
    """A successful parse: a scalar AST or a vector of them, plus what the preview shows."""

    text: str
    node: Node
    components: list[Node] | None  # set when the answer is a vector
    label: tuple[str, ...] | None  # derivative order named by a leading label, if any
    label_text: str
    label_gradient: bool
    warnings: list[Message]

    @property
    def is_vector(self) -> bool:
        return self.components is not None

    def parts(self) -> list[Node]:
        return self.components if self.components is not None else [self.node]


# --------------------------------------------------------------------------- reading trees


def walk(node: Node) -> list[Node]:
    """Every node of the tree, parents before children (right subtrees first). The node
    classes have no subclasses: their exact types are compared."""
    out: list[Node] = []
    stack = [node]
    pop, push, extend, add = stack.pop, stack.append, stack.extend, out.append
    while stack:
        n = pop()
        add(n)
        kind = type(n)
        if kind is BinOp:
            extend((n.left, n.right))  # type: ignore[attr-defined]
        elif kind is Neg:
            push(n.operand)  # type: ignore[attr-defined]
        elif kind is Group:
            push(n.inner)  # type: ignore[attr-defined]
        elif kind is Call:
            push(n.arg)  # type: ignore[attr-defined]
        elif kind is Vec:
            extend(n.items)  # type: ignore[attr-defined]
    return out


def const_value(node: Node) -> Fraction | float | None:
    """The value of a constant subexpression (exact where it can be), or None."""
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Group):
        return const_value(node.inner)
    if isinstance(node, Const):
        return math.e if node.name == "e" else math.pi
    if isinstance(node, Neg):
        v = const_value(node.operand)
        return None if v is None else -v
    if isinstance(node, BinOp):
        a = const_value(node.left)
        b = const_value(node.right)
        if a is None or b is None:
            return None
        try:
            if node.op in ARITHMETIC:
                if node.op == "/" and b == 0:
                    return None
                value: Fraction | float = ARITHMETIC[node.op](a, b)
                return value
            if node.op == "^":
                if log10_abs(a) * abs(float(b)) > limits.MAX_POWER_DIGITS:
                    return None
                if isinstance(a, Fraction) and isinstance(b, Fraction) and b.denominator == 1:
                    if a == 0 and b < 0:
                        return None
                    return a ** int(b)
                if float(a) < 0:
                    return None
                return float(float(a) ** float(b))
        except (OverflowError, ZeroDivisionError, ValueError):
            return None
    return None


def log10_abs(v: Fraction | float) -> float:
    """|log10 |v||, 0 for zero (how many digits a power of v grows by, per unit of exponent)."""
    if v == 0:
        return 0.0
    if isinstance(v, Fraction):
        return abs(math.log10(abs(v.numerator)) - math.log10(v.denominator))
    return abs(math.log10(abs(v)))


def integer_exponent(node: Node) -> int | None:
    """The exponent's value when it is an integer constant (x^2, x^(-3), x^(4/2)), else None."""
    if type(node) is Num:  # the usual exponent: a plain number
        n = node.value
        return int(n) if n.denominator == 1 else None
    v = const_value(node)
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v)
    return None


# --------------------------------------------------------------------------- trees as data


def tree_to_data(node: Node) -> Any:
    """A JSON-ready form of a tree, rebuilt by tree_from_data without parsing (for trees the
    engine made itself, kept with a variant)."""
    if isinstance(node, Num):
        return ["n", node.value.numerator, node.value.denominator, node.text]
    if isinstance(node, Var):
        return ["v", node.name]
    if isinstance(node, Const):
        return ["c", node.name]
    if isinstance(node, Neg):
        return ["-", tree_to_data(node.operand)]
    if isinstance(node, Group):
        return ["g", tree_to_data(node.inner)]
    if isinstance(node, Call):
        return ["f", node.fn, tree_to_data(node.arg)]
    if isinstance(node, BinOp):
        return ["b", node.op, tree_to_data(node.left), tree_to_data(node.right), node.implicit]
    raise TypeError(f"no data form for {type(node).__name__}")


def tree_from_data(data: Any, variables: Sequence[str], depth: int = 0) -> Node:
    """The tree back from tree_to_data, checked: known node kinds, operators, functions,
    constants and the problem's variables only, within the depth limit (ValueError else)."""
    if depth > 4 * limits.MAX_DEPTH or not isinstance(data, list) or not data:
        raise ValueError("not a tree")
    kind = data[0]
    z = (0, 0, 0, 0)
    if kind == "n" and len(data) == 4:
        p, q, text = data[1], data[2], data[3]
        if not (isinstance(p, int) and isinstance(q, int) and q > 0 and isinstance(text, str)):
            raise ValueError("bad number")
        # Fraction(p) is Fraction(p, 1) without the gcd
        return Num(*z, value=Fraction(p) if q == 1 else Fraction(p, q), text=text)
    if kind == "v" and len(data) == 2 and data[1] in variables:
        return Var(*z, name=data[1])
    if kind == "c" and len(data) == 2 and data[1] in CONSTANTS:
        return Const(*z, name=data[1])
    if kind == "-" and len(data) == 2:
        return Neg(*z, operand=tree_from_data(data[1], variables, depth + 1))
    if kind == "g" and len(data) == 2:
        return Group(*z, inner=tree_from_data(data[1], variables, depth + 1))
    if kind == "f" and len(data) == 3 and data[1] in FUNCTIONS:
        return Call(*z, fn=data[1], arg=tree_from_data(data[2], variables, depth + 1))
    if kind == "b" and len(data) == 5 and data[1] in ("+", "-", "*", "/", "^"):
        return BinOp(
            *z,
            op=data[1],
            left=tree_from_data(data[2], variables, depth + 1),
            right=tree_from_data(data[3], variables, depth + 1),
            implicit=bool(data[4]),
        )
    raise ValueError(f"not a tree node: {str(data)[:40]}")
