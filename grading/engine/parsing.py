"""Allow-listed grammar for what students type: text -> tree (tree.py), never eval; a rejection
carries a bilingual message and the span of the input it points at.

The grammar (precedence low to high):
    answer  := [label '='] expr | vector
    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/') unary | juxtaposed-power)*       juxtaposition is '*'
    unary   := ('-' | '+') unary | power
    power   := atom [('^' | '**') unary]                              right-associative
    atom    := number | variable | constant | function call | '(' expr ')' | '|' expr '|'
               | '(' expr ',' ... ')' | '<' ... '>' | '[' ... ']'    (vectors)
Letter runs split greedily into declared names, function names and the constants e and pi.
Contested readings (1/2x, e^2x, e^x y, sin x^2) are refused with the readings to choose from.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from grading.engine import limits
from grading.engine.messages import message
from grading.engine.printing import parsed_latex
from grading.engine.tree import (
    CONSTANTS,
    GREEK,
    BinOp,
    Call,
    Const,
    Group,
    Neg,
    Node,
    Num,
    Parsed,
    Var,
    Vec,
    const_value,
    log10_abs,
    walk,
)
from grading.engine.types import Message, ParseFailure, Reading

# --------------------------------------------------------------------------- names

FUNCTION_ALIASES: dict[str, str] = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "asin": "asin", "acos": "acos", "atan": "atan", "asec": "asec", "acsc": "acsc",
    "acot": "acot", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsec": "asec",
    "arccsc": "acsc", "arccot": "acot", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "sech": "sech", "csch": "csch", "coth": "coth", "asinh": "asinh", "acosh": "acosh",
    "atanh": "atanh", "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh", "exp": "exp", "ln": "log",
    "log": "log", "sqrt": "sqrt", "abs": "abs",
}  # fmt: skip
# functions whose powers are usually written sin^2(x)
_POWER_NOTATION = frozenset(
    ["sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "sech", "csch", "coth"]
)
# Greek letters stay Greek through normalizing: θ is the declared variable theta or nothing (never
# the letters t, h, e, t, a), and a message about it names θ
_GREEK_BY_NAME = sorted(
    ((name, letter) for letter, name in GREEK.items()), key=lambda t: -len(t[0])
)

_SUPERSCRIPTS = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
    "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "ˣ": "x", "ʸ": "y", "ⁿ": "n",
}  # fmt: skip
_REPLACEMENTS = {
    "·": "*", "×": "*", "∙": "*", "⋅": "*", "−": "-", "–": "-", "—": "-", "÷": "/",
    "√": "sqrt ", "π": "pi", "⟨": "<", "⟩": ">", "〈": "<", "〉": ">", "∇": "∇", "∂": "∂",
    "′": "'", "’": "'",
}  # fmt: skip
_ALLOWED_ASCII = set("0123456789.+-*/^()[]{}<>|,=:_' !∂∇")

# --------------------------------------------------------------------------- errors


class ParseError(Exception):
    """A rejection with a bilingual message and the span of the original text it points at."""

    def __init__(
        self,
        msg: Message,
        start: int,
        end: int,
        readings: Sequence[Reading] = (),
    ) -> None:
        super().__init__(msg.en)
        self.msg = msg
        self.start = start
        self.end = end
        self.readings = tuple(readings)

    def failure(self, text: str) -> ParseFailure:
        return ParseFailure(message=self.msg, position=self.start, end=self.end, text=text)


# --------------------------------------------------------------------------- normalizing


# ASCII input made only of these characters normalizes to itself (whitespace to spaces)
_PLAIN_ASCII = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\t\n\r"
    + "".join(c for c in _ALLOWED_ASCII if c.isascii())
)
_WHITESPACE = str.maketrans("\t\n\r", "   ")
# non-ASCII characters the normalized text keeps
_KEPT = frozenset("∂∇" + "".join(GREEK))


def normalize(text: str) -> tuple[str, list[int]]:
    """Map typographic and full-width input to ASCII; return it with each char's source index."""
    if _PLAIN_ASCII.issuperset(text):
        # what _normalize_chars does to such text, char by char
        return text.translate(_WHITESPACE), list(range(len(text) + 1))
    return _normalize_chars(text)


_MARKS = ("Mn", "Mc", "Me")  # combining marks: accents, dots, bars, enclosing signs


@lru_cache(maxsize=1024)
def _decomposed(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)


@lru_cache(maxsize=1024)
def _decomposition_tag(ch: str) -> str:
    """'<super>', '<sub>', '<circle>', ... for a compatibility character, else ''."""
    d = unicodedata.decomposition(ch)
    return d.split(" ", 1)[0] if d.startswith("<") else ""


@lru_cache(maxsize=1024)
def _raised(ch: str) -> bool:
    """A superscript letter or bracket outside _SUPERSCRIPTS (ᵗ, ᴬ, ᵝ, ⁽): part of a power."""
    return _decomposition_tag(ch) == "<super>" and (
        unicodedata.category(ch).startswith("L") or ch in "⁽⁾"
    )


@lru_cache(maxsize=1024)
def _folded_away(ch: str) -> bool:
    """A character that NFKC would fold into a plain letter or sign, losing what it shows:
    subscripts other than digits (ₓ is not x; h₁ is h1), the other superscripts (⁼, ™) and
    circled, parenthesized or squared letters (ⓧ, ⒳, 🄰 are not x, (x), A)."""
    tag = _decomposition_tag(ch)
    if tag == "<sub>":
        return not unicodedata.normalize("NFKC", ch).isdigit()
    if tag == "<super>":
        return ch not in _SUPERSCRIPTS
    name = unicodedata.name(ch, "")
    return tag in ("<circle>", "<square>", "<compat>") and (
        name.startswith(("CIRCLED ", "PARENTHESIZED ", "SQUARED ")) and " LETTER " in name
    )


def _power_example(text: str, i: int, exponent: str) -> str:
    """How to write what was typed as a power: eᵗ -> e^t, (x+1)ᵃᵇ -> x^(ab)."""
    prev = text[i - 1] if i else ""
    base = prev if (prev.isascii() and prev.isalnum()) or prev in GREEK or prev == "π" else "x"
    if len(exponent) > 1 and not (exponent[0] == "(" and exponent[-1] == ")"):
        exponent = "(" + exponent + ")"
    return base + "^" + exponent


