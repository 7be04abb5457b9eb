"""Every sentence the engine says to a person, in English and Korean, by stable code: why an
answer cannot be read, why it is wrong, what keeps a variant from use, and the typical mistakes
that diagnosis.py names.

The Korean follows docs/glossary-ko.md. A Korean particle that depends on the last sound of the
word before it (은/는, 이/가, 을/를, 와/과, 으로/로) never follows a placeholder, since a
placeholder can be a formula read either way; a noun goes between ('(' 괄호를, '{text}' 식은),
or the sentence is turned around ("…입니다: {name}"). Particles that never change (에, 의, 에서,
만, 처럼) and the copula (입니다, 인, 이고) may. tests/test_korean.py holds every text to this."""

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
        "'{char}' 문자는 읽을 수 없습니다. 악센트나 기호가 붙은 글자는 여기서 변수로 쓰지 "
        "않습니다. 기호 없는 글자로 쓰고, '{char}' 문자가 나타내는 식을 풀어 쓰세요.",
    ),
    "superscript": (
        "'{char}' cannot be read: write powers with ^, e.g. {example}.",
        "'{char}' 문자는 읽을 수 없습니다. 거듭제곱은 ^ 기호로 쓰세요. 예: {example}",
    ),
    "special-character": (
        "'{char}' cannot be read here: type plain letters and signs, and write a subscript "
        "with _, e.g. f_x.",
        "'{char}' 문자는 여기서 읽을 수 없습니다. 일반 글자와 기호로 쓰고, 아래 첨자는 "
        "f_x처럼 _ 기호로 쓰세요.",
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
    "bad-number": ("'{text}' is not a number.", "'{text}' 부분은 올바른 숫자가 아닙니다."),
    "two-numbers": (
        "Two numbers in a row: write an operator between them.",
        "숫자 두 개가 연달아 있습니다. 사이에 연산자를 쓰세요.",
    ),
    "unexpected-end": (
        "The answer ends too early: something is missing after '{after}'.",
        "답이 너무 일찍 끝납니다. '{after}' 뒤에 무언가 빠졌습니다.",
    ),
    "unexpected": ("Unexpected '{text}' here.", "여기에는 '{text}' 부분이 올 수 없습니다."),
    "unclosed": (
        "This '{open}' is never closed: add '{close}'.",
        "이 '{open}' 괄호가 닫히지 않았습니다. '{close}' 괄호를 추가하세요.",
    ),
    "unopened": (
        "This '{text}' closes nothing.",
        "이 '{text}' 괄호에 맞는 여는 괄호가 없습니다.",
    ),
    "mismatched": (
        "'{open}' is closed by '{text}': use '{close}'.",
        "'{open}' 괄호를 '{text}' 괄호로 닫았습니다. '{close}' 괄호로 닫으세요.",
    ),
    "empty-parens": ("Empty brackets: put something inside.", "빈 괄호입니다. 안에 식을 쓰세요."),
    "unknown-function": (
        "Unknown function '{name}': did you mean {suggestion}?",
        "알 수 없는 함수입니다: '{name}'. 혹시 {suggestion}인가요?",
    ),
    "unknown-function-plain": (
        "Unknown function '{name}'.",
        "알 수 없는 함수입니다: '{name}'.",
    ),
    "unknown-variable": (
        "This problem uses {allowed}, not {name}.",
        "이 문제의 변수는 {allowed_ko}입니다 (입력한 문자: {name}).",
    ),
    "constant-of-integration": (
        "A derivative has no constant of integration: remove + C.",
        "도함수에는 적분상수가 없습니다. + C 부분을 지우세요.",
    ),
    "unit-vectors": (
        "i and j are unit vectors, not variables here: write the vector with its components, "
        "like {reading}.",
        "여기서 i, j는 변수가 아니라 단위 벡터입니다. 벡터는 성분으로 쓰세요. 예: {reading}",
    ),
    "no-variables": (
        "This expression has no variables: {name} is not a number or a known function.",
        "이 식에는 변수가 없습니다 (입력한 문자: {name}).",
    ),
    "unknown-name": (
        "Unknown name '{name}': did you mean {suggestion}?",
        "알 수 없는 이름입니다: '{name}'. 혹시 {suggestion}인가요?",
    ),
    "name-then-digits": (
        "'{text}' is unclear: write {name}^{digits} or {name}*{digits}.",
        "'{text}' 표기는 뜻이 모호합니다. {name}^{digits} 또는 {name}*{digits}처럼 쓰세요.",
    ),
    "log-base": (
        "'{text}' is not available: log and ln are the natural logarithm. "
        "For the logarithm to base {digits}, write ln(x)/ln({digits}).",
        "'{text}' 표기는 쓸 수 없습니다. log와 ln은 자연로그입니다. "
        "밑이 {digits}인 로그는 ln(x)/ln({digits})처럼 쓰세요.",
    ),
    "log-digits": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x). For the logarithm to base {digits}, write ln(x)/ln({digits}).",
        "'{text}' 표기는 읽을 수 없습니다. {name} 뒤의 식을 괄호로 감싸세요. "
        "예: {name}({digits}x). 밑이 {digits}인 로그는 ln(x)/ln({digits})처럼 쓰세요.",
    ),
    "function-digits": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x), and write a power of {name} as {name}^{digits}(x).",
        "'{text}' 표기는 읽을 수 없습니다. {name} 뒤의 식을 괄호로 감싸세요. "
        "예: {name}({digits}x). {name}의 거듭제곱은 {name}^{digits}(x)처럼 씁니다.",
    ),
    "function-digits-plain": (
        "'{text}' cannot be read: put the argument of {name} in parentheses, "
        "like {name}({digits}x).",
        "'{text}' 표기는 읽을 수 없습니다. {name} 뒤의 식을 괄호로 감싸세요. "
        "예: {name}({digits}x).",
    ),
    "function-needs-parens": (
        "Put the argument of {name} in parentheses, like {name}(x).",
        "{name} 뒤의 식을 괄호로 감싸세요. 예: {name}(x)",
    ),
    "function-arity": (
        "{name} takes one argument ({name} is the natural logarithm).",
        "{name} 함수의 괄호 안에는 식을 하나만 씁니다 ({name} 함수는 자연로그입니다).",
    ),
    "function-arity-plain": (
        "{name} takes one argument.",
        "{name} 함수의 괄호 안에는 식을 하나만 씁니다.",
    ),
    "ambiguous": (
        "'{text}' can be read in more than one way: which did you mean?",
        "'{text}' 식은 여러 가지로 읽힐 수 있습니다. 아래에서 의도한 식을 고르세요.",
    ),
    "scientific-notation": (
        "'{text}' cannot be read: scientific notation is not used here. Write {reading}.",
        "'{text}' 표기는 읽을 수 없습니다. 여기서는 과학적 표기법을 쓰지 않습니다. "
        "{reading}처럼 쓰세요.",
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
        "답은 숫자여야 하는데 아직 변수가 남아 있습니다: {name}",
    ),
    "label-unreadable": (
        "The label before '=' cannot be read: write just the expression, or a label like f_x =.",
        "'=' 앞의 표기를 읽을 수 없습니다. 식만 쓰거나, 식 앞에 f_x = 처럼 쓰세요.",
    ),
    "label-mismatch": (
        "Your answer is labelled {label}, but the question asks for {asked}.",
        "답 앞에 쓴 표기는 {label}이지만, 이 문제에서 구할 것은 {asked}입니다.",
    ),
    "label-function": (
        "The label names the function itself; the question asks for {asked}.",
        "답 앞의 표기가 함수 자체를 가리킵니다. 이 문제에서 구할 것은 {asked}입니다.",
    ),
    "many-equals": ("Use '=' at most once.", "등호(=)는 한 번만 쓰세요."),
    # warnings
    "working-shown": (
        "Read {work} as your working and graded the value after '='.",
        "'=' 앞의 {work} 부분은 풀이 과정으로 보고 '=' 뒤의 값을 채점했습니다.",
    ),
    "decimal-exact": (
        "Decimals are taken exactly: {text} is not {fraction}.",
        "소수는 적힌 값 그대로 계산합니다 ({text} ≠ {fraction}).",
    ),
    "undefined-division": (
        "{text} divides by 0, so it has no value: graded as it is, it is wrong.",
        "{text}에서 0으로 나누므로 값이 없습니다. 이대로 채점하면 틀린 답이 됩니다.",
    ),
    "undefined-log": (
        "{text} is the logarithm of 0, which has no value: graded as it is, it is wrong.",
        "{text}에서 0의 로그를 구하므로 값이 없습니다. 이대로 채점하면 틀린 답이 됩니다.",
    ),
    "label-accepted": (
        "Read the label {label} and graded the expression after it.",
        "답 앞의 {label} 표기를 확인하고 그 뒤의 식을 채점했습니다.",
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
    # why a task's key cannot be computed (compiled.KeyInvalid; the detail of key-invalid)
    "key-single": (
        "the function must be a single expression",
        "함수는 하나의 식이어야 합니다",
    ),
    "key-needs-wrt": (
        "a function needs wrt (the variables to differentiate by)",
        "함수에는 미분할 변수(wrt)가 필요합니다",
    ),
    "key-wrt-undeclared": (
        "wrt names undeclared variables: {names}",
        "미분할 변수 중 선언하지 않은 변수가 있습니다: {names}",
    ),
    "key-no-source": (
        "a task needs a reference or a function",
        "문제에는 정답 식이나 함수가 있어야 합니다",
    ),
    "key-point-undeclared": (
        "the point names an undeclared variable: {name}",
        "점에 선언하지 않은 변수가 있습니다: {name}",
    ),
    "key-point-missing": (
        "the point has no value for {names}",
        "점에 값이 없는 변수가 있습니다: {names}",
    ),
    "key-not-finite": ("the key is not real and finite", "정답이 유한한 실수가 아닙니다"),
    "key-unsupported": (
        "the key uses {what}, which cannot be graded",
        "정답 식에 채점할 수 없는 부분이 있습니다: {what}",
    ),
    "key-undefined-at-point": (
        "the key is undefined at the given point",
        "주어진 점에서 정답이 정의되지 않습니다",
    ),
    "key-unreadable": ("'{text}': {why}", "'{text}': {why}"),
    # why a variant is not shown (variant_check; read by instructors)
    "key-not-accepted": (
        "The engine does not accept the answer key {key} as right: {detail}",
        "채점기가 정답 식을 맞는 답으로 채점하지 않습니다 (정답 식: {key}). 이유: {detail}",
    ),
    "key-slow": (
        "Grading the answer key takes over 1 s.",
        "정답 식을 채점하는 데 1초 넘게 걸립니다.",
    ),
    "mistake-accepted": (
        "A typical mistake would be graded as right: it gives {text}, as the key does in this "
        "variant. The mistake: “{mistake}” Change the parameters or the point.",
        "전형적인 실수가 정답으로 채점됩니다. 이 변형에서는 실수로 얻는 답이 정답과 같습니다: "
        "{text}. 실수: “{mistake}” 매개변수나 점을 바꾸세요.",
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
        "답이 정답과 같지 않습니다. 예를 들어 {point}에서 값이 다릅니다.",
    ),
    "differs-symbolic": (
        "Your answer differs from the correct one by a small nonzero amount.",
        "답과 정답의 차이가 아주 작지만 0은 아닙니다.",
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


# --------------------------------------------------------------------------- typical mistakes

# (code, variant) -> (English, Korean); {v} is the variable of the step, {others} the variables held
# constant, other fields come from the site. The Korean follows the rule of the module docstring
# (a particle after a closing parenthesis belongs to the word before it: 곱해진 상수({factor})를).
_MISTAKES: dict[str, tuple[str, str]] = {
    "wrong-variable": (
        "You differentiated with respect to {u} instead of {v}.",
        "{v}에 대해 미분해야 하는데 {u}에 대해 미분했습니다.",
    ),
    "wrong-variable:order": (
        "This is {got}, not {want}: check the variable of each differentiation.",
        "이 답은 {got}입니다. 구해야 하는 것은 {want}이므로 각 단계에서 미분하는 변수를 "
        "확인하세요.",
    ),
    "wrong-variable-term": (
        "In one term you differentiated with respect to {u} instead of {v}.",
        "한 항을 {v}에 대해 미분하지 않고 {u}에 대해 미분했습니다.",
    ),
    "held-variable-differentiated": (
        "You also differentiated with respect to {others}. For the partial derivative with "
        "respect to {v}, hold {others} constant.",
        "{others}에 대해서도 미분했습니다. {v}에 대해 편미분할 때는 나머지 변수({others})를 "
        "상수로 둡니다.",
    ),
    "constant-differentiated": (
        "You differentiated a part that contains only {others}. With respect to {v} it is a "
        "constant: a constant term has derivative 0 and a constant factor stays as it is.",
        "{others}만 들어 있는 부분까지 미분했습니다. {v}에 대해 미분할 때 그 부분은 상수이므로 "
        "상수항의 도함수는 0이고, 곱해진 상수는 그대로 남습니다.",
    ),
    "constant-differentiated:generic": (
        "You differentiated a part that does not contain the variable of differentiation. It is "
        "a constant: a constant term has derivative 0 and a constant factor stays as it is.",
        "미분하는 변수가 들어 있지 않은 부분까지 미분했습니다. 그 부분은 상수이므로 상수항의 "
        "도함수는 0이고, 곱해진 상수는 그대로 남습니다.",
    ),
    "held-variable-dropped": (
        "You dropped terms that contain {others}. Holding {others} constant means treating it "
        "like a number, not setting it to 0.",
        "{others}에 관한 항을 빠뜨렸습니다. 상수로 둔다는 것은 0으로 놓는다는 뜻이 아니라 "
        "하나의 수처럼 다룬다는 뜻입니다.",
    ),
    "held-factor-dropped": (
        "You dropped the constant factor {factor}. A constant factor stays in the derivative.",
        "곱해진 상수({factor})를 빠뜨렸습니다. 곱해진 상수는 미분한 뒤에도 그대로 남습니다.",
    ),
    "held-factor-dropped:generic": (
        "You dropped a constant factor. A constant factor stays in the derivative.",
        "곱해진 상수를 빠뜨렸습니다. 곱해진 상수는 미분한 뒤에도 그대로 남습니다.",
    ),
    "exp-as-power": (
        "e^u is not a power of u: (e^u)′ = e^u·u′, not u·e^(u−1).",
        "e^u는 u의 거듭제곱이 아닙니다. (e^u)′ = e^u·u′이고, u·e^(u−1)이 아닙니다.",
    ),
    "exp-as-power:base": (
        "With the variable in the exponent, a^u is not a power of u: (a^u)′ = a^u·ln(a)·u′.",
        "지수에 변수가 있는 a^u에는 거듭제곱의 미분법을 쓸 수 없습니다. "
        "(a^u)′ = a^u·ln(a)·u′입니다.",
    ),
    "exp-log-factor": (
        "(a^u)′ = a^u·ln(a)·u′: the factor ln({a}) is missing.",
        "(a^u)′ = a^u·ln(a)·u′입니다. 곱해야 하는 ln({a}) 부분이 빠졌습니다.",
    ),
    "exp-log-factor:divided": (
        "(a^u)′ = a^u·ln(a)·u′: multiply by ln({a}), do not divide by it.",
        "(a^u)′ = a^u·ln(a)·u′입니다. ln({a}) 값으로 나누지 말고 곱하세요.",
    ),
    "log-rule": (
        "(ln u)′ = u′/u, not 1/u′.",
        "(ln u)′ = u′/u이고, 1/u′이 아닙니다.",
    ),
    "log-rule:squared": (
        "(ln u)′ = u′/u: the denominator is u, not u².",
        "(ln u)′ = u′/u이므로 분모는 u²이 아니라 u입니다.",
    ),
    "trig-sign": (
        "Check the sign: (sin u)′ = cos u·u′ and (cos u)′ = −sin u·u′.",
        "부호를 확인하세요. (sin u)′ = cos u·u′이고 (cos u)′ = −sin u·u′입니다.",
    ),
    "trig-rule": (
        "(tan u)′ = sec²u·u′ = u′/cos²u, not tan²u·u′.",
        "(tan u)′ = sec²u·u′ = u′/cos²u이고, tan²u·u′이 아닙니다.",
    ),
    "quotient-rule-quotient": (
        "The derivative of a quotient is not the quotient of the derivatives: "
        "(f/g)′ = (f′g − fg′)/g².",
        "몫의 도함수는 도함수의 몫이 아닙니다. (f/g)′ = (f′g − fg′)/g²입니다.",
    ),
    "quotient-rule-sign": (
        "Quotient rule: (f/g)′ = (f′g − fg′)/g². Check the sign and the order of the terms in "
        "the numerator.",
        "몫의 미분법: (f/g)′ = (f′g − fg′)/g²입니다. 분자에 있는 두 항의 부호와 순서를 확인하세요.",
    ),
    "quotient-rule-sign:reciprocal": (
        "Check the sign: (1/g)′ = −g′/g².",
        "부호를 확인하세요. (1/g)′ = −g′/g²입니다.",
    ),
    "quotient-rule-denominator": (
        "Quotient rule: the denominator is squared: (f/g)′ = (f′g − fg′)/g².",
        "몫의 미분법에서는 분모를 제곱합니다. (f/g)′ = (f′g − fg′)/g²입니다.",
    ),
    "quotient-rule-denominator:reciprocal": (
        "The denominator is squared: (1/g)′ = −g′/g².",
        "분모를 제곱해야 합니다. (1/g)′ = −g′/g²입니다.",
    ),
    "quotient-rule-term-dropped": (
        "Quotient rule: (f/g)′ = (f′g − fg′)/g². A term of the numerator is missing.",
        "몫의 미분법: (f/g)′ = (f′g − fg′)/g²인데 분자의 한 항이 빠졌습니다.",
    ),
    "product-rule-product": (
        "The derivative of a product is not the product of the derivatives: (fg)′ = f′g + fg′.",
        "곱의 도함수는 도함수의 곱이 아닙니다. (fg)′ = f′g + fg′입니다.",
    ),
    "product-rule-sign": (
        "Product rule: the two terms are added: (fg)′ = f′g + fg′.",
        "곱의 미분법에서는 두 항을 더합니다. (fg)′ = f′g + fg′입니다.",
    ),
    "product-rule-term-dropped": (
        "Product rule: (fg)′ = f′g + fg′. One of the terms is missing.",
        "곱의 미분법: (fg)′ = f′g + fg′인데 한 항이 빠졌습니다.",
    ),
    "power-rule": (
        "Power rule: lower the exponent by one: (u^n)′ = n·u^(n−1)·u′.",
        "거듭제곱의 미분법: 지수를 1만큼 줄여야 합니다. (u^n)′ = n·u^(n−1)·u′입니다.",
    ),
    "power-rule-coefficient": (
        "Power rule: bring the exponent down as a factor: (u^n)′ = n·u^(n−1)·u′.",
        "거듭제곱의 미분법: 지수를 앞으로 내려 곱해야 합니다. (u^n)′ = n·u^(n−1)·u′입니다.",
    ),
    "missing-factor-2:square": (
        "(u²)′ = 2u·u′: the factor 2 is missing.",
        "(u²)′ = 2u·u′입니다. 앞에 곱하는 2가 빠졌습니다.",
    ),
    "power-rule-new-exponent": (
        "Power rule: the factor in front is the original exponent n, not n−1: "
        "(u^n)′ = n·u^(n−1)·u′.",
        "거듭제곱의 미분법: 앞에 곱하는 수는 n−1이 아니라 원래 지수 n입니다. "
        "(u^n)′ = n·u^(n−1)·u′입니다.",
    ),
    "power-rule-exponent-raised": (
        "Power rule: subtract one from the exponent, also when it is negative: "
        "(x^(−2))′ = −2x^(−3).",
        "거듭제곱의 미분법: 지수가 음수여도 1을 뺍니다. (x^(−2))′ = −2x^(−3)입니다.",
    ),
    "power-rule-power-dropped": (
        "Power rule: keep the power u^(n−1): (u^n)′ = n·u^(n−1)·u′.",
        "거듭제곱의 미분법: u^(n−1)을 남겨야 합니다. (u^n)′ = n·u^(n−1)·u′입니다.",
    ),
    "power-rule-denominator": (
        "Write 1/u^n as u^(−n) and use the power rule: (u^(−n))′ = −n·u^(−n−1)·u′. "
        "Differentiating the denominator alone is not enough.",
        "1/u^n은 u^(−n)으로 바꾸어 미분하세요. (u^(−n))′ = −n·u^(−n−1)·u′이며, "
        "분모만 미분하면 안 됩니다.",
    ),
    "missing-chain-factor": (
        "Chain rule: multiply by the derivative of the inner function {inner}.",
        "연쇄법칙: 안쪽 함수 {inner}의 도함수를 곱해야 합니다.",
    ),
    "missing-chain-factor:generic": (
        "Chain rule: multiply by the derivative of the inner function.",
        "연쇄법칙: 안쪽 함수의 도함수를 곱해야 합니다.",
    ),
    "chain-outer-missing": (
        "Chain rule: you multiplied by the derivative of the inside but did not differentiate "
        "the outer function {outer}.",
        "연쇄법칙: 안쪽 함수의 도함수는 곱했지만 바깥 함수({outer})는 미분하지 않았습니다.",
    ),
    "chain-outer-missing:generic": (
        "Chain rule: you multiplied by the derivative of the inside but did not differentiate "
        "the outer function.",
        "연쇄법칙: 안쪽 함수의 도함수는 곱했지만 바깥 함수는 미분하지 않았습니다.",
    ),
    "chain-argument-replaced": (
        "Chain rule: (f(u))′ = f′(u)·u′. Keep the inner function u as the argument; do not "
        "replace it by u′.",
        "연쇄법칙: (f(u))′ = f′(u)·u′입니다. 바깥 함수 안의 식은 u 그대로 두고, u′로 바꾸지 "
        "마세요.",
    ),
    "missing-differentiation": (
        "One differentiation is missing: this is {got}, not {want}.",
        "미분을 한 번 덜 했습니다. 이 답은 {got}이고, 구해야 하는 것은 {want}입니다.",
    ),
    "function-returned": (
        "This is the function itself, not its derivative.",
        "이것은 도함수가 아니라 주어진 함수 자체입니다.",
    ),
    "antiderivative": (
        "You integrated with respect to {v} instead of differentiating.",
        "{v}에 대해 미분하지 않고 적분했습니다.",
    ),
    "sign-error": (
        "The sign of your answer is wrong.",
        "답의 부호가 반대입니다.",
    ),
    "sign-error:term": (
        "One term has the wrong sign.",
        "한 항의 부호가 틀렸습니다.",
    ),
    "sign-error:component": (
        "The sign of component {i} is wrong.",
        "{i}번째 성분의 부호가 틀렸습니다.",
    ),
    "missing-factor-2": (
        "Your answer is half the correct one: a factor 2 is missing.",
        "답이 정답의 절반입니다. 2를 곱하는 것을 빠뜨렸습니다.",
    ),
    "doubled": (
        "Your answer is twice the correct one: check for an extra factor 2.",
        "답이 정답의 두 배입니다. 2를 한 번 더 곱하지 않았는지 확인하세요.",
    ),
    "gradient-swapped": (
        "The components are in the wrong order: the gradient lists the partial derivatives in "
        "the order {order}.",
        "성분의 순서가 바뀌었습니다. 기울기 벡터는 편도함수를 {order} 순서로 씁니다.",
    ),
    "gradient-swapped:vector": (
        "Two components are in the wrong order.",
        "두 성분의 순서가 바뀌었습니다.",
    ),
    # the same mistakes said of a whole gradient (the same slip in every component)
    "held-variable-differentiated:generic": (
        "You differentiated with respect to every variable at once. For a partial derivative, "
        "hold the other variables constant.",
        "모든 변수에 대해 한꺼번에 미분했습니다. 편미분할 때는 나머지 변수를 상수로 둡니다.",
    ),
    "held-variable-dropped:generic": (
        "You dropped the terms that contain the other variables. Holding a variable constant "
        "means treating it like a number, not setting it to 0.",
        "다른 변수에 관한 항을 빠뜨렸습니다. 상수로 둔다는 것은 0으로 놓는다는 뜻이 아니라 "
        "하나의 수처럼 다룬다는 뜻입니다.",
    ),
    "antiderivative:generic": (
        "You integrated instead of differentiating.",
        "미분하지 않고 적분했습니다.",
    ),
}


def mistake(code: str, variant: str = "", **fields: str) -> Message:
    """The sentence that names a typical mistake (diagnosis.CODES), in one of its variants."""
    en, ko = _MISTAKES[f"{code}:{variant}" if variant else code]
    return Message(code=code, en=en.format(**fields), ko=ko.format(**fields))


def in_component(message: Message, v: str) -> Message:
    """The same message, said of one component of a gradient (the derivative by v)."""
    return Message(
        code=message.code,
        en=f"In ∂f/∂{v}: {message.en}",
        ko=f"∂f/∂{v} 성분: {message.ko}",
    )


# --------------------------------------------------------------------------- worked solutions

# The rules of differentiation that a worked solution applies (derivation.py) and a hint names
# (hints.py), by name: the rule's name and what follows it in a step's sentence, in English,
# then in Korean. A step says "Name: what the rule says."; a hint lists the names, joined by
# arrows, so that no particle follows them. {v} is the variable differentiated by.
_RULES: dict[str, tuple[str, str, str, str]] = {
    "sum": (
        "sum rule",
        ": differentiate term by term.",
        "합의 미분법",
        ": 항마다 따로 미분합니다.",
    ),
    "constant": (
        "constant multiple rule",
        ": a factor without {v} is a constant and stays in front.",
        "상수배의 미분법",
        ": 변수({v})가 없는 인수는 상수이므로 앞에 그대로 둡니다.",
    ),
    "product": ("product rule", ": (gh)′ = g′h + gh′.", "곱의 미분법", ": (gh)′ = g′h + gh′."),
    "quotient": (
        "quotient rule",
        ": (g/h)′ = (g′h − gh′)/h².",
        "몫의 미분법",
        ": (g/h)′ = (g′h − gh′)/h².",
    ),
    "power": (
        "power rule",
        ": (uⁿ)′ = n·uⁿ⁻¹·u′.",
        "거듭제곱의 미분법",
        ": (uⁿ)′ = n·uⁿ⁻¹·u′.",
    ),
    "chain": (
        "chain rule",
        ": the outer function's derivative times the derivative of the inside.",
        "연쇄법칙",
        ": 바깥 함수의 도함수에 안쪽 함수의 도함수를 곱합니다.",
    ),
    "exp": ("exponential", ": (e^u)′ = e^u·u′.", "지수함수의 미분", ": (e^u)′ = e^u·u′."),
    "ln": ("logarithm", ": (ln u)′ = u′/u.", "로그함수의 미분", ": (ln u)′ = u′/u."),
    "trig": (
        "trigonometric functions",
        ": (sin u)′ = cos u·u′, (cos u)′ = −sin u·u′, (tan u)′ = sec²u·u′.",
        "삼각함수의 미분",
        ": (sin u)′ = cos u·u′, (cos u)′ = −sin u·u′, (tan u)′ = sec²u·u′.",
    ),
    "sqrt": ("square root", ": (√u)′ = u′/(2√u).", "제곱근의 미분", ": (√u)′ = u′/(2√u)."),
    "function": (
        "the function's own derivative",
        ", times the derivative of the inside.",
        "바깥 함수의 도함수",
        "에 안쪽 식의 도함수를 곱합니다.",
    ),
}
_RULE_NAMES: dict[str, tuple[str, str]] = {
    rule: (en, ko) for rule, (en, _en_rest, ko, _ko_rest) in _RULES.items()
}

# The sentence of each step of a derivation, by rule: the rules above, and the steps that are
# not rules of differentiation. {held} is the variables held constant, {point} the point. No
# Korean particle follows a placeholder or a formula directly (it would depend on how it is
# read): a noun or a closing parenthesis comes first.
_DERIVATION: dict[str, tuple[str, str]] = {
    rule: (en[:1].upper() + en[1:] + en_rest, ko + ko_rest)
    for rule, (en, en_rest, ko, ko_rest) in _RULES.items()
} | {
    "held": (
        "Hold {held} constant: only {v} changes.",
        "나머지 변수({held})는 상수로 두고, 변수 하나({v})만 움직여 미분합니다.",
    ),
    "alone": ("Differentiate with respect to {v}.", "변수({v})에 대하여 미분합니다."),
    "rewrite": (
        "Rewrite the division by e^(…) as a product: 1/e^u = e^(−u), and e^(a+b) = e^a·e^b.",
        "e^(…)로 나누는 식을 곱으로 바꿉니다: 1/e^u = e^(−u), e^(a+b) = e^a·e^b.",
    ),
    "expand": ("Multiply out.", "괄호를 풀어 전개합니다."),
    "simplify": (
        "Simplify: collect the terms and factor.",
        "정리: 항을 모으고 인수분해합니다.",
    ),
    "point": ("Substitute the point ({point}).", "주어진 점({point})의 값을 대입합니다."),
}


def derivation_text(rules: tuple[str, ...], **fields: str) -> Message:
    """One step's explanation: the sentences of its rules, in order."""
    texts = [_DERIVATION[r] for r in rules]
    return Message(
        code="derivation:" + "+".join(rules),
        en=" ".join(en.format(**fields) for en, _ in texts),
        ko=" ".join(ko.format(**fields) for _, ko in texts),
    )


# --------------------------------------------------------------------------- hints

# A hint after a wrong answer, before the key (hints.py): the rule to look at again, named after
# the mistake, and the rules of the worked solution in order. Never a value of the key. The rule
# names are nouns, joined by arrows, so that no particle follows them; a formula comes last,
# after a colon.
_HINTS: dict[str, tuple[str, str]] = {
    "look-again": (
        "Hint: look again at this rule. {rule}",
        "힌트: 이 법칙을 다시 확인하세요. {rule}",
    ),
    "rules": (
        "The worked solution applies, in order: {rules}.",
        "풀이에서 적용하는 법칙의 순서: {rules}.",
    ),
    "generic": (
        "Hint: go through the rules one at a time and check each factor and sign.",
        "힌트: 법칙을 하나씩 적용하면서 각 인수와 부호를 확인하세요.",
    ),
}


HINT_PART = Message(
    code="hint:part",
    en="The rule applies first to this part of the function:",
    ko="이 법칙을 처음 적용하는 함수의 부분:",
)


def hint_text(focus: str | None, rules: tuple[str, ...], *, v: str, held: str) -> Message:
    """A hint: the sentence of the rule to look at again (or a general one), and the rules of
    the worked solution in order."""
    en: list[str] = []
    ko: list[str] = []
    if focus is None:
        en.append(_HINTS["generic"][0])
        ko.append(_HINTS["generic"][1])
    else:
        rule_en, rule_ko = _DERIVATION[focus]
        en.append(_HINTS["look-again"][0].format(rule=rule_en.format(v=v, held=held, point="")))
        ko.append(_HINTS["look-again"][1].format(rule=rule_ko.format(v=v, held=held, point="")))
    if rules:
        en.append(_HINTS["rules"][0].format(rules=" → ".join(_RULE_NAMES[r][0] for r in rules)))
        ko.append(_HINTS["rules"][1].format(rules=" → ".join(_RULE_NAMES[r][1] for r in rules)))
    return Message(code=f"hint:{focus or 'generic'}", en=" ".join(en), ko=" ".join(ko))
