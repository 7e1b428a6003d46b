"""The supervisors' admin for clients, consultations and cases.

The admin site itself admits supervisors only (tsunagari.admin). Here:
- nothing is added or deleted: records are created through the app (intake searches for
  duplicates first), and erasing special-care personal data (要配慮個人情報) is a separate,
  recorded process, never a click in the admin;
- state changes (case status, closing, risk flags set/cleared, follow-up states) stay with the
  app's services, which write their audit rows; the admin edits descriptive fields only, and
  pghistory records each edit with who made it;
- each change page shows the row's history (pghistory events).
Follow-ups are registered by the followups app; its changelist accepts the plain field lookups
(`state__in`, `due_at__lt`, `assignee`) the supervisor pages link to.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Exists, Field, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from audit.decorators import logs_access
from audit.models import AccessLog
from followups.models import FollowUp

from .models import (
    Case,
    CaseEvent,
    CaseNote,
    Client,
    ClientMerge,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
)
from .selectors.common import OPEN_CASE_STATUSES, flag_in_force_q

HISTORY_LIMIT = 50


# --- list filters ----------------------------------------------------------------------------


class CounselorFilter(admin.SimpleListFilter):
    """Rows of one counselor (only users holding the counselor role are offered)."""

    title = _("counselor")
    parameter_name = "counselor"
    field_path = "counselors"

    def lookups(self, request, model_admin):
        users = User.objects.filter(groups__name=Role.COUNSELOR).order_by("display_name")
        return [(str(u.pk), str(u)) for u in users]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            return queryset.filter(**{self.field_path: int(self.value())}).distinct()
        return queryset


class _ExistsFilter(admin.SimpleListFilter):
    """Filter "yes": rows with at least one row of `related()`; "no": rows with none."""

    def related(self) -> QuerySet:
        raise NotImplementedError

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(Exists(self.related()))
        if self.value() == "no":
            return queryset.filter(~Exists(self.related()))
        return queryset


class HasActiveRiskFilter(_ExistsFilter):
    """Clients (or cases of clients) with a risk flag in force; "high" for the high-risk kinds."""

    title = _("risk in force")
    parameter_name = "risk"
    client_ref = "pk"  # how the admin's model reaches the client

    def lookups(self, request, model_admin):
        return [
            ("yes", _("Any risk in force")),
            ("high", _("High risk in force")),
            ("no", _("No risk in force")),
        ]

    def related(self) -> QuerySet:
        return RiskFlag.objects.filter(
            flag_in_force_q(timezone.now()), client_id=OuterRef(self.client_ref)
        )

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "high":
            return queryset.filter(Exists(self.related().filter(kind__in=RiskFlag.HIGH_RISK)))
        return super().queryset(request, queryset)


class CaseHasActiveRiskFilter(HasActiveRiskFilter):
    client_ref = "client_id"


class OverdueFollowUpFilter(_ExistsFilter):
    """Rows with a follow-up past its due time that is still open (pending or notified)."""

    title = _("overdue follow-up")
    parameter_name = "overdue"
    owner_field = "case_id"  # the follow-up's column pointing at the admin's model

    def lookups(self, request, model_admin):
        return [("yes", _("Has an overdue follow-up")), ("no", _("No overdue follow-up"))]

    def related(self) -> QuerySet:
        return FollowUp.objects.filter(
            state__in=FollowUp.OPEN_STATES,
            due_at__lt=timezone.now(),
            **{self.owner_field: OuterRef("pk")},
        )


class ClientOverdueFollowUpFilter(OverdueFollowUpFilter):
    owner_field = "client_id"


class OpenCaseFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Open (not closed)")), ("no", _("Closed"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status__in=OPEN_CASE_STATUSES)
        if self.value() == "no":
            return queryset.filter(status=Case.Status.CLOSED)
        return queryset


# --- shared behaviour ---------------------------------------------------------------------------


class SupervisorAdmin(admin.ModelAdmin):
    """Supervisors see everything (as in the app); nothing is added or deleted here.

    `editable` lists the only fields a supervisor may change; every other field is read-only.
    """

    editable: tuple[str, ...] = ()
    show_full_result_count = False  # one COUNT(*) less on large tables

    # The admin shows personal data: record who looked, as every page of the app does.
    def changelist_view(self, request: HttpRequest, extra_context=None):
        view = logs_access(AccessLog.Action.LIST, self.model)(super().changelist_view)
        return view(request, extra_context=extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        view = logs_access(AccessLog.Action.VIEW, self.model, id_kwarg="object_id")(
            super().change_view
        )
        return view(request, object_id=object_id, form_url=form_url, extra_context=extra_context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_supervisor

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_supervisor

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return bool(self.editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        names = [f.name for f in self.model._meta.fields + self.model._meta.many_to_many]
        extra = ["history"] if self._tracked() else []
        return [n for n in names if n not in self.editable] + extra

    def _tracked(self) -> bool:
        # pghistory adds an "events" relation to the models it tracks.
        try:
            self.model._meta.get_field("events")
        except FieldDoesNotExist:
            return False
        return True

    @admin.display(description=_("history"))
    def history(self, obj) -> str:
        """The row's pghistory snapshots, newest first, with the fields each one changed."""
        if obj is None or obj.pk is None or not self._tracked():
            return "—"
        events = list(
            obj.events.select_related("pgh_context").order_by("-pgh_id")[: HISTORY_LIMIT + 1]
        )
        if not events:
            return _("No recorded changes (demo or imported data).")
        fields = [
            f
            for f in events[0]._meta.concrete_fields
            if not f.name.startswith("pgh_") and f.name not in ("updated_at",)
        ]
        # Who made each change, and the staff a snapshot names (created by, set by, ...): one
        # query for all of them.
        user_fields = [f for f in fields if f.is_relation and f.related_model is User]
        user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id}
        user_ids |= {getattr(e, f.attname) for e in events for f in user_fields}
        users = {
            u.pk: str(u)
            for u in User.objects.filter(pk__in=[i for i in user_ids if isinstance(i, int)])
        }
        rows = []
        for event, older in zip(events[:HISTORY_LIMIT], events[1:] + [None], strict=False):
            changed = [
                format_html(
                    _("{field}: {value}"),
                    field=f.verbose_name,
                    value=_history_value(f, getattr(event, f.attname), users),
                )
                for f in fields
                if older is None or getattr(event, f.attname) != getattr(older, f.attname)
            ]
            who = ""
            if event.pgh_context_id:
                who = users.get((event.pgh_context.metadata or {}).get("user"), "")
            rows.append(
                (
                    _history_value(None, event.pgh_created_at, users),
                    event.pgh_label,
                    who,
                    format_html_join(mark_safe("<br>"), "{}", ((c,) for c in changed))
                    if older is not None
                    else _("(created)"),
                )
            )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("When"),
            _("Event"),
            _("By"),
            _("Changed"),
            body,
        )


