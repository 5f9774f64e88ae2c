"""Training topics: the safety documents of the corpus, found by id, short name or Japanese words."""

from __future__ import annotations

from dataclasses import dataclass

from kodomo_ai.errors import InputError


@dataclass(frozen=True)
class Topic:
    """One training topic and the corpus document it is built from."""

    doc_id: str
    title: str
    aliases: tuple[str, ...]
    # Documents whose reporting sections back the "who to report to" step of the drills.
    report_docs: tuple[str, ...] = ("safety-jiko-houkoku",)


TOPICS: dict[str, Topic] = {
    t.doc_id: t
    for t in (
        Topic("safety-suimin", "睡眠中の事故防止", ("suimin", "睡眠", "午睡", "sleep", "ブレスチェック")),
        Topic("safety-mizuasobi", "水遊び・プール活動の事故防止", ("mizuasobi", "水遊び", "プール", "pool")),
        Topic("safety-goen-allergy", "誤嚥・食物アレルギーへの備え", ("goen-allergy", "goen", "allergy", "誤嚥", "アレルギー", "食事")),
        Topic("safety-futekisetsu-hoiku", "不適切な保育の防止", ("futekisetsu-hoiku", "futekisetsu", "不適切な保育", "不適切保育"),
              ("safety-futekisetsu-hoiku", "safety-gyakutai-tsuho")),
        Topic("safety-jiko-houkoku", "重大事故の報告", ("jiko-houkoku", "jiko", "重大事故", "事故報告", "報告")),
        Topic("safety-nettyusho-bus", "熱中症と送迎バスの置き去り防止", ("nettyusho-bus", "nettyusho", "熱中症", "送迎バス", "バス")),
        Topic("safety-gyakutai-tsuho", "保育所等における虐待の通報義務", ("gyakutai-tsuho", "gyakutai", "虐待", "通報"),
              ("safety-gyakutai-tsuho",)),
    )
}  # fmt: skip


def resolve_topic(name: str) -> Topic:
    """The topic for a doc id, short name or Japanese title word, or InputError listing the topics."""
    key = name.strip()
    if key in TOPICS:
        return TOPICS[key]
    for topic in TOPICS.values():
        if key in topic.aliases or key == topic.title:
            return topic
    for topic in TOPICS.values():
        if any(alias in key for alias in topic.aliases if len(alias) >= 2 and not alias.isascii()):
            return topic
    choices = ", ".join(t.doc_id.removeprefix("safety-") for t in TOPICS.values())
    raise InputError("topic", f"研修のテーマが見つかりません: {name!r}（使えるもの: {choices}）")
