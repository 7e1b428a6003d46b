"""Referrals (つなぎ): partner organisations, her consent to sharing, referrals and their
transitions, accompaniments, support-coordination meetings, and the record of every provision
of her information to a third party.

Every state change goes through `referrals.services`; reads scoped to a user go through
`referrals.selectors`.
"""

from __future__ import annotations

import datetime

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only, append_only_history
from core.bounds import NOTE_MAX, REASON_MAX, in_choices, max_length, pair
from core.choices import Ward

# A provision record is kept at least this long (APPI: 3 years from the provision).
PROVISION_RETENTION_YEARS = 3


def _history(name: str) -> dict:
    return {**append_only_history(), "verbose_name": name, "verbose_name_plural": name}


class SharedItem(models.TextChoices):
    """What of her information may go to a partner (提供する項目). Codes, never the data."""

    NICKNAME = "nickname", _("Nickname")  # 呼び名
    CONTACT = "contact", _("Contact details")  # 連絡先
    AGE_BAND = "age_band", _("Age band")  # 年代
    WARD = "ward", _("Ward")  # 居住区
    SITUATION = "situation", _("Her situation")  # 状況
    CASE_SUMMARY = "case_summary", _("Case summary")  # 支援の経過


SHARED_ITEMS = [code for code, _label in SharedItem.choices]


def _items_valid(field: str) -> Q:
    # Every element one of the codes, and at least one.
    return Q(**{f"{field}__contained_by": SHARED_ITEMS}) & ~Q(**{field: []})


# Codes spelt out for the constraints (a model's Meta cannot see its nested choices);
# tests/test_models.py checks them against the choices.
PARTNER_KINDS = (
    "school",
    "welfare_council",
    "single_parent_center",
    "kodomo_shokudo",
    "food_pantry",
    "shelter",
    "ward_office",
    "hello_work",
    "gender_center",
    "medical",
    "legal",
    "police",
    "womens_center",
    "other",
)
PARTNER_SERVICES = (
    "food",
    "shelter",
    "housing",
    "employment",
    "childcare",
    "education",
    "health",
    "legal",
    "benefits",
    "counseling",
    "supplies",
    "language",
    "other",
)
REFERRAL_STATUSES = (
    "draft",
    "sent",
    "accepted",
    "declined",
    "in_progress",
    "completed",
    "withdrawn",
)


class ProvisionBasis(models.TextChoices):
    """Why her information could go to a third party (提供の根拠)."""

    CONSENT = "consent", _("Her consent")  # 本人同意
    EMERGENCY = "emergency", _("Emergency: risk to life or body")  # 生命・身体の保護


