"""Roles and API keys: parents need no key (rate-limited per client); staff send a key for their role."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kodomo_ai.api.errors import ApiError
from kodomo_ai.api.storage import Storage

ROLES: tuple[str, ...] = ("parent", "caseworker", "trainer", "evaluator", "admin")
KEY_ROLES: tuple[str, ...] = ROLES[1:]
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
    """The caller's principal; a key that is wrong or revoked is a 401 (never silently a parent)."""
    if not secret:
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


class RateLimiter:
    """A token bucket per client: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = max(1, per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Take one token for `client` or raise 429."""
        now = time.monotonic()
        rate = self.per_minute / 60.0
        with self._lock:
            tokens, last = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[client] = (tokens, now)
                raise ApiError(
                    429, "rate_limited",
                    f"短い時間に質問が多すぎます（1分あたり{self.per_minute}回まで）。しばらく待ってからお試しください",
                )  # fmt: skip
            self._buckets[client] = (tokens - 1.0, now)
            if len(self._buckets) > 10000:  # forget idle clients so memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}
