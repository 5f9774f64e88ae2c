"""Manual revision: align a municipal manual with a newer rule document and propose revised passages as diffs."""

from __future__ import annotations

import difflib
import json
import logging
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from kodomo_ai.config import PROJECT_ROOT
from kodomo_ai.drafting.dates import era_year
from kodomo_ai.drafting.llm import complete, is_llm, strip_markers
from kodomo_ai.drafting.sources import SourceRef
from kodomo_ai.engines.base import AnswerEngine
from kodomo_ai.errors import EngineError
from kodomo_ai.grounding import check_grounding
from kodomo_ai.index.lexical import index_terms, year_aliases
from kodomo_ai.ingest.chunking import split_sentences
from kodomo_ai.prompts import load_prompt
from kodomo_ai.safety.injection import neutralise
from kodomo_ai.schema import Document

log = logging.getLogger(__name__)
_TERMS_FILE = Path(__file__).with_name("revision_terms.yaml")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
_SOURCE_LINE = re.compile(r"^(?:出典|出所|参考)\s*[:：]\s*(.+)$")
_URL = re.compile(r"https?://[^\s()（）、,]+")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}")
# A sentence that tells how things were before the change describes the old rule, not the new one.
_PAST = ("以前は", "以前の", "改正前", "これまでは", "従来は", "旧制度")
# 「中学生まで」から「高校生年代まで」: the newer document naming a replaced term itself.
_FROM_TO = re.compile(r"(?:([^\s、。「」]{1,8})が)?「([^」]{1,20})」から「([^」]{1,20})」")
_ERA = r"(?:令和|平成|昭和)(?:元|\d{1,2})年"
# Facts with units, longest forms first; each (kind, pattern).
_FACTS: tuple[tuple[str, str], ...] = (
    ("date", rf"(?:{_ERA}|(?:19|20)\d{{2}}年(?:\({_ERA}\))?)(?:\d{{1,2}}月(?:\d{{1,2}}日)?)?"),
    ("円", r"\d[\d,]*(?:\.\d+)?万?円"),
    ("歳", r"\d+歳"),
    ("か月", r"\d+(?:か月|ヶ月|カ月|ケ月)"),
    ("回", r"(?:年|月|週)?\d+回"),
    ("時間", r"\d+(?:\.\d+)?時間"),
    ("時刻", r"\d{1,2}時(?:\d{1,2}分|半)?"),
    ("月日", r"\d{1,2}月\d{1,2}日"),
    ("月", r"\d{1,2}月"),
    ("日", r"\d+日"),
    ("人", r"\d+人"),
    ("%", r"\d+(?:\.\d+)?[%％]"),
)
_FACT = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_FACTS)))
_KIND_ASPECT = {"date": "時期", "円": "額", "歳": "年齢", "か月": "期間", "回": "回数", "時間": "時間",
                "時刻": "時刻", "月日": "日付", "月": "月", "日": "日数", "人": "人数", "%": "割合"}  # fmt: skip
_NEGATED = ("ではなく", "ではありません", "とは違", "ではない")
_ASPECT_BEFORE = re.compile(r"([一-龥]{2,4})$")
# Alignment: a manual sentence must share at least this much topic with a newer sentence.
MIN_SCORE = 0.3


@dataclass(frozen=True)
class Concept:
    """A key term with its alternative labels (中学生まで / 高校生年代まで) and reason wording."""

    aspect: str
    labels: dict[str, tuple[str, ...]]
    reasons: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Passage:
    """One sentence (or table cell read with its headers) of a document, its heading and section sources."""

    text: str
    heading: str
    sources: tuple[str, ...] = ()
    quote: str = ""  # the table row a cell came from; empty for a sentence

    @property
    def is_cell(self) -> bool:
        """True for a table cell (its text is composed from the row and column headers)."""
        return bool(self.quote)