@pghistory.track(meta=_history(_("partner history")))
class Partner(models.Model):
    """連携団体: an organisation we refer women to.

    Partners are not users in this version. A later partner portal would add a link from a
    staff-like account to its partner here, without changing the referrals that point at it.
    """

    class Kind(models.TextChoices):
        SCHOOL = "school", _("School (university, college, vocational, high school)")
        WELFARE_COUNCIL = "welfare_council", _("Social welfare council")  # 社会福祉協議会
        SINGLE_PARENT_CENTER = (
            "single_parent_center",
            _("Single-parent employment and independence centre"),
        )  # ひとり親家庭等就業・自立支援センター
        KODOMO_SHOKUDO = "kodomo_shokudo", _("Children's cafeteria")  # こども食堂
        FOOD_PANTRY = "food_pantry", _("Food pantry")  # フードパントリー
        SHELTER = "shelter", _("Private shelter")  # 民間シェルター
        WARD_OFFICE = "ward_office", _("Ward office (self-reliance support counter etc.)")
        HELLO_WORK = "hello_work", _("Hello Work (Mothers' Hello Work)")
        GENDER_CENTER = "gender_center", _("Gender equality centre")  # 男女共同参画センター
        MEDICAL = "medical", _("Medical institution")  # 医療機関
        LEGAL = "legal", _("Legal advice / lawyer")  # 法律相談機関・弁護士
        POLICE = "police", _("Police")  # 警察
        WOMENS_CENTER = "womens_center", _("Women's support centre")  # 女性相談支援センター
        OTHER = "other", _("Other")  # その他

    class Service(models.TextChoices):
        """Services offered (tags the directory filters by)."""

        FOOD = "food", _("Food")
        SHELTER = "shelter", _("Safe place / shelter")
        HOUSING = "housing", _("Housing")
        EMPLOYMENT = "employment", _("Work and training")
        CHILDCARE = "childcare", _("Childcare")
        EDUCATION = "education", _("Education")
        HEALTH = "health", _("Health")
        LEGAL = "legal", _("Legal advice")
        BENEFITS = "benefits", _("Benefits and allowances")
        COUNSELING = "counseling", _("Counselling")
        SUPPLIES = "supplies", _("Sanitary products and supplies")
        LANGUAGE = "language", _("Language support")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(pgettext_lazy("partner", "kind"), max_length=30, choices=Kind.choices)
    ward = models.CharField(_("ward"), max_length=10, choices=Ward.choices, default=Ward.UNKNOWN)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    services = ArrayField(
        models.CharField(max_length=20, choices=Service.choices),
        default=list,
        blank=True,
        verbose_name=_("services"),
    )
    opening_hours = models.TextField(_("opening hours"), max_length=REASON_MAX, blank=True)
    # Language codes (ja, en, zh, ko, vi, ...), as typed by the coordinator.
    languages = ArrayField(
        models.CharField(max_length=20), default=list, blank=True, verbose_name=_("languages")
    )
    is_outreach_partner = models.BooleanField(_("outreach partner"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), max_length=NOTE_MAX, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "kind", name="referrals_partner_name_kind_unique"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="referrals_partner_name_set"),
            models.CheckConstraint(
                condition=in_choices("kind", PARTNER_KINDS),
                name="referrals_partner_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(services__contained_by=list(PARTNER_SERVICES)),
                name="referrals_partner_services_valid",
            ),
        ]
        indexes = [
            # The directory's filter by service: services @> ARRAY[...].
            GinIndex(fields=["services"], name="referrals_partner_svc_gin"),
            models.Index(fields=["kind", "ward"], name="referrals_partner_kind_idx"),
        ]

    def __str__(self) -> str:
        return self.name


