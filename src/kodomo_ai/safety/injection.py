"""Prompt-injection checks: detect instruction overrides in questions, defuse them in retrieved text."""

from __future__ import annotations

import re

from kodomo_ai.text.fold import fold, normalise

# Patterns run on normalise()d text (NFKC, lower case, no spaces, katakana folded to hiragana); their
# sources go through the same kana fold, so they may be written in katakana.
_OBJECT = r"(?:指示|しじ|命令|めいれい|プロンプト|制約|制限|設定|ルール|ガイドライン|規則|方針)"
_QUALIFIER = (
    r"(?:以前|いぜん|前|まえ|これまで|ここまで|この会話|以上|今まで|いままで|上記|先ほど|さっき|最初|初期|元|もと|全て|すべて|あなた|君|きみ"
    r"|システム|開発者|運営)の?"
)
_OVERRIDE_VERB = r"(?:無視|むし|忘れ|わすれ|破棄|リセット|取り消|解除|無効|上書き|うわがき|従わな|したがわな)"
_PROMPT_WORD = (
    r"(?:システムプロンプト|システムメッセージ|system(?:prompt|message)|初期プロンプト|内部の?(?:指示|設定)"
    r"|隠された指示|秘密の指示|プロンプト)"
)
_REVEAL_VERB = r"(?:表示|ひょうじ|教え|おしえ|見せ|みせ|出力|開示|明か|書き出|繰り返|全文|そのまま|print|reveal|show|output|repeat)"

_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(fold(p))
    for p in (
        # 「以前の指示を無視して」「これまでのルールは忘れて」
        rf"{_QUALIFIER}.{{0,6}}{_OBJECT}(?:を|は|も)?(?:全部|すべて|全て)?{_OVERRIDE_VERB}",
        # 「指示を無視しろ」「制約を解除してください」 (imperative addressed to the assistant)
        rf"{_OBJECT}(?:を|は)?{_OVERRIDE_VERB}(?:して(?:ください|下さい|ね|よ|[。、!]|$|答え|回答|教え|話|出力)|しろ|せよ|しなさい|すること)",
        rf"{_PROMPT_WORD}(?:を|の内容を|の中身を|の全文を)?.{{0,4}}{_REVEAL_VERB}",
        rf"{_REVEAL_VERB}.{{0,6}}{_PROMPT_WORD}",
        # 「あなたは今から〇〇として振る舞え」「〜になりきって」「〜のふりをして」
        r"(?:あなた|君|きみ|おまえ|お前)(?:は|が)?(?:今から|これから|以後|今後|いまから)?.{0,24}"
        r"(?:として(?:振る舞|ふるま|ふる舞|行動|答え|回答|話)|になりきっ|を演じ|のふりをし|になってください|になれ)",
        r"(?:今から|これから|いまから).{0,20}(?:として(?:振る舞|ふるま)|になりきっ)",
        r"(?:あなた|君|きみ)は(?:今から|これから|いまから).{0,20}(?:ai|ボット|アシスタント|キャラ)(?:です|だ|になる)",
        r"(?:何でも|なんでも)(?:答える|話す)(?:ai|モード|アシスタント|ボット)",
        r"(?:制限|制約|フィルター|検閲)(?:の)?(?:ない|なし|を外した)(?:モード|ai|状態|あなた)",
        r"(?:開発者|デベロッパー|developer|管理者)モード|developermode|jailbreak|ジェイルブレイク|脱獄",
        # English overrides
        r"(?:ignore|disregard|forget|override)(?:all|any|the|your|my)*(?:previous|prior|above|earlier|preceding|system|original)?"
        r"(?:instructions?|prompts?|rules|directions|guidelines|context)",
        r"(?:reveal|show|print|display|repeat|output|tellme)(?:me)?(?:your|the)(?:system|hidden|initial|original)?"
        r"(?:prompt|instructions)",
        r"youarenow|fromnowonyou|(?<![a-z])actas(?:a|an|if|my)|pretendtobe|roleplayas|youwillnowact",
        # Chat-template tokens smuggled into text
        r"<\|(?:im_start|im_end|system|assistant|user|endoftext)\|>|\[/?(?:inst|system)\]|<</?sys>>",
    )
)

_ROLE_LINE = re.compile(
    r"^\s*(?:#+\s*)?(?:system|assistant|user|instruction|システム|指示)\s*[:：]", re.IGNORECASE
)
_SPECIAL_TOKEN = re.compile(r"<\|[^|>]{1,30}\|>|\[/?INST\]|<</?SYS>>", re.IGNORECASE)
NEUTRALISED_LINE = "〔この行には指示のような文が含まれていたため除きました〕"


def detect_injection(text: str) -> bool:
    """Return True when `text` tries to override the assistant's rules or extract its prompt."""
    folded = normalise(text)
    return any(p.search(folded) for p in _PATTERNS)


def neutralise(text: str) -> str:
    """Replace instruction-like lines of retrieved document text so an LLM treats them as data."""
    lines = []
    for line in text.splitlines():
        line = _SPECIAL_TOKEN.sub("", line)
        lines.append(NEUTRALISED_LINE if detect_injection(line) or _ROLE_LINE.match(line) else line)
    return "\n".join(lines)
