"""Clients, consultations and cases: the counselors' daily record.

Every state change goes through `cases.services`; reads scoped to a user go through
`cases.selectors`. History of every row with personal data is kept by pghistory triggers.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only, append_only_history
from core.bounds import (
    NOTE_MAX,
    REASON_MAX,
    in_choices,
    in_date_range,
    in_range,
    max_length,
    pair,
)
from core.choices import ChoiceDisplay, Ward
from core.text import key_grams, search_key

# Case.CloseReason's codes, for the constraints of two models.
CLOSE_REASONS = (
    "resolved",
    "connected",
    "lost_contact",
    "moved",
    "client_request",
    "merged",
    "other",
)


def nickname_search_columns(nickname: str) -> dict[str, str | list[str]]:
    """The columns derived from a nickname for search, for every path that writes one
    (client_create, client_update, anonymisation, the demo's bulk copy)."""
    key = search_key(nickname)
    return {"nickname_key": key, "nickname_grams": key_grams(key)}


# The nickname's search columns are derived data, not history: they are left out of the
# history rows (so recomputing them writes none, and anonymisation has nothing more to erase).
@pghistory.track(
    exclude=["nickname_key", "nickname_grams"],
    meta={
        **append_only_history(),
        "verbose_name": _("client history"),
        "verbose_name_plural": _("client history"),
    },
)
class Client(ChoiceDisplay, models.Model):
    """相談者: a woman who contacted the programme. Pseudonymous by default."""

    class AgeBand(models.TextChoices):
        U19 = "u19", _("19 or under")  # 19歳以下
        TWENTIES = "20s", _("20s")  # 20歳代
        THIRTIES = "30s", _("30s")
        FORTIES = "40s", _("40s")
        FIFTIES = "50s", _("50s")
        SIXTY_PLUS = "60plus", _("60 or over")  # 60歳以上
        UNKNOWN = "unknown", _("Unknown")

    class Employment(models.TextChoices):
        REGULAR = "regular", _("Regular employment")  # 正規
        NON_REGULAR = "non_regular", _("Non-regular / part-time")  # 非正規・パート
        SELF_EMPLOYED = "self_employed", _("Self-employed")  # 自営
        STUDENT = "student", _("Student")  # 学生
        NONE = "none", _("Not working")  # 無職
        UNKNOWN = "unknown", _("Unknown")

    class Household(models.TextChoices):
        ALONE = "alone", _("Lives alone")  # 単身
        PARENTS = "parents", _("With parents")  # 親と同居
        SPOUSE = "spouse", _("With spouse")  # 配偶者と同居
        SINGLE_PARENT = "single_parent", _("Single parent")  # ひとり親
        OTHER = "other", _("Other")
        UNKNOWN = "unknown", _("Unknown")

    class HeardFrom(models.TextChoices):
        SNS_AD = "sns_ad", _("Social media ad")  # SNS広告
        SEARCH = "search", _("Web search")  # 検索
        SCHOOL = "school", _("School")  # 学校
        WARD_OFFICE = "ward_office", _("Ward office")  # 区役所
        FRIEND = "friend", _("Friend or acquaintance")  # 友人・知人
        LEAFLET = "leaflet", _("Leaflet")  # チラシ・リーフレット
        PRODUCT_SITE = "product_site", _("Sanitary product site")  # 生理用品配布先
        OTHER = "other", _("Other")

    class ConsentScope(models.TextChoices):
        """本人同意: what she agreed we may do with her information."""

        NONE = "none", _("Not yet given")
        RECORD = "record", _("Record for consultation only")  # 相談記録のみ
        SHARE = "share", _("Record and share with partners when referred")  # 連携先への提供も可

    class ConsentMethod(models.TextChoices):
        LINE = "line", _("On LINE")
        PHONE = "phone", _("By phone")
        IN_PERSON = "in_person", _("In person")
        WRITTEN = "written", _("In writing")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        INACTIVE = "inactive", _("Inactive")
        MERGED = "merged", _("Merged into another record")

    nickname = models.CharField(_("nickname"), max_length=100)
    # core.text.search_key(nickname), what nickname search compares (スミレ finds すみれ), and
    # its 1- and 2-character pieces for the index: kept by every path that writes the nickname
    # (nickname_search_columns). Text, since NFKC may lengthen a name (㍿ → 株式会社).
    nickname_key = models.TextField(_("nickname search key"), editable=False)
    nickname_grams = ArrayField(
        models.TextField(), verbose_name=_("nickname search pieces"), editable=False
    )
    # NULL rather than "" when unknown, so the partial unique index ignores it.
    line_user_id = models.CharField(  # noqa: DJ001
        _("LINE user ID"), max_length=64, null=True, blank=True
    )
    phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("Digits only; hyphens are removed.")
    )
    age_band = models.CharField(
        _("age band"), max_length=10, choices=AgeBand.choices, default=AgeBand.UNKNOWN
    )
    ward = models.CharField(_("ward"), max_length=10, choices=Ward.choices, default=Ward.UNKNOWN)
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, default=Employment.UNKNOWN
    )
    household = models.CharField(
        _("household"), max_length=20, choices=Household.choices, default=Household.UNKNOWN
    )
    heard_from = models.CharField(
        _("how she heard of us"), max_length=20, choices=HeardFrom.choices, blank=True
    )
    first_contact_at = models.DateTimeField(_("first contact"), default=timezone.now)
    # The start of her latest consultation, kept by the services that add or move consultations
    # (a copy of MAX(started_at)), so the client list sorts on an index, not a subquery per row.
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True, editable=False)
    consent_scope = models.CharField(
        _("consent"), max_length=10, choices=ConsentScope.choices, default=ConsentScope.NONE
    )
    consent_given_on = models.DateField(_("consent given on"), null=True, blank=True)
    consent_method = models.CharField(
        _("how consent was given"), max_length=10, choices=ConsentMethod.choices, blank=True
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    # Counselors responsible for her; a client with none is in the intake queue.
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_clients",
        verbose_name=_("counselors"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["-first_contact_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["line_user_id"],
                condition=Q(line_user_id__isnull=False),
                name="cases_client_line_user_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
                name="cases_client_merged_has_target",
            ),
            models.CheckConstraint(
                condition=Q(consent_scope="none")
                | (Q(consent_given_on__isnull=False) & ~Q(consent_method="")),
                name="cases_client_consent_has_date_and_method",
            ),
            models.CheckConstraint(
                condition=Q(phone__regex=r"^[0-9]*$"), name="cases_client_phone_digits"
            ),
            models.CheckConstraint(condition=~Q(nickname=""), name="cases_client_nickname_set"),
            # A path that writes a nickname without its search columns fails here rather than
            # hiding her from every search.
            models.CheckConstraint(
                condition=~Q(nickname_key="") & ~Q(nickname_grams=[]),
                name="cases_client_nickname_key_set",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["active", "inactive", "merged"]),
                name="cases_client_status_valid",
            ),
            models.CheckConstraint(
                condition=in_range("first_contact_at"), name="cases_client_first_contact_in_range"
            ),
            models.CheckConstraint(
                condition=in_date_range("consent_given_on", nullable=True),
                name="cases_client_consent_given_on_in_range",
            ),
        ]
        indexes = [
            # Search before create: nickname fragments of any length (client search, intake,
            # the queue tab), by the grams of the search key; phone fragments by trigrams.
            GinIndex(fields=["nickname_grams"], name="cases_client_nickname_grams"),
            GinIndex(name="cases_client_phone_trgm", fields=["phone"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["ward"], name="cases_client_ward_idx"),
            models.Index(fields=["status"], name="cases_client_status_idx"),
            # The client list and search order: latest contact first, never contacted last.
            models.Index(
                F("last_contact_at").desc(nulls_last=True),
                F("id").desc(),
                name="cases_client_last_contact_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.nickname


@pghistory.track(
    meta={
        **append_only_history(),
        "verbose_name": _("risk flag history"),
        "verbose_name_plural": _("risk flag history"),
    }
)
class RiskFlag(ChoiceDisplay, models.Model):
    """A risk noted for a client: who set it, when, and until when it applies."""

    class Kind(models.TextChoices):
        SUICIDAL = "suicidal", _("Suicidal thoughts")  # 自殺念慮
        DV_DANGER = "dv_danger", _("DV / physical danger")  # DV・身体の危険
        NO_HOME = "no_home", _("No home / cannot go home")  # 住居喪失・帰れない
        STALKING = "stalking", _("Stalking")  # つきまとい
        TRAFFICKING = "trafficking", _("Trafficking")  # 人身取引
        MINOR = "minor", _("Minor")  # 未成年
        PREGNANT = "pregnant", _("Pregnant")  # 妊娠中

    # Kinds that make a case high priority; any other active flag makes it medium.
    HIGH_RISK = frozenset({Kind.SUICIDAL, Kind.DV_DANGER, Kind.NO_HOME, Kind.TRAFFICKING})

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="risk_flags", verbose_name=_("client")
    )
    kind = models.CharField(_("risk"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("set by"),
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cleared by"),
    )

    class Meta:
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        ordering = ["-set_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "kind"],
                condition=Q(cleared_at__isnull=True),
                name="cases_riskflag_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("set_at")),
                name="cases_riskflag_expires_after_set",
            ),
            models.CheckConstraint(
                condition=pair("cleared_at", "cleared_by"), name="cases_riskflag_cleared_pair"
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "kind",
                    [
                        "suicidal",
                        "dv_danger",
                        "no_home",
                        "stalking",
                        "trafficking",
                        "minor",
                        "pregnant",
                    ],
                ),
                name="cases_riskflag_kind_valid",
            ),
            models.CheckConstraint(
                condition=in_range("set_at"), name="cases_riskflag_set_at_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.cleared_at is None and (self.expires_at is None or self.expires_at > now)


@pghistory.track(
    meta={
        **append_only_history(),
        "verbose_name": _("consultation history"),
        "verbose_name_plural": _("consultation history"),
    }
)
class Consultation(ChoiceDisplay, models.Model):
    """相談: one conversation with a client, in one channel."""

    class Kind(models.TextChoices):
        LINE = "line", _("LINE consultation")  # LINE相談
        PHONE = "phone", _("Phone")  # 電話
        VISIT = "visit", _("Visit")  # 来所
        OUTREACH = "outreach", _("Outreach")  # アウトリーチ
        LEGAL = "legal", _("Legal consultation")  # 法律相談
        HEALTH = "health", _("Health consultation")  # からだの相談

    class MainConcern(models.TextChoices):
        """主訴, aligned with national women's-consultation statistics."""

        DV_SPOUSE = "dv_spouse", _("Violence by husband or partner-in-law")  # 夫等からの暴力
        VIOLENCE_FAMILY = "violence_family", _("Violence by child, parent or relative")
        VIOLENCE_PARTNER = "violence_partner", _("Violence by dating partner")
        FAMILY = "family", _("Family problems other than violence (incl. divorce)")
        SEXUAL = "sexual", _("Gender and sexual problems (incl. stalking)")
        RELATIONSHIPS = "relationships", _("Other relationships")
        HEALTH = "health", _("Medical (incl. mental health, pregnancy, childbirth)")
        ECONOMIC = "economic", _("Economic")
        HOUSING = "housing", _("Housing / nowhere to return to")
        OTHER = "other", _("Other")

    class Topic(models.TextChoices):
        POVERTY = "poverty", _("Poverty")  # 生活困窮
        WORK = "work", _("Work")  # 仕事・就労
        MENTAL = "mental", _("Mental health")  # こころの健康
        BODY = "body", _("Physical health")  # からだの健康
        PREGNANCY = "pregnancy", _("Pregnancy and childbirth")  # 妊娠・出産
        SEXUAL_HARM = "sexual_harm", _("Sexual harm")  # 性被害
        ISOLATION = "isolation", _("Loneliness and isolation")  # 孤独・孤立
        CHILDCARE = "childcare", _("Childcare")  # 子育て
        DEBT = "debt", _("Debt")  # 借金
        PERIOD_PRODUCTS = "period_products", _("Period products")  # 生理用品
        SCHOOL = "school", _("School")  # 学校
        OTHER = "other", _("Other")

    class Outcome(models.TextChoices):
        INFORMATION = "information", _("Information given")  # 情報提供
        REFERRAL = "referral", _("Referral")  # つなぎ
        ACCOMPANIMENT = "accompaniment", _("Accompaniment")  # 伴走支援・同行
        PRODUCTS = "products", _("Products handed out")  # 生理用品の提供
        NONE = "none", _("None")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="consultations", verbose_name=_("client")
    )
    case = models.ForeignKey(
        "Case",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("case"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LINE)
    started_at = models.DateTimeField(_("start"))
    ended_at = models.DateTimeField(_("end"))
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="consultations", verbose_name=_("counselors")
    )
    opening = models.ForeignKey(
        "openings.Opening",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("opening"),
    )
    main_concern = models.CharField(_("main concern"), max_length=20, choices=MainConcern.choices)
    topics = ArrayField(
        models.CharField(max_length=20, choices=Topic.choices),
        default=list,
        blank=True,
        verbose_name=_("topics"),
    )
    established = models.BooleanField(_("established"), default=True)  # 成立 / 不成立
    summary = models.TextField(_("summary"), max_length=NOTE_MAX, blank=True)
    notes = models.TextField(_("notes"), max_length=NOTE_MAX, blank=True)
    outcomes = ArrayField(
        models.CharField(max_length=20, choices=Outcome.choices),
        default=list,
        blank=True,
        verbose_name=_("outcome"),
    )
    follow_up_needed = models.BooleanField(_("follow-up needed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__gte=models.F("started_at")),
                name="cases_consultation_ends_after_start",
            ),
            models.CheckConstraint(
                condition=in_range("started_at"), name="cases_consultation_started_in_range"
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "kind", ["line", "phone", "visit", "outreach", "legal", "health"]
                ),
                name="cases_consultation_kind_valid",
            ),
            models.CheckConstraint(
                condition=max_length("summary", NOTE_MAX), name="cases_consultation_summary_length"
            ),
            models.CheckConstraint(
                condition=max_length("notes", NOTE_MAX), name="cases_consultation_notes_length"
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-started_at"], name="cases_consult_client_idx"),
            models.Index(fields=["-started_at"], name="cases_consult_started_idx"),
            models.Index(fields=["kind", "started_at"], name="cases_consult_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.started_at):%Y-%m-%d}"

    @property
    def duration(self):
        return self.ended_at - self.started_at


# Named apart from CaseEvent, our own audit trail of case state changes.
@pghistory.track(
    model_name="CaseHistory",
    meta={
        **append_only_history(),
        "verbose_name": _("case history"),
        "verbose_name_plural": _("case history"),
    },
)
class Case(ChoiceDisplay, models.Model):
    """ケース: continued accompaniment (伴走支援) for one client."""

    class Status(models.TextChoices):
        # A context per label: "Active" and "Open" mean other things elsewhere.
        OPEN = "open", pgettext_lazy("case status", "Open")  # 受付
        ACTIVE = "active", pgettext_lazy("case status", "Active")  # 支援中
        ON_HOLD = "on_hold", pgettext_lazy("case status", "On hold")  # 保留
        CLOSED = "closed", pgettext_lazy("case status", "Closed")  # 終結

    # Every status but closed: the one definition of "an open case" (caseloads, counts, lists).
    OPEN_STATUSES = (Status.OPEN, Status.ACTIVE, Status.ON_HOLD)

    class Priority(models.IntegerChoices):
        NORMAL = 1, pgettext_lazy("case priority", "Normal")
        MEDIUM = 2, pgettext_lazy("case priority", "Medium")
        HIGH = 3, pgettext_lazy("case priority", "High")

    class CloseReason(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")  # 解決
        CONNECTED = "connected", _("Connected to other support")  # 他機関へつないだ
        LOST_CONTACT = "lost_contact", _("Lost contact")  # 連絡途絶
        MOVED = "moved", _("Moved away")  # 転居
        CLIENT_REQUEST = "client_request", _("At her request")  # 本人希望
        MERGED = "merged", _("Merged duplicate record")
        OTHER = "other", _("Other")

    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="cases", verbose_name=_("client")
    )
    opened_from = models.ForeignKey(
        Consultation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened from"),
    )
    counselors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="assigned_cases", verbose_name=_("counselors")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    # What a counselor chose by hand, kept apart so that a risk flag set or cleared later moves
    # the priority up to its floor and back, never below her choice.
    priority_by_hand = models.PositiveSmallIntegerField(
        _("priority set by hand"), choices=Priority.choices, null=True, blank=True
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-priority", "-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="closed", closed_at__isnull=False) & ~Q(close_reason=""))
                | (~Q(status="closed") & Q(closed_at__isnull=True)),
                name="cases_case_closed_has_time_and_reason",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=[1, 2, 3]), name="cases_case_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(priority_by_hand__isnull=True) | Q(priority_by_hand__in=[1, 2, 3]),
                name="cases_case_priority_by_hand_1_to_3",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["open", "active", "on_hold", "closed"]),
                name="cases_case_status_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("close_reason", CLOSE_REASONS, blank=True),
                name="cases_case_close_reason_valid",
            ),
            models.CheckConstraint(
                condition=in_range("opened_at"), name="cases_case_opened_in_range"
            ),
        ]
        indexes = [
            # Open caseloads: case list and supervisor caseload filter on status.
            models.Index(
                fields=["-priority", "-opened_at"],
                condition=~Q(status="closed"),
                name="cases_case_open_idx",
            ),
            models.Index(fields=["client"], name="cases_case_client_idx"),
        ]

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class CaseEvent(models.Model):
    """Audit row for each state change of a case (who, what, when, before/after)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        STATUS_CHANGED = "status_changed", _("Status changed")
        ASSIGNED = "assigned", _("Counselors changed")
        PRIORITY_CHANGED = "priority_changed", _("Priority changed")
        CLOSURE_REQUESTED = "closure_requested", _("Closing requested")
        CLOSURE_APPROVED = "closure_approved", _("Closing approved")
        CLOSURE_REJECTED = "closure_rejected", _("Closing declined")
        REOPENED = "reopened", _("Case reopened")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="state_changes", verbose_name=_("case")
    )
    kind = models.CharField(_("event"), max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)

    # Events that must say why: a declined closing and a reopening.
    NEEDS_NOTE = (Kind.CLOSURE_REJECTED, Kind.REOPENED)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["closure_rejected", "reopened"]) | ~Q(note=""),
                name="cases_caseevent_reason_given",
            ),
            models.CheckConstraint(
                condition=max_length("note", NOTE_MAX), name="cases_caseevent_note_length"
            ),
        ]
        indexes = [models.Index(fields=["case", "at"], name="cases_caseevent_case_idx")]
        triggers = append_only("cases_caseevent_append_only")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({timezone.localtime(self.at):%Y-%m-%d %H:%M})"


class CaseNote(models.Model):
    """ケース記録. Never edited: a correction is a new note pointing at the one it corrects."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="notes", verbose_name=_("case")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    body = models.TextField(_("note"), max_length=NOTE_MAX)
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("corrects"),
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(body=""), name="cases_casenote_body_set"),
            models.CheckConstraint(
                condition=max_length("body", NOTE_MAX), name="cases_casenote_body_length"
            ),
        ]
        indexes = [models.Index(fields=["case", "created_at"], name="cases_casenote_case_idx")]
        triggers = append_only("cases_casenote_append_only")

    def __str__(self) -> str:
        return f"#{self.pk} ({timezone.localtime(self.created_at):%Y-%m-%d %H:%M})"


