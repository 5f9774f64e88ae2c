"""PII masking: replace マイナンバー, phone numbers, e-mail, postal codes, addresses and names with placeholders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from kodomo_ai.index.lexical import full_name_spans
from kodomo_ai.text.fold import fold

# Placeholder kinds in the order their detectors run; an earlier detector wins an overlap.
KINDS: tuple[str, ...] = ("メール", "マイナンバー", "電話", "郵便番号", "住所", "氏名")

_HY = r"[\-‐‑‒–—―−－ー]"  # hyphens as people actually type them, including the long-vowel mark
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# \d also matches full-width digits, so ０９０ is caught without rewriting the text.
_MYNUMBER = re.compile(
    rf"(?<!\d)(?<!\d{_HY})(\d{{4}})(?:{_HY}|[ 　])?(\d{{4}})(?:{_HY}|[ 　])?(\d{{4}})(?!\d)(?!{_HY}\d)"
)
_MYNUMBER_LABEL = re.compile(r"(?:マイナンバー|個人番号|mynumber|my number)", re.IGNORECASE)
_PHONE = re.compile(
    rf"(?<![\d#＃])(?<!\d{_HY})(?:"
    rf"(?:\+81[ 　\-]?|[0０])\d{{1,4}}(?:{_HY}|[ 　]|[(（])\d{{1,4}}(?:{_HY}|[ 　]|[)）])\d{{3,4}}"
    rf"|[(（][0０]\d{{1,4}}[)）][ 　]?\d{{1,4}}{_HY}?\d{{4}}"
    rf"|[0０]\d{{9,10}}"
    rf")(?!\d)(?!{_HY}\d)"
)
_PREFECTURES = (
    "北海道|青森県|岩手県|宮城県|秋田県|山形県|福島県|茨城県|栃木県|群馬県|埼玉県|千葉県|東京都|神奈川県|新潟県"
    "|富山県|石川県|福井県|山梨県|長野県|岐阜県|静岡県|愛知県|三重県|滋賀県|京都府|大阪府|兵庫県|奈良県|和歌山県"
    "|鳥取県|島根県|岡山県|広島県|山口県|徳島県|香川県|愛媛県|高知県|福岡県|佐賀県|長崎県|熊本県|大分県|宮崎県"
    "|鹿児島県|沖縄県"
)
# A place name: kanji, katakana and hiragana except the particles that usually end the word before it.
_PLACE = r"(?:(?![のはをにでへともやがか])[一-龥々〆ヶァ-ヴーぁ-ゔ])"
_TOWN = r"(?:(?![のはをにでへともや])[一-龥々〆ヶァ-ヴーぁ-ゔ]|\d+条)"
_BLOCK = (
    rf"(?:[\d一二三四五六七八九十]+丁目(?:{_HY}?\d+(?:番地?|{_HY})?(?:\d+号?)?)?"
    rf"|\d+番地(?:の?\d+)?(?:{_HY}\d+)?"
    rf"|\d+番\d+号?"
    rf"|\d+{_HY}\d+(?:{_HY}\d+)?)"
    r"(?![\d年歳月日円人%％か時分度])"
)
_BUILDING = r"(?:[ 　]?[一-龥ァ-ヴーぁ-ゔA-Za-z]{1,15}\d{1,4}(?:号室|号)?)"
_ADDRESS = re.compile(
    rf"(?:{_PREFECTURES})?(?:{_PLACE}{{1,7}}?[市区町村郡]){{1,3}}{_TOWN}{{0,10}}?[ 　]?{_BLOCK}{_BUILDING}?"
)
# Group 1 is the code itself: 〒 is masked with it, the word 郵便番号 before it is not.
_POSTAL = re.compile(
    rf"(〒[ 　]?\d{{3}}{_HY}?\d{{4}})(?!\d)"
    rf"|郵便番号[はが:：\s]{{0,2}}(\d{{3}}{_HY}?\d{{4}})(?!\d)"
    rf"|(?<![\d\-])(\d{{3}}{_HY}\d{{4}})(?!\d)(?=[ 　]?(?:{_PREFECTURES}|{_PLACE}{{1,7}}?[市区町村郡]))"
)
# Digits inside a web address are never PII; such spans block every detector.
_URL = re.compile(r"https?://[^\s　）)」』、。<>\"]+")

_HONORIFIC = re.compile(r"さん|さま|様|くん|君|ちゃん|氏|先生")
_NAME_CHAR = re.compile(r"[一-龥々〆ヶァ-ヴーぁ-ゖ]")
# Words before an honorific that are roles or family terms, not names (compared after fold()).
_NOT_NAMES = frozenset(
    fold(w)
    for w in (
        "子 お子 息子 娘 子ども 子供 こども 母 父 兄 姉 弟 妹 祖母 祖父 叔母 叔父 伯母 伯父 義母 義父 孫 嫁 婿 奥 旦那"
        " 皆 各位 赤 坊 嬢 客 隣 近所 大家 神 仏 王 姫 殿 上 同 異 多 模 仕 有 左 貴 彼 某 両 医者 歯医者 園児 乳児 幼児"
        " 児童 生徒 学生 妊婦 患者 担任 主任 担当 警察 相手 先方 業者 店員 運転手 疲れ 苦労 世話 互い 馳走 陰 親御 両親"
        " 親 家族 主人 本人 友人 知人 恋人 住人 隣人 婦人 新人 大人 他人 成人 個人 犯人 一人 巡り 婆 爺 家主 保育"
        " おかあ おとう おにい おねえ おばあ おじい おば おじ かあ とう にい ねえ ばあ じい みな おこ あか ぼっ おじょう"
        " わん ねこ いぬ うさ くま ぱん おまわり おいしゃ おきゃく まま ぱぱ おく だんな およめ よめ おとな"
        " たく ごちそう おつかれ おせわ おかげ おたがい みな おひ おつき おうじ おひめ ほとけ かみ ぼっ じょう"
        " ママ パパ ママ友 パパ友 シッター ヘルパー ケースワーカー ワーカー ドクター ナース パート バイト アンパンマン"
    ).split()
)
_ROLE_SUFFIXES = (
    "員",
    "師",
    "者",
    "士",
    "長",
    "官",
    "係",
    "屋",
    "側",
    "担当",
    "先生",
    "方",
    "達",
    "たち",
    "ら",
)
_NAME_CUT = "のを"
_NOT_AFTER_SAN = ("ぽ", "すう", "せい", "しょう", "かく", "かい", "みゃく", "ざん", "ご")
_SAMA_NOT_BEFORE = "子式々相態"


@dataclass
class Masked:
    """Text with PII replaced by placeholders, and the mapping to restore it."""

    text: str
    mapping: dict[str, str] = field(default_factory=dict)

    def unmask(self, text: str) -> str:
        """Put the originals back into `text` (e.g. a generated draft)."""
        return unmask(text, self.mapping)


def mynumber_check_digit(first11: str) -> int:
    """Return the マイナンバー check digit for its first 11 digits (個人番号の検査用数字)."""
    digits = [unicodedata.digit(ch) for ch in first11]
    if len(digits) != 11:
        raise ValueError("need exactly 11 digits")
    # P_n is the n-th digit counted from the right; Q_n = n+1 for n<=6, n-5 for n>=7.
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(reversed(digits), start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_valid_mynumber(number: str) -> bool:
    """True when `number` (separators allowed) is 12 digits with a correct check digit."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return len(digits) == 12 and mynumber_check_digit(digits[:11]) == unicodedata.digit(digits[11])


