"""Structural checks of a flow: links, start, reachability, ends, actors and declared data."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from kodomo_ai.errors import KodomoError
from kodomo_ai.flows.model import MERMAID_KEYWORDS, Flow


@dataclass(frozen=True)
class FlowIssue:
    """One problem found in a flow; `code` is stable, `message` is for people."""

    flow: str
    step: str | None
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.flow}: 手順 {self.step}" if self.step else self.flow
        return f"{where}: {self.message} [{self.code}]"


class FlowValidationError(KodomoError):
    """A flow failed validation; carries every issue found."""

    def __init__(self, flow: str, issues: list[FlowIssue]) -> None:
        super().__init__(f"{flow}: {len(issues)}件の問題があります\n" + "\n".join(str(i) for i in issues))
        self.flow = flow
        self.issues = issues


def _reach(graph: dict[str, list[str]], roots: list[str]) -> set[str]:
    """Return every node reachable from the roots (the roots included)."""
    seen = set(roots)
    queue = deque(roots)
    while queue:
        for nxt in graph.get(queue.popleft(), []):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _shape_issues(flow: Flow) -> list[FlowIssue]:
    """Check ids, actors and that each step's type matches its exits."""
    issues: list[FlowIssue] = []
    actor_ids = {a.id for a in flow.actors}
    seen: set[str] = set()

    def add(step: str | None, code: str, message: str) -> None:
        issues.append(FlowIssue(flow.name, step, code, message))

    for actor in flow.actors:
        if actor.id in MERMAID_KEYWORDS:
            add(None, "bad_id", f"関係者 id「{actor.id}」は Mermaid の予約語なので使えません")
    for step in flow.steps:
        if step.id in seen:
            add(step.id, "duplicate_step", "同じ id の手順が2つ以上あります")
        seen.add(step.id)
        if step.id in MERMAID_KEYWORDS or step.id.startswith("lane_"):
            add(step.id, "bad_id", f"id「{step.id}」は Mermaid の予約語か図の内部名と重なるので使えません")
        if step.actor not in actor_ids:
            add(step.id, "unknown_actor", f"関係者「{step.actor}」が actors にありません")
        if step.type == "decision":
            if len(step.branches) < 2:
                add(step.id, "bad_decision", "判断（decision）には分岐（branches）が2つ以上必要です")
            targets = {b.next for b in step.branches}
            extra = [n for n in step.next if n not in targets]
            if extra:
                add(step.id, "bad_decision", f"判断の行き先 {extra} は branches に条件つきで書いてください")
        elif step.type == "task":
            if step.branches:
                add(
                    step.id,
                    "bad_task",
                    "作業（task）に分岐があります。判断なら type: decision にしてください",
                )
            if not step.next:
                add(
                    step.id,
                    "bad_task",
                    "作業（task）の次の手順（next）がありません。終わりなら type: end にしてください",
                )
        elif step.next or step.branches:
            add(step.id, "bad_end", "終了（end）の手順に次の手順があります")
    return issues


def _graph_issues(flow: Flow) -> list[FlowIssue]:
    """Check links, the single start, reachability from it and that every step can reach an end."""
    issues: list[FlowIssue] = []
    ids = {s.id for s in flow.steps}
    graph = {s.id: [n for n in s.successors() if n in ids] for s in flow.steps}

    def add(step: str | None, code: str, message: str) -> None:
        issues.append(FlowIssue(flow.name, step, code, message))

    for step in flow.steps:
        for target in step.successors():
            if target not in ids:
                add(step.id, "dangling_next", f"行き先「{target}」という手順がありません")
    starts = [s for s in flow.start if s in ids]
    for missing in (s for s in flow.start if s not in ids):
        add(missing, "missing_start", f"開始点「{missing}」という手順がありません")
    if not flow.start:
        add(None, "missing_start", "開始点（start）がありません")
    if len(flow.start) > 1:
        add(
            None,
            "multiple_starts",
            f"開始点が{len(flow.start)}つあります（{', '.join(flow.start)}）。1つにしてください",
        )
    incoming = {n for targets in graph.values() for n in targets}
    for step in flow.steps:
        if step.id not in flow.start and step.id not in incoming:
            add(step.id, "multiple_starts", "どこからも矢印が来ない手順で、2つ目の開始点になっています")
    reachable = _reach(graph, starts)
    for step in flow.steps:
        if starts and step.id not in reachable:
            add(step.id, "unreachable", f"開始点「{starts[0]}」からたどり着けません")
    ends = [s.id for s in flow.steps if s.type == "end"]
    if not ends:
        add(None, "no_end", "終了（type: end）の手順がありません")
    else:
        reverse: dict[str, list[str]] = {s: [] for s in ids}
        for source, targets in graph.items():
            for target in targets:
                reverse[target].append(source)
        can_finish = _reach(reverse, ends)
        for step in flow.steps:
            if step.id not in can_finish:
                add(step.id, "cannot_reach_end", "この手順からは終了までたどり着けません（行き止まりか輪）")
    return issues


def _data_issues(flow: Flow) -> list[FlowIssue]:
    """Check that step data items are declared and cited sources are listed."""
    issues: list[FlowIssue] = []
    declared: set[str] = set()
    for item in flow.dataset:
        if item.item in declared:
            issues.append(
                FlowIssue(flow.name, None, "duplicate_data", f"データ項目「{item.item}」が重複しています")
            )
        declared.add(item.item)
        if item.type == "enum" and not item.values:
            issues.append(
                FlowIssue(
                    flow.name, None, "enum_values", f"選択肢型の項目「{item.item}」に values がありません"
                )
            )
    listed = {s.url for s in flow.sources}
    for step in flow.steps:
        for name in [*step.inputs, *step.outputs]:
            if name not in declared:
                issues.append(
                    FlowIssue(
                        flow.name, step.id, "undeclared_data", f"データ項目「{name}」が dataset にありません"
                    )
                )
        for url in step.sources:
            if url not in listed:
                issues.append(
                    FlowIssue(flow.name, step.id, "unknown_source", f"出典 {url} が sources にありません")
                )
    for cited in [*(m.sources for m in flow.masters), *(n.sources for n in flow.notes)]:
        for url in cited:
            if url not in listed:
                issues.append(
                    FlowIssue(flow.name, None, "unknown_source", f"出典 {url} が sources にありません")
                )
    for url in flow.overview_sources:
        if url not in listed:
            issues.append(FlowIssue(flow.name, None, "unknown_source", f"出典 {url} が sources にありません"))
    if not flow.sources:
        issues.append(FlowIssue(flow.name, None, "no_sources", "出典（sources）がありません"))
    return issues


def validate_flow(flow: Flow) -> list[FlowIssue]:
    """Return every structural problem of a flow (an empty list means it is valid)."""
    return [*_shape_issues(flow), *_graph_issues(flow), *_data_issues(flow)]


def ensure_valid(flow: Flow) -> Flow:
    """Return the flow unchanged, or raise FlowValidationError listing all its problems."""
    issues = validate_flow(flow)
    if issues:
        raise FlowValidationError(flow.name, issues)
    return flow