@pghistory.track(
    meta={
        **append_only_history(),
        "verbose_name": _("support goal history"),
        "verbose_name_plural": _("support goal history"),
    }
)
class SupportGoal(models.Model):
    """A goal of the support plan (支援計画)."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="goals", verbose_name=_("case")
    )
    text = models.CharField(_("goal"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    achieved_at = models.DateTimeField(_("achieved at"), null=True, blank=True)
    # Who marked it achieved, for the case timeline ("who and when").
    achieved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("achieved by"),
    )

    class Meta:
        verbose_name = _("support goal")
        verbose_name_plural = _("support goals")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=pair("achieved_at", "achieved_by"), name="cases_supportgoal_achieved_pair"
            ),
        ]

    def __str__(self) -> str:
        return self.text


@pghistory.track(
    meta={
        **append_only_history(),
        "verbose_name": _("support action history"),
        "verbose_name_plural": _("support action history"),
    }
)
class SupportAction(models.Model):
    """An agreed action of the support plan, with its owner and due date."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="actions", verbose_name=_("case")
    )
    goal = models.ForeignKey(
        SupportGoal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("goal"),
    )
    description = models.CharField(pgettext_lazy("support plan", "action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    # Who marked it done, for the case timeline ("who and when").
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("support action")
        verbose_name_plural = _("support actions")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=pair("done_at", "done_by"), name="cases_supportaction_done_pair"
            ),
            models.CheckConstraint(
                condition=in_date_range("due_on", nullable=True),
                name="cases_supportaction_due_on_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.description


class CaseClosureRequest(models.Model):
    """Closing a case needs a supervisor's approval; both steps are recorded here."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("closing request", "Awaiting approval")
        APPROVED = "approved", pgettext_lazy("closing request", "Approved")
        REJECTED = "rejected", pgettext_lazy("closing request", "Declined")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="closure_requests", verbose_name=_("case")
    )
    reason = models.CharField(
        _("reason for closing"), max_length=20, choices=Case.CloseReason.choices
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("closing request")
        verbose_name_plural = _("closing requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state="pending"),
                name="cases_caseclosurerequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="cases_caseclosurerequest_decision_recorded",
            ),
            models.CheckConstraint(
                condition=in_choices("state", ["pending", "approved", "rejected"]),
                name="cases_caseclosurerequest_state_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("reason", CLOSE_REASONS),
                name="cases_caseclosurerequest_reason_valid",
            ),
            # Declining a closing says why (the counselor reads it on the case page).
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_note=""),
                name="cases_caseclosurerequest_rejected_has_note",
            ),
            models.CheckConstraint(
                condition=max_length("note", NOTE_MAX), name="cases_caseclosurerequest_note_length"
            ),
            models.CheckConstraint(
                condition=max_length("decision_note", REASON_MAX),
                name="cases_caseclosurerequest_decision_note_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.get_state_display()})"


class ClientMerge(models.Model):
    """Record of a supervisor merging a duplicate client into the one kept. Append-only."""

    kept = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("kept")
    )
    merged = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged")
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("merged by"),
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)
    moved = models.JSONField(_("moved records"), default=dict)
    note = models.TextField(_("note"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("client merge")
        verbose_name_plural = _("client merges")
        constraints = [
            models.UniqueConstraint(fields=["merged"], name="cases_clientmerge_merged_once"),
            models.CheckConstraint(
                condition=~Q(kept=models.F("merged")), name="cases_clientmerge_distinct"
            ),
            models.CheckConstraint(
                condition=max_length("note", REASON_MAX), name="cases_clientmerge_note_length"
            ),
        ]
        triggers = append_only("cases_clientmerge_append_only")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.kept_id}"


class ClientAssignmentChange(models.Model):
    """Audit row for each change of the counselors responsible for a client: they decide who
    may see her, so every change says who made it, when, and the team before and after."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Counselors set")
        TAKEN_ON = "taken_on", _("Taken on from the intake queue")
        REGISTERED = "registered", _("Registered by her counselor")
        CONSULTATION = "consultation", _("Taken on by recording a consultation")
        MERGED = "merged", _("Counselors of a merged record added")

    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        related_name="assignment_changes",
        verbose_name=_("client"),
    )
    kind = models.CharField(_("change"), max_length=20, choices=Kind.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    # Sorted user ids of the counselors before and after the change.
    before = models.JSONField(_("before"), default=list, blank=True)
    after = models.JSONField(_("after"), default=list, blank=True)

    class Meta:
        verbose_name = _("counselor assignment change")
        verbose_name_plural = _("counselor assignment changes")
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices(
                    "kind", ["assigned", "taken_on", "registered", "consultation", "merged"]
                ),
                name="cases_clientassignmentchange_kind_valid",
            ),
        ]
        indexes = [
            # The client's admin page lists her changes in order.
            models.Index(fields=["client", "changed_at"], name="cases_assignchange_client_idx")
        ]
        triggers = append_only("cases_clientassignmentchange_append_only")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({timezone.localtime(self.changed_at):%Y-%m-%d %H:%M})"
