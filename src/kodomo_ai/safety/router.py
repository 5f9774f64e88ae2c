"""The safety router: a learned risk classifier plus a pattern floor decide, without any LLM, what comes first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, Field

from kodomo_ai.safety.contacts import ContactBook
from kodomo_ai.safety.injection import detect_injection
from kodomo_ai.safety.pii import mask
from kodomo_ai.schema import Contact, Escalation
from kodomo_ai.text.fold import fold, normalise

if TYPE_CHECKING:
    from kodomo_ai.classify.risk import RiskAssessor

PATTERNS_PATH = Path(__file__).with_name("router_patterns.yaml")
_TERM = re.compile(r"\{([A-Z_]+)\}")


class RouteDecision(BaseModel):
    """Escalate to people, refuse (with where to go), or answer with a safety note first ("note": gray zone)."""

    mode: Literal["escalate", "refuse", "note"]
    category: str
    reason: str
    message: str
    contacts: list[Contact] = Field(default_factory=list)
    signals: list[str] = Field(default_factory=list)
    # The sentence that carried the risk when it is only part of the message ("" otherwise).
    segment: str = ""

    def escalation(self) -> Escalation:
        """The reason and contacts in the shape of the `ask --json` contract."""
        return Escalation(reason=self.reason, contacts=self.contacts)


@dataclass(frozen=True)
class _Signal:
    id: str
    weight: int
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Category:
    name: str
    mode: Literal["escalate", "refuse"]
    reason: str
    lead: str
    after: str
    contacts: tuple[str, ...]
    signals: tuple[_Signal, ...]
    policy_sensitive: bool = False
    urgent: bool = False
    requires: re.Pattern[str] | None = None
    detector: str | None = None
    danger_lead: str = ""
    danger_contacts: tuple[str, ...] = ()
    learned: str = ""  # the classifier label that routes here
    floor: bool = True  # False: its patterns do not route alone (the learned path decides)
    note: str = ""  # the line shown above an ordinary answer in the gray zone


@dataclass(frozen=True)
class _Rules:
    threshold: int
    aliases: tuple[tuple[str, str], ...]
    policy: tuple[_Signal, ...]
    urgency: tuple[_Signal, ...]
    danger: tuple[re.Pattern[str], ...]
    categories: tuple[_Category, ...]


def _compile(source: str, terms: dict[str, str]) -> re.Pattern[str]:
    # Terms may use other terms; expand until none is left (the table is small and acyclic).
    for _ in range(5):
        source = _TERM.sub(lambda m: terms[m.group(1)], source)
    return re.compile(fold(source))


def _signals(entries: list[dict[str, Any]], terms: dict[str, str]) -> tuple[_Signal, ...]:
    return tuple(_Signal(e["id"], int(e["w"]), _compile(e["re"], terms)) for e in entries)


@lru_cache(maxsize=4)
def load_rules(path: Path = PATTERNS_PATH) -> _Rules:
    """Load and compile the pattern table (cached)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    terms: dict[str, str] = data["terms"]
    aliases = sorted(
        (
            (fold(variant), fold(canonical))
            for canonical, variants in data["aliases"].items()
            for variant in variants
        ),
        key=lambda pair: -len(pair[0]),
    )
    categories = tuple(
        _Category(
            name=c["name"],
            mode=c["mode"],
            reason=c["reason"],
            lead=c["lead"].strip(),
            after=c.get("after", "").strip(),
            contacts=tuple(c.get("contacts", [])),
            signals=_signals(c.get("signals", []), terms),
            policy_sensitive=bool(c.get("policy_sensitive", False)),
            urgent=bool(c.get("urgent", False)),
            requires=_compile(c["requires"], terms) if c.get("requires") else None,
            detector=c.get("detector"),
            danger_lead=c.get("danger_lead", "").strip(),
            danger_contacts=tuple(c.get("danger_contacts", [])),
            learned=c.get("learned", ""),
            floor=bool(c.get("floor", True)),
            note=c.get("note", "").strip(),
        )
        for c in data["categories"]
    )
    context = data["context"]
    return _Rules(
        threshold=int(data["threshold"]),
        aliases=tuple(aliases),
        policy=_signals(context["policy"], terms),
        urgency=_signals(context["urgency"], terms),
        danger=tuple(_compile(p, terms) for p in context["danger"]),
        categories=categories,
    )


def prepare(text: str, contacts: ContactBook, rules: _Rules | None = None) -> str:
    """The folded form of `text` the patterns run on: names masked as 〔氏名n〕, book numbers as 〔key〕, aliases applied."""
    rules = rules or load_rules()
    folded = normalise(mask(text, public_numbers=contacts.numbers()).text)
    for key in contacts:
        number = normalise(contacts[key].number)
        if number:
            folded = re.sub(rf"(?<![\d#]){re.escape(number)}(?!\d)", f"〔{key}〕", folded)
    for variant, canonical in rules.aliases:
        folded = folded.replace(variant, canonical)
    return folded


