"""Render a flow as a Mermaid flowchart with one swimlane (subgraph) per actor."""

from __future__ import annotations

from kodomo_ai.flows.model import Flow, Step

# Characters that would end a quoted Mermaid label or count as syntax; each becomes an entity code.
_ESCAPES = {
    '"': "#quot;",
    "#": "#35;",
    "<": "#lt;",
    ">": "#gt;",
    "|": "#124;",
    "`": "#96;",
    "(": "#40;",
    ")": "#41;",
    "[": "#91;",
    "]": "#93;",
    "{": "#123;",
    "}": "#125;",
}


def escape_label(text: str) -> str:
    """Return text safe inside a double-quoted Mermaid label (quotes, brackets, pipes, newlines)."""
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in text.strip())
    return escaped.replace("\r\n", "\n").replace("\n", "<br/>")


def _node(step: Step) -> str:
    """Return the node declaration: decisions as {}, ends as stadiums, tasks as boxes."""
    label = f'"{escape_label(step.title)}"'
    if step.type == "decision":
        return f"{step.id}{{{label}}}"
    if step.type == "end":
        return f"{step.id}([{label}])"
    return f"{step.id}[{label}]"


def to_mermaid(flow: Flow) -> str:
    """Return the flow as Mermaid `flowchart TD` source."""
    lines = ["flowchart TD"]
    for actor in flow.actors:
        steps = [s for s in flow.steps if s.actor == actor.id]
        if not steps:
            continue
        lines.append(f'    subgraph lane_{actor.id}["{escape_label(actor.name)}"]')
        lines += [f"        {_node(s)}" for s in steps]
        lines.append("    end")
    known = {a.id for a in flow.actors}
    # Steps of an undeclared actor are still drawn, outside any lane, so a broken flow stays viewable.
    lines += [f"    {_node(s)}" for s in flow.steps if s.actor not in known]
    for step in flow.steps:
        if step.type == "decision":
            for branch in step.branches:
                lines.append(f'    {step.id} -->|"{escape_label(branch.condition)}"| {branch.next}')
        else:
            lines += [f"    {step.id} --> {target}" for target in step.next]
    lines += [f"    class {s.id} start" for s in flow.steps if s.id in flow.start]
    lines.append("    classDef start stroke-width:3px")
    return "\n".join(lines) + "\n"
