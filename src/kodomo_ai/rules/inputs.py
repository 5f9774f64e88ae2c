"""Input models shared by the rules, and turning pydantic validation errors into InputError(field)."""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from kodomo_ai.errors import InputError

Reason = Literal[
    "work",
    "pregnancy",
    "illness",
    "disability",
    "caregiving",
    "disaster",
    "job_seeking",
    "study",
    "abuse_dv",
    "parental_leave",
    "absent",
    "home",
]
Severity = Literal["hospitalized", "bedridden", "outpatient", "severe", "moderate"]

REASON_LABELS: dict[str, str] = {
    "work": "就労",
    "pregnancy": "妊娠・出産",
    "illness": "保護者の疾病",
    "disability": "保護者の障害",
    "caregiving": "親族の介護・看護",
    "disaster": "災害の復旧",
    "job_seeking": "求職活動",
    "study": "就学",
    "abuse_dv": "虐待・DVのおそれ",
    "parental_leave": "育児休業中の継続利用",
    "absent": "保護者がいない（ひとり親など）",
    "home": "家庭で保育できる",
}
SEVERITY_LABELS: dict[str, str] = {
    "hospitalized": "入院",
    "bedridden": "自宅で常に臥床",
    "outpatient": "通院・自宅療養",
    "severe": "重度",
    "moderate": "中・軽度",
}
HOURS_REASONS = ("work", "caregiving", "study")
MAX_HOURS_PER_MONTH = 744  # 31 days x 24 hours

Model = TypeVar("Model", bound=BaseModel)


def _iso_date(value: Any) -> Any:
    """Accept a date or a YYYY-MM-DD string only (never a number of seconds or a free-form text)."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"日付として正しくありません（YYYY-MM-DD の形で、実在する日付を指定してください）: {value!r}"
            ) from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]


def unknown_key_message(key: str, known: list[str]) -> str:
    """Name an unknown key and suggest the closest known one (childen → children?)."""
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"知らない項目です（{key} → {close[0]}?）"
    return f"知らない項目です（使える項目: {', '.join(known)}）"


class StrictInput(BaseModel):
    """Base for rule inputs: strict types (no "yes" → true, no "120" → 120) and unknown keys named with a hint."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = list(cls.model_fields)
            for key in data:
                if key not in cls.model_fields:
                    raise ValueError(f"{key}: {unknown_key_message(str(key), known)}")
        return data


class ParentSituation(StrictInput):
    """One parent's situation (保育を必要とする事由) as it bears on certification and the index."""

    reason: Reason = "work"
    hours_per_month: float | None = Field(default=None, ge=0, le=MAX_HOURS_PER_MONTH)
    days_per_week: float | None = Field(default=None, ge=0, le=7)
    hours_per_day: float | None = Field(default=None, ge=0, le=24)
    severity: Severity | None = None
    label: str = ""

    @model_validator(mode="after")
    def _check_details(self) -> ParentSituation:
        if self.reason in HOURS_REASONS and self.hours_per_month is None:
            if self.days_per_week is None or self.hours_per_day is None:
                raise ValueError(
                    "hours_per_month: 月の時間数（または days_per_week と hours_per_day）が必要です"
                )
        if self.reason == "illness" and self.severity not in (
            None,
            "hospitalized",
            "bedridden",
            "outpatient",
        ):
            raise ValueError("severity: 疾病の程度は hospitalized / bedridden / outpatient のいずれかです")
        if self.reason == "disability" and self.severity not in (None, "severe", "moderate"):
            raise ValueError("severity: 障害の程度は severe / moderate のいずれかです")
        return self

    def monthly_hours(self, weeks_per_month: float) -> float | None:
        """Return hours a month, converting 週◯日×1日◯時間 with the municipality's weeks a month."""
        if self.hours_per_month is not None:
            return self.hours_per_month
        if self.days_per_week is not None and self.hours_per_day is not None:
            return self.days_per_week * self.hours_per_day * weeks_per_month
        return None