@dataclass
class Change:
    """One changed fact: its aspect, the manual's value and the newer document's value."""

    aspect: str
    old: str
    new: str
    kind: str = "term"
    paired: bool = True  # False when the values sit in different wording, so the pairing is a guess
    reason: str = ""  # the concept's own wording of this change, if the terms file gives one

    def clause(self) -> str:
        """A reason clause ending in される's 連用形 (…され)."""
        return self.reason or f"{self.aspect}が{self.old}から{self.new}に変更され"


@dataclass
class Revision:
    """A proposed revision of one manual passage, with its diff, reason and source."""

    heading: str
    original: str
    proposed: str
    reason: str
    source: SourceRef
    changes: list[Change]
    method: str  # substitute | replace | the LLM engine's name
    note: str = ""

    @property
    def diff(self) -> str:
        """Unified diff of the passage, one sentence per line."""
        before = [s for s in split_sentences(self.original)]
        after = [s for s in split_sentences(self.proposed)]
        lines = difflib.unified_diff(before, after, fromfile="現行", tofile="改正案", lineterm="")
        return "\n".join(lines)

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON."""
        return {
            "heading": self.heading, "original": self.original, "proposed": self.proposed, "diff": self.diff,
            "reason": self.reason, "source": self.source.as_dict(), "changes": [asdict(c) for c in self.changes],
            "method": self.method, "note": self.note,
        }  # fmt: skip


@dataclass
class RevisionProposal:
    """All proposed revisions of a manual for a rule change, with Markdown, DOCX-ready and JSON forms."""

    manual_id: str
    manual_title: str
    newer_id: str
    newer_title: str
    revisions: list[Revision]
    engine: str = "extractive"
    notes: list[str] = field(default_factory=list)

    def markdown(self, *, for_docx: bool = False) -> str:
        """The proposal as Markdown; `for_docx` shows each diff as a 現行/改正案 table instead of a code block."""
        lines = [f"# 改正案: {self.manual_title}", "",
                 f"- 対象の手引き: {self.manual_title}（{self.manual_id}）",
                 f"- 改正の根拠: {self.newer_title}（{self.newer_id}）",
                 f"- 改正案の数: {len(self.revisions)}", ""]  # fmt: skip
        if not self.revisions:
            lines += ["新しい文書と食い違う記載は見つかりませんでした。", ""]
        for n, rev in enumerate(self.revisions, 1):
            lines += [f"## {n}. {rev.heading or '（見出しなし）'}", "", "### 現行", "", rev.original, "",
                      "### 改正案", "", rev.proposed, ""]  # fmt: skip
            if for_docx:
                cell = lambda text: text.replace("|", "｜")  # noqa: E731 (a pipe would split the table cell)
                lines += ["### 差分", "", "| 現行 | 改正案 |", "|---|---|",
                          f"| {cell(rev.original)} | {cell(rev.proposed)} |", ""]  # fmt: skip
            else:
                lines += ["### 差分", "", "```diff", rev.diff, "```", ""]
            lines += ["### 理由", "", rev.reason, "", "### 出典", "", f"{rev.source.label()}",
                      f"引用: 「{rev.source.quote}」", ""]  # fmt: skip
            if rev.note:
                lines += [f"注記: {rev.note}", ""]
        if self.notes:
            lines += ["## 注記", "", *(f"- {note}" for note in self.notes), ""]
        sources = list(dict.fromkeys(rev.source.label() for rev in self.revisions))
        if sources:
            lines += ["## 出典一覧", "", *(f"{i}. {s}" for i, s in enumerate(sources, 1)), ""]
        return "\n".join(lines).rstrip() + "\n"

    def as_dict(self) -> dict[str, Any]:
        """Plain dict for JSON (the CLI's revision.json)."""
        return {
            "manual": {"doc_id": self.manual_id, "title": self.manual_title},
            "newer": {"doc_id": self.newer_id, "title": self.newer_title},
            "engine": self.engine, "notes": self.notes, "revisions": [r.as_dict() for r in self.revisions],
        }  # fmt: skip

    def to_json(self) -> str:
        """JSON text of `as_dict`."""
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)