def _normalize_chars(text: str) -> tuple[str, list[int]]:
    out: list[str] = []
    src: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch in _SUPERSCRIPTS or _raised(ch):
            j = i
            run = []
            while j < n and (text[j] in _SUPERSCRIPTS or _raised(text[j])):
                run.append(_SUPERSCRIPTS.get(text[j]) or unicodedata.normalize("NFKC", text[j]))
                j += 1
            if any(text[k] not in _SUPERSCRIPTS for k in range(i, j)):
                # ᵗ is not the letter t: eᵗ was read as e*t
                example = _power_example(text, i, "".join(run))
                raise ParseError(message("superscript", char=text[i:j], example=example), i, j)
            piece = "^" + "".join(run) if len(run) == 1 else "^(" + "".join(run) + ")"
            out.extend(piece)
            src.extend([i] * len(piece))
            i = j
            continue
        if ch in "\t\n\r":
            ch = " "
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Co", "Cs") or ch in ("\u2028", "\u2029"):
            raise ParseError(message("control-char", pos=i + 1), i, i + 1)
        if ch.isalpha():
            # ŷ, x̄, é: the mark makes another symbol (ŷ is the prediction, not y), so the
            # letter is not read without it; the span covers the letter and its marks
            j = i + 1
            while j < n and unicodedata.category(text[j]) in _MARKS:
                j += 1
            if j > i + 1 or (
                ch not in _REPLACEMENTS
                and any(unicodedata.category(c) in _MARKS for c in _decomposed(ch))
            ):
                raise ParseError(message("accented-letter", char=text[i:j]), i, j)
        if ch in _REPLACEMENTS:
            piece = _REPLACEMENTS[ch]
        elif _decomposition_tag(ch) == "<fraction>":
            # ½, ⅔: a fraction in brackets (-⅔ is -(2/3), ½x is (1/2)x); 1½ would read as 1·½
            if out and out[-1].isdigit():
                raise ParseError(message("two-numbers"), i, i + 1)
            piece = "(" + unicodedata.normalize("NFKC", ch).replace("\u2044", "/") + ")"
        elif ord(ch) < 128:
            piece = ch
        elif _folded_away(ch):
            raise ParseError(message("special-character", char=ch), i, i + 1)
        else:
            piece = unicodedata.normalize("NFKC", ch)
            if ch == "\u3000":
                piece = " "
            if piece in _REPLACEMENTS:
                piece = _REPLACEMENTS[piece]
        for c in piece:
            if not (c.isascii() and (c.isalnum() or c in _ALLOWED_ASCII)) and c not in _KEPT:
                raise ParseError(message("bad-char", char=ch), i, i + 1)
        out.extend(piece)
        src.extend([i] * len(piece))
        i += 1
    src.append(n)
    return "".join(out), src


# --------------------------------------------------------------------------- lexing


@dataclass(frozen=True)
class Token:
    kind: str  # NUM, NAME, OP, END; after splitting names: VAR, FUNC, CONST
    text: str
    nstart: int
    nend: int
    value: str = ""  # canonical name for VAR/FUNC/CONST


def _canon(name: str) -> str:
    return name.replace("_", "").replace("{", "").replace("}", "")


def lex(norm: str, start: int = 0) -> list[Token]:
    tokens: list[Token] = []
    i = start
    n = len(norm)
    while i < n:
        ch = norm[i]
        if ch == " ":
            i += 1
            continue
        if ch.isdigit() or (ch == "." and i + 1 < n and norm[i + 1].isdigit()):
            j = i
            while j < n and (norm[j].isdigit() or norm[j] == "."):
                j += 1
            tokens.append(Token("NUM", norm[i:j], i, j))
            i = j
            continue
        if ch.isalpha():
            j = i
            while j < n:
                c = norm[j]
                if c.isalnum():
                    j += 1
                elif c == "_" and j + 1 < n and (norm[j + 1].isalnum() or norm[j + 1] == "{"):
                    j += 1
                    if norm[j] == "{":
                        k = norm.find("}", j)
                        if k < 0:
                            raise _at(message("unclosed", open="{", close="}"), j, j + 1)
                        j = k + 1
                else:
                    break
            tokens.append(Token("NAME", norm[i:j], i, j))
            i = j
            continue
        if ch == "*" and i + 1 < n and norm[i + 1] == "*":
            tokens.append(Token("OP", "^", i, i + 2))
            i += 2
            continue
        if ch == "!":
            raise _at(message("factorial"), i, i + 1)
        if ch in "+-*/^()[]{}<>|,=":
            tokens.append(Token("OP", ch, i, i + 1))
            i += 1
            continue
        raise _at(message("bad-char", char=ch), i, i + 1)
    tokens.append(Token("END", "", n, n))
    if len(tokens) > limits.MAX_TOKENS:
        raise _at(message("too-many-tokens", limit=limits.MAX_TOKENS), 0, n)
    return tokens


class _NormPos(Exception):
    """A ParseError whose span is still in normalized coordinates."""

    def __init__(
        self,
        msg: Message,
        nstart: int,
        nend: int,
        readings: Sequence[Reading] = (),
        naming: Callable[[str], Message] | None = None,
    ):
        super().__init__(msg.en)
        self.msg = msg
        self.nstart = nstart
        self.nend = nend
        self.readings = tuple(readings)
        # the message for a name, to name what was typed where it differs from the normalized
        # text (ℓ, ｚ, ﬁ are read as l, z, fi)
        self.naming = naming


def _at(msg: Message, nstart: int, nend: int, readings: Sequence[Reading] = ()) -> _NormPos:
    return _NormPos(msg, nstart, nend, readings)


def _naming_at(naming: Callable[[str], Message], name: str, nstart: int, nend: int) -> _NormPos:
    return _NormPos(naming(name), nstart, nend, naming=naming)


def _suggesting(
    code: str, word: str, candidates: Sequence[str], cutoff: float, nstart: int, nend: int
) -> _NormPos | None:
    """The message `code` naming the word and suggesting the closest of the candidates, or
    None when none is close enough."""
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    if not close:
        return None
    suggestion = close[0]
    return _naming_at(
        lambda name: message(code, name=name, suggestion=suggestion), word, nstart, nend
    )


# --------------------------------------------------------------------------- names


def _greek_spelling(canon: str) -> str:
    """A name as typed with Greek letters: theta1 -> θ1 (unchanged without a Greek name in it)."""
    out: list[str] = []
    i = 0
    while i < len(canon):
        for name, letter in _GREEK_BY_NAME:
            if canon.startswith(name, i):
                out.append(letter)
                i += len(name)
                break
        else:
            out.append(canon[i])
            i += 1
    return "".join(out)


