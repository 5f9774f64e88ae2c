"""教示文 for administrative dispositions (行政不服審査法 第82条, 行政事件訴訟法 第46条), in short sentences."""

from __future__ import annotations

from kodomo_ai.drafting.sources import SourceRef

# The periods are statutory: 行審法 第18条 (3か月, 1年) and 行訴法 第14条 (6か月, 1年).
KYOUJI_SOURCES: tuple[SourceRef, ...] = (
    SourceRef(
        doc_id="law-gyoshinho-18", title="行政不服審査法 第18条（審査請求期間）",
        source="https://ja.wikibooks.org/wiki/行政不服審査法第18条",
    ),
    SourceRef(
        doc_id="law-gyososho-46", title="行政事件訴訟法 第46条（取消訴訟等の提起に関する事項の教示）",
        source="https://note.com/gokakutv/n/nd94bc907ca03",
    ),
)  # fmt: skip


def kyouji_text(mayor: str, municipality_name: str) -> list[str]:
    """The 教示 sentences, です・ます体, naming the mayor and the municipality as defendant."""
    return [
        "この処分に不服があるときは、審査請求をすることができます。",
        f"審査請求は、この処分があったことを知った日の翌日から起算して3か月以内に、{mayor}に対して行います。",
        "この処分の取消しの訴えは、処分があったことを知った日の翌日から起算して6か月以内に提起できます。",
        f"訴えの被告は{municipality_name}で、{mayor}が{municipality_name}を代表します。",
        "審査請求をしたときは、その裁決があったことを知った日の翌日から6か月以内に訴えを提起できます。",
        "処分の日の翌日から1年を過ぎると、正当な理由がある場合を除き、審査請求も訴えもできません。",
    ]
