"""公用文 style check: what a reviewer would flag in a notice, announcement or FAQ draft."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from kodomo_ai.ingest.chunking import split_sentences

# 「公用文作成の考え方」の報告は一文50〜60字程度で読みやすさを見直すよう勧めている（目安であり上限ではない）。
LONG_SENTENCE = 60
_DESU = re.compile(r"(?:です|ます|でした|ました|ません|でしょう|ください|ませんか)[。]?$")
_DEARU = re.compile(r"(?:である|であった|であろう|する|した|しない|ない|だ|だろう|だった)[。]?$")
_POLITE_ARCHAIC = ("であります", "でございます")
_MARKER = re.compile(r"\[\d{1,2}\]")
_ABBR = re.compile(r"(?<![A-Za-z])[A-Z][A-Z0-9]{1,6}(?![A-Za-z])")
_KNOWN_ABBR = {"PDF", "FAQ", "URL", "ID"}
_FULL_DATE = re.compile(r"(?:(?:令和|平成|昭和)(?:元|\d{1,2})年|(?:19|20)\d{2}年)\d{1,2}月\d{1,2}日")
_SEIREKI = re.compile(r"(?<!\d)(?:19|20)\d{2}年")
_COUNTER = re.compile(r"\d+[ヶカケ箇]月")
_KODOMO = re.compile(r"子ども|子供")
_STATUTORY = ("子ども・子育て支援", "子どものための", "子ども家庭", "子供・子育て")


@dataclass(frozen=True)
class Finding:
    """One point a reviewer would raise, with where it is."""

    rule: str
    message: str
    excerpt: str = ""
    line: int = 0

    def as_dict(self) -> dict[str, object]:
        """Plain dict for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class StyleProfile:
    """What a document type requires: register, weekdays on dates, 問い合わせ先, 教示."""

    register: str = "desu"  # desu (です・ます) | dearu (である)
    weekday_dates: bool = True
    needs_contact: bool = True
    needs_kyouji: bool = False
    wareki: bool = True


