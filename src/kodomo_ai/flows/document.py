"""Generate the explanation document (corpus/flows/flow-<name>.md) of a flow, and keep it up to date."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from kodomo_ai.flows.loader import load_all
from kodomo_ai.flows.model import DataItem, Flow, Step

PUBLISHER = "本システム編集部（標準的な業務の例示モデル）"
EXAMPLE_NOTICE = (
    "この文書は、架空のサンプル自治体「みどり市」を例にして、市町村でよく見られる標準的な業務の流れを"
    "まとめた例示モデルです。実際の手順・様式・基準は自治体ごとに違うため、実務では各自治体の要綱や通知で確かめてください。"
)
_TYPE_NAMES = {
    "string": "文字列",
    "integer": "整数",
    "date": "日付",
    "enum": "選択肢",
    "boolean": "はい／いいえ",
    "file": "書類・ファイル",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def document_path(flows_dir: Path, name: str) -> Path:
    """Return where the document of a flow lives."""
    return Path(flows_dir) / f"flow-{name}.md"


def document_title(flow: Flow) -> str:
    """Return the document title, which says it is an example model."""
    return f"{flow.title}の業務フロー（みどり市・例示モデル）"


def _scalar(value: str) -> str:
    """Return a YAML scalar, quoted only when plain style would read back differently."""
    try:
        if yaml.safe_load(f"k: {value}") == {"k": value}:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


def _published(flow: Flow) -> str | None:
    """Return the publication date: the flow's own, else the newest ISO-dated source."""
    if flow.published:
        return flow.published
    dates = [s.date for s in flow.sources if _ISO_DATE.match(s.date)]
    return max(dates) if dates else None


def front_matter(flow: Flow) -> str:
    """Return the YAML front matter of the document."""
    lines = [
        "---",
        f"doc_id: {flow.doc_id}",
        f"title: {_scalar(document_title(flow))}",
        f"publisher: {_scalar(PUBLISHER)}",
        "sources:",
        *[f"  - {_scalar(s.url)}" for s in flow.sources],
    ]
    published = _published(flow)
    if published:
        lines.append(f"published: {published}")
    if flow.effective_from:
        lines.append(f"effective_from: {flow.effective_from}")
    lines += ["audience: [caseworker]", "doc_type: flow", "municipality: midori", "---"]
    return "\n".join(lines)


def _overview(flow: Flow) -> list[str]:
    """Return the sources behind the whole-flow sections (the first three when none are named)."""
    return flow.overview_sources or [s.url for s in flow.sources[:3]]


def _cite(flow: Flow, urls: Iterable[str]) -> str:
    """Return the 出典 line for these addresses (the overview sources when none are given)."""
    chosen = list(dict.fromkeys(urls)) or _overview(flow)
    parts = []
    for url in chosen:
        source = flow.source(url)
        meta = "、".join(x for x in (source.publisher, source.date) if x)
        parts.append(f"{url}（{meta}）" if meta else url)
    return "出典: " + "、".join(parts)


def _quote_items(names: list[str]) -> str:
    return "".join(f"「{n}」" for n in names)


def _step_paragraph(flow: Flow, number: dict[str, int], step: Step) -> str:
    """Return one paragraph of prose about a step."""

    def ref(step_id: str) -> str:
        target = flow.step(step_id)
        return f"{number[step_id]}「{target.title}」"

    text = f"**{number[step.id]}. {step.title}**（{flow.actor_name(step.actor)}）　{step.action}"
    if not text.endswith("。"):
        text += "。"
    if step.detail:
        text += step.detail.strip()
    if step.inputs:
        text += f"使う情報は{_quote_items(step.inputs)}です。"
    if step.outputs:
        text += f"この手順で新たに得られる情報は{_quote_items(step.outputs)}です。"
    if step.type == "decision":
        ways = "。".join(f"{b.condition}ときは{ref(b.next)}へ進みます" for b in step.branches)
        text += f"ここで判断が分かれます。{ways}。"
    elif step.type == "end":
        text += "この手順でこの業務は終わります。"
    else:
        text += "次は" + "、".join(ref(n) for n in step.next) + "へ進みます。"
    return text


def _phases(flow: Flow) -> list[tuple[str, list[Step]]]:
    """Group consecutive steps by phase label, keeping file order."""
    groups: list[tuple[str, list[Step]]] = []
    for step in flow.steps:
        if groups and groups[-1][0] == step.phase:
            groups[-1][1].append(step)
        else:
            groups.append((step.phase, [step]))
    return groups


