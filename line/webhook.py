"""The webhook's contract with LINE: the signature and the shape of a delivery.

Pure functions (no database), used by the view and by the benchmark's baseline alike.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

# LINE's deliveries are small (a batch of events); anything larger is not LINE.
BODY_MAX = 1024 * 1024


def sign(body: bytes, secret: str) -> str:
    """`x-line-signature` of `body`: Base64 of HMAC-SHA256 with the channel secret."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signature_valid(body: bytes, signature: str, secret: str) -> bool:
    """Constant-time comparison; an empty secret accepts nothing."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), signature.encode())


class Malformed(ValueError):
    """The body is not a LINE delivery (not JSON, or not its shape)."""


@dataclass(frozen=True)
class ParsedEvent:
    webhook_event_id: str
    event_type: str
    source_type: str
    line_user_id: str
    occurred_at: datetime.datetime
    is_redelivery: bool
    raw: dict[str, Any]


def _event(raw: Any) -> ParsedEvent:
    if not isinstance(raw, dict):
        raise Malformed("event")
    event_id, event_type, timestamp = (
        raw.get("webhookEventId"),
        raw.get("type"),
        raw.get("timestamp"),
    )
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise Malformed("webhookEventId")
    if not isinstance(event_type, str) or not 0 < len(event_type) <= 40:
        raise Malformed("type")
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise Malformed("timestamp")
    try:
        occurred_at = datetime.datetime.fromtimestamp(timestamp / 1000, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise Malformed("timestamp") from None
    source = raw.get("source") if isinstance(raw.get("source"), dict) else {}
    source_type = source.get("type") if isinstance(source.get("type"), str) else ""
    user_id = source.get("userId") if isinstance(source.get("userId"), str) else ""
    context = raw.get("deliveryContext") if isinstance(raw.get("deliveryContext"), dict) else {}
    return ParsedEvent(
        webhook_event_id=event_id,
        event_type=event_type,
        source_type=source_type[:20],
        # A user in a group or room is not a one-to-one consultation: no LINE user is linked.
        line_user_id=user_id[:64] if source_type == "user" else "",
        occurred_at=occurred_at,
        is_redelivery=context.get("isRedelivery") is True,
        raw=raw,
    )


def parse(body: bytes) -> list[ParsedEvent]:
    """The events of a delivery; Malformed when it is not `{"events": [...]}` of events."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise Malformed("json") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise Malformed("events")
    return [_event(raw) for raw in payload["events"]]