@lru_cache(maxsize=1)
def load_concepts() -> tuple[Concept, ...]:
    """The key-term concepts from revision_terms.yaml."""
    data = yaml.safe_load(_TERMS_FILE.read_text(encoding="utf-8"))
    return tuple(
        Concept(
            entry["aspect"],
            {k: tuple(v) for k, v in entry["labels"].items()},
            dict(entry.get("reasons") or {}),
        )
        for entry in data
    )


def passages(doc: Document) -> list[Passage]:
    """The document's sentences and table rows with their `##` headings and section sources."""
    out: list[Passage] = []
    path: list[str] = []
    pending: list[tuple[str, str, str]] = []
    header: list[str] = []

    def close(sources: tuple[str, ...]) -> None:
        out.extend(Passage(text, heading, sources, quote) for text, heading, quote in pending)
        pending.clear()

    for line in doc.text.split("\n"):
        stripped = line.strip()
        heading = _HEADING.match(stripped)
        if heading:
            close(())
            level = len(heading.group(1))
            header = []
            if level == 1:
                path = []
                continue
            path = path[: level - 2] + [heading.group(2)]
            continue
        source = _SOURCE_LINE.match(stripped)
        if source:
            urls = tuple(_URL.findall(source.group(1))) or (source.group(1).strip(),)
            close(urls)
            continue
        if not stripped or _TABLE_RULE.match(stripped.strip("|").strip()):
            continue
        heading_text = " > ".join(path)
        if stripped.startswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            if not header:
                header = cells
                continue
            # A cell means little alone: read it with its row label and column header, like a sentence.
            for name, value in zip(header[1:], cells[1:], strict=False):
                pending.append((f"{cells[0]}の{name}は{value}です。", heading_text, stripped))
            continue
        header = []
        pending.extend((t, heading_text, "") for t in split_sentences(stripped))
    close(())
    return out


@dataclass(frozen=True)
class Fact:
    """A number with its unit in a sentence (kind, canonical value, surface and span)."""

    kind: str
    value: str
    surface: str
    start: int
    end: int


def _canonical(kind: str, surface: str) -> str:
    plain = surface.replace(",", "")
    if kind != "date":
        if kind == "円" and "万" in plain:
            return f"{round(float(plain.rstrip('万円')) * 10000)}円"
        return plain
    # 和暦 and 西暦 are the same fact: fold 令和6年 to 2024年 with the word index's aliases.
    years = re.findall(r"(?:19|20)\d{2}年", plain) or year_aliases(plain)[:1]
    rest = re.sub(r"\(\)", "", re.sub(rf"{_ERA}|(?:19|20)\d{{2}}年", "", plain))
    return (years[0] if years else "") + rest


def facts_in(text: str, masked: list[tuple[int, int]] | None = None) -> list[Fact]:
    """Numbers with units (amounts, ages, months, dates, hours …) stated in `text`, outside the masked spans."""
    out = []
    for match in _FACT.finditer(text):
        if any(s < match.end() and match.start() < e for s, e in masked or []):
            continue
        if text[match.end() : match.end() + 6].startswith(_NEGATED):
            continue  # 「15,000円ではなく」 names a value that does not apply
        index = int(next(k for k, v in match.groupdict().items() if v is not None)[1:])
        kind = _FACTS[index][0]
        out.append(Fact(kind, _canonical(kind, match.group(0)), match.group(0), match.start(), match.end()))
    return out


def _labels_in(text: str, concept: Concept) -> list[tuple[str, str, int, int]]:
    """(label, surface, start, end) of each label form found, old forms of 「A」から「B」 left out."""
    found: list[tuple[str, str, int, int]] = []
    quoted_old = {m.group(2) for m in _FROM_TO.finditer(text)}
    for label, forms in concept.labels.items():
        for form in sorted(forms, key=len, reverse=True):
            for match in re.finditer(re.escape(form), text):
                if form in quoted_old:
                    continue
                if any(s < match.end() and match.start() < e for _, _, s, e in found):
                    continue
                found.append((label, form, match.start(), match.end()))
    return found


