"""A notice as it is printed (公用文の配置): number, date, addressee, sender, title, body, 記, 教示, contact."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

_MARKER = re.compile(r"\[\d{1,3}\]")


def strip_markers(text: str) -> str:
    """Text without citation markers ([1], [12]): what a resident reads."""
    return _MARKER.sub("", text)


@dataclass(frozen=True)
class NoticeLayout:
    """The printed parts of a notice, each plain text; the review copy keeps [n] markers in the body."""

    title: str
    body: list[str]
    number: str = ""  # 文書番号, right-aligned above the date
    date: str = ""  # 発信日, right-aligned
    addressee: list[str] = field(default_factory=list)  # 住所 and 氏名 様, left
    sender: str = ""  # 発信者 (the mayor), right-aligned
    question: str = ""  # an FAQ entry's question (its body is the answer)
    items: list[tuple[str, str]] = field(default_factory=list)  # 記 (label, value), closed by 以上
    table_intro: str = ""
    table: list[list[str]] = field(default_factory=list)  # a schedule from the sources, header row first
    kyouji: list[str] = field(default_factory=list)  # 教示 sentences for a disposition
    contact: list[str] = field(default_factory=list)

    @property
    def addressed(self) -> bool:
        """True for a letter to one household (with a date, an addressee and a sender)."""
        return bool(self.addressee)

    def map(self, change: Callable[[str], str]) -> NoticeLayout:
        """The same layout with `change` applied to every piece of text (filling, stripping markers)."""
        return replace(
            self, title=change(self.title), body=[change(p) for p in self.body], number=change(self.number),
            date=change(self.date), addressee=[change(a) for a in self.addressee], sender=change(self.sender),
            question=change(self.question), items=[(change(k), change(v)) for k, v in self.items],
            table_intro=change(self.table_intro), table=[[change(c) for c in row] for row in self.table],
            kyouji=[change(k) for k in self.kyouji], contact=[change(c) for c in self.contact],
        )  # fmt: skip

    def resident(self) -> NoticeLayout:
        """The copy a resident receives: no citation markers anywhere."""
        return self.map(strip_markers)

    def markdown(self) -> str:
        """The notice as Markdown in print order (the 記 items as a table, 以上 after them)."""
        lines: list[str] = []
        if self.addressed:
            lines += [line for line in (self.number, self.date) if line] + [""]
            lines += [f"{a}  " for a in self.addressee[:-1]] + [self.addressee[-1], ""]
            lines += [self.sender, ""] if self.sender else []
        lines += [f"# {self.title}", ""]
        if self.question:
            lines += [f"## Q. {self.question}", "", f"A. {self.body[0] if self.body else ''}", ""]
            lines += [p for paragraph in self.body[1:] for p in (paragraph, "")]
        else:
            lines += [p for paragraph in self.body for p in (paragraph, "")]
        if self.items:
            lines += ["## 記", "", "| 項目 | 内容 |", "|---|---|"]
            lines += [f"| {k} | {v} |" for k, v in self.items] + ["", "以上", ""]
        if self.table:
            header, *rows = self.table
            lines += [self.table_intro, ""] if self.table_intro else []
            lines += [f"| {' | '.join(header)} |", f"|{'---|' * len(header)}"]
            lines += [f"| {' | '.join(row)} |" for row in rows] + [""]
        if self.kyouji:
            lines += ["## 教示", "", "".join(self.kyouji), ""]
        if self.contact:
            lines += ["## 問い合わせ先", "", "".join(self.contact), ""]
        return "\n".join(lines)
