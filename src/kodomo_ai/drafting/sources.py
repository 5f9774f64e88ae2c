"""The source list a draft carries: retrieved chunks and rule sections, numbered as cited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from kodomo_ai.schema import Hit

if TYPE_CHECKING:
    from kodomo_ai.drafting.layout import NoticeLayout


@dataclass(frozen=True)
class SourceRef:
    """One cited source: document, section, address, chunk and the quoted passage."""

    doc_id: str
    title: str
    source: str = ""
    heading: str = ""
    chunk_id: str = ""
    quote: str = ""

    @classmethod
    def from_hit(cls, hit: Hit, quote: str = "") -> SourceRef:
        """A source for a retrieved hit."""
        return cls(hit.doc_id, hit.title, hit.source, hit.heading, hit.chunk_id, quote)

    def label(self) -> str:
        """One line for the 出典 list."""
        place = f"{self.title} › {self.heading}" if self.heading else self.title
        where = f" {self.source}" if self.source and self.source != "sample" else ""
        return f"{place}（{self.doc_id}）{where}".strip()

    def as_dict(self) -> dict[str, str]:
        """Plain dict for JSON."""
        return asdict(self)


class SourceList:
    """Sources in citation order; citing the same chunk twice reuses its number."""

    def __init__(self) -> None:
        self.items: list[SourceRef] = []

    def cite(self, ref: SourceRef) -> int:
        """Number of `ref` in the list (added if new)."""
        key = (ref.doc_id, ref.chunk_id, ref.heading)
        for number, item in enumerate(self.items, 1):
            if (item.doc_id, item.chunk_id, item.heading) == key:
                return number
        self.items.append(ref)
        return len(self.items)

    def markdown(self) -> str:
        """The numbered 出典 section body."""
        return "\n".join(f"{n}. {ref.label()}" for n, ref in enumerate(self.items, 1))


def appendix_markdown(
    title: str, review: NoticeLayout, sources: SourceList, rule_steps: list[str], rule_sections: list[str]
) -> str:
    """The caseworker's appendix: the body with its [n] markers, the rule steps and every source quoted."""
    lines = [f"# 根拠資料（職員用）: {title}", "",
             "起案の確認に使う職員用の資料です。通知を受け取る方には送付しません。", "",
             "## 本文と出典番号", ""]  # fmt: skip
    parts = [review.question, *review.body, review.table_intro, *review.contact]
    lines += [p for part in parts if part for p in (part, "")]
    if rule_steps:
        lines += ["## 計算の根拠", "", *(f"- {step}" for step in rule_steps), ""]
        lines += [f"- 規則の出典: {section}" for section in dict.fromkeys(rule_sections)] + [""]
    lines += ["## 出典", ""]
    for number, ref in enumerate(sources.items, 1):
        lines.append(f"{number}. {ref.label()}")
        if ref.quote and ref.quote != "（表）":
            lines.append(f"    - 引用: 「{ref.quote}」")
    return "\n".join([*lines, ""]) if sources.items else "\n".join([*lines, "（なし）", ""])