def _concepts_for(newer: Document) -> tuple[Concept, ...]:
    """The data file's concepts plus 「A」から「B」 pairs the newer document states itself."""
    concepts = list(load_concepts())
    known = {form for c in concepts for forms in c.labels.values() for form in forms}
    for match in _FROM_TO.finditer(newer.text):
        aspect, old, new = match.group(1) or "記載", match.group(2), match.group(3)
        if old not in known and new not in known:
            concepts.append(Concept(aspect, {old: (old,), new: (new,)}))
            known |= {old, new}
    return tuple(concepts)


@dataclass
class _Comparison:
    """How a manual sentence relates to one newer sentence."""

    changes: list[Change]
    confirmed: bool  # the newer sentence repeats at least one of the manual's facts and contradicts none
    substitutions: list[tuple[int, int, str]]  # (start, end, new text) in the manual sentence
    ambiguous: bool


def _context_matches(a: str, a_fact: tuple[int, int], b: str, b_fact: tuple[int, int]) -> bool:
    """Same words right before or right after both values (月額15,000円 / 月額30,000円), so substitution is safe."""
    before = a[max(0, a_fact[0] - 2) : a_fact[0]] == b[max(0, b_fact[0] - 2) : b_fact[0]] != ""
    after = a[a_fact[1] : a_fact[1] + 2] == b[b_fact[1] : b_fact[1] + 2] != ""
    return before or after


def _compare(manual: str, newer: str, concepts: tuple[Concept, ...]) -> _Comparison:
    changes: list[Change] = []
    subs: list[tuple[int, int, str]] = []
    ambiguous = confirmed = False
    masked_m: list[tuple[int, int]] = []
    masked_n: list[tuple[int, int]] = []
    for concept in concepts:
        in_manual = _labels_in(manual, concept)
        in_newer = _labels_in(newer, concept)
        masked_m += [(s, e) for *_, s, e in in_manual]
        masked_n += [(s, e) for *_, s, e in in_newer]
        old_labels = {label for label, *_ in in_manual}
        new_labels = list(dict.fromkeys(label for label, *_ in in_newer))
        if len(old_labels) != 1 or not new_labels:
            continue
        old = next(iter(old_labels))
        if old in new_labels:
            confirmed = True
            continue
        new = new_labels[0]
        changes.append(Change(concept.aspect, old, new, "term", reason=concept.reasons.get(new, "")))
        surfaces = [(surface, s, e) for label, surface, s, e in in_manual]
        if len(new_labels) == 1 and all(surface == old for surface, _, _ in surfaces):
            subs += [(s, e, new) for _, s, e in surfaces]
        else:
            ambiguous = True
    facts_m = facts_in(manual, masked_m)
    facts_n = facts_in(newer, masked_n)
    unsettled = False  # a fact of the manual the newer sentence is silent on, or a new value left unplaced
    for kind in dict.fromkeys(f.kind for f in facts_m):
        mine = [f for f in facts_m if f.kind == kind]
        theirs = [f for f in facts_n if f.kind == kind]
        if not theirs:
            unsettled = True
            continue
        their_values = {f.value for f in theirs}
        changed = [f for f in mine if f.value not in their_values]
        novel = [f for f in theirs if f.value not in {m.value for m in mine}]
        if len(changed) < len(mine):
            confirmed = True
        if not changed or not novel:
            unsettled = unsettled or bool(novel)
            continue
        paired = (
            len(changed) == 1
            and len(novel) == 1
            and _context_matches(
                manual, (changed[0].start, changed[0].end), newer, (novel[0].start, novel[0].end)
            )
        )
        aspect = _ASPECT_BEFORE.search(manual[: changed[0].start])
        for f in changed:
            changes.append(Change(aspect.group(1) if aspect else _KIND_ASPECT[kind], f.surface, novel[0].surface,
                                  kind, paired))  # fmt: skip
        if paired:
            subs.append((changed[0].start, changed[0].end, novel[0].surface))
        else:
            ambiguous = True
    if changes and unsettled:
        ambiguous = True  # substituting part of the passage would leave facts the newer text may contradict
    return _Comparison(changes, confirmed and not changes, subs, ambiguous)