def field_path(loc: tuple[int | str, ...]) -> str:
    """Format a pydantic location as `parents[0].hours_per_month`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.startswith("function-") or part in {"json-or-python[json=...]"}:
            continue
        else:
            out += f".{part}" if out else part
    return out or "input"


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _reason_text(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "必須の項目です"
    if kind == "extra_forbidden":
        return "この項目は使えません（綴りを確認してください）"
    if kind.startswith("date") or kind == "datetime_from_date_parsing":
        return f"日付として正しくありません（YYYY-MM-DD の形で、実在する日付を指定してください）: {error.get('input')!r}"
    if kind == "literal_error":
        return f"次のいずれかを指定してください: {ctx.get('expected', '')}（指定値: {error.get('input')!r}）"
    if kind in {"greater_than_equal", "greater_than"}:
        bound = _number(ctx.get("ge", ctx.get("gt")))
        return f"{bound}{'以上の' if kind.endswith('equal') else 'より大きい'}数を指定してください（指定値: {error.get('input')!r}）"
    if kind in {"less_than_equal", "less_than"}:
        bound = _number(ctx.get("le", ctx.get("lt")))
        return f"{bound}{'以下' if kind.endswith('equal') else '未満'}の数を指定してください（指定値: {error.get('input')!r}）"
    if kind == "too_short":
        return f"{ctx.get('min_length')}件以上必要です"
    if kind == "too_long":
        return f"{ctx.get('max_length')}件以下にしてください"
    if kind.startswith(("int_", "float_")):
        return f"数を指定してください（指定値: {error.get('input')!r}）"
    if kind.startswith("bool"):
        return f"true か false を指定してください（指定値: {error.get('input')!r}）"
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", kind))


_NAMED = re.compile(r"^([A-Za-z_][\w\-]*): (.+)$", re.S)


def _to_input_error(error: Any, prefix: str = "") -> InputError:
    path = field_path(tuple(error.get("loc", ())))
    reason = _reason_text(dict(error))
    named = _NAMED.match(reason)
    if named:  # a model-level check names its field as "field: reason"
        path = named.group(1) if path == "input" else f"{path}.{named.group(1)}"
        reason = named.group(2)
    if prefix:
        path = f"{prefix}.{path}" if path != "input" else prefix
    return InputError(path, reason)


def input_error(exc: ValidationError, prefix: str = "") -> InputError:
    """Return an InputError naming the first invalid field of a pydantic ValidationError."""
    return _to_input_error(exc.errors()[0], prefix)


def all_input_errors(exc: ValidationError) -> list[InputError]:
    """Return one InputError per invalid field."""
    return [_to_input_error(e) for e in exc.errors()]


def parse_input(model: type[Model], data: Any) -> Model:
    """Validate `data` as `model`, or raise InputError naming the field."""
    if isinstance(data, model):
        return data
    if not isinstance(data, dict):
        raise InputError("input", "JSON のオブジェクト（{...}）を指定してください")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise input_error(exc) from None


class Sibling(StrictInput):
    """Another child of the household, for counting 第2子/第3子 (birth date, or age in years)."""

    birth_date: IsoDate | None = None
    age: int | None = Field(default=None, ge=0, le=60)
    attends_facility: bool = False  # uses a 保育所・幼稚園・認定こども園 etc. at the same time
    label: str = ""

    @model_validator(mode="after")
    def _need_age(self) -> Sibling:
        if self.birth_date is None and self.age is None:
            raise ValueError("birth_date: birth_date か age のどちらかが必要です")
        return self

    def age_in_days(self, on: date) -> int:
        """Return an age in days for ordering from the eldest (estimated mid-year when only the age is known)."""
        if self.birth_date is not None:
            return (on - self.birth_date).days
        assert self.age is not None
        return self.age * 365 + 182
