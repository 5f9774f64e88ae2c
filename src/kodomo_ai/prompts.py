"""Prompt files: one YAML per task (system, user, variables, version), rendered with strict Jinja."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined

_ENV = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt template."""

    name: str
    system: str
    user: str
    variables: tuple[str, ...]
    version: str

    def render(self, **values: Any) -> list[dict[str, str]]:
        """Chat messages for these values; a missing or unexpected variable is an error."""
        missing = set(self.variables) - set(values)
        extra = set(values) - set(self.variables)
        if missing or extra:
            raise ValueError(f"prompt {self.name}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        return [
            {"role": "system", "content": _ENV.from_string(self.system).render(**values).strip()},
            {"role": "user", "content": _ENV.from_string(self.user).render(**values).strip()},
        ]


def load_prompt(prompts_dir: Path, name: str) -> Prompt:
    """Read prompts_dir/<name>.yaml."""
    path = prompts_dir / f"{name}.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Prompt(
        name=name,
        system=data["system"],
        user=data["user"],
        variables=tuple(data.get("variables") or ()),
        version=str(data.get("version", "1")),
    )