class Names:
    """The problem's declared variables and how letter runs split into them."""

    def __init__(self, variables: Sequence[str]) -> None:
        self.variables = tuple(variables)
        self.by_canon: dict[str, str] = {}
        for v in self.variables:
            self.by_canon[_canon(v)] = v
        for v in self.variables:
            # theta is typed θ, theta_1 θ_1 (a declared name spelled as typed wins)
            self.by_canon.setdefault(_greek_spelling(_canon(v)), v)
        self.candidates: list[tuple[str, str, str]] = []  # (canon text, kind, value)
        for c, v in self.by_canon.items():
            self.candidates.append((c, "VAR", v))
        for f, target in FUNCTION_ALIASES.items():
            if f not in self.by_canon:
                self.candidates.append((f, "FUNC", target))
        for c in CONSTANTS:
            if c not in self.by_canon:
                self.candidates.append((c, "CONST", c))
        self.candidates.sort(key=lambda t: -len(t[0]))
        # the same candidates (same order) by first character: only those can match there
        self.by_first: dict[str, list[tuple[str, str, str]]] = {}
        for cand in self.candidates:
            self.by_first.setdefault(cand[0][:1], []).append(cand)

    def allowed_en(self) -> str:
        vs = list(self.variables)
        if len(vs) == 1:
            return vs[0]
        return ", ".join(vs[:-1]) + " and " + vs[-1]

    def allowed_ko(self) -> str:
        # a comma list: "x와 y" / "x과 w1" would need the particle of how the last name is read
        return ", ".join(self.variables)

    def split(self, tok: Token, next_text: str) -> list[Token]:
        """Split a letter run greedily into names, or explain what cannot be read."""
        raw = tok.text
        # canonical characters and the raw index each came from
        chars: list[str] = []
        where: list[int] = []
        for idx, c in enumerate(raw):
            if c not in "_{}":
                chars.append(c)
                where.append(idx)
        canon = "".join(chars)
        pieces = self._split(canon, 0)
        if pieces is None:
            raise self._explain(tok, canon, where, next_text)
        out: list[Token] = []
        for a, b, kind, value in pieces:
            ns = tok.nstart + where[a]
            ne = tok.nstart + where[b - 1] + 1
            out.append(Token(kind, raw[where[a] : where[b - 1] + 1], ns, ne, value))
        return out

    def _split(self, s: str, i: int) -> list[tuple[int, int, str, str]] | None:
        """Greedy (longest name first) split of s[i:], backtracking over positions that fail;
        positions are tried from the end so that no run costs more than len * names steps."""
        n = len(s)
        best: list[list[tuple[int, int, str, str]] | None] = [None] * (n + 1)
        best[n] = []
        for j in range(n - 1, i - 1, -1):
            for text, kind, value in self.by_first.get(s[j], ()):
                if s.startswith(text, j) and best[j + len(text)] is not None:
                    best[j] = [(j, j + len(text), kind, value), *best[j + len(text)]]  # type: ignore[misc]
                    break
        return best[i]

    def _longest_prefix(self, s: str, i: int) -> int:
        """How far greedy matching gets before it is stuck."""
        while i < len(s):
            for text, _kind, _value in self.by_first.get(s[i], ()):
                if s.startswith(text, i):
                    i += len(text)
                    break
            else:
                return i
        return i

    def _explain(self, tok: Token, canon: str, where: list[int], next_text: str) -> _NormPos:
        if canon == "C":
            # 3x^2 + y + C: an antiderivative's habit
            return _at(message("constant-of-integration"), tok.nstart, tok.nend)
        stuck = self._longest_prefix(canon, 0)
        rest = canon[stuck:]
        ns = tok.nstart + where[stuck] if stuck < len(where) else tok.nend
        if rest[:1].isdigit():
            digits = ""
            for c in rest:
                if not c.isdigit():
                    break
                digits += c
            # the name right before the digits
            name = canon[:stuck]
            kind = value = ""
            for text, k, v in self.candidates:
                if name.endswith(text):
                    name, kind, value = text, k, v
                    break
            # the span as typed, underscores and braces included (log_10)
            a, b = where[stuck - len(name)], where[stuck + len(digits) - 1] + 1
            if tok.text[b : b + 1] == "}" and "{" in tok.text[a:b]:
                b += 1
            start, end = tok.nstart + a, tok.nstart + b
            typed = tok.text[a:b]
            # the messages quote the text as typed where it differs (x₁, log₁₀)
            if kind == "FUNC" and value == "log":
                # log10(x), log_2 x, log₂ x: a logarithm to a base, which the grammar does not have
                based = (next_text == "(" and rest == digits) or "_" in typed

                def log_message(t: str) -> Message:
                    if based or any(_decomposition_tag(c) == "<sub>" for c in t):
                        return message("log-base", text=t, digits=digits)
                    return message("log-digits", text=t, name=name, digits=digits)

                return _naming_at(log_message, typed, start, end)
            if kind == "FUNC":
                # sin2x: sin(2x) or sin^2(x); only sin^2-like powers are usual notation
                code = "function-digits" if value in _POWER_NOTATION else "function-digits-plain"
                return _naming_at(
                    lambda t: message(code, text=t, name=name, digits=digits), typed, start, end
                )
            return _NormPos(
                message("name-then-digits", text=name + digits, name=name, digits=digits),
                start,
                end,
                naming=lambda t: message("name-then-digits", text=t, name=name, digits=digits),
            )
        word = rest
        functions = sorted(set(FUNCTION_ALIASES))
        # a Greek letter is not a misspelt function or name: it is an undeclared variable
        greek = rest[0] in GREEK
        if next_text == "(" and stuck == 0 and not greek:
            found = _suggesting("unknown-function", word, functions, 0.5, ns, tok.nend)
            if found is not None:
                return found
            return _naming_at(
                lambda name: message("unknown-function-plain", name=name), word, ns, tok.nend
            )
        if len(word) > 1 and not greek:
            candidates = functions + list(self.variables)
            found = _suggesting("unknown-name", word, candidates, 0.6, ns, tok.nend)
            if found is not None:
                return found
        if not self.variables:  # a constant expression (e.g. an instructor's constraint)
            return _naming_at(lambda name: message("no-variables", name=name), rest[0], ns, ns + 1)
        allowed, allowed_ko = self.allowed_en(), self.allowed_ko()
        return _naming_at(
            lambda name: message(
                "unknown-variable", allowed=allowed, allowed_ko=allowed_ko, name=name
            ),
            rest[0],
            ns,
            ns + 1,
        )


# --------------------------------------------------------------------------- parser

_OPEN_CLOSE = {"(": ")", "[": "]", "{": "}", "<": ">"}
_CLOSERS = set(_OPEN_CLOSE.values())


