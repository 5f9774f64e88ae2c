"""PII masking: replace マイナンバー, phone numbers, e-mail, postal codes, addresses and names with placeholders."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from kodomo_ai.text.fold import fold
from kodomo_ai.text.romaji import long_vowel_readings, to_hiragana, to_katakana
from kodomo_ai.text.sudachi import MAX_CHARS, Sudachi

# Placeholder kinds in the order their detectors run; an earlier detector wins an overlap.
KINDS: tuple[str, ...] = ("メール", "マイナンバー", "電話", "郵便番号", "住所", "氏名")

_HY = r"[\-‐‑‒–—―−－ー]"  # hyphens as people actually type them, including the long-vowel mark
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# \d also matches full-width digits, so ０９０ is caught without rewriting the text.
_MYNUMBER = re.compile(
    rf"(?<!\d)(?<!\d{_HY})(\d{{4}})(?:{_HY}|[ 　])?(\d{{4}})(?:{_HY}|[ 　])?(\d{{4}})(?!\d)(?!{_HY}\d)"
)
_MYNUMBER_LABEL = re.compile(r"(?:マイナンバー|個人番号|mynumber|my number)", re.IGNORECASE)
# Dots count as separators too (090.1234.5678); a decimal never has ten digits starting with 0.
_PHONE = re.compile(
    rf"(?<![\d#＃])(?<!\d{_HY})(?<!\d[.．])(?:"
    rf"(?:\+81[ 　\-]?|[0０])\d{{1,4}}(?:{_HY}|[ 　.．]|[(（])\d{{1,4}}(?:{_HY}|[ 　.．]|[)）])\d{{3,4}}"
    rf"|[(（][0０]\d{{1,4}}[)）][ 　]?\d{{1,4}}{_HY}?\d{{4}}"
    rf"|[0０]\d{{9,10}}"
    rf")(?!\d)(?!{_HY}\d)(?![.．]\d)"
)
# Kanji digits read as digits for the number detectors (〇九〇…); one character each, so spans line up.
_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
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

# Romanised addresses: a run of words and block numbers holding both a block (1-2-3) and a
# municipal word (Midori-shi, Shinjuku-ku, Aoba Town …).
_RW = r"[A-Z][A-Za-zāīūēōÂâÔôÛû']+(?:-[A-Za-z][a-zāīūēōâôû]+)*"
_R_TOKEN = rf"(?:\d{{1,5}}(?:-\d{{1,5}}){{0,3}}(?:-?chome)?|{_RW}|[Cc]home|#\d{{1,5}}|No\.\s?\d{{1,5}})"
_R_ADDRESS = re.compile(rf"{_R_TOKEN}(?:,?[ ]{_R_TOKEN})+")
_R_BLOCK = re.compile(r"\d{1,5}-\d{1,5}|\d+\s?-?chome|\d+-ban")
_R_MUNICIPAL = re.compile(
    r"-(?:shi|ku|cho|chō|machi|mura|son|gun|ken|fu|to)\b|\b(?:City|Ward|Town|Village|Prefecture|County)\b"
)
# Romanised names: capitalised words in romanised Japanese (Sato Shota, SATO Shota, Shota-kun).
_R_WORD = re.compile(r"(?<![A-Za-z])[A-Z][a-zāīūēō']+(?![A-Za-z])|(?<![A-Za-z])[A-Z]{2,}(?![A-Za-z])")
_R_HONORIFIC = re.compile(r"[- ]?(?:san|kun|chan|sama)\b|さん|くん|ちゃん|様|さま")
_R_NAME_LABEL = re.compile(
    r"(?:name(?: is)?|named|名前は?|氏名|my (?:son|daughter|child|kid|wife|husband)(?: is)?)[:：]?\s*$",
    re.IGNORECASE,
)

_HONORIFIC = re.compile(r"さん|さま|様|くん|君|ちゃん|氏|先生")
_NAME_CHAR = re.compile(r"[一-龥々〆ヶァ-ヴーぁ-ゖ]")
_KANJI = re.compile(r"[一-龥々〆]")
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


def _morphemes(text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, surface, part of speech) of Sudachi's words, cut into pieces Sudachi accepts."""
    sudachi = Sudachi.get()
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + MAX_CHARS)
        if end < len(text):  # cut at a break so no name is split in two
            cut = max(text.rfind(c, start, end) for c in "\n。 　、")
            end = cut + 1 if cut > start else end
        for m in sudachi.morphemes(text[start:end]):
            out.append((start + m.begin(), start + m.end(), m.surface(), tuple(m.part_of_speech())))
        start = end
    return out


_HONORIFIC_WORDS = frozenset(("さん", "さま", "様", "くん", "君", "ちゃん", "氏"))


