"""Roles and API keys: parents need no key (rate-limited per client); staff send a key for their role."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.storage import Storage

ROLES: tuple[str, ...] = ("parent", "caseworker", "trainer", "evaluator", "admin")
KEY_ROLES: tuple[str, ...] = ROLES[1:]
# The documented public key: clients that must send a key (the OpenAI SDK) use it to ask as a parent.
# Real keys start with storage.KEY_PREFIX ("kdm_"), so no real key can be mistaken for it.
PUBLIC_KEY_PREFIX = "kodomo-public"
ROLE_LABELS = {
    "parent": "保護者",
    "caseworker": "自治体職員",
    "trainer": "研修担当",
    "evaluator": "評価担当",
    "admin": "管理者",
}
# Which audiences each role may ask as: staff can also see what a parent would get.
AUDIENCES_BY_ROLE: dict[str, tuple[str, ...]] = {
    "parent": ("parent",),
    "caseworker": ("parent", "caseworker"),
    "trainer": ("parent", "trainer"),
    "evaluator": ("parent", "caseworker", "trainer"),
    "admin": ("parent", "caseworker", "trainer"),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the role, the key id (None for parents) and the client address."""

    role: str
    key_id: str | None = None
    client: str = ""


def key_from_headers(authorization: str | None, x_api_key: str | None) -> str | None:
    """The key sent as `Authorization: Bearer <key>` or `X-API-Key: <key>`, if any."""
    if x_api_key:
        return x_api_key.strip()
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(
                401, "unauthorized", "Authorization ヘッダーは「Bearer <APIキー>」の形で指定してください"
            )
        return value.strip()
    return None


def authenticate(storage: Storage, secret: str | None, client: str) -> Principal:
    """The caller's principal: no key or the public key is a parent; a wrong or revoked key is a 401."""
    if not secret or secret.startswith(PUBLIC_KEY_PREFIX):
        return Principal(role="parent", client=client)
    row = storage.find_key(secret)
    if row is None:
        raise ApiError(401, "invalid_key", "APIキーが正しくないか、無効になっています")
    return Principal(role=row.role, key_id=row.id, client=client)


def authorize(principal: Principal, allowed: tuple[str, ...]) -> Principal:
    """Refuse a caller whose role is not allowed: 401 without a key, 403 with the wrong one."""
    if principal.role in allowed or principal.role == "admin":
        return principal
    names = "・".join(ROLE_LABELS[r] for r in allowed)
    if principal.key_id is None:
        raise ApiError(401, "unauthorized", f"この操作にはAPIキーが必要です（{names}のキー）")
    raise ApiError(
        403, "forbidden", f"この操作は{names}だけが行えます（あなたの役割: {ROLE_LABELS[principal.role]}）"
    )


def check_audience(principal: Principal, audience: str) -> None:
    """Staff audiences need a staff key."""
    if audience in AUDIENCES_BY_ROLE[principal.role]:
        return
    if principal.key_id is None:
        raise ApiError(
            401, "unauthorized", f"audience「{audience}」での質問にはAPIキーが必要です", "audience"
        )
    raise ApiError(403, "forbidden", f"この役割では audience「{audience}」で質問できません", "audience")


# The web UI forwards each browser's id with an HMAC of it made with the UI secret, so parents behind the UI get
# a bucket each while a caller who invents ids (without the secret) is still limited by address.
BROWSER_HEADER = "x-browser-id"
SIGNATURE_HEADER = "x-browser-signature"
UI_SECRET_FILE = "ui-secret"


def sign_browser_id(secret: str, browser_id: str) -> str:
    """The signature the UI sends beside a browser id."""
    return hmac.new(secret.encode("utf-8"), browser_id.encode("utf-8"), hashlib.sha256).hexdigest()


def ui_secret(settings: Any) -> str:
    """The secret shared with the web UI: KODOMO_UI_SECRET, else one kept (mode 0600) in the data dir."""
    configured: str | None = getattr(settings, "ui_secret", None)
    if configured:
        return configured
    path = Path(settings.data_dir) / UI_SECRET_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker wrote it first
            pass
        else:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def trusted_networks(spec: str | None) -> tuple[IPv4Network | IPv6Network, ...]:
    """The proxies whose X-Forwarded-For is believed (comma-separated addresses or CIDRs; empty: none)."""
    networks = []
    for part in (spec or "").split(","):
        if part.strip():
            networks.append(ip_network(part.strip(), strict=False))
    return tuple(networks)


def _in(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def forwarded_client(
    peer: str, forwarded_for: str | None, trusted: tuple[IPv4Network | IPv6Network, ...]
) -> str:
    """The client address: the peer, or, when the peer is a trusted proxy, the last untrusted X-Forwarded-For hop."""
    if not forwarded_for or not _in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    # Walk back from the nearest hop: every trusted proxy appends the address it saw, so the first untrusted
    # address from the right is the client; anything left of it was written by the client and is not believed.
    for hop in reversed(hops):
        if not _in(hop, trusted):
            return hop
    return hops[0] if hops else peer


def bucket_of(address: str) -> str:
    """The rate-limit bucket of an address: IPv6 clients get a /64 each (one household), IPv4 one address."""
    try:
        ip = ip_address(address)
    except ValueError:
        return "ip:" + address[:100]
    if isinstance(ip, IPv6Address):
        if ip.ipv4_mapped is not None:
            return "ip:" + str(ip.ipv4_mapped)
        return "ip:" + str(ip_network(f"{ip}/64", strict=False))
    return "ip:" + str(ip)


def client_identity(peer: str, headers: Mapping[str, str], *, trusted: tuple[IPv4Network | IPv6Network, ...],
                    secret: str | None) -> str:  # fmt: skip
    """The rate-limit bucket of a keyless caller: its browser when the UI vouches for it, else its address."""
    browser, signature = headers.get(BROWSER_HEADER), headers.get(SIGNATURE_HEADER)
    if secret and browser and signature and hmac.compare_digest(sign_browser_id(secret, browser), signature):
        # Hashed: a browser id also opens that browser's saved conversations.
        return "browser:" + hashlib.sha256(browser.encode("utf-8")).hexdigest()[:32]
    return bucket_of(forwarded_client(peer, headers.get("x-forwarded-for"), trusted))


def _too_many(per_minute: int) -> ApiError:
    return ApiError(
        429, "rate_limited",
        f"短い時間に質問が多すぎます（1分あたり{per_minute}回まで）。しばらく待ってからお試しください",
    )  # fmt: skip


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously.

    With a storage the buckets live in the service database, so every worker process shares them.
    """

    def __init__(self, per_minute: int, storage: Storage | None = None) -> None:
        self.per_minute = max(1, per_minute)
        self.storage = storage
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Take one token for `client` or raise 429."""
        if self.storage is not None:
            if not self.storage.take_token(client, float(self.per_minute), self.per_minute / 60.0):
                raise _too_many(self.per_minute)
            return
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                raise _too_many(self.per_minute)
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10000:  # forget idle clients so memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
