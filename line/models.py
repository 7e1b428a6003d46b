"""The LINE channel (LINE相談): webhook events as received, LINE users (friends), conversations,
their messages in and out, postbacks, automatic-reply texts and the channel's settings.

A webhook event is stored as a row first (`WebhookEvent`, its raw JSON) and processed after
commit by Celery (`line.tasks.process_event`); a sweep re-finds what was never processed.
Every state change goes through `line.services`; reads scoped to a user through
`line.selectors`.

Message bodies are special-care personal data. Like case notes they are protected by encrypted
storage and backups rather than by column encryption (SECURITY.md, "Encryption at rest"), shown
only through the selectors (access-logged), never written to logs, and scrubbed by the
anonymisation of her APPI rights (`line.privacy`).
"""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only, append_only_history
from core.bounds import in_choices

# LINE allows 5,000 characters in a text message.
TEXT_MAX = 5000


def _history(name) -> dict:
    return {**append_only_history(), "verbose_name": name, "verbose_name_plural": name}


class WebhookEvent(models.Model):
    """One event of a webhook delivery, exactly as LINE sent it (受信イベント)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not processed yet")
        DONE = "done", _("Processed")
        IGNORED = "ignored", _("Ignored (not a one-to-one consultation)")
        FAILED = "failed", _("Failed")

    webhook_event_id = models.CharField(_("webhook event ID"), max_length=64, unique=True)
    event_type = models.CharField(_("event type"), max_length=40)
    source_type = models.CharField(_("source type"), max_length=20, blank=True)
    # The LINE user of a one-to-one source ("" for groups and rooms without a user).
    line_user_id = models.CharField(_("LINE user ID"), max_length=64, blank=True)
    # The event's own time (LINE's `timestamp`), which orders friend state; not arrival time.
    occurred_at = models.DateTimeField(_("event time"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    is_redelivery = models.BooleanField(_("redelivered"), default=False)
    raw = models.JSONField(_("raw event"))
    outcome = models.CharField(
        pgettext_lazy("line", "outcome"),
        max_length=10,
        choices=Outcome.choices,
        default=Outcome.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # The exception's class name only: an error message could quote her words.
    error = models.CharField(_("error"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("outcome", ["pending", "done", "ignored", "failed"]),
                name="line_webhookevent_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending", processed_at__isnull=True)
                | (~Q(outcome="pending") & Q(processed_at__isnull=False)),
                name="line_webhookevent_processed_when_done",
            ),
        ]
        indexes = [
            # The sweep: events never processed, oldest first.
            models.Index(
                fields=["received_at"],
                condition=Q(outcome="pending"),
                name="line_webhookevent_pending_idx",
            ),
            # The report: follows, unfollows and messages by their time.
            models.Index(fields=["event_type", "occurred_at"], name="line_webhookevent_type_idx"),
            models.Index(fields=["line_user_id", "occurred_at"], name="line_webhookevent_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_event_id}"


class LineUser(models.Model):
    """A LINE user who added the account as a friend (友だち). The id is a pseudonymous link to
    her client record, which is created when she first writes."""

    line_user_id = models.CharField(_("LINE user ID"), max_length=64, unique=True)
    client = models.OneToOneField(
        "cases.Client",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line_user",
        verbose_name=_("client"),
    )
    is_friend = models.BooleanField(_("friend"), default=False)
    # The time of the follow/unfollow event that set `is_friend`: a late redelivery of an older
    # event never overrides a newer one.
    friend_state_at = models.DateTimeField(_("friend state since"), null=True, blank=True)
    first_followed_at = models.DateTimeField(_("first added as a friend"), null=True, blank=True)
    # Her LINE profile; hidden from counselors unless a supervisor allows it (ChannelSettings).
    display_name = models.CharField(_("LINE display name"), max_length=100, blank=True)
    picture_url = models.URLField(_("LINE picture"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("LINE user")
        verbose_name_plural = _("LINE users")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"LINE-{self.pk:05d}"


class Conversation(models.Model):
    """A LINE conversation (LINE相談のやりとり) from her first message until it is closed."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting")  # 待機中
        OPEN = "open", pgettext_lazy("line", "In progress")  # 対応中
        RESOLVED = "resolved", pgettext_lazy("line", "Closed")  # 終了

    class Outcome(models.TextChoices):
        """対応結果 (domain.md)."""

        RESOLVED = "resolved", _("Ended after listening and advice")  # 傾聴・助言で終了
        REFERRED = "referred", _("Guided to another service")  # 他機関・窓口を案内
        ENDED_BY_HER = "ended_by_her", _("Ended by her")  # 相談者の都合で終了
        NO_REPLY = "no_reply", _("No reply")  # 応答なし
        MISTAKEN = "mistaken", _("Mistaken or prank")  # 間違い・いたずら

    class Category(models.TextChoices):
        """Triage categories (risk words), set by the triage."""

        SUICIDAL = "suicidal", _("Suicidal thoughts")  # 自殺念慮
        SELF_HARM = "self_harm", _("Self-harm")  # 自傷
        VIOLENCE = "violence", _("Violence")  # 暴力被害
        NO_HOME = "no_home", _("Nowhere to stay")  # 居場所がない・帰れない
        MINOR = "minor", pgettext_lazy("triage", "Minor")  # 未成年
        PREGNANCY = "pregnancy", _("Unexpected pregnancy")  # 予期せぬ妊娠

    line_user = models.ForeignKey(
        LineUser,
        on_delete=models.PROTECT,
        related_name="conversations",
        verbose_name=_("LINE user"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="line_conversations",
        verbose_name=_("client"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.WAITING
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line_conversations",
        verbose_name=_("counselor"),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    outcome = models.CharField(
        pgettext_lazy("line", "outcome"), max_length=20, choices=Outcome.choices, blank=True
    )
    opened_at = models.DateTimeField(_("started at"))  # her first message
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    closed_at = models.DateTimeField(pgettext_lazy("line", "closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    last_message_at = models.DateTimeField(_("last message"))
    last_incoming_at = models.DateTimeField(_("her last message"))
    opening = models.ForeignKey(
        "openings.Opening",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line_conversations",
        verbose_name=_("opening"),
    )
    consultation = models.OneToOneField(
        "cases.Consultation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="line_conversation",
        verbose_name=_("consultation"),
    )
    # Routed to the expert of today's expert day (専門相談日): her day, and the booking of this
    # woman on it when there is one; closing then records a consultation of the day's kind.
    expert_day = models.ForeignKey(
        "activities.ExpertDay",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line_conversations",
        verbose_name=_("expert day"),
    )
    expert_booking = models.ForeignKey(
        "activities.ExpertBooking",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="line_conversations",
        verbose_name=_("expert booking"),
    )
    # What the counselor handing over tells the next shift (引き継ぎメモ); no message text.
    handover_note = models.CharField(_("handover note"), max_length=500, blank=True)
    # Her messages up to this time have been read by the counselor holding the conversation.
    read_up_to = models.DateTimeField(_("read up to"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("LINE conversation")
        verbose_name_plural = _("LINE conversations")
        ordering = ["-last_message_at", "-id"]
        constraints = [
            # One conversation at a time per woman: new messages join the one not closed.
            models.UniqueConstraint(
                fields=["line_user"],
                condition=~Q(status="resolved"),
                name="line_conversation_one_open_per_user",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["waiting", "open", "resolved"]),
                name="line_conversation_status_valid",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "outcome",
                    ["resolved", "referred", "ended_by_her", "no_reply", "mistaken"],
                    blank=True,
                ),
                name="line_conversation_outcome_valid",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "category",
                    ["suicidal", "self_harm", "violence", "no_home", "minor", "pregnancy"],
                    blank=True,
                ),
                name="line_conversation_category_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="open") | Q(assigned_to__isnull=False),
                name="line_conversation_open_has_counselor",
            ),
            models.CheckConstraint(
                condition=Q(expert_booking__isnull=True) | Q(expert_day__isnull=False),
                name="line_conversation_booking_has_day",
            ),
            models.CheckConstraint(
                condition=(Q(status="resolved") & ~Q(outcome="") & Q(closed_at__isnull=False))
                | (~Q(status="resolved") & Q(outcome="") & Q(closed_at__isnull=True)),
                name="line_conversation_closed_has_outcome",
            ),
        ]
        indexes = [
            # The waiting queue: urgent first, then oldest first.
            models.Index(
                fields=["-urgent", "opened_at"],
                condition=Q(status="waiting"),
                name="line_conversation_waiting_idx",
            ),
            models.Index(fields=["assigned_to", "status"], name="line_conversation_mine_idx"),
            # An expert's inbox: the conversations routed to her on her days.
            models.Index(
                fields=["expert_day"],
                condition=Q(expert_day__isnull=False),
                name="line_conversation_expert_idx",
            ),
            models.Index(fields=["closed_at"], name="line_conversation_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.line_user} {self.opened_at:%Y-%m-%d}"


class ConversationEvent(models.Model):
    """Who changed a conversation, when, from what to what (append-only)."""

    class Kind(models.TextChoices):
        STARTED = "started", _("Started")
        CLAIMED = "claimed", _("Claimed")
        ASSIGNED = "assigned", _("Assigned")
        RELEASED = "released", _("Handed back to the queue")
        HANDED_OVER = "handed_over", _("Handed over to the next shift")
        ESCALATED = "escalated", _("Escalated to a supervisor")
        TAKEN_OVER = "taken_over", _("Taken over by a supervisor")
        ROUTED = "routed", _("Routed to the expert of the day")
        CLOSED = "closed", pgettext_lazy("conversation", "Closed")

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("conversation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("time"))
    before = models.CharField(_("before"), max_length=100, blank=True)
    after = models.CharField(_("after"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("conversation event")
        verbose_name_plural = _("conversation events")
        ordering = ["at", "id"]
        triggers = append_only("line_conversationevent_append_only")
        constraints = [
            models.CheckConstraint(
                condition=in_choices(
                    "kind",
                    [
                        "started",
                        "claimed",
                        "assigned",
                        "released",
                        "handed_over",
                        "escalated",
                        "taken_over",
                        "routed",
                        "closed",
                    ],
                ),
                name="line_conversationevent_kind_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """One message of a conversation, from her (in) or to her (out)."""

    class Direction(models.TextChoices):
        IN = "in", _("From her")
        OUT = "out", _("To her")

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        STICKER = "sticker", _("Sticker")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        AUDIO = "audio", _("Audio")
        FILE = "file", _("File")
        LOCATION = "location", _("Location")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("line", "Sent")
        FAILED = "failed", _("Not sent")

    class AutoReply(models.TextChoices):
        OUTSIDE_HOURS = "outside_hours", _("Outside opening hours")
        GREETING = "greeting", _("Greeting")
        QUEUE = "queue", _("Queue")

    class Media(models.TextChoices):
        NONE = "none", _("None")
        PENDING = "pending", _("To fetch")
        STORED = "stored", _("Stored")
        FAILED = "failed", _("Could not fetch")

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.PROTECT,
        related_name="messages",
        verbose_name=_("conversation"),
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    # Her words or ours. Emptied when she unsends it (retracted_at) or when she is anonymised.
    text = models.TextField(_("text"), max_length=TEXT_MAX, blank=True)
    # What stands in for a non-text message ("sticker", "image: photo.jpg").
    detail = models.JSONField(_("details"), default=dict, blank=True)
    line_message_id = models.CharField(_("LINE message ID"), max_length=64, blank=True)
    event = models.ForeignKey(
        WebhookEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("webhook event"),
    )
    sent_at = models.DateTimeField(_("time"))  # her event's time, or when we queued ours
    outside_hours = models.BooleanField(_("outside opening hours"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    # X-Line-Retry-Key: one per outgoing message, reused on every retry, so LINE delivers once.
    retry_key = models.UUIDField(_("retry key"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # Why it was not sent, as a code (FAILURE_REASONS gives what the counselor reads).
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)
    auto_reply = models.CharField(
        _("automatic reply"), max_length=20, choices=AutoReply.choices, blank=True
    )
    # Her event's reply token, used while LINE still takes it; a push otherwise.
    reply_token = models.CharField(_("reply token"), max_length=100, blank=True)
    reply_token_expires_at = models.DateTimeField(
        _("reply token valid until"), null=True, blank=True
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=pgettext_lazy("line", "sent by"),
    )
    retracted_at = models.DateTimeField(_("unsent at"), null=True, blank=True)
    edited_at = models.DateTimeField(_("edited at"), null=True, blank=True)
    media = models.CharField(_("media"), max_length=10, choices=Media.choices, default=Media.NONE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("LINE message")
        verbose_name_plural = _("LINE messages")
        ordering = ["sent_at", "id"]
        constraints = [
            # A redelivered message event never makes a second message.
            models.UniqueConstraint(
                fields=["line_message_id"],
                condition=Q(direction="in") & ~Q(line_message_id=""),
                name="line_message_unique_line_id",
            ),
            models.UniqueConstraint(fields=["retry_key"], name="line_message_unique_retry_key"),
            models.CheckConstraint(
                condition=in_choices("direction", ["in", "out"]),
                name="line_message_direction_valid",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "kind",
                    ["text", "sticker", "image", "video", "audio", "file", "location", "other"],
                ),
                name="line_message_kind_valid",
            ),
            models.CheckConstraint(
                condition=(Q(direction="in") & Q(status="received"))
                | (
                    Q(direction="out")
                    & Q(status__in=["sending", "sent", "failed"])
                    & Q(retry_key__isnull=False)
                ),
                name="line_message_status_fits_direction",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "auto_reply", ["outside_hours", "greeting", "queue"], blank=True
                ),
                name="line_message_auto_reply_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("media", ["none", "pending", "stored", "failed"]),
                name="line_message_media_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="line_message_failure_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "sent_at"], name="line_message_conv_idx"),
            # The send sweep: messages still to send, by when they are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="sending"),
                name="line_message_sending_idx",
            ),
            # The report: her messages by time.
            models.Index(
                fields=["sent_at"], condition=Q(direction="in"), name="line_message_in_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.sent_at:%Y-%m-%d %H:%M}"

    @property
    def is_retracted(self) -> bool:
        return self.retracted_at is not None

    @property
    def failure_label(self) -> str:
        code, _sep, status = self.failure_reason.partition(":")
        label = FAILURE_REASONS.get(code)
        if label is None:
            return self.failure_reason
        return str(label) % {"status": status}


# What a counselor reads for a message not sent (Message.failure_reason is "code" or
# "code:HTTP status").
FAILURE_REASONS = {
    "gave_up": _("LINE did not accept it after several tries (last answer: %(status)s)."),
    "refused": _("LINE refused the message (%(status)s)."),
    "no_recipient": _("She is not linked to a LINE user."),
    "not_configured": _("The LINE channel is not configured (no access token)."),
}


class SessionInvitation(models.Model):
    """A LINE invitation to a peer-support session (ピアサポートのご案内) for a woman registered
    for it: its message goes through the outbound service (a row first, its own retry key) into
    her latest conversation; its status is the message's. At most one per registration, that
    is per woman per session; a failed one is sent again with the same retry key."""

    session = models.ForeignKey(
        "activities.PeerSession",
        on_delete=models.PROTECT,
        related_name="line_invitations",
        verbose_name=_("session"),
    )
    registration = models.ForeignKey(
        "activities.SessionRegistration",
        on_delete=models.PROTECT,
        related_name="line_invitations",
        verbose_name=_("registration"),
    )
    message = models.OneToOneField(
        "Message",
        on_delete=models.PROTECT,
        related_name="session_invitation",
        verbose_name=_("LINE message"),
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=pgettext_lazy("line", "sent by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("session invitation")
        verbose_name_plural = _("session invitations")
        ordering = ["session", "id"]
        constraints = [
            # Sent at most once per woman per session: a second click, or two people at once,
            # never sends her a second invitation.
            models.UniqueConstraint(
                fields=["registration"], name="line_sessioninvitation_once_per_participant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.registration_id}"


class Escalation(models.Model):
    """A counselor asks a supervisor to step in (スーパーバイザーへのエスカレーション)."""

    class Kind(models.TextChoices):
        """domain.md, LINE conversations: escalation to a supervisor."""

        LIFE = "life", _("Danger to life")  # 生命の危険
        DV_DANGER = "dv_danger", _("DV / physical danger")  # DV・身体の危険
        MINOR = "minor", pgettext_lazy("escalation", "Minor")  # 未成年
        OTHER = "other", pgettext_lazy("escalation", "Other")  # その他

    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("conversation"),
    )
    kind = models.CharField(_("reason"), max_length=20, choices=Kind.choices)
    # Why, in the counselor's words; never quoted in notifications or logs.
    note = models.CharField(_("note"), max_length=500, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # When supervisors were told it had waited too long (once per escalation).
    alerted_at = models.DateTimeField(_("overtime alert sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("kind", ["life", "dv_danger", "minor", "other"]),
                name="line_escalation_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, answered_by__isnull=True)
                | Q(answered_at__isnull=False, answered_by__isnull=False),
                name="line_escalation_answered_by_whom",
            ),
            # One escalation waiting at a time per conversation.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(answered_at__isnull=True),
                name="line_escalation_one_waiting",
            ),
        ]
        indexes = [
            models.Index(
                fields=["raised_at"],
                condition=Q(answered_at__isnull=True),
                name="line_escalation_waiting_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.raised_at:%Y-%m-%d %H:%M}"


@pghistory.track(meta=_history(_("canned response history")))
class CannedResponse(models.Model):
    """A ready-made reply (定型文) coordinators keep; counselors insert it into the reply box."""

    title = models.CharField(_("title"), max_length=100, unique=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("canned response")
        verbose_name_plural = _("canned responses")
        ordering = ["order", "title", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="line_cannedresponse_text_set"),
            models.CheckConstraint(condition=~Q(title=""), name="line_cannedresponse_title_set"),
        ]

    def __str__(self) -> str:
        return self.title


class MessageRevision(models.Model):
    """An earlier version of a message she edited (messageEdited keeps both)."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="revisions", verbose_name=_("message")
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX, blank=True)
    # The time of the event that wrote this version.
    version_at = models.DateTimeField(_("version time"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message version")
        verbose_name_plural = _("message versions")
        ordering = ["version_at", "id"]

    def __str__(self) -> str:
        return f"{self.version_at:%Y-%m-%d %H:%M}"


class MessageMedia(models.Model):
    """An image, video, audio or file she sent, fetched from LINE's content API. Read only
    through the selectors, like the message it belongs to."""

    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, related_name="content", verbose_name=_("message")
    )
    content_type = models.CharField(_("content type"), max_length=100)
    data = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size"))
    fetched_at = models.DateTimeField(_("fetched at"), auto_now_add=True)

    class Meta:
        verbose_name = _("message content")
        verbose_name_plural = _("message contents")

    def __str__(self) -> str:
        return f"{self.content_type} ({self.size})"


class Postback(models.Model):
    """A postback (a button she tapped), kept for the end-of-consultation survey."""

    event = models.OneToOneField(
        WebhookEvent,
        on_delete=models.PROTECT,
        related_name="postback",
        verbose_name=_("webhook event"),
    )
    line_user = models.ForeignKey(
        LineUser, on_delete=models.PROTECT, related_name="postbacks", verbose_name=_("LINE user")
    )
    data = models.CharField(_("data"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    occurred_at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("postback")
        verbose_name_plural = _("postbacks")
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return self.data[:40]


@pghistory.track(meta=_history(_("automatic reply history")))
class AutoReplyText(models.Model):
    """The text of one automatic reply, kept by coordinators (自動応答文)."""

    class Key(models.TextChoices):
        OUTSIDE_HOURS = "outside_hours", _("Outside opening hours")
        GREETING = "greeting", _("Greeting")
        QUEUE = "queue", _("Queue")
        EMERGENCY = "emergency", _("Emergency contacts")

    key = models.CharField(_("reply"), max_length=20, choices=Key.choices, unique=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("automatic reply")
        verbose_name_plural = _("automatic replies")
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("key", ["outside_hours", "greeting", "queue", "emergency"]),
                name="line_autoreplytext_key_valid",
            ),
            models.CheckConstraint(condition=~Q(text=""), name="line_autoreplytext_text_set"),
        ]

    def __str__(self) -> str:
        return self.get_key_display()


class AutoReplySent(models.Model):
    """One automatic reply of a kind per woman per Tokyo day (the unique row is the lock)."""

    line_user = models.ForeignKey(
        LineUser, on_delete=models.CASCADE, related_name="+", verbose_name=_("LINE user")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Message.AutoReply.choices)
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("automatic reply sent")
        verbose_name_plural = _("automatic replies sent")
        constraints = [
            models.UniqueConstraint(
                fields=["line_user", "kind", "day"], name="line_autoreplysent_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"


@pghistory.track(meta=_history(_("LINE settings history")))
class ChannelSettings(models.Model):
    """The channel's settings that supervisors change (one row, pk=1)."""

    show_line_profile = models.BooleanField(
        _("show her LINE display name and picture to counselors"), default=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("LINE settings")
        verbose_name_plural = _("LINE settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="line_channelsettings_single_row")
        ]

    def __str__(self) -> str:
        return str(_("LINE settings"))


def new_retry_key() -> uuid.UUID:
    return uuid.uuid4()