def _digits(text: str) -> str:
    return "".join(str(unicodedata.digit(ch)) for ch in text if ch.isdigit())


def _find_mynumbers(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _MYNUMBER.finditer(text):
        labelled = _MYNUMBER_LABEL.search(text[max(0, m.start() - 15) : m.start()]) is not None
        if is_valid_mynumber(m.group()) or labelled:
            spans.append(m.span())
    return spans


def _find_phones(text: str, public: set[str]) -> list[tuple[int, int]]:
    spans = []
    for m in _PHONE.finditer(text):
        digits = _digits(m.group())
        national = "0" + digits[2:] if m.group().lstrip().startswith("+81") else digits
        # All zeros is a documentation placeholder (000-0000-0000), not anyone's number.
        if len(national) in (10, 11) and national not in public and national.strip("0"):
            spans.append(m.span())
    return spans


def _name_start(text: str, end: int) -> int:
    """Start of the name that ends at `end` (just before an honorific), or `end` when there is none."""
    start = end
    while start > 0 and end - start < 10 and _NAME_CHAR.match(text[start - 1]):
        start -= 1
    run = text[start:end]
    if not run:
        return end

    def script(ch: str) -> str:
        if "ぁ" <= ch <= "ゖ":
            return "hira"
        if "ァ" <= ch <= "ヴ" or ch == "ー":
            return "kata"
        return "kanji"

    tail = len(run)
    kind = script(run[-1])
    while tail > 0 and script(run[tail - 1]) == kind:
        tail -= 1
    if kind == "hira":
        cut = max(run.rfind(c, tail) for c in _NAME_CUT)
        tail = max(tail, cut + 1)
        # Surname in kanji followed by a given name in hiragana: 田中ゆうこさん.
        if tail > 0 and script(run[tail - 1]) == "kanji" and cut < 0:
            while tail > 0 and script(run[tail - 1]) == "kanji":
                tail -= 1
    return start + tail


def _find_names(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _HONORIFIC.finditer(text):
        after = text[m.end() : m.end() + 3]
        if m.group() == "さん" and after.startswith(_NOT_AFTER_SAN):
            continue
        if m.group() in ("様", "さま") and (after[:1] in _SAMA_NOT_BEFORE or after.startswith("ざま")):
            continue
        if m.group() == "氏" and after.startswith("名"):
            continue
        start = _name_start(text, m.start())
        name = text[start : m.start()]
        if not name or (len(name) < 2 and "ぁ" <= name[0] <= "ゖ"):
            continue
        folded = fold(name)
        if folded in _NOT_NAMES or folded.endswith(_ROLE_SUFFIXES) or fold(name.lstrip("おご")) in _NOT_NAMES:
            continue
        spans.append((start, m.start()))
    return spans


def _find(text: str, public: set[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = [(m.start(), m.end(), "") for m in _URL.finditer(text)]
    detectors = {
        "メール": lambda: [m.span() for m in _EMAIL.finditer(text)],
        "マイナンバー": lambda: _find_mynumbers(text),
        "電話": lambda: _find_phones(text, public),
        "郵便番号": lambda: [m.span(m.lastindex or 0) for m in _POSTAL.finditer(text)],
        "住所": lambda: [m.span() for m in _ADDRESS.finditer(text)],
        # Names with an honorific (田中さん), and full names without one (私は山田花子です).
        "氏名": lambda: _find_names(text) + full_name_spans(text),
    }
    for kind in KINDS:
        for start, end in detectors[kind]():
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, kind))
    return sorted(span for span in found if span[2])


def mask(text: str, *, public_numbers: Iterable[str] = ()) -> Masked:
    """Replace PII in `text` with placeholders such as 〔氏名1〕〔電話1〕; `public_numbers` stay as they are."""
    public = {_digits(n) for n in public_numbers if _digits(n)}
    mapping: dict[str, str] = {}
    placeholder_of: dict[tuple[str, str], str] = {}
    counts = dict.fromkeys(KINDS, 0)
    parts: list[str] = []
    pos = 0
    for start, end, kind in _find(text, public):
        original = text[start:end]
        key = (kind, original)
        if key not in placeholder_of:
            counts[kind] += 1
            placeholder_of[key] = f"〔{kind}{counts[kind]}〕"
            mapping[placeholder_of[key]] = original
        parts.append(text[pos:start])
        parts.append(placeholder_of[key])
        pos = end
    parts.append(text[pos:])
    return Masked(text="".join(parts), mapping=mapping)


_PLACEHOLDER = re.compile(r"[〔［\[【]\s*(" + "|".join(KINDS) + r")\s*(\d+)\s*[〕］\]】]")


def unmask(text: str, mapping: dict[str, str]) -> str:
    """Restore originals for placeholders in `text`, tolerating 〔〕/［］/【】 brackets an LLM may swap in."""

    def restore(m: re.Match[str]) -> str:
        return mapping.get(f"〔{m.group(1)}{m.group(2)}〕", m.group())

    return _PLACEHOLDER.sub(restore, text)