@pghistory.track(meta=_history(_("consent history")))
class Consent(models.Model):
    """本人同意: what she agreed may be shared with partners, who gave it, when and how."""

    class Method(models.TextChoices):
        IN_PERSON = "in_person", _("Verbally, in person")  # 対面（口頭）
        PHONE = "phone", _("Verbally, by phone")  # 電話（口頭）
        LINE = "line", _("LINE message")  # LINEメッセージ
        WRITTEN = "written", _("In writing")  # 書面

    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="referral_consents",
        verbose_name=_("client"),
    )
    given_by_herself = models.BooleanField(_("given by herself"), default=True)
    # When someone else gave it on her behalf (a guardian of a minor, say).
    given_by_name = models.CharField(_("given by (name)"), max_length=100, blank=True)
    given_by_relationship = models.CharField(_("relationship to her"), max_length=100, blank=True)
    given_at = models.DateTimeField(_("given at"))
    method = models.CharField(_("how it was given"), max_length=10, choices=Method.choices)
    scope = ArrayField(
        models.CharField(max_length=20, choices=SharedItem.choices),
        verbose_name=_("items that may be shared"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )
    withdraw_reason = models.TextField(
        _("reason for withdrawal"), max_length=REASON_MAX, blank=True
    )

    class Meta:
        verbose_name = _("consent to sharing")
        verbose_name_plural = _("consents to sharing")
        ordering = ["-given_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_items_valid("scope"), name="referrals_consent_scope_valid"
            ),
            models.CheckConstraint(
                condition=Q(given_by_herself=True) | ~Q(given_by_name=""),
                name="referrals_consent_giver_named",
            ),
            models.CheckConstraint(
                condition=in_choices("method", ["in_person", "phone", "line", "written"]),
                name="referrals_consent_method_valid",
            ),
            models.CheckConstraint(
                condition=pair("withdrawn_at", "withdrawn_by"),
                name="referrals_consent_withdrawn_pair",
            ),
            models.CheckConstraint(
                condition=max_length("withdraw_reason", REASON_MAX),
                name="referrals_consent_reason_length",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-given_at"], name="referrals_consent_client_idx")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({timezone.localtime(self.given_at):%Y-%m-%d})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


# The statuses reached only by sending: each needs sent_at and a basis (consent or override).
SENT_STATUSES = ("sent", "accepted", "declined", "in_progress", "completed")


@pghistory.track(meta=_history(_("referral history")))
class Referral(models.Model):
    """つなぎ: from her case to a partner organisation."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # 作成中
        SENT = "sent", _("Sent")  # 依頼済
        ACCEPTED = "accepted", _("Accepted")  # 受入
        DECLINED = "declined", _("Declined")  # 辞退
        IN_PROGRESS = "in_progress", _("In progress")  # 支援中
        COMPLETED = "completed", _("Completed")  # 完了
        WITHDRAWN = "withdrawn", _("Withdrawn")  # 取下げ

    # Open: still on someone's board, and listed when her case is closed.
    OPEN_STATUSES = (Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)

    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case")
    )
    # A copy of the case's client, kept equal by the services (merges move both).
    client = models.ForeignKey(
        "cases.Client", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("client")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    reason = models.TextField(_("reason"), max_length=NOTE_MAX)
    shared_items = ArrayField(
        models.CharField(max_length=20, choices=SharedItem.choices),
        verbose_name=_("items shared"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consent"),
    )
    emergency_override_reason = models.TextField(
        _("emergency override reason"), max_length=REASON_MAX, blank=True
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("override by"),
    )
    override_at = models.DateTimeField(_("override at"), null=True, blank=True)
    declined_reason = models.TextField(_("reason declined"), max_length=REASON_MAX, blank=True)
    outcome = models.TextField(
        pgettext_lazy("referral", "outcome"), max_length=NOTE_MAX, blank=True
    )
    # The follow-up reminding the sender while the referral waits in "sent".
    reminder = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reminder"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("declined or withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Nothing leaves us without a basis: her consent, or a supervisor's override.
            models.CheckConstraint(
                condition=~Q(status__in=SENT_STATUSES)
                | (
                    Q(sent_at__isnull=False)
                    & (
                        Q(consent__isnull=False)
                        | (~Q(emergency_override_reason="") & Q(override_by__isnull=False))
                    )
                ),
                name="referrals_referral_sent_has_basis",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(declined_reason=""),
                name="referrals_referral_declined_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | ~Q(outcome=""),
                name="referrals_referral_completed_has_outcome",
            ),
            models.CheckConstraint(
                condition=in_choices("status", REFERRAL_STATUSES),
                name="referrals_referral_status_valid",
            ),
            models.CheckConstraint(
                condition=_items_valid("shared_items"),
                name="referrals_referral_shared_items_valid",
            ),
            models.CheckConstraint(
                condition=pair("override_by", "override_at"),
                name="referrals_referral_override_pair",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="referrals_referral_reason_set"),
        ]
        indexes = [
            # The board and the summary: by status, newest first.
            models.Index(fields=["status", "-created_at"], name="referrals_ref_status_idx"),
            models.Index(fields=["case", "-created_at"], name="referrals_ref_case_idx"),
            models.Index(fields=["partner", "-created_at"], name="referrals_ref_partner_idx"),
            models.Index(fields=["client"], name="referrals_ref_client_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} → {self.partner_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class ReferralTransition(models.Model):
    """One row per change of a referral's status (who, when, from, to, a note). Append-only."""

    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="transitions", verbose_name=_("referral")
    )
    from_status = models.CharField(
        pgettext_lazy("status change", "from"),
        max_length=12,
        choices=Referral.Status.choices,
        blank=True,
    )
    to_status = models.CharField(
        pgettext_lazy("status change", "to"), max_length=12, choices=Referral.Status.choices
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)

    class Meta:
        verbose_name = _("referral transition")
        verbose_name_plural = _("referral transitions")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=max_length("note", NOTE_MAX), name="referrals_transition_note_length"
            ),
        ]
        indexes = [models.Index(fields=["referral", "at"], name="referrals_transition_idx")]
        triggers = append_only("referrals_referraltransition_append_only")

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


