"""Fills locale/ko/LC_MESSAGES/django.po from the table below (run after makemessages)."""
# ruff: noqa: E501  (translation table: one message per line)

import re
import sys
from pathlib import Path

KO = {
    "English": "영어",
    "Korean": "한국어",
    "Your answer": "나의 답",
    "Instructor": "교수자",
    "Teaching assistant": "조교",
    "Student": "학생",
    "Defaults to the set's.": "지정하지 않으면 문제 모음의 기한을 따릅니다.",
    "Queued": "대기 중",
    "Grading": "채점 중",
    "Graded": "채점 완료",
    "Error": "오류",
    "Partial Credit": "Partial Credit 편미분 연습",
    "Skip to content": "본문으로 건너뛰기",
    "Account and language": "계정과 언어",
    "Language": "언어",
    "Switch": "변경",
    "Log out": "로그아웃",
    "Read as": "이렇게 읽었습니다",
    "Where the problem is": "문제가 있는 위치",
    "Did you mean:": "이런 뜻인가요?",
    "Result": "결과",
    "No attempt was used.": "제출 기회는 차감되지 않았습니다.",
    "Grading…": "채점 중…",
    "Correct": "정답",
    "score %(score)s": "점수 %(score)s",
    "late": "지각 제출",
    "Undecided": "판정 불가",
    "Incorrect": "오답",
    "Grading failed; your attempt will not count against you. Please try again later.": "채점에 실패했습니다. 이 제출은 기회에서 차감되지 않습니다. 잠시 후 다시 시도하세요.",
    "Attempts used: %(used)s, left: %(left)s": "사용한 기회: %(used)s, 남은 기회: %(left)s",
    "Best score": "최고 점수",
    "Closed": "마감됨",
    "Late: a penalty applies": "기한 경과: 감점이 적용됩니다",
    "Answer key": "정답",
    "Your attempts": "나의 제출 기록",
    "Answer": "답",
    "Score": "점수",
    "Submitted": "제출 시각",
    "Your problem sets": "나의 문제 모음",
    "No problem sets are assigned to you yet.": "아직 배정된 문제 모음이 없습니다.",
    "Due": "마감",
    "past due": "기한 지남",
    "Progress": "진행도",
    "%(solved)s of %(total)s solved": "%(total)s 문제 중 %(solved)s 문제 해결",
    "late until %(until)s (−%(penalty)s%% of the points)": "%(until)s 까지 지각 제출 가능 (배점의 %(penalty)s%% 감점)",
    "points: %(points)s": "배점: %(points)s",
    "Submit": "제출",
    "Write ^ for powers, e^(...) for exponentials, ln, sqrt, sin… The preview below shows how your answer is read; it uses no attempt.": "거듭제곱은 ^, 지수함수는 e^(...), 그리고 ln, sqrt, sin… 을 쓰세요. 아래 미리보기는 답이 어떻게 읽히는지 보여 주며, 제출 기회를 쓰지 않습니다.",
    "All problem sets": "전체 문제 모음",
    "attempts %(used)s/%(max)s": "제출 %(used)s/%(max)s",
    "solved": "해결",
    "attempted": "시도함",
    "Attempt %(n)s": "%(n)s번째 제출",
    "Log in": "로그인",
    "Practise partial derivatives and get your answers graded in a second.": "편미분을 연습하고, 답을 1초 안에 채점 받으세요.",
    "Your username and password didn't match. Please try again.": "아이디 또는 비밀번호가 맞지 않습니다. 다시 시도하세요.",
    "Too many failed logins. Wait 15 minutes, then try again.": "로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도하세요.",
    "Briefly unavailable": "잠시 이용할 수 없습니다",
    "The site could not reach its database. Nothing was saved from this request: wait a few seconds, then try again.": "사이트가 데이터베이스에 연결하지 못했습니다. 이번 요청의 내용은 저장되지 않았습니다. 몇 초 뒤에 다시 시도하세요.",
    "Try again": "다시 시도",
    "Username": "아이디",
    "Password": "비밀번호",
    "Teaching": "담당 강좌",
    "Gradebook": "성적표",
    "Best score per problem; – means not attempted.": "문제별 최고 점수 (– 는 시도하지 않음)",
    "Total": "합계",
    "No students yet.": "아직 학생이 없습니다.",
    "Solved: no more answers are needed.": "정답을 맞혔습니다. 더 제출할 필요가 없습니다.",
    "This problem is closed: no more answers are taken.": "마감된 문제입니다. 더 이상 제출할 수 없습니다.",
    "No attempts left: no more answers are taken.": "제출 기회를 모두 사용했습니다. 더 이상 제출할 수 없습니다.",
    "Your attempt %(n)s, before this answer:": "이 답 이전의 %(n)s번째 제출:",
}
sys.path.insert(0, str(Path(__file__).resolve().parent))
from ko_class import KO_CLASS  # noqa: E402  (the instructors' pages: people, watching, export)

KO.update(KO_CLASS)
from ko_authoring import KO_AUTHORING  # noqa: E402  (the instructors' editor: templates, sets, YAML)

KO.update(KO_AUTHORING)

path = Path(__file__).resolve().parent.parent / "locale" / "ko" / "LC_MESSAGES" / "django.po"
text = path.read_text(encoding="utf-8")
out, missing = [], []


def join(lines: str) -> str:
    return "".join(re.findall(r'"(.*)"', lines))


def quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


for block in text.split("\n\n"):
    m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
    if not m or join(m.group(1)) == "":
        out.append(block.replace("Language: \\n", "Language: ko\\n").replace("#, fuzzy\n", ""))
        continue
    msgid = join(m.group(1)).replace('\\"', '"')
    if msgid not in KO:
        missing.append(msgid)
        out.append(block)
        continue
    ko = KO[msgid]
    block = block.replace("#, fuzzy\n", "")
    if "msgid_plural" in block:
        head = block.split("msgstr[0]")[0]
        block = head + f"msgstr[0] {quote(ko)}"
    else:
        head = block.split("\nmsgstr")[0]
        block = head + f"\nmsgstr {quote(ko)}"
    out.append(block)

text = "\n\n".join(out)
text = text.replace(
    '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"',
    '"Plural-Forms: nplurals=1; plural=0;\\n"',
)
path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
print("missing:", missing)

# English: the catalogue is complete when every msgstr repeats its msgid.
en_path = path.parent.parent.parent / "en" / "LC_MESSAGES" / "django.po"
blocks = []
for block in en_path.read_text(encoding="utf-8").split("\n\n"):
    m = re.search(r'^msgid ((?:".*"\n?)+)', block, re.M)
    if not m or join(m.group(1)) == "":
        blocks.append(block.replace("Language: \\n", "Language: en\\n").replace("#, fuzzy\n", ""))
        continue
    if "msgid_plural" in block:
        singular = m.group(1).rstrip("\n")
        plural = re.search(r'^msgid_plural ((?:".*"\n?)+)', block, re.M).group(1).rstrip("\n")
        head = block.split("msgstr[0]")[0]
        block = head + f"msgstr[0] {singular}\nmsgstr[1] {plural}"
    else:
        head = block.split("\nmsgstr")[0]
        block = head + "\nmsgstr " + m.group(1).rstrip("\n")
    blocks.append(block)
text = "\n\n".join(blocks)
text = text.replace(
    '"Plural-Forms: nplurals=INTEGER; plural=EXPRESSION;\\n"',
    '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
)
en_path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