def _prose_lines(markdown: str) -> list[tuple[int, str]]:
    """Body lines to check: not headings, tables, the 出典 list or the date line of the letter."""
    out: list[tuple[int, str]] = []
    in_sources = False
    for number, line in enumerate(markdown.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("#"):
            in_sources = stripped.lstrip("#").strip() in ("出典", "出典一覧", "根拠資料")
            continue
        if in_sources or not stripped or stripped.startswith(("|", "<!--")):
            continue
        out.append((number, stripped))
    return out


def _table_lines(markdown: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(markdown.splitlines(), 1) if line.strip().startswith("|")]


def _ending(sentence: str) -> str:
    body = _MARKER.sub("", sentence).rstrip("。 　").rstrip("）)」")
    return body


def check_style(markdown: str, profile: StyleProfile | None = None) -> list[Finding]:
    """Findings for a draft: register, sentence length, abbreviations, dates, counters, 問い合わせ先, 教示."""
    profile = profile or StyleProfile()
    findings: list[Finding] = []
    desu: list[tuple[int, str]] = []
    dearu: list[tuple[int, str]] = []
    seen_abbr: set[str] = set()
    for number, line in _prose_lines(markdown):
        is_item = line.startswith(("-", "・", "*")) or re.match(r"^\d+[.)．]", line) is not None
        for sentence in split_sentences(line):
            plain = _MARKER.sub("", sentence).lstrip("-・* ").strip()
            ending = _ending(plain)
            if not is_item and plain.endswith("。"):
                if _DESU.search(ending + "。"):
                    desu.append((number, plain))
                elif _DEARU.search(ending + "。"):
                    dearu.append((number, plain))
            if len(plain) > LONG_SENTENCE:
                findings.append(Finding("long-sentence", f"一文が{len(plain)}字あります。{LONG_SENTENCE}字程度を目安に分けられないか見直してください。", plain[:40] + "…", number))  # fmt: skip
            if any(word in plain for word in _POLITE_ARCHAIC):
                findings.append(Finding("archaic-polite", "「であります」「でございます」は公用文では使いません。", plain[:40], number))  # fmt: skip
        findings.extend(_abbreviations(line, number, seen_abbr))
        findings.extend(_dates(line, number, profile))
        for match in _COUNTER.finditer(line):
            findings.append(Finding("counter", f"算用数字の後は「か月」と書きます（「{match.group(0)}」）。", match.group(0), number))  # fmt: skip
        for match in _KODOMO.finditer(line):
            around = line[max(0, match.start() - 2) : match.end() + 8]
            if not any(term in around for term in _STATUTORY):
                findings.append(Finding("kodomo", "法令名などの固有名詞以外では「こども」と平仮名で書きます。", around, number))  # fmt: skip
    for number, line in _table_lines(markdown):
        findings.extend(_dates(line, number, profile))
    findings.extend(_register(desu, dearu, profile))
    if profile.needs_contact and "問い合わせ" not in markdown and "問合せ" not in markdown:
        findings.append(
            Finding("missing-contact", "問い合わせ先（担当課・電話番号・受付時間）がありません。")
        )
    if profile.needs_kyouji and not _has_kyouji(markdown):
        findings.append(Finding("missing-kyouji", "処分の通知に教示文（審査請求と取消訴訟の期間・相手方）がありません。"))  # fmt: skip
    if "，" in markdown and "、" in markdown:
        findings.append(
            Finding("comma-mix", "読点の「，」と「、」が混在しています。どちらかに統一してください。")
        )
    return findings


def _register(
    desu: list[tuple[int, str]], dearu: list[tuple[int, str]], profile: StyleProfile
) -> list[Finding]:
    minority = dearu if profile.register == "desu" else desu
    majority = desu if profile.register == "desu" else dearu
    if not minority or not majority and len(minority) < 2:
        return []
    expected = "です・ます" if profile.register == "desu" else "である"
    return [
        Finding(
            "mixed-register",
            f"文体が混在しています。この文書は「{expected}」体で統一します。",
            sentence[:40],
            number,
        )
        for number, sentence in minority
    ]


def _abbreviations(line: str, number: int, seen: set[str]) -> list[Finding]:
    out = []
    for match in _ABBR.finditer(line):
        abbr = match.group(0)
        if abbr in seen or abbr in _KNOWN_ABBR:
            continue
        seen.add(abbr)
        before, after = line[: match.start()], line[match.end() :]
        defined = after.startswith(("（", "(")) or before.endswith(("（", "("))
        if not defined:
            out.append(Finding("undefined-abbreviation", f"略語「{abbr}」は初出で正式な名称を示してください（例: 正式名称（{abbr}））。", abbr, number))  # fmt: skip
    return out


def _dates(line: str, number: int, profile: StyleProfile) -> list[Finding]:
    out = []
    if profile.wareki:
        for match in _SEIREKI.finditer(line):
            out.append(Finding("seireki", "日付は元号（令和◯年）で書きます。", line[match.start() : match.end() + 8], number))  # fmt: skip
    # The date a letter is sent (a line holding only the date) carries no weekday by custom.
    dated_line = _FULL_DATE.fullmatch(line.strip()) is not None
    if profile.weekday_dates and not dated_line and "生年月日" not in line:
        for match in _FULL_DATE.finditer(line):
            tail = line[match.end() : match.end() + 3]
            if not re.match(r"[（(][月火水木金土日]", tail):
                out.append(Finding("date-weekday", "期日や期間の日付には曜日を添えます（例: 令和8年4月1日（水））。", match.group(0), number))  # fmt: skip
    return out


def _has_kyouji(markdown: str) -> bool:
    return all(word in markdown for word in ("審査請求", "3か月", "取消し", "6か月"))
