"""Evaluation suites: the YAML format, its pydantic models and a loader with precise errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kodomo_ai.errors import KodomoError

Mode = Literal["answer", "escalate", "abstain", "refuse"]
Kind = Literal[
    "factual",
    "escalation",
    "refusal",
    "abstention",
    "pii",
    "injection",
    "consistency",
    "fairness",
    "robustness",
]

# Guideline perspectives a case is filed under (AISI 評価観点ガイド's ten, plus two government rules).
CRITERIA: dict[str, str] = {
    "harmful": "有害情報の出力制御",
    "misinformation": "偽誤情報の出力・誘導の防止",
    "fairness": "公平性と包摂性",
    "high_risk": "ハイリスク利用・目的外利用への対処",
    "privacy": "プライバシー保護",
    "security": "セキュリティ確保",
    "explainability": "説明可能性",
    "robustness": "ロバスト性",
    "data_quality": "データ品質",
    "verifiability": "検証可能性",
    "child_data": "こども・家庭の個人情報を生成AIに送らない（こども家庭庁）",
    "human_decision": "人の判断が要る業務は人へ引き継ぐ（デジタル庁）",
}

# The kind a case gets when it does not name one, from its expected mode.
_KIND_BY_MODE: dict[str, str] = {
    "answer": "factual",
    "escalate": "escalation",
    "refuse": "refusal",
    "abstain": "abstention",
}


class SuiteError(KodomoError):
    """A suite file is invalid; names the file, the case and the field."""

    def __init__(self, path: str, reason: str, case_id: str | None = None, field: str | None = None) -> None:
        where = path
        if case_id:
            where += f" [case {case_id}]"
        if field:
            where += f" {field}"
        super().__init__(f"{where}: {reason}")
        self.path = path
        self.case_id = case_id
        self.field = field
        self.reason = reason


class Turn(BaseModel):
    """One message of a conversation given as a case's input."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(min_length=1)


def _alternatives(value: Any, field: str) -> list[list[str]]:
    """Accept `x`, `[x, y]` or `[[x, x2], y]` and return groups of alternatives."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"{field} must be a list of strings or of lists of alternatives")
    groups: list[list[str]] = []
    for item in value:
        group = [item] if isinstance(item, str | int | float) else item
        if not isinstance(group, list) or not group:
            raise ValueError(f"{field}: each entry must be a string or a non-empty list of alternatives")
        texts = [str(alt) for alt in group]
        if any(not t.strip() for t in texts):
            raise ValueError(f"{field}: empty alternative")
        groups.append(texts)
    return groups


class Expect(BaseModel):
    """What a case's answer must show."""

    model_config = ConfigDict(extra="forbid")

    mode: list[Mode] = Field(default_factory=list)
    facts: list[list[str]] = Field(default_factory=list)
    must_not: list[str] = Field(default_factory=list)
    cite: list[list[str]] = Field(default_factory=list)
    contacts: list[list[str]] = Field(default_factory=list)
    refer: bool = False

    @field_validator("mode", mode="before")
    @classmethod
    def _mode_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("facts", mode="before")
    @classmethod
    def _fact_groups(cls, value: Any) -> list[list[str]]:
        return _alternatives(value, "facts")

    @field_validator("cite", mode="before")
    @classmethod
    def _cite_groups(cls, value: Any) -> list[list[str]]:
        return _alternatives(value, "cite")

    @field_validator("contacts", mode="before")
    @classmethod
    def _contact_groups(cls, value: Any) -> list[list[str]]:
        return _alternatives(value, "contacts")

    @field_validator("must_not", mode="before")
    @classmethod
    def _string_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return [str(v) for v in value]
        return value

    def cited_doc_ids(self) -> list[str]:
        """Return every doc id named in `cite`, in order, without repeats."""
        return list(dict.fromkeys(doc for group in self.cite for doc in group))


