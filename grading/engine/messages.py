"""Every sentence the engine says to a person, in English and Korean, by stable code."""

from __future__ import annotations

from typing import Any

from grading.engine.types import Message

_TEXTS: dict[str, tuple[str, str]] = {
    # parsing
    "empty": ("Type an answer first.", "먼저 답을 입력하세요."),
    "too-long": (
        "The answer is too long ({length} characters; at most {limit}).",
        "답이 너무 깁니다 ({length}자, 최대 {limit}자).",
    ),
    "control-char": (
        "The answer contains an invisible control character at position {pos}; retype it.",
        "{pos}번째 위치에 보이지 않는 제어 문자가 있습니다. 다시 입력하세요.",
    ),
    "bad-char": (
        "The character '{char}' cannot be used here.",
        "'{char}' 문자는 여기에 쓸 수 없습니다.",
    ),
    "accented-letter": (
        "'{char}' cannot be read: letters with accents or marks are not variables here. "
        "Type plain letters, and write out what '{char}' stands for.",
        "'{char}'은(는) 읽을 수 없습니다. 악센트나 기호가 붙은 글자는 여기서 변수가 아닙니다. "
        "기호 없는 글자로 쓰고, '{char}'이(가) 나타내는 식을 풀어 쓰세요.",
    ),
    "superscript": (
        "'{char}' cannot be read: write powers with ^, e.g. {example}.",
        "'{char}'은(는) 읽을 수 없습니다. 거듭제곱은 ^로 쓰세요. 예: {example}",
    ),
    "special-character": (
        "'{char}' cannot be read here: type plain letters and signs, and write a subscript "
        "with _, e.g. f_x.",
        "'{char}'은(는) 여기서 읽을 수 없습니다. 일반 글자와 기호로 쓰고, 아래 첨자는 f_x처럼 "
        "_로 쓰세요.",
    ),
    "factorial": (
        "Factorials (!) are not used in these answers.",
        "이 답에는 계승(!)을 쓰지 않습니다.",
    ),
    "too-many-tokens": (
        "The answer is too long to read (more than {limit} symbols).",
        "답이 너무 길어 읽을 수 없습니다 (기호 {limit}개 초과).",
    ),
    "too-many-nodes": (
        "The expression is too large (more than {limit} parts).",
        "식이 너무 큽니다 (구성 요소 {limit}개 초과).",
    ),
    "too-deep": (
        "The expression is nested too deeply (more than {limit} levels).",
        "식의 중첩이 너무 깊습니다 ({limit}단계 초과).",
    ),
    "number-too-long": (
        "This number is too long (at most {limit} digits).",
        "숫자가 너무 깁니다 (최대 {limit}자리).",
    ),
    "power-too-large": (
        "This power is too large to work with.",
        "이 거듭제곱은 너무 커서 다룰 수 없습니다.",
    ),
    "exponent-too-large": (
        "Exponents on variables must stay between -{limit} and {limit}.",
        "변수의 지수는 -{limit}에서 {limit} 사이여야 합니다.",
    ),
    "bad-number": ("'{text}' is not a number.", "'{text}'은(는) 올바른 숫자가 아닙니다."),
    "two-numbers": (
        "Two numbers in a row: write an operator between them.",
        "숫자 두 개가 연달아 있습니다. 사이에 연산자를 쓰세요.",
    ),
    "unexpected-end": (
        "The answer ends too early: something is missing after '{after}'.",
        "답이 너무 일찍 끝납니다. '{after}' 뒤에 무언가 빠졌습니다.",
    ),
    "unexpected": ("Unexpected '{text}' here.", "여기에 '{text}'이(가) 올 수 없습니다."),
    "unclosed": (
        "This '{open}' is never closed: add '{close}'.",
        "이 '{open}'이(가) 닫히지 않았습니다. '{close}'를 추가하세요.",
    ),
    "unopened": (
        "This '{text}' closes nothing.",
        "이 '{text}'에 맞는 여는 괄호가 없습니다.",
    ),
    "mismatched": (
        "'{open}' is closed by '{text}': use '{close}'.",
        "'{open}'을(를) '{text}'(으)로 닫았습니다. '{close}'를 쓰세요.",
    ),
    "empty-parens": ("Empty brackets: put something inside.", "빈 괄호입니다. 안에 식을 쓰세요."),
    "unknown-function": (
        "Unknown function '{name}': did you mean {suggestion}?",
        "알 수 없는 함수 '{name}': {suggestion}을(를) 뜻했나요?",
    ),
    "unknown-function-plain": (
        "Unknown function '{name}'.",
        "알 수 없는 함수 '{name}'입니다.",
    ),
    "unknown-variable": (
        "This problem uses {allowed}, not {name}.",
        "이 문제의 변수는 {allowed_ko}입니다. {name}은(는) 쓰지 않습니다.",
    ),
    "unknown-name": (
        "Unknown name '{name}': did you mean {suggestion}?",
        "알 수 없는 이름 '{name}': {suggestion}을(를) 뜻했나요?",
    ),
    "name-then-digits": (
        "'{text}' is unclear: write {name}^{digits} or {name}*{digits}.",
        "'{text}'은(는) 뜻이 모호합니다. {name}^{digits} 또는 {name}*{digits}로 쓰세요.",
    ),
    "log-base": (
        "'{text}' is not available: log and ln are the natural logarithm. "
        "For the logarithm to base {digits}, write ln(x)/ln({digits}).",
        "'{text}'은(는) 쓸 수 없습니다. log와 ln은 자연로그입니다. "
        "밑이 {digits}인 로그는 ln(x)/ln({digits})처럼 쓰세요.",
    ),
    "log-digits": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x). For the logarithm to base {digits}, write ln(x)/ln({digits}).",
        "'{text}'은(는) 읽을 수 없습니다. {name}의 인수를 괄호로 감싸세요. 예: {name}({digits}x). "
        "밑이 {digits}인 로그는 ln(x)/ln({digits})처럼 쓰세요.",
    ),
    "function-digits": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x), and write a power of {name} as {name}^{digits}(x).",
        "'{text}'은(는) 읽을 수 없습니다. {name}의 인수를 괄호로 감싸세요. 예: {name}({digits}x). "
        "{name}의 거듭제곱은 {name}^{digits}(x)처럼 씁니다.",
    ),
    "function-digits-plain": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x).",
        "'{text}'은(는) 읽을 수 없습니다. {name}의 인수를 괄호로 감싸세요. 예: {name}({digits}x).",
    ),
    "function-needs-parens": (
        "Put the argument of {name} in parentheses, like {name}(x).",
        "{name}의 인수를 괄호로 감싸세요. 예: {name}(x)",
    ),
    "function-arity": (
        "{name} takes one argument ({name} is the natural logarithm).",
        "{name}은(는) 인수를 하나만 받습니다 ({name}은(는) 자연로그입니다).",
    ),
    "function-arity-plain": ("{name} takes one argument.", "{name}은(는) 인수를 하나만 받습니다."),
    "ambiguous": (
        "'{text}' can be read in more than one way: which did you mean?",
        "'{text}'은(는) 여러 가지로 읽을 수 있습니다. 어느 것을 뜻했나요?",
    ),
    "scientific-notation": (
        "'{text}' cannot be read: scientific notation is not used here. Write {reading}.",
        "'{text}'은(는) 읽을 수 없습니다. 과학적 표기법은 여기서 쓰지 않습니다. {reading}처럼 "
        "쓰세요.",
    ),
    "vector-not-expected": (
        "The answer should be a single expression, not a vector.",
        "답은 벡터가 아니라 하나의 식이어야 합니다.",
    ),
    "vector-expected": (
        "The answer should be a vector with {n} components, like <a, b>.",
        "답은 성분이 {n}개인 벡터여야 합니다. 예: <a, b>",
    ),
    "vector-size": (
        "The vector has {got} components; {n} are asked for.",
        "벡터의 성분이 {got}개입니다. {n}개가 필요합니다.",
    ),
    "vector-misuse": (
        "A vector can only be multiplied or divided by a number or expression here.",
        "벡터에는 수나 식을 곱하거나 나누는 것만 할 수 있습니다.",
    ),
    "vector-nested": ("Vectors cannot contain vectors.", "벡터 안에 벡터를 넣을 수 없습니다."),
    "number-expected": (
        "The answer should be a number: it still contains {name}.",
        "답은 숫자여야 합니다. 아직 {name}이(가) 남아 있습니다.",
    ),
    "label-unreadable": (
        "The label before '=' cannot be read: write just the expression, or a label like f_x =.",
        "'=' 앞의 표기를 읽을 수 없습니다. 식만 쓰거나 f_x = 처럼 쓰세요.",
    ),
    "label-mismatch": (
        "Your answer is labelled {label}, but the question asks for {asked}.",
        "답에 {label}(이)라고 썼지만 문제는 {asked}을(를) 묻습니다.",
    ),
    "label-function": (
        "The label names the function itself; the question asks for {asked}.",
        "표기가 함수 자체를 가리킵니다. 문제는 {asked}을(를) 묻습니다.",
    ),
    "many-equals": ("Use '=' at most once.", "'='는 한 번만 쓰세요."),
    # warnings
    "decimal-exact": (
        "Decimals are taken exactly: {text} is not {fraction}.",
        "소수는 그대로 계산됩니다: {text}은(는) {fraction}과(와) 같지 않습니다.",
    ),
    "label-accepted": (
        "Read the label {label} and graded the expression after '='.",
        "{label} 표기를 읽고 '=' 뒤의 식을 채점했습니다.",
    ),
    # grading reasons
    "too-few-points": (
        "Could not decide: the key is defined at too few sample points ({points}).",
        "판정할 수 없습니다: 정답 식이 정의되는 표본점이 너무 적습니다 ({points}개).",
    ),
    "key-invalid": (
        "The answer key could not be computed: {detail}",
        "정답을 계산할 수 없습니다: {detail}",
    ),
    # why a variant is not shown (variant_check; read by instructors)
    "key-not-accepted": (
        "The engine does not accept the answer key {key} as right: {detail}",
        "채점기가 정답 식 {key} 을(를) 정답으로 받아들이지 않습니다: {detail}",
    ),
    "key-slow": (
        "Grading the answer key takes over 1 s.",
        "정답 식을 채점하는 데 1초 넘게 걸립니다.",
    ),
    "mistake-accepted": (
        "A typical mistake would be graded as right: it gives {text}, as the key does in this "
        "variant. The mistake: “{mistake}” Change the parameters or the point.",
        "전형적인 실수가 정답으로 채점됩니다: 이 변형에서는 실수의 답 {text} 이(가) 정답과 "
        "같습니다. 실수: “{mistake}” 매개변수나 점을 바꾸세요.",
    ),
    "mistake-undecided": (
        "A typical mistake cannot be told apart from the key: {text}. The mistake: "
        "“{mistake}” Change the parameters or the point.",
        "전형적인 실수를 정답과 구별할 수 없습니다: {text}. 실수: “{mistake}” "
        "매개변수나 점을 바꾸세요.",
    ),
    "undefined-answer": (
        "Your answer is undefined at a point where the correct answer is defined.",
        "정답이 정의되는 점에서 답이 정의되지 않습니다.",
    ),
    "differs": (
        "Your answer differs from the correct one, for example at {point}.",
        "답이 정답과 다릅니다. 예: {point}에서",
    ),
    "differs-symbolic": (
        "Your answer differs from the correct one by a small nonzero amount.",
        "답이 정답과 아주 작지만 0이 아닌 만큼 다릅니다.",
    ),
    "outside-tolerance": (
        "Your value is outside the allowed tolerance ({tolerance}).",
        "값이 허용 오차({tolerance})를 벗어납니다.",
    ),
    "component-differs": (
        "Component {index} of your vector is not right.",
        "벡터의 {index}번째 성분이 틀렸습니다.",
    ),
}


def message(code: str, **params: Any) -> Message:
    en, ko = _TEXTS[code]
    return Message(code=code, en=en.format(**params), ko=ko.format(**params))


def message_each(code: str, en: dict[str, Any], ko: dict[str, Any]) -> Message:
    """A message whose fields differ by language (a detail that is itself a Message)."""
    en_text, ko_text = _TEXTS[code]
    return Message(code=code, en=en_text.format(**en), ko=ko_text.format(**ko))
