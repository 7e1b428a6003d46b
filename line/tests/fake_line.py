"""A fake LINE Messaging API on loopback: a real HTTP server in a thread, answering the way
LINE answers, so the tests exercise the SDK, HTTP and our handling of each answer.

It checks the bearer token, the paths and the JSON bodies (a push needs `to` and 1-5 text
messages of 1-5,000 characters, any quick-reply postback buttons within LINE's limits),
remembers the X-Line-Retry-Key of every accepted push (the same key again → 409, as LINE
answers), takes each reply token once, serves message content, and can be told to answer
the next requests with 429, 500 or slowly.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
CONTENT = re.compile(r"^/v2/bot/message/([^/]+)/content$")
LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
MULTICAST_MAX = 500


@dataclass
class Scripted:
    status: int = 0  # 0: answer normally
    delay: float = 0.0


@dataclass
class FakeLineState:
    token: str
    pushes: list[dict[str, Any]] = field(default_factory=list)  # accepted, in order
    replies: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, key
    retry_keys: set[str] = field(default_factory=set)
    reply_tokens: set[str] = field(default_factory=set)  # valid, unused
    content: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    script: list[Scripted] = field(default_factory=list)
    multicasts: list[dict[str, Any]] = field(default_factory=list)  # accepted, in order
    quota: int | None = None  # the month's limit; None answers {"type": "none"}
    consumption: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_next(self, status: int = 0, *, times: int = 1, delay: float = 0.0) -> None:
        with self.lock:
            self.script.extend(Scripted(status, delay) for _ in range(times))

    def _next(self) -> Scripted:
        with self.lock:
            return self.script.pop(0) if self.script else Scripted()


def _valid_messages(messages: Any) -> bool:
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return False
    for m in messages:
        if not isinstance(m, dict) or m.get("type") != "text":
            return False
        text = m.get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= 5000:
            return False
        if "quickReply" in m and not _valid_quick_reply(m["quickReply"]):
            return False
    return True


def _valid_quick_reply(quick: Any) -> bool:
    """At most 13 buttons; a postback action has a label of 1-20 characters and data of
    1-300, as LINE checks them."""
    items = quick.get("items") if isinstance(quick, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= 13:
        return False
    for item in items:
        action = item.get("action") if isinstance(item, dict) else None
        if not isinstance(action, dict) or item.get("type") != "action":
            return False
        if action.get("type") != "postback":
            return False
        label, data = action.get("label"), action.get("data")
        if not isinstance(label, str) or not 1 <= len(label) <= 20:
            return False
        if not isinstance(data, str) or not 1 <= len(data) <= 300:
            return False
    return True


def _handler(state: FakeLineState):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: dict | bytes, content_type="application/json"):
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-line-request-id", "fake-request")
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._send(
                    401, {"message": "Authentication failed due to the expired access token"}
                )
                return False
            return True

        def do_GET(self) -> None:
            state.requests.append(("GET", self.path, None))
            if not self._authorised():
                return
            if self.path == "/v2/bot/message/quota":
                with state.lock:
                    quota = state.quota
                self._send(
                    200,
                    {"type": "none"} if quota is None else {"type": "limited", "value": quota},
                )
                return
            if self.path == "/v2/bot/message/quota/consumption":
                with state.lock:
                    used = state.consumption
                self._send(200, {"totalUsage": used})
                return
            match = CONTENT.match(self.path)
            if not match or match.group(1) not in state.content:
                self._send(404, {"message": "Not found"})
                return
            content_type, data = state.content[match.group(1)]
            self._send(200, data, content_type)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            key = self.headers.get("X-Line-Retry-Key")
            state.requests.append(("POST", self.path, key))
            if not self._authorised():
                return
            if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
                self._send(415, {"message": "Unsupported Media Type"})
                return
            try:
                body = json.loads(raw)
            except ValueError:
                self._send(400, {"message": "The request body has 1 error(s)"})
                return
            scripted = state._next()
            if self.path == "/v2/bot/message/push":
                self._push(body, key, scripted)
            elif self.path == "/v2/bot/message/reply":
                self._reply(body, scripted)
            elif self.path == "/v2/bot/message/multicast":
                self._multicast(body, key, scripted)
            else:
                self._send(404, {"message": "Not found"})

        def _push(self, body: Any, key: str | None, scripted: Scripted) -> None:
            if key is not None and not UUID.match(key):
                self._send(400, {"message": "The retry key is invalid"})
                return
            to = body.get("to") if isinstance(body, dict) else None
            if (
                not isinstance(to, str)
                or not to.startswith("U")
                or not _valid_messages(body.get("messages"))
            ):
                self._send(400, {"message": "The request body has 1 error(s)"})
                return
            if scripted.status:
                self._send(scripted.status, {"message": "scripted failure"})
                return
            with state.lock:
                if key is not None and key in state.retry_keys:
                    duplicate = True
                else:
                    duplicate = False
                    if key is not None:
                        state.retry_keys.add(key)
                    state.pushes.append({"to": to, "messages": body["messages"], "key": key})
            if duplicate:
                self.send_response(409)
                data = json.dumps({"message": "The retry key is already accepted"}).encode()
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-line-accepted-request-id", "fake-accepted")
                self.end_headers()
                self.wfile.write(data)
                return
            if scripted.delay:
                time.sleep(scripted.delay)  # accepted, but the answer comes too late
            self._send(200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]})

        def _reply(self, body: Any, scripted: Scripted) -> None:
            token = body.get("replyToken") if isinstance(body, dict) else None
            if not isinstance(token, str) or not _valid_messages(body.get("messages")):
                self._send(400, {"message": "The request body has 1 error(s)"})
                return
            if scripted.status:
                self._send(scripted.status, {"message": "scripted failure"})
                return
            with state.lock:
                valid = token in state.reply_tokens
                state.reply_tokens.discard(token)
                if valid:
                    state.replies.append({"token": token, "messages": body["messages"]})
            if not valid:
                self._send(400, {"message": "Invalid reply token"})
                return
            self._send(200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]})

        def _multicast(self, body: Any, key: str | None, scripted: Scripted) -> None:
            if key is not None and not UUID.match(key):
                self._send(400, {"message": "The retry key is invalid"})
                return
            to = body.get("to") if isinstance(body, dict) else None
            if (
                not isinstance(to, list)
                or not 1 <= len(to) <= MULTICAST_MAX
                or not all(isinstance(u, str) and LINE_USER_ID.match(u) for u in to)
                or not _valid_multicast_messages(body.get("messages"))
            ):
                self._send(400, {"message": "The request body has 1 error(s)"})
                return
            if scripted.status:
                self._send(scripted.status, {"message": "scripted failure"})
                return
            with state.lock:
                duplicate = key is not None and key in state.retry_keys
                if not duplicate:
                    if key is not None:
                        state.retry_keys.add(key)
                    state.multicasts.append({"to": to, "messages": body["messages"], "key": key})
                    state.consumption += len(to)
            if duplicate:
                self._send(409, {"message": "The retry key is already accepted"})
                return
            if scripted.delay:
                time.sleep(scripted.delay)  # accepted, but the answer comes too late
            self._send(200, {})

    return Handler


def _valid_multicast_messages(messages: Any) -> bool:
    """1-5 messages, each a text (as for a push) or an image with https URLs."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return False
    for m in messages:
        if isinstance(m, dict) and m.get("type") == "image":
            for name in ("originalContentUrl", "previewImageUrl"):
                url = m.get(name)
                if not isinstance(url, str) or not url.startswith("https://") or len(url) > 2000:
                    return False
        elif not _valid_messages([m]):
            return False
    return True


class FakeLine:
    def __init__(self, token: str) -> None:
        self.state = FakeLineState(token=token)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeLine:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