def _dataset_row(item: DataItem) -> str:
    kind = _TYPE_NAMES[item.type]
    if item.values:
        kind += "（" + "／".join(item.values) + "）"
    cells = [item.item, kind, "必須" if item.required else "任意", item.source]
    return "| " + " | ".join(c.replace("|", "／") for c in cells) + " |"


def render_document(flow: Flow) -> str:
    """Return the full Markdown document explaining a flow."""
    number = {s.id: i for i, s in enumerate(flow.steps, start=1)}
    out = [front_matter(flow), f"# {document_title(flow)}", ""]

    out += ["## 概要", "", flow.description.strip(), "", EXAMPLE_NOTICE, "", _cite(flow, []), ""]

    out += ["## 関係者", "", f"この業務には次の{len(flow.actors)}者が関わります。", ""]
    for actor in flow.actors:
        out.append(f"- **{actor.name}**" + (f": {actor.role}" if actor.role else ""))
    out += ["", _cite(flow, []), ""]

    start = flow.step(flow.start[0]) if flow.start else flow.steps[0]
    ends = [s for s in flow.steps if s.type == "end"]
    finish = "".join(f"「{e.title}」" for e in ends) + ("のいずれか" if len(ends) > 1 else "")
    out += [
        "## 手順",
        "",
        f"手順は全部で{len(flow.steps)}段階あり、「{start.title}」から始まって{finish}で終わります。"
        "流れの全体は次のとおりです。",
        "",
    ]
    out += [f"{number[s.id]}. {s.title}（{flow.actor_name(s.actor)}）" for s in flow.steps]
    out += ["", _cite(flow, []), ""]
    for phase, steps in _phases(flow):
        if phase:
            out += [f"### {phase}", ""]
        for step in steps:
            out += [_step_paragraph(flow, number, step), ""]
        out += [_cite(flow, [u for s in steps for u in s.sources]), ""]

    decisions = [s for s in flow.steps if s.type == "decision"]
    out += ["## 判断の分かれ目", ""]
    if decisions:
        out += [f"この業務で判断が分かれるところは{len(decisions)}か所です。", ""]
        for step in decisions:
            ways = "／".join(f"{b.condition} → {flow.step(b.next).title}" for b in step.branches)
            out.append(f"- **{step.title}**（{flow.actor_name(step.actor)}）: {ways}")
    else:
        out.append("この業務には判断の分かれ目がなく、手順は一本道です。")
    out += ["", _cite(flow, [u for s in decisions for u in s.sources]), ""]

    out += ["## 使うマスタ（判断ロジック）", ""]
    if flow.masters:
        out += [f"この業務では次の{len(flow.masters)}種類のマスタ（判断の基準やルール）を使います。", ""]
        for master in flow.masters:
            out.append(f"- **{master.name}**" + (f": {master.description}" if master.description else ""))
    else:
        out.append("この業務が使うマスタ（判断の基準やルール）はありません。")
    out += ["", _cite(flow, [u for m in flow.masters for u in m.sources]), ""]

    required = sum(1 for d in flow.dataset if d.required)
    out += [
        "## データセット",
        "",
        f"この業務で扱うデータ項目は{len(flow.dataset)}個で、そのうち必須は{required}個です。"
        "「入手元」はその項目を誰が（何から）用意するかを示します。",
        "",
        "| 項目 | 型 | 必須 | 入手元 |",
        "|---|---|---|---|",
        *[_dataset_row(d) for d in flow.dataset],
        "",
        _cite(flow, []),
        "",
    ]

    out += ["## 留意点", "", "この業務で特に気をつけたい点は次のとおりです。", ""]
    out += [f"- {n.text.strip()}" for n in flow.notes] or ["- 特にありません。"]
    out += ["", _cite(flow, [u for n in flow.notes for u in n.sources])]
    return "\n".join(out) + "\n"


def build_documents(flows_dir: Path) -> list[Path]:
    """Validate every flow in the folder and (re)write its document; return the files changed."""
    changed = []
    for flow in load_all(flows_dir):
        path = document_path(flows_dir, flow.name)
        text = render_document(flow)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            changed.append(path)
    return changed


def stale_documents(flows_dir: Path) -> list[str]:
    """Return the names of flows whose document is missing or differs from the YAML."""
    stale = []
    for flow in load_all(flows_dir):
        path = document_path(flows_dir, flow.name)
        if not path.is_file() or path.read_text(encoding="utf-8") != render_document(flow):
            stale.append(flow.name)
    return stale
