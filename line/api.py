"""The LINE Messaging API through the official SDK (`linebot.v3`), pointed at our settings.

The SDK's MessagingApi keeps its base URL in `line_base_path` (not in the Configuration's
host), so it is set here from LINE_API_BASE_URL; a test runs a fake LINE on loopback the same
way. The content API lives on a host of its own which the SDK's blob client does not let one
change, so `content_get` asks it directly, with the same token.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from linebot.v3.messaging import ApiClient, Configuration, MessagingApi

# Seconds: (connect, read). LINE answers in well under a second; a hung call must not hold
# a worker (the send is retried).
TIMEOUT = (3, 10)
CONTENT_MAX = 50 * 1024 * 1024  # LINE's own limit on a file is 200 MB; we keep 50 MB


@contextmanager
def messaging_api():
    configuration = Configuration(access_token=settings.LINE_CHANNEL_ACCESS_TOKEN)
    with ApiClient(configuration) as client:
        api = MessagingApi(client)
        api.line_base_path = settings.LINE_API_BASE_URL.rstrip("/")
        yield api


@dataclass(frozen=True)
class Content:
    content_type: str
    data: bytes


class ContentError(Exception):
    def __init__(self, status: int | None, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def content_get(message_id: str) -> Content:
    """The bytes of an image, video, audio or file message, from LINE's content API."""
    base = settings.LINE_API_DATA_BASE_URL.rstrip("/")
    request = urllib.request.Request(
        f"{base}/v2/bot/message/{urllib.request.quote(message_id, safe='')}/content",
        headers={"Authorization": f"Bearer {settings.LINE_CHANNEL_ACCESS_TOKEN}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT[1]) as response:  # noqa: S310
            data = response.read(CONTENT_MAX + 1)
            if len(data) > CONTENT_MAX:
                raise ContentError(None, "too large")
            return Content(
                content_type=response.headers.get("Content-Type", "application/octet-stream"),
                data=data,
            )
    except urllib.error.HTTPError as exc:
        raise ContentError(exc.code, f"HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ContentError(None, type(exc).__name__) from None
