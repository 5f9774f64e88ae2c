"""Corpus counts by strand and the share of sections whose facts rest only on secondary sources.

Run: .venv/bin/python bench/corpus_report.py   (writes bench/results/corpus.json)
A section is primary-sourced when one of its 出典 addresses is a government, municipal or public body's site.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "docs" / "corpus-plan.yaml"
# Official domains: national ministries and agencies, local governments, courts, public insurers and bodies.
PRIMARY = re.compile(
    r"https?://[^/\s]*(?:\.go\.jp|\.lg\.jp|(?:^|\.|//)(?:pref|city|town|vill)\.[a-z.-]+\.jp|e-gov\.go\.jp|courts\.go\.jp"
    r"|nenkin\.go\.jp|kyoukaikenpo\.or\.jp|houterasu\.or\.jp|pmda\.go\.jp|jlis\.go\.jp|aisi\.go\.jp)"
)
_URL = re.compile(r"https?://[^\s()（）、,]+")
# Sections that state a legal basis or an amount: these must rest on a primary source.
_LEGAL_OR_AMOUNT = re.compile(r"法(?:律|第|\s*\d|施行)|条例|\d[\d,]*円")


def main() -> None:
    plan = yaml.safe_load(PLAN.read_text(encoding="utf-8"))["strands"]
    strand_of = {d: s for s, v in plan.items() for d in [*v.get("existing", []), *v.get("new", {})]}
    docs = sorted((ROOT / "corpus").rglob("*.md"))
    by_strand: Counter[str] = Counter()
    sections = secondary = legal = legal_secondary = 0
    examples = []
    for path in docs:
        text = path.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("---", 2)[1])
        by_strand[strand_of.get(meta["doc_id"], "other")] += 1
        for part in re.split(r"^## ", text.split("---", 2)[2], flags=re.M)[1:]:
            urls = [u for line in part.splitlines() if line.startswith("出典") for u in _URL.findall(line)]
            if not urls:  # sample-town settings and named publications without an address
                continue
            sections += 1
            primary = any(PRIMARY.search(u) for u in urls)
            secondary += not primary
            if _LEGAL_OR_AMOUNT.search(part):
                legal += 1
                legal_secondary += not primary
                if not primary:
                    examples.append(f"{meta['doc_id']} › {part.splitlines()[0]}")
    cards = sum(
        len(yaml.safe_load(p.read_text(encoding="utf-8"))["cards"])
        for p in (ROOT / "corpus" / "cards").glob("*.yaml")
    )
    report = {
        "documents": len(docs),
        "by_strand": dict(by_strand),
        "card_files": len(list((ROOT / "corpus" / "cards").glob("*.yaml"))),
        "cards_in_files": cards,
        "sections_with_addresses": sections,
        "secondary_only_share": round(secondary / max(sections, 1), 3),
        "legal_or_amount_sections": legal,
        "legal_or_amount_secondary_only_share": round(legal_secondary / max(legal, 1), 3),
        "legal_or_amount_secondary_only": examples,
    }
    (ROOT / "bench" / "results" / "corpus.json").write_text(
        json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        json.dumps(
            {k: v for k, v in report.items() if k != "legal_or_amount_secondary_only"},
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