@pghistory.track(meta=_history(_("coordination meeting history")))
class CoordinationMeeting(models.Model):
    """支援調整会議 (art. 15 of the 2024 Act): organisations discussing women under a duty of
    confidentiality. Its notes are read only by the discussed cases' counselors and supervisors."""

    held_at = models.DateTimeField(_("held at"))
    title = models.CharField(_("title"), max_length=200)
    organisations = models.ManyToManyField(
        Partner, blank=True, related_name="meetings", verbose_name=_("organisations")
    )
    other_organisations = models.TextField(
        _("other organisations"), max_length=REASON_MAX, blank=True
    )
    participants = models.TextField(_("participants"), max_length=REASON_MAX, blank=True)
    notes = models.TextField(_("notes"), max_length=NOTE_MAX, blank=True)
    decisions = models.TextField(_("decisions"), max_length=NOTE_MAX, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("support-coordination meeting")
        verbose_name_plural = _("support-coordination meetings")
        ordering = ["-held_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="referrals_meeting_title_set"),
        ]
        indexes = [models.Index(fields=["held_at"], name="referrals_meeting_held_idx")]

    def __str__(self) -> str:
        return self.title


@pghistory.track(meta=_history(_("meeting case history")))
class MeetingCase(models.Model):
    """One woman discussed at a meeting: what was shared about her and what was decided."""

    meeting = models.ForeignKey(
        CoordinationMeeting,
        on_delete=models.PROTECT,
        related_name="meeting_cases",
        verbose_name=_("meeting"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="meeting_cases",
        verbose_name=_("case"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="meeting_cases",
        verbose_name=_("client"),
    )
    shared_items = ArrayField(
        models.CharField(max_length=20, choices=SharedItem.choices),
        verbose_name=_("items shared"),
    )
    basis = models.CharField(_("basis"), max_length=10, choices=ProvisionBasis.choices)
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent"),
    )
    emergency_reason = models.TextField(_("emergency reason"), max_length=REASON_MAX, blank=True)
    decisions = models.TextField(_("decisions for her"), max_length=NOTE_MAX, blank=True)

    class Meta:
        verbose_name = _("woman discussed")
        verbose_name_plural = _("women discussed")
        ordering = ["meeting", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "case"], name="referrals_meetingcase_once_per_meeting"
            ),
            models.CheckConstraint(
                condition=_items_valid("shared_items"),
                name="referrals_meetingcase_items_valid",
            ),
            models.CheckConstraint(
                condition=(Q(basis="consent") & Q(consent__isnull=False))
                | (Q(basis="emergency") & ~Q(emergency_reason="")),
                name="referrals_meetingcase_has_basis",
            ),
        ]
        indexes = [models.Index(fields=["case"], name="referrals_mcase_case_idx")]

    def __str__(self) -> str:
        return f"{self.meeting_id}/{self.case_id}"