class Case(BaseModel):
    """One evaluation case: an input, what must hold, and how it is checked."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    criterion: str = ""
    kind: Kind | None = None
    audience: Literal["parent", "caseworker", "trainer"] = "parent"
    input: str | list[Turn]
    expect: Expect = Field(default_factory=Expect)
    variants: list[str] = Field(default_factory=list)
    repeat: int = Field(default=1, ge=1, le=5)
    planted: list[str] = Field(default_factory=list)
    reference: str | None = None
    plain: bool = False
    note: str = ""

    @field_validator("input")
    @classmethod
    def _input_ends_with_user(cls, value: str | list[Turn]) -> str | list[Turn]:
        if isinstance(value, str):
            if not value.strip():
                raise ValueError("input is empty")
        elif not value or value[-1].role != "user":
            raise ValueError("a conversation must end with a user turn")
        return value

    @model_validator(mode="after")
    def _default_kind(self) -> Case:
        if self.kind is None:
            # An answer among the accepted modes makes it a factual case; otherwise the first mode decides.
            modes = self.expect.mode
            first_mode = "answer" if not modes or "answer" in modes else modes[0]
            self.kind = _KIND_BY_MODE[first_mode]  # type: ignore[assignment]
        if self.kind in ("pii",) and not self.planted:
            raise ValueError("a pii case must list the personal data it plants in `planted`")
        if self.kind in ("fairness", "robustness") and not self.variants:
            raise ValueError(f"a {self.kind} case needs `variants`")
        return self

    @property
    def question(self) -> str:
        """The last user message: what is asked."""
        return self.input if isinstance(self.input, str) else self.input[-1].content

    @property
    def history(self) -> list[dict[str, str]]:
        """The conversation before the question, as role/content dicts."""
        if isinstance(self.input, str):
            return []
        return [turn.model_dump() for turn in self.input[:-1]]


class Suite(BaseModel):
    """A named set of cases with a pass-rate gate."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    criterion: str = ""
    threshold: float = Field(default=0.0, ge=0.0, le=1.0)
    ingest: list[str] = Field(default_factory=list)
    cases: list[Case] = Field(min_length=1)
    path: str = Field(default="", exclude=True)

    def ingest_paths(self) -> list[Path]:
        """Return the documents this suite plants in a temporary index, resolved beside the file."""
        base = Path(self.path).parent
        return [(base / p).resolve() for p in self.ingest]


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _raise_for(path: str, raw: dict[str, Any], error: ValidationError) -> None:
    first = error.errors()[0]
    loc = tuple(first["loc"])
    case_id: str | None = None
    field: str | None = _field_path(loc)
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = raw.get("cases") or []
        item = cases[loc[1]] if loc[1] < len(cases) else {}
        case_id = str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{loc[1] + 1}"
        field = _field_path(loc[2:]) or None
    raise SuiteError(path, first["msg"], case_id=case_id, field=field) from None


def parse_suite(raw: Any, path: str = "<suite>") -> Suite:
    """Validate a suite given as parsed YAML; raise SuiteError naming the file, case and field."""
    if not isinstance(raw, dict):
        raise SuiteError(path, "a suite must be a mapping with `name` and `cases`")
    try:
        suite = Suite.model_validate({**raw, "path": path})
    except ValidationError as error:
        _raise_for(path, raw, error)
        raise  # unreachable; keeps type checkers content
    seen: set[str] = set()
    for case in suite.cases:
        if case.id in seen:
            raise SuiteError(path, "duplicate case id", case_id=case.id, field="id")
        seen.add(case.id)
        case.criterion = case.criterion or suite.criterion
        if not case.criterion:
            raise SuiteError(path, "no criterion (set it on the suite or the case)", case.id, "criterion")
        if case.criterion not in CRITERIA:
            known = ", ".join(CRITERIA)
            raise SuiteError(
                path, f"unknown criterion {case.criterion!r} (one of {known})", case.id, "criterion"
            )
    for doc in suite.ingest_paths():
        if not doc.exists():
            raise SuiteError(path, f"planted document not found: {doc}", field="ingest")
    return suite


def load_suite(path: str | Path) -> Suite:
    """Read and validate one suite file."""
    name = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteError(name, f"cannot read: {error.strerror or error}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SuiteError(name, f"invalid YAML{where}: {getattr(error, 'problem', error)}") from None
    return parse_suite(raw, name)


def load_suites(paths: list[str | Path]) -> list[Suite]:
    """Load suite files and every *.yaml directly inside given folders (fixtures/ is skipped)."""
    files: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            files.extend(sorted(f for f in p.glob("*.yaml") if f.is_file()))
        elif p.exists():
            files.append(p)
        else:
            raise SuiteError(str(p), "no such file or folder")
    if not files:
        raise SuiteError(", ".join(str(p) for p in paths), "no suite files (*.yaml) found")
    suites = [load_suite(f) for f in files]
    names: dict[str, str] = {}
    for suite in suites:
        if suite.name in names:
            raise SuiteError(
                suite.path, f"suite name {suite.name!r} also used by {names[suite.name]}", field="name"
            )
        names[suite.name] = suite.path
    return suites
