"""Labelled training messages read from YAML files, with the label names a classifier uses."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kodomo_ai.errors import InputError


@dataclass(frozen=True)
class Example:
    """One labelled message; `group` keeps a message and its generated variants in the same CV fold."""

    text: str
    label: str
    group: str
    kind: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    source: str = ""  # the data file's stem, so a report can single out one kind of file (near-misses)


def read_examples(paths: Iterable[Path], relabel: Callable[[dict], str | None]) -> list[Example]:
    """Examples from YAML lists of {text, label, kind?, tags?}; `relabel` maps an item to a class (None skips it)."""
    out: list[Example] = []
    for path in sorted(paths):
        try:
            items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(str(path), f"cannot read training data: {exc}") from exc
        if isinstance(items, dict):  # a file may wrap its list as `items:` beside other keys
            items = items.get("items")
        if not isinstance(items, list):
            raise InputError(str(path), "training data must be a YAML list of {text, label} (or `items:`)")
        for n, item in enumerate(items):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("text"), str)
                or not item["text"].strip()
            ):
                raise InputError(f"{path}[{n}]", "each item needs a non-empty `text`")
            label = relabel(item)
            if label is None:
                continue
            text = item["text"].strip()
            out.append(
                Example(
                    text=text, label=label, group=hashlib.sha1(text.encode()).hexdigest()[:12],
                    kind=str(item.get("kind") or ""), tags=tuple(item.get("tags") or ()), source=path.stem,
                )
            )  # fmt: skip
    return out


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    """A short hash of the data files' contents (and any extra strings), naming a fitted model."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:16]
