"""The LINE app's own extension points, for apps built on it (risk triage, the survey, ...).

An app that depends on `line` registers here from its `extensions.py`, as with
`core.registry`; the LINE app calls every registration at the moment it names and knows none
of them. Keys are unique per registry.

- `message_consumers`: before her message opens or joins a conversation (same transaction, her
  LineUser row locked): `consume(line_user, kind, text, at)` returns the conversation that takes
  the message (one already closed: her answer to a question we asked after the close, like
  the survey's free comment), or None to leave it to the usual path. A consumed message is
  stored in that conversation, opens none, gets no automatic reply and runs no
  `message_received` hook. The first consumer that returns a conversation wins (by order).
- `message_received`: after her message is stored (inside the event's transaction, her
  LineUser row locked): `handle(message, conversation, fresh)`.
- `postback_received`: after a postback is stored: `handle(postback)` (a `Postback` row).
- `close_guards`: before a conversation closes: `problem(conversation)` returns a message for
  the counselor when it may not close yet (an open imminent-risk protocol), else None.
- `after_close`: once a conversation is closed (same transaction): `run(conversation, by,
  options)`, `options` being the closing form's extra choices (e.g. {"skip_survey": True}).
- `conversation_panels`: blocks beside the conversation on its page: `context(request,
  conversation)` returns the template's context or None; rendered with `template`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from core.registry import Registry


@dataclass(frozen=True)
class MessageHook:
    key: str
    handle: Callable[..., None]
    order: int = 0


@dataclass(frozen=True)
class MessageConsumer:
    key: str
    consume: Callable[..., Any]
    order: int = 0


@dataclass(frozen=True)
class PostbackHook:
    key: str
    handle: Callable[[Any], None]
    order: int = 0


@dataclass(frozen=True)
class CloseGuard:
    key: str
    problem: Callable[[Any], str | None]
    order: int = 0


@dataclass(frozen=True)
class AfterClose:
    key: str
    run: Callable[..., None]
    order: int = 0


@dataclass(frozen=True)
class ConversationPanel:
    key: str
    template: str
    context: Callable[[Any, Any], Mapping[str, Any] | None]
    order: int = 0


message_consumers: Registry[MessageConsumer] = Registry("line.message_consumers")
message_received: Registry[MessageHook] = Registry("line.message_received")
postback_received: Registry[PostbackHook] = Registry("line.postback_received")
close_guards: Registry[CloseGuard] = Registry("line.close_guards")
after_close: Registry[AfterClose] = Registry("line.after_close")
conversation_panels: Registry[ConversationPanel] = Registry("line.conversation_panels")


def close_problems(conversation: Any) -> list[str]:
    return [p for guard in close_guards if (p := guard.problem(conversation))]


def message_consumer(*, line_user: Any, kind: str, text: str, at: Any) -> Any:
    """The conversation a consumer takes her message into, or None (see `message_consumers`)."""
    for consumer in message_consumers:
        conversation = consumer.consume(line_user=line_user, kind=kind, text=text, at=at)
        if conversation is not None:
            return conversation
    return None