def _name_spans(text: str) -> list[tuple[int, int]]:
    """Names as Sudachi tags them (人名): family + given name (with or without a space), or a given name alone."""
    words = _morphemes(text)
    spans = []
    i = 0
    while i < len(words):
        start, end, surface, pos = words[i]
        if pos[2:4] == ("人名", "姓"):
            j = i + 1
            if j < len(words) and words[j][3][0] == "空白" and words[j][1] - words[j][0] <= 2:
                j += 1
            if j < len(words) and words[j][3][2:4] == ("人名", "名"):
                spans.append((start, words[j][1]))
                i = j + 1
                continue
        elif pos[2:4] == ("人名", "名") and _given_name_alone(words, i):
            spans.append((start, end))
        i += 1
    return spans


def _given_name_alone(words: list[tuple[int, int, str, tuple[str, ...]]], i: int) -> bool:
    """A given name standing as a word of its own: two characters or more and not part of a compound."""
    surface = words[i][2]
    # Kana-only "names" are mostly fragments Sudachi could not read (しゅう, りょう); kana names need an honorific.
    if len(surface) < 2 or not _KANJI.search(surface):
        return False
    # 里子 and 大地 are also ordinary words: alone they are masked only when every reading is a name.
    if any(pos[1] != "固有名詞" or pos[2] not in ("人名", "地名") for pos in Sudachi.get().entries(surface)):
        return False
    before = words[i - 1] if i > 0 else None
    after = words[i + 1] if i + 1 < len(words) else None
    # 保健師さん read as 保 + 健師, あおば町: a name glued to another word is part of a compound.
    if before is not None and before[1] == words[i][0] and before[3][0] in ("名詞", "接頭辞"):
        return False
    if after is not None and after[0] == words[i][1] and after[3][0] in ("名詞", "接尾辞"):
        return after[2] in _HONORIFIC_WORDS
    return True


def _reads_as_name(word: str) -> bool | None:
    """Whether a romanised word reads as a name for Sudachi (None: not romanised Japanese)."""
    kana = to_hiragana(word)
    if kana is None or len(kana) < 2:
        return None
    return _kana_is_name(kana)


@lru_cache(maxsize=4096)
def _kana_is_name(kana: str) -> bool:
    sudachi = Sudachi.get()
    for reading in long_vowel_readings(kana, limit=8):
        for form in (reading, to_katakana(reading)):
            words = sudachi.morphemes(form)
            if len(words) == 1 and words[0].part_of_speech()[2] == "人名":
                return True
    return False


def _romanised_name_spans(text: str) -> list[tuple[int, int]]:
    """Romanised names: romanised words two of which read as names, or with a label (name is …) or an honorific."""
    spans = []
    runs: list[list[re.Match[str]]] = []
    for m in _R_WORD.finditer(text):
        if (
            runs
            and runs[-1]
            and _joined(text, runs[-1][-1].end(), m.start())
            and _reads_as_name(m.group()) is not None
        ):
            runs[-1].append(m)
        elif _reads_as_name(m.group()) is not None:
            runs.append([m])
    for run in runs:
        start, end = run[0].start(), run[-1].end()
        labelled = _R_NAME_LABEL.search(text[max(0, start - 30) : start]) is not None
        honorific = _R_HONORIFIC.match(text, end) is not None
        # Two words that both read as names (Sato Shota): one alone may be an English word (In Aoba).
        if sum(bool(_reads_as_name(m.group())) for m in run) >= 2 or labelled or honorific:
            spans.append((start, end))
    return spans


def _joined(text: str, end: int, start: int) -> bool:
    return text[end:start] in (" ", ", ", "　")


def _romanised_address_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _R_ADDRESS.finditer(text):
        if _R_BLOCK.search(m.group()) and _R_MUNICIPAL.search(m.group()):
            spans.append(m.span())
    return spans


def _find(text: str, public: set[str]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = [(m.start(), m.end(), "") for m in _URL.finditer(text)]
    digits = text.translate(_KANJI_DIGITS)
    detectors = {
        "メール": lambda: [m.span() for m in _EMAIL.finditer(text)],
        "マイナンバー": lambda: _find_mynumbers(digits),
        "電話": lambda: _find_phones(digits, public),
        "郵便番号": lambda: [m.span(m.lastindex or 0) for m in _POSTAL.finditer(text)],
        "住所": lambda: [m.span() for m in _ADDRESS.finditer(text)] + _romanised_address_spans(text),
        # Names with an honorific (田中さん), names as Sudachi tags them (佐藤 翔太, 翔太が), romanised names.
        "氏名": lambda: _find_names(text) + _name_spans(text) + _romanised_name_spans(text),
    }
    for kind in KINDS:
        for start, end in sorted(detectors[kind](), key=lambda span: (span[0], -span[1])):
            if all(end <= s or start >= e for s, e, _ in found):
                found.append((start, end, kind))
    return sorted(span for span in found if span[2])


def visible(text: str) -> str:
    """The text without invisible format characters (zero-width spaces and joiners, BOM, bidi marks)."""
    # They hide numbers from every pattern (090\u200b1234…) and show nothing to a reader.
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def mask(text: str, *, public_numbers: Iterable[str] = ()) -> Masked:
    """Replace PII in `text` with placeholders such as 〔氏名1〕〔電話1〕; `public_numbers` stay as they are.

    Invisible format characters are dropped first, so the masked text never carries them.
    """
    text = visible(text)
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