def _substitute(text: str, subs: list[tuple[int, int, str]]) -> str:
    for start, end, new in sorted(subs, reverse=True):
        text = text[:start] + new + text[end:]
    return text


class _Aligner:
    """Scores manual sentences against newer sentences by shared Sudachi terms (IDF-weighted) and characters."""

    def __init__(self, manual: list[Passage], newer: list[Passage]) -> None:
        texts = [p.text for p in manual] + [p.text for p in newer]
        self.terms = {
            t: set(index_terms(t)) for t in dict.fromkeys(texts + [p.heading for p in manual + newer])
        }
        df: dict[str, int] = {}
        for text in texts:
            for term in self.terms[text]:
                df[term] = df.get(term, 0) + 1
        self.idf = {term: math.log(1 + len(texts) / count) for term, count in df.items()}

    def _weight(self, terms: set[str]) -> float:
        return sum(self.idf.get(t, math.log(2)) for t in terms)

    def score(self, a: Passage, b: Passage) -> float:
        """Similarity in [0, 1] plus a small bonus for related section headings."""
        ta, tb = self.terms[a.text], self.terms[b.text]
        denom = math.sqrt(self._weight(ta) * self._weight(tb)) or 1.0
        words = self._weight(ta & tb) / denom
        ga, gb = _bigrams(a.text), _bigrams(b.text)
        chars = 2 * len(ga & gb) / ((len(ga) + len(gb)) or 1)
        ha, hb = self.terms[a.heading], self.terms[b.heading]
        heading = len(ha & hb) / (len(ha | hb) or 1)
        return 0.7 * words + 0.3 * chars + 0.1 * heading


def _bigrams(text: str) -> set[str]:
    compact = re.sub(r"[\s、。,()（）「」|]", "", text)
    return {compact[i : i + 2] for i in range(len(compact) - 1)}


def _change_date(newer: Document) -> str:
    day: date | None = newer.effective_from or newer.published
    if day is None:
        return ""
    return f"{day.year}年（{era_year(day)}）{day.month}月"


def reason_for(changes: list[Change], newer: Document) -> str:
    """The reason in Japanese: 「児童手当の制度が2024年（令和6年）10月から改正され、…されたため」."""
    subject = re.split(r"[（(]", newer.title, maxsplit=1)[0].strip() or newer.title
    when = _change_date(newer)
    lead = f"{subject}の制度が{when}から改正され" if when else f"{subject}の制度が改正され"
    clauses = []
    # Value pairs read from different wording (3歳から / 0歳でも) are guesses: name them only when nothing else is.
    sure = [c for c in changes if c.paired] or changes
    for change in sure:
        clause = change.clause()
        if clause not in clauses:
            clauses.append(clause)
    return "、".join([lead, *clauses]) + "たため"


def _source(newer: Document, passage: Passage) -> SourceRef:
    url = next((s for s in passage.sources if s.startswith("http")), newer.source)
    return SourceRef(doc_id=newer.doc_id, title=newer.title, source=url, heading=passage.heading,
                     quote=passage.quote or passage.text)  # fmt: skip


