"""The contact book: phone lines and windows read from the front matter of corpus/contacts/contacts.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from kodomo_ai.errors import IngestError
from kodomo_ai.schema import Contact


class ContactBook:
    """Contacts keyed by a stable name (ambulance, child_medical, child_abuse …), in file order."""

    def __init__(self, contacts: dict[str, Contact]) -> None:
        self._contacts = dict(contacts)

    def __getitem__(self, key: str) -> Contact:
        """Return the contact called `key` (KeyError names the missing key)."""
        return self._contacts[key]

    def __contains__(self, key: object) -> bool:
        """True when the book has a contact called `key`."""
        return key in self._contacts

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys in file order."""
        return iter(self._contacts)

    def __len__(self) -> int:
        """Number of contacts."""
        return len(self._contacts)

    def pick(self, keys: list[str]) -> list[Contact]:
        """Return the contacts for `keys` in that order, skipping keys the book lacks."""
        return [self._contacts[key] for key in keys if key in self._contacts]

    def numbers(self) -> set[str]:
        """Every non-empty number in the book, exactly as dialled."""
        return {c.number for c in self._contacts.values() if c.number}


def load_contacts(path: Path | str) -> ContactBook:
    """Read the `contacts:` list from a corpus document's YAML front matter."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IngestError(str(path), f"cannot read contacts file: {exc}") from exc
    if not text.startswith("---"):
        raise IngestError(str(path), "no YAML front matter")
    _, front, _ = text.split("---", 2)
    meta = yaml.safe_load(front) or {}
    entries = meta.get("contacts")
    if not isinstance(entries, list) or not entries:
        raise IngestError(str(path), "front matter has no `contacts:` list")
    contacts: dict[str, Contact] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("key") or not entry.get("name"):
            raise IngestError(str(path), f"contact needs key and name: {entry!r}")
        # YAML would turn an unquoted 119 into an int; numbers are strings exactly as dialled.
        contacts[str(entry["key"])] = Contact(
            name=str(entry["name"]),
            number=str(entry.get("number") or ""),
            note=str(entry.get("when") or ""),
        )
    return ContactBook(contacts)
