"""LINE user ids are never stored in clear: a keyed hash identifies a user, a sealed copy lets a reply be pushed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SECRET_FILE = "line-id-secret"


def _derive(secret: bytes, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


class LineIdentity:
    """Hashes (HMAC-SHA256, keyed by the secret: a salted hash) and seals (Fernet) LINE user ids."""

    def __init__(self, secret: str) -> None:
        raw = secret.encode("utf-8")
        self._hash_key = _derive(raw, b"kodomo-ai line user hash")
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive(raw, b"kodomo-ai line push address")))

    def user_hash(self, user_id: str) -> str:
        """The stored identity of a LINE user (64 hex characters)."""
        return hmac.new(self._hash_key, user_id.encode("utf-8"), hashlib.sha256).hexdigest()

    def conversation_id(self, user_id: str) -> str:
        """The conversation id of a LINE user's messages (derived from the hash, never the id)."""
        return "line-" + self.user_hash(user_id)[:40]

    def seal(self, user_id: str) -> str:
        """An encrypted push address (kept only while a case is open)."""
        return self._fernet.encrypt(user_id.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The user id inside a sealed push address, or None when it cannot be opened."""
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            return None


def identity_secret(configured: str | None, data_dir: Path) -> str:
    """The configured secret, or one generated once into the data dir (file mode 0600)."""
    if configured:
        return configured
    path = Path(data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