class Parser:
    def __init__(self, norm: str, tokens: list[Token], names: Names) -> None:
        self.norm = norm
        self.toks = tokens
        self.names = names
        self.pos = 0
        self.depth = 0
        self.nodes = 0
        self.abs_depth = 0
        self.check_ambiguity = True
        self.vectors = 0  # Vec nodes made

    # -- token helpers
    def peek(self, k: int = 0) -> Token:
        toks = self.toks
        i = self.pos + k
        return toks[i] if i < len(toks) else toks[-1]

    def take(self) -> Token:
        t = self.toks[self.pos]
        self.pos += 1
        return t

    def is_op(self, text: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t.kind == "OP" and t.text == text

    def _node(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > limits.MAX_NODES:
            raise _at(message("too-many-nodes", limit=limits.MAX_NODES), node.nstart, node.nend)
        return node

    def _enter(self, tok: Token) -> None:
        self.depth += 1
        if self.depth > limits.MAX_DEPTH:
            raise _at(message("too-deep", limit=limits.MAX_DEPTH), tok.nstart, tok.nend)

    # -- grammar
    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise _at(message("empty"), 0, 0)
        node = self.expr()
        t = self.peek()
        if t.kind != "END":
            raise self._unexpected(t)
        return node

    def _unexpected(self, t: Token) -> _NormPos:
        if t.kind == "OP" and t.text in _CLOSERS | {"|"}:
            return _at(message("unopened", text=t.text), t.nstart, t.nend)
        if t.kind == "OP" and t.text == ",":
            return _at(message("unexpected", text=","), t.nstart, t.nend)
        if t.kind == "OP" and t.text == "=":
            return _at(message("many-equals"), t.nstart, t.nend)
        return _at(message("unexpected", text=t.text), t.nstart, t.nend)

    def expr(self) -> Node:
        self._enter(self.peek())
        node = self.term()
        while self.peek().kind == "OP" and self.peek().text in "+-":
            op = self.take()
            self._need_operand(op)
            rhs = self.term()
            node = self._bin(op.text, node, rhs)
        self.depth -= 1
        return node

    def _need_operand(self, op: Token) -> None:
        t = self.peek()
        if t.kind == "END":
            raise _at(message("unexpected-end", after=op.text), op.nstart, op.nend)

    def _bin(self, op: str, a: Node, b: Node, implicit: bool = False) -> Node:
        return self._node(
            BinOp(a.start, b.end, a.nstart, b.nend, op=op, left=a, right=b, implicit=implicit)
        )

    def _starts_factor(self) -> bool:
        t = self.peek()
        if t.kind in ("NUM", "VAR", "FUNC", "CONST"):
            return True
        if t.kind == "OP":
            if t.text in "([{<":
                return True
            if t.text == "|" and self.abs_depth == 0:
                return True
        return False

    def term(self) -> Node:
        if self._is_sign():
            # a leading sign applies to the whole product: -7y(...) is -(7y(...))
            return self._signed(self.term)
        node = self.unary()
        chain_start = node.nstart
        last_div: Node | None = None
        prev_tok = self.toks[self.pos - 1]
        while True:
            t = self.peek()
            if t.kind == "OP" and t.text in "*/":
                self.take()
                self._need_operand(t)
                rhs = self.unary()
                node = self._bin(t.text, node, rhs)
                last_div = rhs if t.text == "/" else None
                prev_tok = self.toks[self.pos - 1]
                continue
            if self._starts_factor():
                if prev_tok.kind == "NUM" and t.kind == "NUM":
                    raise _at(message("two-numbers"), prev_tok.nstart, t.nend)
                if self.check_ambiguity:
                    rightmost = _rightmost_factor(node)
                    if last_div is not None:
                        self._ambiguous_division(chain_start, last_div)
                    if isinstance(rightmost, BinOp) and rightmost.op == "^":
                        # e^-x^2 e^-y^2: a power of e next to another is read as two factors
                        if _is_bare_e_power(rightmost) and not self._e_power_follows():
                            self._ambiguous_e_power(rightmost)
                rhs = self.power()
                node = self._bin("*", node, rhs, implicit=True)
                prev_tok = self.toks[self.pos - 1]
                continue
            return node

    def _e_power_follows(self) -> bool:
        t = self.peek()
        return t.kind == "CONST" and t.value == "e" and self.is_op("^", 1)

    def _rest_of_chain_end(self) -> int:
        """Normalized end of the juxtaposed factors from here (parsed without ambiguity checks)."""
        saved = (self.pos, self.nodes, self.check_ambiguity)
        self.check_ambiguity = False
        end = self.peek().nstart
        try:
            while self._starts_factor():
                end = self.power().nend
        finally:
            self.pos, self.nodes, self.check_ambiguity = saved
        return end

    def _ambiguous_division(self, chain_start: int, divisor: Node) -> None:
        end = self._rest_of_chain_end()
        s = self.norm
        a = s[: divisor.nstart] + "(" + s[divisor.nstart : end] + ")" + s[end:]
        b = s[:chain_start] + "(" + s[chain_start : divisor.nend] + ")" + s[divisor.nend :]
        raise self._ambiguity(chain_start, end, [a, b])

    def _ambiguous_e_power(self, powr: BinOp) -> None:
        end = self._rest_of_chain_end()
        s = self.norm
        e_start, e_end = powr.right.nstart, powr.right.nend
        a = s[:e_start] + "(" + s[e_start:end] + ")" + s[end:]
        b = s[: powr.nstart] + "(" + s[powr.nstart : e_end] + ")" + s[e_end:]
        raise self._ambiguity(powr.nstart, end, [a, b])

    def _ambiguity(self, nstart: int, nend: int, texts: list[str]) -> _NormPos:
        readings = [Reading(text=t.strip(), latex="") for t in texts]
        frag = self.norm[nstart:nend].strip()
        return _at(message("ambiguous", text=frag), nstart, nend, readings)

    def unary(self) -> Node:
        if self._is_sign():
            return self._signed(self.unary)
        return self.power()

    def _is_sign(self) -> bool:
        t = self.peek()
        return t.kind == "OP" and t.text in "+-"

    def _signed(self, operand_rule: Callable[[], Node]) -> Node:
        """A leading + or - and its operand, read by `operand_rule`."""
        t = self.take()
        self._enter(t)
        self._need_operand(t)
        operand = operand_rule()
        self.depth -= 1
        if t.text == "+":
            return operand
        return self._node(Neg(0, 0, t.nstart, operand.nend, operand=operand))

    def power(self) -> Node:
        base = self.atom()
        if self.is_op("^"):
            op = self.take()
            self._need_operand(op)
            self._enter(op)
            exponent = self.unary()
            self.depth -= 1
            if self.check_ambiguity:
                self._ambiguous_exponent(base, exponent)
            _check_power(base, exponent)
            return self._bin("^", base, exponent)
        return base

    def _ambiguous_exponent(self, base: Node, exponent: Node) -> None:
        """x^1/2, x^-1/2, e^1/x (nobody writes x^1: the fraction is meant as the exponent)
        and x^y-1 (the power rule's x^(y-1)) are refused with both readings, as 1/2x is."""
        bare = exponent.operand if isinstance(exponent, Neg) else exponent
        s = self.norm
        follows = self.peek()
        if isinstance(bare, Num) and bare.value == 1 and self.is_op("/"):
            saved = (self.pos, self.nodes, self.check_ambiguity)
            self.check_ambiguity = False
            try:
                self.take()
                end = self.unary().nend
            finally:
                self.pos, self.nodes, self.check_ambiguity = saved
        elif (
            isinstance(exponent, Var)
            and isinstance(base, Var)
            and follows.kind == "OP"
            and follows.text in "+-"
            and self.peek(1).kind == "NUM"
        ):
            end = self.peek(1).nend
        else:
            return
        a = s[: exponent.nstart] + "(" + s[exponent.nstart : end] + ")" + s[end:]
        b = s[: base.nstart] + "(" + s[base.nstart : exponent.nend] + ")" + s[exponent.nend :]
        raise self._ambiguity(base.nstart, end, [a, b])

    def atom(self) -> Node:
        t = self.peek()
        if t.kind == "NUM":
            self.take()
            return self._node(_number(t))
        if t.kind == "VAR":
            self.take()
            return self._node(Var(0, 0, t.nstart, t.nend, name=t.value))
        if t.kind == "CONST":
            self.take()
            return self._node(Const(0, 0, t.nstart, t.nend, name=t.value))
        if t.kind == "FUNC":
            return self.call()
        if t.kind == "OP" and t.text in _OPEN_CLOSE:
            return self.bracketed()
        if t.kind == "OP" and t.text == "|":
            open_tok = self.take()
            self._enter(open_tok)
            self.abs_depth += 1
            if self.is_op("|"):
                raise _at(message("empty-parens"), open_tok.nstart, self.peek().nend)
            inner = self.expr()
            self.abs_depth -= 1
            self.depth -= 1
            close = self.peek()
            if not self.is_op("|"):
                raise self._unclosed(open_tok, "|", close)
            self.take()
            return self._node(Call(0, 0, open_tok.nstart, close.nend, fn="abs", arg=inner))
        if t.kind == "END":
            prev = self.toks[self.pos - 1] if self.pos else t
            raise _at(message("unexpected-end", after=prev.text), prev.nstart, prev.nend)
        raise self._unexpected(t)

    def _unclosed(self, open_tok: Token, close: str, found: Token) -> _NormPos:
        if found.kind == "OP" and found.text in _CLOSERS | {"|"} and found.text != close:
            return _at(
                message("mismatched", open=open_tok.text, text=found.text, close=close),
                found.nstart,
                found.nend,
            )
        if found.kind != "END":
            return self._unexpected(found)
        return _at(
            message("unclosed", open=open_tok.text, close=close), open_tok.nstart, open_tok.nend
        )

    def _open(self) -> tuple[Token, str, int]:
        """Take an opening bracket: (the token, its closer, the |...| depth to restore)."""
        open_tok = self.take()
        close = _OPEN_CLOSE[open_tok.text]
        self._enter(open_tok)
        if self.is_op(close):
            raise _at(message("empty-parens"), open_tok.nstart, self.peek().nend)
        saved_abs = self.abs_depth
        self.abs_depth = 0  # bars inside brackets open their own |...|
        return open_tok, close, saved_abs

    def bracketed(self) -> Node:
        open_tok, close, saved_abs = self._open()
        items = [self.expr()]
        while self.is_op(","):
            comma = self.take()
            if self.is_op(close):
                raise _at(message("unexpected", text=","), comma.nstart, comma.nend)
            items.append(self.expr())
        self.abs_depth = saved_abs
        self.depth -= 1
        found = self.peek()
        if not self.is_op(close):
            raise self._unclosed(open_tok, close, found)
        self.take()
        if len(items) > 1 or open_tok.text == "<":
            if len(items) > limits.MAX_VECTOR_COMPONENTS:
                raise _at(
                    message("too-many-nodes", limit=limits.MAX_VECTOR_COMPONENTS),
                    open_tok.nstart,
                    found.nend,
                )
            self.vectors += 1
            return self._node(Vec(0, 0, open_tok.nstart, found.nend, items=items))
        return self._node(Group(0, 0, open_tok.nstart, found.nend, inner=items[0]))

    def call(self) -> Node:
        ftok = self.take()
        fn = ftok.value
        if self.is_op("^"):
            # sin^2(x) means sin(x)^2; sin^-1(x) is contested (arcsin or 1/sin)
            caret = self.take()
            self._need_operand(caret)
            exponent = self._function_exponent()
            arg, end = self._function_argument(ftok)
            call = self._node(Call(0, 0, ftok.nstart, end, fn=fn, arg=arg))
            value = const_value(exponent)
            if value is not None and value == -1 and fn in _INVERSES:
                s = self.norm
                a_text = _INVERSES[fn] + "(" + s[arg.nstart : arg.nend].strip("()[]") + ")"
                b_text = "1/" + ftok.text + "(" + s[arg.nstart : arg.nend].strip("()[]") + ")"
                raise self._ambiguity(ftok.nstart, end, [a_text, b_text])
            _check_power(call, exponent)
            return self._bin("^", call, exponent)
        arg, end = self._function_argument(ftok)
        return self._node(Call(0, 0, ftok.nstart, end, fn=fn, arg=arg))

    def _function_exponent(self) -> Node:
        t = self.peek()
        if t.kind == "OP" and t.text in "+-":
            self.take()
            inner = self._function_exponent()
            return self._node(Neg(0, 0, t.nstart, inner.nend, operand=inner))
        if t.kind == "NUM":
            self.take()
            return self._node(_number(t))
        if t.kind == "OP" and t.text in "([{":
            return self.bracketed()
        raise self._unexpected(t)

    def _function_argument(self, ftok: Token) -> tuple[Node, int]:
        t = self.peek()
        if t.kind == "OP" and t.text in "([{":
            open_tok, close, saved_abs = self._open()
            arg = self.expr()
            self.abs_depth = saved_abs
            if self.is_op(","):
                code = "function-arity" if ftok.value == "log" else "function-arity-plain"
                comma = self.peek()
                raise _at(message(code, name=ftok.text), comma.nstart, comma.nend)
            self.depth -= 1
            found = self.peek()
            if not self.is_op(close):
                raise self._unclosed(open_tok, close, found)
            self.take()
            return arg, found.nend
        if not self._starts_factor() or (t.kind == "OP" and t.text in "<"):
            raise _at(message("function-needs-parens", name=ftok.text), ftok.nstart, ftok.nend)
        # bare argument: only an unmistakable single factor is accepted (sin x, √x)
        arg = self.power()
        s = self.norm
        if isinstance(arg, BinOp) and arg.op == "^" and self.check_ambiguity:
            base = arg.left
            a_text = s[ftok.nstart : ftok.nend] + "(" + s[arg.nstart : arg.nend] + ")"
            b_text = (
                s[ftok.nstart : ftok.nend]
                + "("
                + s[base.nstart : base.nend]
                + ")"
                + s[base.nend : arg.nend]
            )
            raise self._ambiguity(ftok.nstart, arg.nend, [a_text, b_text])
        if self._starts_factor() and self.check_ambiguity:
            end = self._rest_of_chain_end()
            a_text = s[ftok.nstart : ftok.nend] + "(" + s[arg.nstart : end] + ")"
            b_text = (
                s[ftok.nstart : ftok.nend]
                + "("
                + s[arg.nstart : arg.nend]
                + ")"
                + s[arg.nend : end]
            )
            raise self._ambiguity(ftok.nstart, end, [a_text, b_text])
        return arg, arg.nend


_INVERSES = {"sin": "asin", "cos": "acos", "tan": "atan", "sinh": "asinh", "cosh": "acosh",
             "tanh": "atanh", "sec": "asec", "csc": "acsc", "cot": "acot"}  # fmt: skip


def _rightmost_factor(node: Node) -> Node:
    while isinstance(node, BinOp) and node.op in "*/":
        node = node.right
    return node


def _is_bare_e_power(node: BinOp) -> bool:
    return (
        isinstance(node.left, Const) and node.left.name == "e" and not isinstance(node.right, Group)
    )


def _number(t: Token) -> Num:
    text = t.text
    if text.count(".") > 1 or text.endswith("."):
        raise _at(message("bad-number", text=text), t.nstart, t.nend)
    digits = len(text.replace(".", "").lstrip("0"))
    if digits > limits.MAX_INTEGER_DIGITS:
        raise _at(message("number-too-long", limit=limits.MAX_INTEGER_DIGITS), t.nstart, t.nend)
    # Fraction(text) reads any decimal; plain digits are read as an int, without its regex
    value = Fraction(int(text)) if text.isdigit() else Fraction(text)
    return Num(0, 0, t.nstart, t.nend, value=value, text=text)


def _has_variable(node: Node) -> bool:
    return any(isinstance(n, Var) for n in walk(node))


def _check_power(base: Node, exponent: Node) -> None:
    e = const_value(exponent)
    if e is None:
        if not _has_variable(exponent) and _has_variable(base):
            raise _at(
                message("exponent-too-large", limit=limits.MAX_SYMBOLIC_EXPONENT),
                exponent.nstart,
                exponent.nend,
            )
        if not _has_variable(exponent) and not _has_variable(base):
            b = const_value(base)
            if b is None:
                raise _at(message("power-too-large"), base.nstart, exponent.nend)
        return
    if _has_variable(base) or const_value(base) is None:
        # a variable, or a constant known only through functions (sin(1)^2): keep n small
        if abs(float(e)) > limits.MAX_SYMBOLIC_EXPONENT:
            raise _at(
                message("exponent-too-large", limit=limits.MAX_SYMBOLIC_EXPONENT),
                exponent.nstart,
                exponent.nend,
            )
        return
    b = const_value(base)
    if b is None:
        if not _has_variable(base):
            raise _at(message("power-too-large"), base.nstart, exponent.nend)
        return
    if log10_abs(b) * abs(float(e)) > limits.MAX_POWER_DIGITS:
        raise _at(message("power-too-large"), base.nstart, exponent.nend)


# --------------------------------------------------------------------------- vectors


def _component(at: Node, op: str, left: Node, right: Node, implicit: bool = False) -> BinOp:
    """One component of a vector operation, placed where the vector's component `at` is."""
    return BinOp(
        at.start, at.end, at.nstart, at.nend, op=op, left=left, right=right, implicit=implicit
    )


def _vectorize(node: Node) -> list[Node] | None:
    """Distribute scalars over a vector answer; None for a scalar expression."""
    if isinstance(node, Vec):
        for item in node.items:
            if _vectorize(item) is not None:
                raise _at(message("vector-nested"), item.nstart, item.nend)
        return list(node.items)
    if isinstance(node, Group):
        return _vectorize(node.inner)
    if isinstance(node, Neg):
        inner = _vectorize(node.operand)
        if inner is None:
            return None
        return [Neg(c.start, c.end, c.nstart, c.nend, operand=c) for c in inner]
    if isinstance(node, BinOp):
        a = _vectorize(node.left)
        b = _vectorize(node.right)
        if a is None and b is None:
            return None
        if node.op == "*" and (a is None) != (b is None):
            if a is None:
                assert b is not None
                return [_component(c, "*", node.left, c, node.implicit) for c in b]
            return [_component(c, "*", c, node.right, node.implicit) for c in a]
        if node.op == "/" and a is not None and b is None:
            return [_component(c, "/", c, node.right) for c in a]
        if node.op in "+-" and a is not None and b is not None and len(a) == len(b):
            return [_component(x, node.op, x, y) for x, y in zip(a, b, strict=True)]
        raise _at(message("vector-misuse"), node.nstart, node.nend)
    if isinstance(node, Call):
        if _vectorize(node.arg) is not None:
            raise _at(message("vector-misuse"), node.nstart, node.nend)
    return None


# --------------------------------------------------------------------------- labels


def _split_label(norm: str) -> tuple[str, str, int]:
    """(label, expression, offset of the expression) for 'label = expr' or 'label: expr';
    label '' if none."""
    if ":" in norm and ("=" not in norm or norm.index(":") < norm.index("=")):
        i = norm.index(":")
        if "=" in norm or ":" in norm[i + 1 :]:
            j = max(norm.find("=", i + 1), norm.find(":", i + 1))
            raise _at(message("many-equals"), j, j + 1)
        return norm[:i], norm[i + 1 :], i + 1
    if "=" not in norm:
        return "", norm, 0
    i = norm.index("=")
    if "=" in norm[i + 1 :]:
        j = norm.index("=", i + 1)
        raise _at(message("many-equals"), j, j + 1)
    return norm[:i], norm[i + 1 :], i + 1


def _read_label(label: str, names: Names) -> tuple[tuple[str, ...] | None, bool, bool]:
    """Parse a label: (derivative order, is gradient, names the function itself).

    Accepts f_x, f_{xy}, f'_x, f_x', z_x, fx and fxy (f_x written without the underscore),
    ∂f/∂x, ∂/∂x, ∂^2f/∂x∂y, ∂^2f/∂x^2, df/dx, d/dx, d^2f/dx^2, ∂_x f, ∂_x, ∇f and grad f,
    each optionally followed by (...) such as f_x(1,2); and f'(x) (by x), f' (no order said).
    The order is None when the label does not say it (f', f'(1,2)).
    """
    s = label.replace(" ", "")
    args = ""
    if s.endswith(")") and "(" in s:
        args = s[s.index("(") + 1 : -1]
        s = s[: s.index("(")]
    if not s:
        raise ValueError("empty label")
    if s.startswith("∇") or s.lower().startswith("grad"):
        return None, True, False
    if s.startswith(("∂_", "d_")):
        return _subscript_operator(s[2:], names), False, False
    if s.endswith("'") and "_" not in s:
        head = s.rstrip("'")
        if not (head.isalpha() and len(head) <= 2) or len(s) - len(head) > 1:
            raise ValueError("bad prime")
        by = names.by_canon.get(_canon(args))
        return ((by,) if by is not None else None), False, False
    if s[0] in "∂d" and "/" in s:
        num, den = s.split("/", 1)
        order_n = 1
        body = num[1:]
        if body.startswith("^"):
            k = 1
            while k < len(body) and body[k].isdigit():
                k += 1
            if k - 1 > 2:
                raise ValueError("order too large")
            order_n = int(body[1:k] or "1")
            body = body[k:]
        if body and not body[0].isalpha():
            raise ValueError("no function name")  # ∂/∂x (no name) is the operator itself
        order: list[str] = []
        i = 0
        while i < len(den):
            if den[i] not in "∂d":
                raise ValueError("bad denominator")
            j = i + 1
            while j < len(den) and den[j] not in "∂^" and not (den[j] == "d" and j > i + 1):
                j += 1
            var = _one_variable(den[i + 1 : j], names)
            count = 1
            if j < len(den) and den[j] == "^":
                k = j + 1
                while k < len(den) and den[k].isdigit():
                    k += 1
                if k - j - 1 > 2:
                    raise ValueError("order too large")
                count = int(den[j + 1 : k] or "1")
                j = k
            order.extend([var] * count)
            i = j
        if len(order) != order_n or order_n > 12:
            raise ValueError("order mismatch")
        return tuple(reversed(order)), False, False
    if "_" in s:
        head, sub = s.split("_", 1)
        head = head.rstrip("'")
        sub = sub.strip("{}").rstrip("'")
        if not head.isalpha():
            raise ValueError("bad head")
        tokens = names._split(_canon(sub), 0)
        if not tokens or any(kind != "VAR" for _a, _b, kind, _v in tokens):
            raise ValueError("bad subscript")
        return tuple(v for _a, _b, _k, v in tokens), False, False
    if s.isalpha() and len(s) >= 2:
        # fx, zxy: a letter and the variables, as students write f_x
        letters = _variables_of(s[1:], names)
        if letters is not None:
            return letters, False, False
    if s.isalpha() and len(s) <= 2:
        return None, False, True
    raise ValueError("unreadable")


def _variables_of(text: str, names: Names) -> tuple[str, ...] | None:
    """The declared variables text splits into, or None."""
    tokens = names._split(_canon(text.strip("{}")), 0)
    if not tokens or any(kind != "VAR" for _a, _b, kind, _v in tokens):
        return None
    return tuple(v for _a, _b, _k, v in tokens)


def _subscript_operator(rest: str, names: Names) -> tuple[str, ...]:
    """The order of ∂_x f, ∂_{xy} f, ∂_x (rest is what follows '∂_', spaces removed)."""
    for k in range(len(rest), 0, -1):
        head = rest[k:]
        if head and not (head.isalpha() and len(head) <= 2):
            continue
        order = _variables_of(rest[:k], names)
        if order is not None:
            return order
    raise ValueError("bad subscript")


def _one_variable(text: str, names: Names) -> str:
    c = _canon(text)
    if c in names.by_canon:
        return names.by_canon[c]
    raise ValueError(f"unknown variable {text}")


# --------------------------------------------------------------------------- entry point


@lru_cache(maxsize=256)
def _names(variables: tuple[str, ...]) -> Names:
    """A problem's names, made once per tuple of variables (Names is not changed after)."""
    return Names(variables)


def parse(text: str, variables: Sequence[str]) -> Parsed:
    """Parse a student's answer (or a template's expression); raise ParseError on rejection."""
    if len(text) > limits.MAX_INPUT_CHARS:
        raise ParseError(
            message("too-long", length=len(text), limit=limits.MAX_INPUT_CHARS), 0, len(text)
        )
    norm, src = normalize(text)
    names = _names(tuple(variables))
    try:
        return _parse_normalized(text, norm, names)
    except _NormPos as exc:
        start = src[min(exc.nstart, len(src) - 1)]
        end = src[min(max(exc.nend, exc.nstart + 1), len(src) - 1)]
        if exc.nend > exc.nstart and exc.nend - 1 < len(src):
            end = src[exc.nend - 1] + 1
        readings = [_reading(r.text, names) for r in exc.readings]
        msg = exc.msg
        typed = text[start:end]
        if msg.code == "ambiguous" and typed.strip() != norm[exc.nstart : exc.nend].strip():
            msg = message("ambiguous", text=typed.strip())  # √2x, not 'sqrt 2x'
        if exc.naming is not None and typed != norm[exc.nstart : exc.nend]:
            msg = exc.naming(typed)
        raise ParseError(msg, start, max(end, start + 1), readings) from None
    except RecursionError:
        raise ParseError(message("too-deep", limit=limits.MAX_DEPTH), 0, len(text)) from None


def _reading(text: str, names: Names) -> Reading:
    try:
        parsed = _parse_normalized(text, text, names)
    except (_NormPos, RecursionError):
        return Reading(text=text, latex="")
    return Reading(text=text, latex=parsed_latex(parsed))


def _parse_normalized(text: str, norm: str, names: Names) -> Parsed:
    if not norm.strip():
        raise _at(message("empty"), 0, 0)
    end = len(norm.rstrip())
    if norm[end - 1] in "=.":
        # a trailing '=' or full stop (3x^2+y=, 3x^2+y.): nothing follows it
        norm = norm[: end - 1]
        if not norm.strip():
            raise _at(message("empty"), 0, 0)
    label_text, _body, offset = _split_label(norm)
    order: tuple[str, ...] | None = None
    gradient = False
    working: list[Message] = []
    if label_text.strip():
        try:
            order, gradient, names_function = _read_label(label_text, names)
        except ValueError:
            if not _is_working(label_text, names):
                raise _at(message("label-unreadable"), 0, offset - 1) from None
            # 3(1)^2+2 = 5: the arithmetic that led to the value, not a label
            names_function = False
            working.append(message("working-shown", work=label_text.strip()))
        if names_function:
            order = ()
    elif offset:
        raise _at(message("unexpected", text="="), offset - 1, offset)
    raw_tokens = lex(norm, offset)
    _check_scientific(norm, raw_tokens, names)
    tokens: list[Token] = []
    for idx, tok in enumerate(raw_tokens):
        if tok.kind == "NAME":
            nxt = raw_tokens[idx + 1].text if idx + 1 < len(raw_tokens) else ""
            try:
                tokens.extend(names.split(tok, nxt))
            except _NormPos:
                _unit_vectors(norm, offset, raw_tokens, names)
                raise
        else:
            tokens.append(tok)
    parser = Parser(norm, tokens, names)
    node = parser.parse()
    # without a vector in the tree there is nothing to distribute, and no number with a
    # decimal point without one in the text
    components = _vectorize(node) if parser.vectors else None
    warnings = _decimal_warnings(node) if "." in norm else []
    if "0" in norm:
        warnings += _undefined_warnings(node, norm)
    return Parsed(
        text=text,
        node=node,
        components=components,
        label=order,
        label_text="" if working else label_text.strip(),
        label_gradient=gradient,
        warnings=working + warnings,
    )


_UNITS = {"i": 0, "j": 1, "k": 2}


def _unit_vectors(norm: str, offset: int, tokens: list[Token], names: Names) -> None:
    """2x i + 2y j, 2xi+2yj, 2x𝐢 + 2y𝐣 (i, j, k not declared): raise the refusal that offers
    the vector <2x, 2y>, when every term holds exactly one unit vector; else return."""
    units = {u: n for u, n in _UNITS.items() if u not in names.by_canon}
    terms: list[tuple[str, int, int, int]] = []  # sign, start, end, unit position
    depth, start, sign, unit = 0, offset, "", -1
    prev: Token | None = None
    for tok in tokens:
        if tok.kind == "OP" and tok.text in "([{<":
            depth += 1
        elif tok.kind == "OP" and tok.text in ")]}>":
            depth -= 1
        ends_operand = prev is not None and (
            prev.kind in ("NUM", "NAME") or (prev.kind == "OP" and prev.text in ")]}>")
        )
        if (tok.kind == "END" or (tok.text in "+-" and tok.kind == "OP")) and depth == 0:
            if tok.kind == "END" or ends_operand:
                if unit < 0:
                    return
                terms.append((sign, start, tok.nstart, unit))
                sign, start, unit = (tok.text if tok.text == "-" else ""), tok.nend, -1
                prev = tok
                continue
        if tok.kind == "NAME":
            canon = _canon(tok.text)
            if canon[-1] in units and tok.text[-1] == canon[-1]:
                if names._split(canon, 0) is None and (
                    len(canon) == 1 or names._split(canon[:-1], 0) is not None
                ):
                    if unit >= 0 or depth:
                        return
                    unit = tok.nend - 1
        prev = tok
    if len(terms) < 2:
        return  # xi, 2x i: one term says too little to be a vector
    parts: dict[int, str] = {}
    for term_sign, a, b, at in terms:
        index = units[norm[at]]
        coefficient = (norm[a:at].rstrip().rstrip("*") + " " + norm[at + 1 : b].lstrip()).strip()
        coefficient = coefficient.lstrip("*").strip() or "1"
        if index in parts or coefficient.startswith(("/", "^")):
            return
        parts[index] = term_sign + coefficient
    size = max(2, max(parts) + 1)
    reading = "<" + ", ".join(parts.get(i, "0") for i in range(size)) + ">"
    if offset:
        reading = norm[:offset] + " " + reading
    first = min(t[3] for t in terms)
    last = max(t[3] for t in terms)
    raise _at(
        message("unit-vectors", reading=reading), first, last + 1, [Reading(text=reading, latex="")]
    )


def _is_working(label: str, names: Names) -> bool:
    """The part before '=' is a calculation with numbers only (3(1)^2+2 = 5)."""
    try:
        parsed = _parse_normalized(label, label, names)
    except (_NormPos, RecursionError):
        return False
    return not parsed.is_vector and not any(isinstance(n, Var) for n in walk(parsed.node))


# after a number, what a reading can be put next to without brackets
_OPEN_SIDE = ("", "+", "-", "(", "[", "{", "<", ",", "=")
_CLOSE_SIDE = ("", "+", "-", ")", "]", "}", ">", ",")


def _check_scientific(norm: str, tokens: list[Token], names: Names) -> None:
    """Refuse a number written right before e or E, a sign and digits (3.5e-2, 1e3, 2E5): it
    reads as Euler's number (3.5e - 2), but a student may mean scientific notation. The readings
    offered rewrite every such number in the answer, so that each reads as it is."""
    found: list[tuple[int, int, str, str, bool]] = []  # start, end, science, other, other ok
    for idx, num in enumerate(tokens):
        if num.kind != "NUM" or idx + 1 >= len(tokens):
            continue
        name = tokens[idx + 1]
        if name.kind != "NAME" or name.nstart != num.nend or name.text[0] not in "eE":
            continue
        letter = name.text[0]
        if len(name.text) == 1:
            # 3.5e-2: the sign and the digits are their own tokens, typed without spaces
            if idx + 3 >= len(tokens):
                continue
            sign, digits = tokens[idx + 2], tokens[idx + 3]
            if not (
                sign.kind == "OP"
                and sign.text in "+-"
                and sign.nstart == name.nend
                and digits.kind == "NUM"
                and digits.nstart == sign.nend
                and digits.text.isdigit()
            ):
                continue
            exponent, end = digits.text, digits.nend
            power = f"10^(-{exponent})" if sign.text == "-" else f"10^{exponent}"
            # the reading the grammar makes: the sign is an operator
            other = f"{num.text}{letter} {sign.text} {exponent}"
        else:
            # 1e3, 2E5x: the digits are in the letter run
            k = 1
            while k < len(name.text) and name.text[k].isdigit():
                k += 1
            if k == 1:
                continue
            exponent, end = name.text[1:k], name.nstart + k
            power = f"10^{exponent}"
            other = f"{num.text}{letter}^{exponent}"
        bare = (
            norm[: num.nstart].rstrip()[-1:] in _OPEN_SIDE
            and norm[end:].lstrip()[:1] in _CLOSE_SIDE
        )
        science = f"{num.text}*{power}" if bare else f"({num.text}*{power})"
        if len(name.text) > 1 and not bare:
            other = f"({other})"
        # e is Euler's number (or a declared e); E is something else only when declared
        found.append((num.nstart, end, science, other, letter == "e" or letter in names.by_canon))
    if not found:
        return

    def rewrite(pick: Callable[[tuple[int, int, str, str, bool]], str]) -> str:
        out, last = [], 0
        for item in found:
            out += [norm[last : item[0]], pick(item)]
            last = item[1]
        return ("".join(out) + norm[last:]).strip()

    start, end, science, _other, _ok = found[0]
    typed = norm[start:end]
    readings = [Reading(text=rewrite(lambda f: f[2]), latex="")]
    if all(f[4] for f in found):
        readings.append(Reading(text=rewrite(lambda f: f[3]), latex=""))
        raise _at(message("ambiguous", text=typed), start, end, readings)
    raise _at(message("scientific-notation", text=typed, reading=science), start, end, readings)


def _undefined_warnings(node: Node, norm: str) -> list[Message]:
    """A part written to have no value anywhere (1/0, x/(0), 0^(-1), ln(0)): such an answer is
    read and graded (wrong: it is defined nowhere, the key somewhere), and the preview says
    why before it costs an attempt."""
    for n in walk(node):
        if type(n) is BinOp:
            if n.op == "/" and const_value(n.right) == 0:
                return [message("undefined-division", text=norm[n.nstart : n.nend].strip())]
            if n.op == "^" and const_value(n.left) == 0:
                power = const_value(n.right)
                if power is not None and power < 0:
                    return [message("undefined-division", text=norm[n.nstart : n.nend].strip())]
        elif type(n) is Call and n.fn == "log" and const_value(n.arg) == 0:
            return [message("undefined-log", text=norm[n.nstart : n.nend].strip())]
    return []


def _decimal_warnings(node: Node) -> list[Message]:
    for n in walk(node):
        if isinstance(n, Num) and n.is_decimal and len(n.text.split(".")[1]) >= 2:
            v = n.value
            for q in range(2, 13):
                p = round(v * q)
                f = Fraction(p, q)
                if f != v and f.denominator == q and abs(v - f) <= Fraction(1, 100) * abs(f):
                    return [message("decimal-exact", text=n.text, fraction=f"{p}/{q}")]
    return []
