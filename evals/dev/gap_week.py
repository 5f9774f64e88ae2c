"""A generated week of parents' questions for the knowledge-gap benchmark (bench/gaps.py).

Mix (seeded): questions the corpus answers (wordings of the bundled cards), a few out-of-scope and emergency
messages, and planted gap topics that no document covers, each asked in several wordings of our own. The
report should put the planted topics at the top. Wordings are written for this generator; none comes from an
evaluation set.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

GAPS: dict[str, list[str]] = {
    "gap:helmet": [
        "子ども用の自転車ヘルメットを買うと補助はありますか",
        "幼児用ヘルメットの購入に助成金って出る？",
        "子供の自転車ヘルメット代を市が補助してくれると聞いたけど本当？",
        "ヘルメットの購入費補助の申請方法を教えて",
        "自転車のチャイルドシート用ヘルメットに補助金はある？",
        "こどものヘルメット助成はいくらまで出ますか",
    ],
    "gap:twins_bus": [
        "双子用のベビーカーのまま市バスに乗れますか",
        "二人乗りベビーカーでバスに乗車してもいい？",
        "双子ベビーカーはバスで折りたたまないとだめ？",
        "横並びのベビーカーで路線バスは利用できる？",
        "ツインベビーカーでのバス乗車のルールを知りたい",
        "双子なのでベビーカーが大きいけどバスに乗れるか心配",
    ],
    "gap:photos": [
        "保育園の行事写真の購入方法を教えて",
        "園で撮った写真はどこで買えますか",
        "保育所の写真販売のサイトがわからない",
        "運動会の写真を注文したいけどどうすればいい？",
        "園の写真をネットで買うにはどうしたらいい",
        "保育園のスナップ写真の販売期間はいつまで？",
    ],
    "gap:donor_milk": [
        "母乳バンクのドナーミルクはどこでもらえますか",
        "早産の赤ちゃんにドナーミルクを使いたい",
        "母乳を寄付したいのですがどこに連絡すればいい？",
        "ドナーミルクの費用はかかりますか",
        "母乳バンクに登録する方法を知りたい",
        "ドナー母乳って誰でも使えるの？",
    ],
    "gap:uniform": [
        "保育園の体操服の購入に補助はありますか",
        "園の制服代を助成してもらえる？",
        "幼稚園の制服のリサイクルはやっていますか",
        "入園準備の制服や通園バッグの補助金はある？",
        "保育所で指定の体操着を買わないといけないの？",
        "制服のお下がりを譲ってもらえる仕組みはある？",
    ],
}
# Held out of the week: how the next parent asks once a card is published from the topic (bench/gaps.py).
PARAPHRASES: dict[str, list[str]] = {
    "gap:helmet": ["自転車に乗る子のヘルメット、買うときに市からお金は出ますか", "キッズヘルメットの購入補助ってありますか"],
    "gap:twins_bus": ["双子のベビーカーを畳まずにバスへ乗せてもいいですか", "二人用ベビーカーのままバスに乗車できますか"],
    "gap:photos": ["保育園で撮ってもらった写真はどうやって買うの？", "園の行事の写真を購入したいです"],
    "gap:donor_milk": ["ドナーミルクを赤ちゃんに使うにはどうすればいいですか", "母乳バンクってどこにあるの？"],
    "gap:uniform": ["保育園の制服を買うお金の補助はある？", "園指定の体操服代に助成はありますか"],
}  # fmt: skip
OUT_OF_SCOPE = [
    "医療費控除の確定申告のやり方を教えて", "育休中の社会保険料の免除はどうなる？", "離婚したら親権はどうやって決めるの",
    "ふるさと納税の上限額を知りたい", "会社の時短勤務は何歳まで使える？", "年末調整で扶養に入れる条件は",
]  # fmt: skip
EMERGENCY = ["子どもがけいれんして呼びかけても反応しない", "赤ちゃんがボタン電池を飲み込んだかもしれない"]
PREFIXES = ["", "", "", "すみません、", "質問です。", "あの、"]
SUFFIXES = ["", "", "", " よろしくお願いします", "。教えてください", "？"]


def _card_wordings(seed: int, count: int) -> list[str]:
    """Parent wordings of the bundled cards (questions the corpus answers)."""
    import yaml

    wordings: list[str] = []
    for path in sorted((ROOT / "corpus" / "cards").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for card in data.get("cards") or []:
            if "parent" in (card.get("audience") or ["parent"]):
                wordings.extend(str(p) for p in (card.get("paraphrases") or [])[:2])
    random.Random(seed).shuffle(wordings)
    return wordings[:count]


def _vary(text: str, rng: random.Random) -> str:
    return f"{rng.choice(PREFIXES)}{text.rstrip('？?')}{rng.choice(SUFFIXES)}".strip()


def generate(seed: int = 7, total: int = 500) -> list[dict[str, Any]]:
    """`total` questions over a week: {question, topic, minute (from Monday 0:00), thumbs_down}."""
    rng = random.Random(seed)
    planted = int(total * 0.36)
    other = int(total * 0.10)
    items: list[dict[str, Any]] = []
    topics = list(GAPS)
    # Topics differ in size (a real week has a few large gaps and smaller ones).
    weights = [5, 4, 3, 2, 2][: len(topics)]
    for _ in range(planted):
        topic = rng.choices(topics, weights)[0]
        items.append({"question": _vary(rng.choice(GAPS[topic]), rng), "topic": topic})
    for _ in range(other):
        pool, topic = (EMERGENCY, "emergency") if rng.random() < 0.2 else (OUT_OF_SCOPE, "out_of_scope")
        items.append({"question": rng.choice(pool), "topic": topic})
    for text in _card_wordings(seed, total - len(items)):
        items.append({"question": _vary(text, rng), "topic": "covered", "thumbs_down": rng.random() < 0.05})
    rng.shuffle(items)
    for item in items:
        item["minute"] = rng.randrange(7 * 24 * 60)
    return items[:total]


if __name__ == "__main__":
    import json
    import sys

    for row in generate():
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
