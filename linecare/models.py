"""LINE care: the risk-word list and its hits (リスク判定), the imminent-risk protocol
(緊急対応) with its calls, and the end-of-consultation survey (相談終了時アンケート).

Every state change goes through `linecare.services`; reads scoped to a user through
`linecare.selectors`. A hit keeps only the expressions that matched, never her message.
"""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only, append_only_history
from core.bounds import in_choices
from core.choices import Ward
from line.models import Conversation

CATEGORIES = ["suicidal", "self_harm", "violence", "no_home", "minor", "pregnancy"]


def _history(name) -> dict:
    return {**append_only_history(), "verbose_name": name, "verbose_name_plural": name}


@pghistory.track(meta=_history(_("risk expression history")))
class RiskExpression(models.Model):
    """One expression of the triage list, kept by coordinators (リスクワード).

    A `match` expression marks her message with its category; an `exception` of the same
    category covering the match (死ぬほど笑った around 死ぬ) cancels it.
    """

    class Kind(models.TextChoices):
        MATCH = "match", _("Marks the message")
        EXCEPTION = "exception", _("Exception (not a risk)")

    category = models.CharField(_("category"), max_length=20, choices=Conversation.Category.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.MATCH)
    phrase = models.CharField(_("expression"), max_length=60)
    # The phrase as the matcher compares it (core.text.triage_key), kept by the services.
    phrase_key = models.CharField(_("matching key"), max_length=120, editable=False)
    active = models.BooleanField(_("active"), default=True)
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
        verbose_name = _("risk expression")
        verbose_name_plural = _("risk expressions")
        ordering = ["category", "kind", "phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "kind", "phrase_key"], name="linecare_riskexpression_unique"
            ),
            models.CheckConstraint(
                condition=in_choices("category", CATEGORIES),
                name="linecare_riskexpression_category_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("kind", ["match", "exception"]),
                name="linecare_riskexpression_kind_valid",
            ),
            models.CheckConstraint(
                condition=~Q(phrase_key=""), name="linecare_riskexpression_key_set"
            ),
        ]

    def __str__(self) -> str:
        return self.phrase