def _extractive(manual: Document, newer: Document) -> list[Revision]:
    """Revisions found by alignment and fact comparison, rewritten by substitution or replacement."""
    mine, theirs = passages(manual), passages(newer)
    # Sentences telling how things were before the change are no evidence for the new rule.
    theirs = [p for p in theirs if not any(marker in p.text for marker in _PAST)]
    if not mine or not theirs:
        return []
    aligner = _Aligner(mine, theirs)
    concepts = _concepts_for(newer)
    revisions = []
    for passage in mine:
        scored = sorted(((aligner.score(passage, p), i) for i, p in enumerate(theirs)), reverse=True)
        best = scored[0][0]
        pool = [theirs[i] for s, i in scored if s >= max(MIN_SCORE, 0.7 * best)]
        candidates = pool[:4]
        for n, candidate in enumerate(candidates):
            comparison = _compare(passage.text, candidate.text, concepts)
            if comparison.confirmed:
                break  # the best related newer sentence agrees with the manual
            if not comparison.changes:
                continue  # silent on this passage's facts: look at the next one
            if comparison.ambiguous:
                # A whole replacement reads better as a real sentence than as a table cell: prefer prose.
                prose = [
                    c for c in pool[n:] if not c.is_cell and _compare(passage.text, c.text, concepts).changes
                ]
                # Worked examples (list items, 計算例 sections) state one family's case, not the rule.
                prose.sort(key=lambda c: c.text.startswith("- ") or "例" in c.heading)
                if prose and (candidate.is_cell or prose[0] is not candidate):
                    candidate = prose[0]
                    comparison = _compare(passage.text, candidate.text, concepts)
                proposed, method = candidate.text, "replace"
            else:
                proposed, method = _substitute(passage.text, comparison.substitutions), "substitute"
            revisions.append(Revision(
                heading=passage.heading, original=passage.text, proposed=proposed,
                reason=reason_for(comparison.changes, newer), source=_source(newer, candidate),
                changes=comparison.changes, method=method,
            ))  # fmt: skip
            break
    return revisions


def _llm_rewrite(
    engine: AnswerEngine, revision: Revision, manual: Document, newer_sentences: list[str], prompts_dir: Path
) -> str | None:
    """The LLM's revised passage, or None when it fails or states a number the sources lack."""
    prompt = load_prompt(prompts_dir, "manual_revision")
    messages = prompt.render(
        manual_title=manual.title, heading=revision.heading, original=revision.original,
        changes=[f"{c.aspect}: {c.old} → {c.new}" for c in revision.changes], reason=revision.reason,
        sources=[neutralise(s) for s in newer_sentences],
    )  # fmt: skip
    try:
        text = strip_markers(complete(engine, messages)).strip().strip("「」\"'")
    except EngineError as exc:
        log.warning("manual revision: %s", exc)
        return None
    if not text:
        return None
    grounding = check_grounding(text, [*newer_sentences, revision.original])
    if not grounding.ok:
        log.info("manual revision ungrounded: %s", grounding.ungrounded)
        return None
    return text


def propose_revisions(
    manual: Document, newer: Document, *, engine: AnswerEngine | None = None, prompts_dir: Path | None = None
) -> RevisionProposal:
    """Propose revised passages of `manual` for the rule change stated in `newer` (extractive unless an LLM is given)."""
    revisions = _extractive(manual, newer)
    proposal = RevisionProposal(manual.doc_id, manual.title, newer.doc_id, newer.title, revisions)
    if not is_llm(engine) or not revisions:
        return proposal
    assert engine is not None
    folder = prompts_dir or PROJECT_ROOT / "prompts"
    theirs = passages(newer)
    fallbacks = 0
    for revision in revisions:
        # The LLM sees the newer document's section the source sentence came from, plus the source itself.
        section = [p.text for p in theirs if p.heading == revision.source.heading] or [revision.source.quote]
        text = _llm_rewrite(engine, revision, manual, section, folder)
        if text is None:
            fallbacks += 1
            revision.note = "LLM の改正案が資料にない数字を含んだか失敗したため、抽出による改正案にしました。"
            continue
        revision.proposed, revision.method = text, engine.name
    proposal.engine = engine.name if fallbacks < len(revisions) else "extractive"
    if fallbacks:
        proposal.notes.append(f"{fallbacks}件は LLM の改正案を使わず、抽出による改正案にしました。")
    return proposal