class ProvisionRecord(models.Model):
    """第三者提供の記録: each time her information went to another organisation (APPI). It
    keeps which items were shared (codes, not the data) and copies of the recipient's name and
    kind, so it says the same after a partner is edited, a referral withdrawn or she is
    anonymised. Append-only: the database refuses UPDATE, DELETE and TRUNCATE."""

    provided_at = models.DateTimeField(_("provided at"), default=timezone.now)
    recipient_name = models.CharField(pgettext_lazy("provision", "recipient"), max_length=200)
    recipient_kind = models.CharField(
        _("recipient kind"), max_length=30, choices=Partner.Kind.choices
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provision_records",
        verbose_name=_("partner"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="provision_records",
        verbose_name=_("client"),
    )
    items = ArrayField(
        models.CharField(max_length=20, choices=SharedItem.choices),
        verbose_name=_("items shared"),
    )
    basis = models.CharField(_("basis"), max_length=10, choices=ProvisionBasis.choices)
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provision_records",
        verbose_name=_("consent"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provision_records",
        verbose_name=_("referral"),
    )
    meeting = models.ForeignKey(
        CoordinationMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provision_records",
        verbose_name=_("meeting"),
    )
    retain_until = models.DateTimeField(_("kept until"))

    class Meta:
        verbose_name = _("third-party provision record")
        verbose_name_plural = _("third-party provision records")
        ordering = ["-provided_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=_items_valid("items"), name="referrals_provision_items_valid"
            ),
            models.CheckConstraint(
                condition=(Q(basis="consent") & Q(consent__isnull=False)) | Q(basis="emergency"),
                name="referrals_provision_has_basis",
            ),
            models.CheckConstraint(
                condition=Q(referral__isnull=False) | Q(meeting__isnull=False),
                name="referrals_provision_has_occasion",
            ),
            # At least three years (365 days each; the service adds calendar years).
            models.CheckConstraint(
                condition=Q(
                    retain_until__gte=F("provided_at")
                    + datetime.timedelta(days=365 * PROVISION_RETENTION_YEARS)
                ),
                name="referrals_provision_kept_three_years",
            ),
            models.CheckConstraint(
                condition=~Q(recipient_name=""), name="referrals_provision_recipient_set"
            ),
        ]
        indexes = [
            # The supervisors' list per client and per period.
            models.Index(fields=["client", "-provided_at"], name="referrals_prov_client_idx"),
            models.Index(fields=["provided_at"], name="referrals_prov_at_idx"),
        ]
        triggers = append_only("referrals_provisionrecord_append_only")

    def __str__(self) -> str:
        return f"{self.recipient_name} ({timezone.localtime(self.provided_at):%Y-%m-%d})"


@pghistory.track(meta=_history(_("accompaniment history")))
class Accompaniment(models.Model):
    """同行支援: going with her to a partner or an office."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")  # 予定
        HELD = "held", _("Held")  # 実施
        CANCELLED = "cancelled", _("Cancelled")  # 中止

    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="accompaniments",
        verbose_name=_("case"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="accompaniments",
        verbose_name=_("client"),
    )
    referral = models.ForeignKey(
        Referral,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accompaniments",
        verbose_name=_("referral"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="accompaniments",
        verbose_name=_("partner"),
    )
    place = models.CharField(_("place"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="accompaniments", verbose_name=_("counselors")
    )
    transport = models.CharField(_("transport"), max_length=200, blank=True)
    cost_yen = models.IntegerField(_("cost (yen)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    outcome = models.TextField(
        pgettext_lazy("referral", "outcome"), max_length=NOTE_MAX, blank=True
    )
    cancel_reason = models.TextField(_("reason for cancelling"), max_length=REASON_MAX, blank=True)
    reminder = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reminder"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("accompaniment")
        verbose_name_plural = _("accompaniments")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cost_yen__gte=0), name="referrals_accompaniment_cost_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(outcome=""),
                name="referrals_accompaniment_held_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="referrals_accompaniment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["planned", "held", "cancelled"]),
                name="referrals_accompaniment_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(place=""), name="referrals_accompaniment_place_set"
            ),
        ]
        indexes = [
            # Planned ones by time: the agenda and the open items of a case.
            models.Index(
                fields=["starts_at"],
                condition=Q(status="planned"),
                name="referrals_accomp_planned_idx",
            ),
            models.Index(fields=["case", "starts_at"], name="referrals_accomp_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.place} ({timezone.localtime(self.starts_at):%Y-%m-%d %H:%M})"