class RiskHit(models.Model):
    """Her message matched the list: the categories and the expressions that matched
    (append-only; the words shown to the counselor beside the conversation)."""

    conversation = models.ForeignKey(
        "line.Conversation",
        on_delete=models.PROTECT,
        related_name="risk_hits",
        verbose_name=_("conversation"),
    )
    message = models.OneToOneField(
        "line.Message",
        on_delete=models.PROTECT,
        related_name="risk_hit",
        verbose_name=_("message"),
    )
    categories = ArrayField(models.CharField(max_length=20), verbose_name=_("categories"))
    words = ArrayField(models.CharField(max_length=60), verbose_name=_("matched expressions"))
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("risk hit")
        verbose_name_plural = _("risk hits")
        ordering = ["at", "id"]
        triggers = append_only("linecare_riskhit_append_only")
        constraints = [
            models.CheckConstraint(
                condition=Q(categories__len__gt=0), name="linecare_riskhit_has_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {','.join(self.categories)}"


@pghistory.track(meta=_history(_("imminent-risk protocol history")))
class Protocol(models.Model):
    """The imminent-risk protocol (緊急対応): her answers to the checklist, the calls made,
    and a second staff member's confirmation, which closes it."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("protocol", "Open")  # 対応中
        CONFIRMED = "confirmed", _("Confirmed")  # 確認済

    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        UNKNOWN = "unknown", _("Not known")

    conversation = models.ForeignKey(
        "line.Conversation",
        on_delete=models.PROTECT,
        related_name="protocols",
        verbose_name=_("conversation"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="risk_protocols",
        verbose_name=_("client"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    wish_to_die = models.CharField(_("wish to die"), max_length=10, choices=Answer.choices)
    plan = models.CharField(_("a plan"), max_length=10, choices=Answer.choices)
    means = models.CharField(_("the means at hand"), max_length=10, choices=Answer.choices)
    time_frame = models.CharField(_("a time frame"), max_length=10, choices=Answer.choices)
    alone = models.CharField(_("alone now"), max_length=10, choices=Answer.choices)
    location = models.CharField(_("where she is, if she says"), max_length=200, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("imminent-risk protocol")
        verbose_name_plural = _("imminent-risk protocols")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One protocol open at a time on a conversation.
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(status="open"),
                name="linecare_protocol_one_open",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["open", "confirmed"]),
                name="linecare_protocol_status_valid",
            ),
            *[
                models.CheckConstraint(
                    condition=in_choices(f, ["yes", "no", "unknown"]),
                    name=f"linecare_protocol_{f}_valid",
                )
                for f in ("wish_to_die", "plan", "means", "time_frame", "alone")
            ],
            models.CheckConstraint(
                condition=(
                    Q(status="open", confirmed_by__isnull=True, confirmed_at__isnull=True)
                    | Q(status="confirmed", confirmed_by__isnull=False, confirmed_at__isnull=False)
                ),
                name="linecare_protocol_confirmed_has_who",
            ),
            # The second staff member is a second person.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=F("opened_by")),
                name="linecare_protocol_confirmed_by_other",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} {self.opened_at:%Y-%m-%d %H:%M}"


class ProtocolCall(models.Model):
    """A call made under a protocol (append-only): to whom, when, who called, her consent or
    the reason for acting without it."""

    class To(models.TextChoices):
        POLICE = "police", _("Police (110)")  # 警察 110
        AMBULANCE = "ambulance", _("Ambulance (119)")  # 救急 119
        CHILD_GUIDANCE = "child_guidance", _("Child guidance centre (児童相談所)")
        DV_CENTRE = "dv_centre", _("DV support centre")  # 配偶者暴力相談支援センター

    protocol = models.ForeignKey(
        Protocol, on_delete=models.PROTECT, related_name="calls", verbose_name=_("protocol")
    )
    to = models.CharField(_("called"), max_length=20, choices=To.choices)
    called_at = models.DateTimeField(_("call time"))
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who called"),
    )
    consent = models.BooleanField(_("with her consent"))
    reason_without_consent = models.CharField(
        _("reason for acting without her consent"), max_length=300, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("protocol call")
        verbose_name_plural = _("protocol calls")
        ordering = ["called_at", "id"]
        triggers = append_only("linecare_protocolcall_append_only")
        constraints = [
            models.CheckConstraint(
                condition=in_choices("to", ["police", "ambulance", "child_guidance", "dv_centre"]),
                name="linecare_protocolcall_to_valid",
            ),
            models.CheckConstraint(
                condition=Q(consent=True) | ~Q(reason_without_consent=""),
                name="linecare_protocolcall_consent_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_to_display()} {self.called_at:%Y-%m-%d %H:%M}"


REASONS = [
    "wanted_someone",
    "line_accessible",
    "anonymous",
    "no_one_to_ask",
    "hard_in_person",
    "other",
]


@pghistory.track(meta=_history(_("survey history")))
class SurveyResponse(models.Model):
    """The end-of-consultation survey of one closed conversation (相談終了時アンケート), sent
    by quick reply; her answers arrive as signed postbacks, step by step."""

    class Step(models.TextChoices):
        REASONS = "reasons", _("Why she consulted")
        SATISFACTION = "satisfaction", _("Glad she consulted")
        FELT_POSITIVE = "felt_positive", _("Felt positive")
        COMMENT = "comment", _("Comment")
        DONE = "done", _("Finished")

    class Reason(models.TextChoices):
        WANTED_SOMEONE = "wanted_someone", _("I just wanted to talk to someone")
        LINE_ACCESSIBLE = "line_accessible", _("I thought I could talk on LINE")
        ANONYMOUS = "anonymous", _("I thought I could talk anonymously")
        NO_ONE_TO_ASK = "no_one_to_ask", _("I have no one around to ask")
        HARD_IN_PERSON = "hard_in_person", _("It is hard to talk by phone or in person")
        OTHER = "other", pgettext_lazy("survey reason", "Other")

    class Satisfaction(models.TextChoices):
        GLAD = "glad", _("I am glad I consulted")  # 相談して良かった
        NEUTRAL = "neutral", _("Neither")  # どちらともいえない
        NOT_GLAD = "not_glad", _("I wish I had not consulted")  # 相談しなければよかった

    class FeltPositive(models.TextChoices):
        YES = "yes", _("I could feel positive")  # 前向きな気持ちになれた
        SOMEWHAT = "somewhat", _("A little")  # 少しなれた
        NO = "no", _("I could not")  # なれなかった

    conversation = models.OneToOneField(
        "line.Conversation",
        on_delete=models.PROTECT,
        related_name="survey",
        verbose_name=_("conversation"),
    )
    consultation = models.OneToOneField(
        "cases.Consultation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey",
        verbose_name=_("consultation"),
    )
    line_user = models.ForeignKey(
        "line.LineUser", on_delete=models.PROTECT, related_name="+", verbose_name=_("LINE user")
    )
    step = models.CharField(_("step"), max_length=20, choices=Step.choices, default=Step.REASONS)
    reasons = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("reasons")
    )
    reasons_answered = models.BooleanField(_("answered the reasons"), default=False)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=10, choices=Satisfaction.choices, blank=True
    )
    felt_positive = models.CharField(
        _("felt positive"), max_length=10, choices=FeltPositive.choices, blank=True
    )
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    answered_at = models.DateTimeField(_("first answer"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices(
                    "step", ["reasons", "satisfaction", "felt_positive", "comment", "done"]
                ),
                name="linecare_surveyresponse_step_valid",
            ),
            models.CheckConstraint(
                condition=Q(reasons__contained_by=REASONS),
                name="linecare_surveyresponse_reasons_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("satisfaction", ["glad", "neutral", "not_glad"], blank=True),
                name="linecare_surveyresponse_satisfaction_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("felt_positive", ["yes", "somewhat", "no"], blank=True),
                name="linecare_surveyresponse_felt_positive_valid",
            ),
        ]
        indexes = [
            # The report's period filter.
            models.Index(fields=["answered_at"], name="linecare_survey_answered_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.get_step_display()}"


# --- outreach broadcasts (SNSを活用したアウトリーチ) --------------------------------------------

# LINE's multicast takes at most 500 recipients a request.
BATCH_MAX = 500
BROADCAST_TEXT_MAX = 5000  # LINE's limit on a text message
IMAGE_MAX_BYTES = 10 * 1024 * 1024  # LINE's limit on an image message's original
# Images a coordinator may choose without uploading one (files under static/).
STATIC_IMAGES = {
    "img/broadcasts/consultation-hours.png": _("Consultation hours (poster)"),
    "img/broadcasts/peer-support.png": _("Peer support (poster)"),
}
BROADCAST_STATUSES = ["draft", "submitted", "approved", "sending", "sent", "failed", "cancelled"]
SEGMENTS = ["all", "ward", "peer_support", "never_wrote", "followed_between"]


@pghistory.track(meta=_history(_("broadcast history")))
class Broadcast(models.Model):
    """An announcement to many friends at once (一斉配信), composed by a coordinator and
    approved by a supervisor before it goes out through LINE's multicast API."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # 作成中
        SUBMITTED = "submitted", _("Awaiting approval")  # 承認待ち
        APPROVED = "approved", _("Approved")  # 承認済
        SENDING = "sending", _("Sending")  # 配信中
        SENT = "sent", pgettext_lazy("broadcast", "Sent")  # 配信済
        FAILED = "failed", pgettext_lazy("broadcast", "Failed")  # 配信失敗
        CANCELLED = "cancelled", pgettext_lazy("broadcast", "Cancelled")  # 取消

    class Segment(models.TextChoices):
        ALL = "all", _("All friends")  # 友だち全員
        WARD = "ward", _("Friends living in a ward")  # 居住区
        PEER_SUPPORT = "peer_support", _("Friends who attended peer support")  # ピアサポート参加者
        NEVER_WROTE = "never_wrote", _("Friends who never wrote")  # 相談したことのない友だち
        FOLLOWED_BETWEEN = "followed_between", _("Friends added in a period")  # 友だち追加の時期

    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("message"), max_length=BROADCAST_TEXT_MAX)
    static_image = models.CharField(
        _("image from the library"), max_length=100, blank=True, choices=list(STATIC_IMAGES.items())
    )
    # An uploaded JPEG or PNG, checked by its content; served at a URL made of `image_key`.
    image_data = models.BinaryField(_("uploaded image"), null=True, blank=True, editable=False)
    image_type = models.CharField(_("image type"), max_length=20, blank=True, editable=False)
    image_key = models.UUIDField(_("image key"), null=True, blank=True, unique=True, editable=False)
    segment = models.CharField(
        _("recipients"), max_length=20, choices=Segment.choices, default=Segment.ALL
    )
    ward = models.CharField(_("ward"), max_length=10, choices=Ward.choices, blank=True)
    period_start = models.DateField(pgettext_lazy("period", "from"), null=True, blank=True)
    period_end = models.DateField(pgettext_lazy("period", "until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    returned_reason = models.CharField(_("reason for sending it back"), max_length=300, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # When the sending task is due again (a retry after 429/5xx); the sweep re-finds it.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)
    sent_count = models.PositiveIntegerField(_("delivered to"), default=0)
    failed_count = models.PositiveIntegerField(_("not delivered to"), default=0)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("status", BROADCAST_STATUSES),
                name="linecare_broadcast_status_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("segment", SEGMENTS), name="linecare_broadcast_segment_valid"
            ),
            models.CheckConstraint(
                condition=in_choices("static_image", list(STATIC_IMAGES), blank=True),
                name="linecare_broadcast_static_image_valid",
            ),
            # One image at most: from the library or uploaded.
            models.CheckConstraint(
                condition=Q(static_image="") | Q(image_key__isnull=True),
                name="linecare_broadcast_one_image",
            ),
            models.CheckConstraint(
                condition=Q(image_key__isnull=True, image_type="")
                | Q(image_key__isnull=False, image_type__in=["image/jpeg", "image/png"]),
                name="linecare_broadcast_image_type_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("ward", Ward.values, blank=True),
                name="linecare_broadcast_ward_valid",
            ),
            models.CheckConstraint(
                condition=~Q(segment="ward") | ~Q(ward=""), name="linecare_broadcast_ward_set"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=F("period_end")),
                name="linecare_broadcast_period_ordered",
            ),
            # A supervisor approves another's broadcast, never her own.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("created_by")),
                name="linecare_broadcast_approver_not_author",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "submitted", "cancelled"])
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="linecare_broadcast_approved_has_who",
            ),
            models.CheckConstraint(
                condition=Q(sent_count__lte=F("recipients")) & Q(failed_count__lte=F("recipients")),
                name="linecare_broadcast_counts_within_recipients",
            ),
        ]
        indexes = [
            # The sweep: broadcasts still sending whose attempt is due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="sending"),
                name="linecare_broadcast_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_image(self) -> bool:
        return bool(self.static_image or self.image_key)


class BroadcastBatch(models.Model):
    """One multicast request of a broadcast: up to 500 LINE user ids frozen when the broadcast
    was approved, and the retry key LINE uses to take the request only once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # 未送信
        SENT = "sent", pgettext_lazy("broadcast", "Sent")  # 送信済
        FAILED = "failed", pgettext_lazy("broadcast", "Failed")  # 失敗

    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.PROTECT, related_name="batches", verbose_name=_("broadcast")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    to = ArrayField(models.CharField(max_length=64), verbose_name=_("recipients"))
    size = models.PositiveSmallIntegerField(_("recipients"))
    retry_key = models.UUIDField(_("retry key"), unique=True, default=uuid.uuid4, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    answer_status = models.PositiveSmallIntegerField(_("LINE's answer"), null=True, blank=True)
    failure_reason = models.CharField(_("reason"), max_length=200, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("broadcast batch")
        verbose_name_plural = _("broadcast batches")
        ordering = ["broadcast", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "number"], name="linecare_broadcastbatch_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(size__gte=1, size__lte=BATCH_MAX),
                name="linecare_broadcastbatch_size_limit",
            ),
            models.CheckConstraint(
                condition=Q(to__len=F("size")), name="linecare_broadcastbatch_size_matches"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["pending", "sent", "failed"]),
                name="linecare_broadcastbatch_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="linecare_broadcastbatch_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id}#{self.number}"
