"""Calculators (マスタ as code): POST /v1/calc/{rule} with the rule's JSON input, result with its steps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel

from kodomo_ai.api.deps import Caseworker, StateDep
from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.records import audit_entry
from kodomo_ai.api.schemas import CalcResponse, CalcRule

router = APIRouter(tags=["calc"])


@dataclass(frozen=True)
class RuleSpec:
    """A calculator: label, description, input model, function and an example input."""

    label: str
    description: str
    model: Callable[[], type[BaseModel]]
    run: Callable[[dict[str, Any]], BaseModel]
    example: dict[str, Any]


def _certify(data: dict[str, Any]) -> BaseModel:
    from kodomo_ai.rules.certification import certify

    return certify(data)


def _free(data: dict[str, Any]) -> BaseModel:
    from kodomo_ai.rules.free_childcare import assess_free_childcare

    return assess_free_childcare(data)


def _allowance(data: dict[str, Any]) -> BaseModel:
    from kodomo_ai.rules.child_allowance import calculate_child_allowance

    return calculate_child_allowance(data)


def _index(data: dict[str, Any]) -> BaseModel:
    from kodomo_ai.rules.allocation_index import compute_index

    data = dict(data)
    municipality = str(data.pop("municipality", "midori"))
    return compute_index(data, municipality)


def _allocate(data: dict[str, Any]) -> BaseModel:
    from kodomo_ai.rules.allocation import allocate

    return allocate(data, explain_indexes=True)


def _model(path: str, name: str) -> Callable[[], type[BaseModel]]:
    def load() -> type[BaseModel]:
        import importlib

        model: type[BaseModel] = getattr(importlib.import_module(path), name)
        return model

    return load


_WORKING = {"reason": "work", "hours_per_month": 160}
RULES: dict[str, RuleSpec] = {
    "certification": RuleSpec(
        "支給認定（1号・2号・3号と保育必要量）",
        "子どもの生年月日と保護者の状況から、認定区分と保育標準時間・短時間を判定します。",
        _model("kodomo_ai.rules.certification", "CertificationInput"), _certify,
        {"child_birth_date": "2023-06-15", "reference_date": "2025-04-01",
         "parents": [_WORKING, {"reason": "work", "hours_per_month": 100}]},
    ),
    "free-childcare": RuleSpec(
        "幼児教育・保育の無償化（上限額）",
        "施設の種類・年齢・世帯の課税状況から、無償化の対象と上限額を判定します。",
        _model("kodomo_ai.rules.free_childcare", "FreeChildcareInput"), _free,
        {"as_of": "2025-06-01", "facility_type": "nursery", "age": 4},
    ),
    "child-allowance": RuleSpec(
        "児童手当の月額",
        "子どもの生年月日（または年齢）から、児童手当の月額と支給月を計算します。",
        _model("kodomo_ai.rules.child_allowance", "ChildAllowanceInput"), _allowance,
        {"as_of": "2025-06-01", "children": [{"age": 5}, {"age": 2}]},
    ),
    "allocation-index": RuleSpec(
        "利用調整の指数",
        "父母それぞれの状況と調整項目から、利用調整の指数（基本指数＋調整指数）を計算します。",
        _model("kodomo_ai.rules.allocation_index", "Household"), _index,
        {"parents": [_WORKING, {"reason": "work", "hours_per_month": 120}], "adjustments": []},
    ),
    "allocation": RuleSpec(
        "利用調整（入所選考のシミュレーション）",
        "施設の定員と申込児童の希望・指数から、入所の内定を決めます。",
        _model("kodomo_ai.rules.allocation", "AllocationInput"), _allocate,
        {"fiscal_year": 2025, "facilities": [{"id": "a", "name": "みどり第一保育園", "capacity": {"1": 1}}],
         "applicants": [
             {"id": "c1", "class_age": 1, "choices": ["a"], "household": {"parents": [_WORKING, _WORKING]}},
             {"id": "c2", "class_age": 1, "choices": ["a"],
              "household": {"parents": [_WORKING, {"reason": "work", "hours_per_month": 80}]}},
         ]},
    ),
}  # fmt: skip


def _spec(rule: str) -> RuleSpec:
    if rule not in RULES:
        raise ApiError(404, "unknown_rule", f"計算「{rule}」はありません（{', '.join(RULES)}）", "rule")
    return RULES[rule]


@router.get("/v1/calc", response_model=list[CalcRule])
def list_rules(principal: Caseworker) -> Any:
    """The calculators with their input JSON schema and an example input."""
    out = []
    for name, spec in RULES.items():
        schema = spec.model().model_json_schema()
        if name == "allocation-index":
            schema.setdefault("properties", {})["municipality"] = {"type": "string", "default": "midori"}
        out.append({"name": name, "label": spec.label, "description": spec.description,
                    "input_schema": schema, "example": spec.example})  # fmt: skip
    return out


@router.post("/v1/calc/{rule}", response_model=CalcResponse)
def calculate(
    principal: Caseworker,
    state: StateDep,
    data: Annotated[dict[str, Any], Body(examples=[RULES["certification"].example])],
    rule: str = Path(
        max_length=40,
        description="certification / free-childcare / child-allowance / allocation-index / allocation",
    ),
) -> Any:
    """Run one calculator; the result carries its explanation steps and the sections that define the rule."""
    spec = _spec(rule)
    result = spec.run(data).model_dump(mode="json")
    steps = result.pop("steps", [])
    citations = result.pop("citations", [])
    state.storage.record_audit(
        audit_entry(
            principal,
            f"calc:{rule}",
            input=str(data)[:2000],
            output="\n".join(steps),
            sources=sorted({c.get("doc_id", "") for c in citations}),
            engine="rules",
        )  # fmt: skip
    )
    return {"rule": rule, "result": result, "steps": steps, "citations": citations}