def _score(category: _Category, folded: str, rules: _Rules) -> tuple[int, list[str]]:
    """Sum of matched weights and the ids that matched; (0, []) when no positive signal matched."""
    matched = [s for s in category.signals if s.regex.search(folded)]
    if not any(s.weight > 0 for s in matched):
        return 0, []
    if category.policy_sensitive:
        matched += [s for s in rules.policy if s.regex.search(folded)]
    if category.urgent:
        matched += [s for s in rules.urgency if s.regex.search(folded)]
    return sum(s.weight for s in matched), [s.id for s in matched]


def _render(category: _Category, contacts: list[Contact], book: ContactBook, danger: bool) -> str:
    numbers = {key: book[key].number for key in book}
    lines = [category.danger_lead] if danger and category.danger_lead else []
    lines.append(category.lead)
    for contact in contacts:
        head = f"・{contact.name} {contact.number}" if contact.number else f"・{contact.name}"
        lines.append(f"{head}：{contact.note}" if contact.note else head)
    if category.after:
        lines.append(category.after)
    return Template("\n".join(lines)).safe_substitute(numbers)


def _learned_category(label: str, folded: str, rules: _Rules) -> _Category | None:
    """The category a classifier label routes to (abuse at a nursery goes to nursery_abuse)."""
    for category in rules.categories:
        if category.learned == label and (category.requires is None or category.requires.search(folded)):
            return category
    return None


def route(text: str, contacts: ContactBook, assessor: RiskAssessor | None = None) -> RouteDecision | None:
    """Return an escalation, refusal or gray-zone note for `text`, or None when it is an ordinary question.

    The classifier scores every sentence; the pattern table is a floor that can add routes, never remove them.
    """
    if not text or not text.strip():
        return None
    rules = load_rules()
    folded = prepare(text, contacts, rules)
    fired: dict[str, tuple[_Category, list[str]]] = {}
    for category in rules.categories:
        if category.detector == "injection":
            if detect_injection(text):
                fired[category.name] = (category, ["injection"])
            continue
        if not category.floor or (category.requires is not None and not category.requires.search(folded)):
            continue
        score, ids = _score(category, folded, rules)
        if ids and score >= rules.threshold:
            fired[category.name] = (category, ids)
    notes: list[_Category] = []
    segment = ""
    risks = assessor.assess(text) if assessor else []
    if assessor is not None:
        # A pattern is a floor, not a verdict: an escalation pattern whose label the classifier does not
        # reach even at its gray-zone cut (an idiom, a resolved past event) shows the lines above the answer
        # instead of replacing it. Without a fitted model the patterns route alone.
        scored = {risk.label for risk in risks}
        for name, (category, _ids) in list(fired.items()):
            if category.mode == "escalate" and category.learned and category.learned not in scored:
                del fired[name]
                if category.note:
                    notes.append(category)
    for risk in risks:
        learned = _learned_category(risk.label, folded, rules)
        if learned is None or learned.name in fired:
            continue
        if risk.tier == "act":
            fired[learned.name] = (learned, [f"learned:{risk.label}={risk.probability:.2f}"])
            segment = segment or (risk.segment if risk.segment != text.strip() else "")
        elif learned.mode == "escalate" and learned.note:
            notes.append(learned)
    order = {c.name: i for i, c in enumerate(rules.categories)}
    ranked = sorted(fired.values(), key=lambda pair: order[pair[0].name])
    # A request for how to hurt a child is refused first (with 189); otherwise an escalation outranks a
    # refusal: the lines come first whatever else the message asks.
    ranked.sort(
        key=lambda pair: 0 if pair[0].name == "refuse_harm" else 1 if pair[0].mode == "escalate" else 2
    )
    if not ranked:
        return _note(notes, contacts) if notes else None
    winner, ids = ranked[0]
    danger = bool(winner.danger_contacts) and any(p.search(folded) for p in rules.danger)
    keys = list(winner.danger_contacts if danger else winner.contacts)
    # Another escalation that also fired adds its most urgent line (e.g. an injured, abused child: 119 then 189).
    for other in [c for c, _ in ranked[1:] if c.mode == "escalate"] + notes:
        if other.contacts and other.contacts[0] not in keys:
            keys.append(other.contacts[0])
    chosen = contacts.pick(keys)
    return RouteDecision(
        mode=winner.mode,
        category=winner.name,
        reason=winner.reason,
        message=_render(winner, chosen, contacts, danger),
        contacts=chosen,
        signals=ids + (["danger_now"] if danger else []),
        segment=segment if winner.mode == "escalate" else "",
    )


def _note(notes: list[_Category], book: ContactBook) -> RouteDecision:
    """A gray-zone decision: the answer goes ahead, with the lines of every possible risk above it."""
    notes = list({c.name: c for c in notes}.values())  # a pattern and the classifier may both note one
    keys: list[str] = []
    for category in notes:
        keys.extend(k for k in category.contacts[:2] if k not in keys)
    numbers = {key: book[key].number for key in book}
    message = "\n".join(Template(c.note).safe_substitute(numbers) for c in notes)
    return RouteDecision(
        mode="note", category=notes[0].name, reason=notes[0].reason, message=message,
        contacts=book.pick(keys), signals=[f"note:{c.name}" for c in notes],
    )  # fmt: skip
