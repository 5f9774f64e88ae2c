"""Render a flow as numbered plain text: actor, inputs → outputs, next steps and branches."""

from __future__ import annotations

from kodomo_ai.flows.model import Flow

_TYPE_NAMES = {"task": "作業", "decision": "判断", "end": "終了"}


def to_text(flow: Flow) -> str:
    """Return the flow as numbered plain-text steps."""
    number = {s.id: i for i, s in enumerate(flow.steps, start=1)}

    def ref(step_id: str) -> str:
        return f"{number[step_id]}. {step_id}" if step_id in number else f"? {step_id}"

    lines = [
        f"{flow.title}（{flow.name}）",
        "みどり市（架空のサンプル自治体）を例にした標準的な業務の例示モデル",
        f"開始: {', '.join(ref(s) for s in flow.start)}",
        "",
    ]
    for i, step in enumerate(flow.steps, start=1):
        lines.append(
            f"{i}. [{step.id}] {_TYPE_NAMES[step.type]}／{flow.actor_name(step.actor)}: {step.action}"
        )
        inputs = "、".join(step.inputs) or "なし"
        outputs = "、".join(step.outputs) or "なし"
        lines.append(f"   入力: {inputs} → 出力: {outputs}")
        for branch in step.branches:
            lines.append(f"   - {branch.condition} → {ref(branch.next)}")
        if step.type != "decision" and step.next:
            lines.append(f"   次: {', '.join(ref(n) for n in step.next)}")
        if step.type == "end":
            lines.append("   （ここで終了）")
    if flow.masters:
        lines += ["", "使うマスタ: " + "、".join(m.name for m in flow.masters)]
    return "\n".join(lines) + "\n"
