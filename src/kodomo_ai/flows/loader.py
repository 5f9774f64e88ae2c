"""Load flow YAML files by path or by name from a flows folder."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from kodomo_ai.errors import KodomoError
from kodomo_ai.flows.model import Flow
from kodomo_ai.flows.validate import ensure_valid


class FlowError(KodomoError):
    """A flow file could not be read or does not fit the schema."""


class FlowNotFoundError(FlowError):
    """No flow has the requested name; the message lists the valid names."""

    def __init__(self, name: str, valid: list[str]) -> None:
        super().__init__(f"業務フロー「{name}」はありません。使える名前: {', '.join(valid) or '（なし）'}")
        self.name = name
        self.valid = valid


def flow_names(flows_dir: Path) -> list[str]:
    """Return the names of the flows in a folder (one YAML file each), sorted."""
    return sorted(p.stem for p in Path(flows_dir).glob("*.yaml"))


def _resolve(source: str | Path, flows_dir: Path | None) -> Path:
    """Turn a path or a flow name into the path of its YAML file."""
    text = str(source)
    if isinstance(source, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        return Path(source)
    if flows_dir is None:
        raise FlowError(f"業務フロー「{text}」を名前で読むには flows_dir が必要です")
    path = Path(flows_dir) / f"{text}.yaml"
    if not path.is_file():
        raise FlowNotFoundError(text, flow_names(flows_dir))
    return path


def parse_flow(path: Path) -> Flow:
    """Read one YAML file into a Flow without the structural checks."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise FlowError(f"{path}: 読めません: {exc}") from exc
    if not isinstance(raw, dict):
        raise FlowError(f"{path}: YAML の最上位が辞書（mapping）ではありません")
    try:
        flow = Flow.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors(include_url=False)
        )
        raise FlowError(f"{path}: 形式が正しくありません: {problems}") from exc
    if flow.name != path.stem:
        raise FlowError(f"{path}: name「{flow.name}」がファイル名「{path.stem}」と違います")
    return flow


def load(source: str | Path, flows_dir: Path | None = None, *, validate: bool = True) -> Flow:
    """Load a flow by path or name; with validate=True raise FlowValidationError on any problem."""
    flow = parse_flow(_resolve(source, flows_dir))
    return ensure_valid(flow) if validate else flow


def load_all(flows_dir: Path, *, validate: bool = True) -> list[Flow]:
    """Load every flow in a folder, sorted by name."""
    return [load(Path(flows_dir) / f"{name}.yaml", validate=validate) for name in flow_names(flows_dir)]