def _history_value(field: Field | None, value: object, users: dict[int, str]) -> str:
    """A value of a history snapshot as the pages show it: times in Japan time in the
    language's format, choices by their label, staff by name, nothing as a dash."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value))
    if isinstance(value, datetime.date):
        return formats.localize(value)
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if field is not None and field.is_relation:
        if field.related_model is User:
            return users.get(value, f"#{value}")
        return f"No.{value}"
    if isinstance(value, list):  # array of choices (topics, outcomes)
        base = getattr(field, "base_field", None)
        labels = dict(base.flatchoices) if base is not None and base.choices else {}
        return "、".join(str(labels.get(v, v)) for v in value)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_supervisor

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


# --- models -------------------------------------------------------------------------------------


class RiskFlagInline(ReadOnlyInline):
    model = RiskFlag
    fk_name = "client"
    fields = ["kind", "note", "set_by", "set_at", "expires_at", "cleared_at", "cleared_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("set_by", "cleared_by")


@admin.register(Client)
class ClientAdmin(SupervisorAdmin):
    editable = ("nickname", "phone", "age_band", "ward", "employment", "household", "heard_from")
    list_display = [
        "nickname",
        "age_band",
        "ward",
        "status",
        "consent_scope",
        "first_contact_at",
        "created_by",
    ]
    list_filter = [
        "status",
        HasActiveRiskFilter,
        CounselorFilter,
        ClientOverdueFollowUpFilter,
        "age_band",
        "ward",
        "consent_scope",
    ]
    list_select_related = ["created_by"]
    search_fields = ["nickname", "=line_user_id", "phone"]
    date_hierarchy = "first_contact_at"
    inlines = [RiskFlagInline]


@admin.register(Consultation)
class ConsultationAdmin(SupervisorAdmin):
    editable = ("main_concern", "topics", "established", "summary", "notes", "outcomes")
    list_display = [
        "started_at",
        "kind",
        "client",
        "main_concern",
        "established",
        "recorded_by",
        "opening",
    ]
    list_filter = [
        "kind",
        "main_concern",
        "established",
        CounselorFilter,
        "follow_up_needed",
    ]
    list_select_related = ["client", "recorded_by", "opening"]
    search_fields = ["client__nickname", "=client__line_user_id", "summary"]
    date_hierarchy = "started_at"


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["at", "kind", "actor", "before", "after", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


class CaseNoteInline(ReadOnlyInline):
    model = CaseNote
    fields = ["created_at", "author", "body", "corrects"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class SupportGoalInline(ReadOnlyInline):
    model = SupportGoal
    fields = ["text", "created_at", "achieved_at"]


class SupportActionInline(ReadOnlyInline):
    model = SupportAction
    fields = ["description", "owner", "due_on", "done_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("owner")


@admin.register(Case)
class CaseAdmin(SupervisorAdmin):
    editable = ("title",)
    list_display = [
        "__str__",
        "client",
        "status",
        "priority",
        "counselor_names",
        "opened_at",
        "closed_at",
    ]
    list_filter = [
        OpenCaseFilter,
        "status",
        "priority",
        CounselorFilter,
        CaseHasActiveRiskFilter,
        OverdueFollowUpFilter,
        "close_reason",
    ]
    list_select_related = ["client"]
    search_fields = ["title", "client__nickname", "=client__line_user_id"]
    date_hierarchy = "opened_at"
    inlines = [SupportGoalInline, SupportActionInline, CaseNoteInline, CaseEventInline]

    def get_queryset(self, request):
        # One query for all rows' counselors, not one per row.
        return super().get_queryset(request).prefetch_related("counselors")

    @admin.display(description=_("counselors"))
    def counselor_names(self, obj: Case) -> str:
        return "、".join(str(u) for u in obj.counselors.all())


@admin.register(RiskFlag)
class RiskFlagAdmin(SupervisorAdmin):
    editable = ("note",)
    list_display = ["client", "kind", "note", "set_by", "set_at", "expires_at", "cleared_at"]
    list_filter = ["kind", "cleared_at"]
    list_select_related = ["client", "set_by"]
    search_fields = ["client__nickname", "note"]
    date_hierarchy = "set_at"


@admin.register(CaseNote)
class CaseNoteAdmin(SupervisorAdmin):
    """Notes are never edited: a correction is a new note (and the database refuses updates)."""

    list_display = ["created_at", "case", "author", "short_body"]
    list_select_related = ["case", "author"]
    search_fields = ["body", "case__client__nickname"]
    date_hierarchy = "created_at"

    @admin.display(description=_("note"))
    def short_body(self, obj: CaseNote) -> str:
        return obj.body if len(obj.body) <= 60 else obj.body[:60] + "…"


@admin.register(CaseEvent)
class CaseEventAdmin(SupervisorAdmin):
    """The case audit trail: append-only in the database too."""

    list_display = ["at", "case", "kind", "actor"]
    list_filter = ["kind"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__client__nickname", "note"]
    date_hierarchy = "at"


@admin.register(ClientMerge)
class ClientMergeAdmin(SupervisorAdmin):
    list_display = ["merged_at", "kept", "merged", "merged_by"]
    list_select_related = ["kept", "merged", "merged_by"]
    search_fields = ["kept__nickname", "merged__nickname"]
    date_hierarchy = "merged_at"
