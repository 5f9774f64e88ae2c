"""Multiple-choice quiz: the correct option is a sentence of a cited section; distractors alter its numbers or actors."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

from kodomo_ai.grounding import check_grounding
from kodomo_ai.training.sections import Section

_NUMBER = re.compile(r"(?<![\d#])(\d+)(分|歳|時間|日|か月|回|人|週|度|%)")
# A true statement becomes plausibly wrong when one actor, place or action is swapped for a near one.
SWAPS: tuple[tuple[str, str], ...] = (
    ("仰向け", "うつぶせ"), ("当日", "翌日"), ("市町村", "都道府県"), ("都道府県", "国"),
    ("救急車", "かかりつけ医"), ("監視", "指導"), ("固め", "柔らかめ"), ("ためらわずに", "様子を見てから"),
    ("施設長", "保護者"), ("避けます", "使います"), ("除いて", "含めて"), ("義務", "努力義務"), ("呼吸", "体温"),
    ("定期的に", "午睡の始めにだけ"), ("目で見て", "音を聞いて"), ("国の", "都道府県の"), ("すぐに", "翌日までに"),
    ("すべて", "一部"), ("しなければなりません", "しなくてもかまいません"), ("できます", "できません"),
    ("匿名でも", "実名でのみ"), ("こども家庭庁", "文部科学省"), ("専念", "兼務"), ("複数", "一人"),
    ("警察", "児童相談所"), ("運転手", "保護者"), ("最後列", "前方の座席"), ("水分補給", "食事"),
    ("意識と呼吸", "体温と脈"), ("厚生労働省", "文部科学省"), ("なくなるわけではありません", "なくなります"),
    ("法律上の義務", "努力目標"), ("国は", "都道府県は"), ("すべての人", "施設の職員だけ"), ("除去食", "普通食"),
    ("誰がいつ", "気づいた人がその都度"), ("あらかじめ", "その日の朝に"),
)  # fmt: skip
LETTERS = "ABCD"


@dataclass
class QuizQuestion:
    """One question: stem, options, the index of the correct one, and the section that justifies it."""

    stem: str
    options: list[str]
    answer: int
    section: Section
    passage: str
    kinds: list[str]

    @property
    def answer_letter(self) -> str:
        """The letter of the correct option."""
        return LETTERS[self.answer]

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return {"stem": self.stem, "options": self.options, "answer": self.answer_letter, "passage": self.passage,
                "doc_id": self.section.doc_id, "heading": self.section.heading, "chunk_id": self.section.chunk_id,
                "source": self.section.source, "distractor_kinds": self.kinds}  # fmt: skip


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def supported(option: str, passage: str) -> bool:
    """True when `option` is stated word for word by `passage` (spacing and width ignored)."""
    a, b = _norm(option).rstrip("。"), _norm(passage)
    return bool(a) and a in b and check_grounding(option, [passage]).ok


def _numeric_variants(sentence: str, doc_numbers: dict[str, set[int]]) -> list[str]:
    out: list[str] = []
    for match in _NUMBER.finditer(sentence):
        value, unit = int(match.group(1)), match.group(2)
        pool = sorted(doc_numbers.get(unit, set()) - {value})
        pool += [
            v for v in (value * 2, value + 1 if value < 10 else value * 3, max(value // 2, 1)) if v != value
        ]
        taken = 0
        for candidate in pool:
            variant = sentence[: match.start(1)] + str(candidate) + sentence[match.end(1) :]
            if variant not in out:
                out.append(variant)
                taken += 1
            if taken == 2:
                break
    return out


def _swap_variants(sentence: str) -> list[str]:
    out = []
    for old, new in SWAPS:
        if old in sentence and new not in sentence:
            out.append(sentence.replace(old, new, 1))
    return out


def _candidates(section: Section) -> list[str]:
    sentences = [s for s in section.sentences() if 18 <= len(s) <= 110 and not s.startswith(("出典", "|"))]
    with_numbers = [s for s in sentences if _NUMBER.search(s)]
    return with_numbers + [s for s in sentences if s not in with_numbers]


def _question(
    section: Section, sentence: str, corpus: str, doc_numbers: dict[str, set[int]]
) -> QuizQuestion | None:
    variants = [(v, "number") for v in _numeric_variants(sentence, doc_numbers)]
    variants += [(v, "actor") for v in _swap_variants(sentence)]
    distractors: list[tuple[str, str]] = []
    for variant, kind in variants:
        # A distractor that some section states after all would be a second right answer.
        if _norm(variant) in corpus or any(_norm(variant) == _norm(d) for d, _k in distractors):
            continue
        distractors.append((variant, kind))
        if len(distractors) == 3:
            break
    if len(distractors) < 2:
        return None
    stem = f"「{section.heading}」について、資料の内容として正しいものはどれですか。"
    options = [sentence, *(d for d, _k in distractors)]
    shift = int(hashlib.sha256(stem.encode()).hexdigest(), 16) % len(options)
    rotated = options[shift:] + options[:shift]
    return QuizQuestion(stem=stem, options=rotated, answer=rotated.index(sentence), section=section,
                        passage=sentence, kinds=[k for _d, k in distractors])  # fmt: skip


def build_quiz(candidates: list[Section], all_sections: list[Section], count: int = 5) -> list[QuizQuestion]:
    """Up to `count` questions, one per section in order, each verified against its passage."""
    corpus = "".join(_norm(s.text) for s in all_sections)
    doc_numbers: dict[str, set[int]] = {}
    for section in all_sections:
        for match in _NUMBER.finditer(section.text):
            doc_numbers.setdefault(match.group(2), set()).add(int(match.group(1)))
    quiz: list[QuizQuestion] = []
    used: set[str] = set()
    # First pass: one question per section, to cover the topic; second pass fills up from any section.
    for per_section in (1, 3):
        for section in candidates:
            taken = sum(1 for q in quiz if q.section.chunk_id == section.chunk_id)
            for sentence in _candidates(section):
                if len(quiz) >= count or taken >= per_section:
                    break
                if sentence in used:
                    continue
                question = _question(section, sentence, corpus, doc_numbers)
                if question is not None and not verify_question(question):
                    quiz.append(question)
                    used.add(sentence)
                    taken += 1
    return quiz


def verify_question(question: QuizQuestion) -> list[str]:
    """Problems with a question: the answer not supported by its section, or a distractor that is."""
    problems = []
    correct = question.options[question.answer]
    if not supported(correct, question.section.text):
        problems.append(f"正解「{correct[:30]}」が出典の節に書かれていません")
    for index, option in enumerate(question.options):
        if index != question.answer and supported(option, question.section.text):
            problems.append(f"誤答「{option[:30]}」が出典の節と一致します")
    return problems
