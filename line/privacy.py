"""What the LINE channel holds about a client, for her APPI rights (`core.registry.client_data`):
her LINE link, conversations and their messages (her words and ours), postbacks.

Anonymisation removes her words (message texts, earlier versions, media, the raw events that
carry them), her LINE user id and profile, and keeps the codes and times (directions, kinds,
outcomes, friend events) so that the report's figures do not change.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F, OuterRef, Value
from django.db.models.functions import JSONObject
from django.utils.translation import gettext as _

from cases.privacy import REMOVED, family_of, latest_of, record_row, section

from .models import (
    Conversation,
    LineUser,
    Message,
    MessageMedia,
    MessageRevision,
    Postback,
    WebhookEvent,
)

CONVERSATION_FIELDS = ("status", "outcome", "opened_at", "closed_at", "assigned_to", "urgent")
MESSAGE_FIELDS = ("direction", "kind", "text", "sent_at", "status", "retracted_at", "edited_at")


def disclose(client) -> list[dict[str, Any]]:
    ids = family_of(client)
    users = LineUser.objects.filter(client_id__in=ids)
    conversations = Conversation.objects.filter(client_id__in=ids).select_related("assigned_to")
    messages = Message.objects.filter(conversation__client_id__in=ids).order_by("sent_at", "pk")
    postbacks = Postback.objects.filter(line_user__client_id__in=ids)
    return [
        section(
            _("LINE account"),
            [
                record_row(u, ("line_user_id", "display_name", "is_friend", "first_followed_at"))
                for u in users
            ],
        ),
        section(
            _("LINE conversations"),
            [
                record_row(c, CONVERSATION_FIELDS, **{_("record"): f"#{c.pk}"})
                for c in conversations
            ],
        ),
        section(
            _("LINE messages"),
            [
                record_row(m, MESSAGE_FIELDS, **{_("conversation"): f"#{m.conversation_id}"})
                for m in messages
            ],
        ),
        section(_("Postbacks"), [record_row(p, ("data", "occurred_at")) for p in postbacks]),
    ]


def anonymise(client, now: datetime.datetime) -> dict[str, int]:
    ids = family_of(client)
    users = list(LineUser.objects.filter(client_id__in=ids))
    messages = Message.objects.filter(conversation__client_id__in=ids)
    scrubbed_messages = (
        messages.exclude(text="").exclude(text=REMOVED).update(text=REMOVED, detail={})
    )
    MessageRevision.objects.filter(message__conversation__client_id__in=ids).update(text="")
    MessageMedia.objects.filter(message__conversation__client_id__in=ids).delete()
    messages.filter(media=Message.Media.STORED).update(media=Message.Media.FAILED)
    scrubbed_events = 0
    scrubbed_users = 0
    for user in users:
        if user.line_user_id.startswith("anonymised-"):
            continue
        pseudonym = f"anonymised-{user.pk}"
        # The events keep their type and time (the report counts them), not her words or id.
        events = WebhookEvent.objects.filter(line_user_id=user.line_user_id)
        scrubbed_events += events.update(
            raw=JSONObject(type=F("event_type"), anonymised=Value(True)), line_user_id=pseudonym
        )
        user.line_user_id = pseudonym
        user.display_name = ""
        user.picture_url = ""
        user.save(update_fields=["line_user_id", "display_name", "picture_url"])
        scrubbed_users += 1
    Postback.objects.filter(line_user__in=users).update(params={})
    counts = {
        "line_users": scrubbed_users,
        "line_messages": scrubbed_messages,
        "line_events": scrubbed_events,
    }
    return {k: v for k, v in counts.items() if v}


def last_activity():
    """Her latest LINE message."""
    return latest_of(Message.objects.filter(conversation__client_id=OuterRef("pk")), "sent_at")


def records(client) -> dict[str, list[int]]:
    ids = family_of(client)
    return {
        "line.conversation": list(
            Conversation.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        )
    }
