"""Standard processes (業務フロー): GET /v1/flows and /v1/flows/{name} with Mermaid diagrams."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path

from kodomo_ai.api.deps import Staff, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.schemas import FlowOut, FlowSummary

router = APIRouter(tags=["flows"])


def _flows_dir(state: StateDep) -> Any:
    return state.settings.corpus_dir / "flows"


@router.get("/v1/flows", response_model=list[FlowSummary])
def list_flows(principal: Staff, state: StateDep) -> Any:
    """The standard processes with their titles."""
    from kodomo_ai.flows import FlowError, flow_names, load

    out = []
    folder = _flows_dir(state)
    for name in flow_names(folder):
        try:
            flow = load(name, folder, validate=False)
        except FlowError:
            continue
        out.append({"name": name, "title": flow.title, "steps": len(flow.steps)})
    return out


@router.get("/v1/flows/{name}", response_model=FlowOut)
def show_flow(principal: Staff, state: StateDep, name: str = Path(max_length=80)) -> Any:
    """One process as Mermaid, plain text and data (with any validation issues)."""
    from kodomo_ai.flows import FlowError, FlowNotFoundError, load, to_mermaid, to_text, validate_flow

    try:
        flow = load(name, _flows_dir(state), validate=False)
    except FlowNotFoundError as exc:
        raise ApiError(404, "not_found", f"業務フロー「{name}」はありません", "name") from exc
    except FlowError as exc:
        raise ApiError(422, "invalid_flow", f"業務フローを読めません: {exc}", "name") from exc
    return {
        "name": name, "title": flow.title, "mermaid": to_mermaid(flow), "text": to_text(flow),
        "flow": flow.model_dump(mode="json"), "issues": [str(i) for i in validate_flow(flow)],
    }  # fmt: skip
