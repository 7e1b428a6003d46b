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
(`state__in`, `due_at__lt`, `assignee`) the supervisor pages link to, and it adds its "overdue
follow-up" filter to these changelists (`core.registry.admin_filters`).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from accounts.selectors import users_with_roles
from core.admin import ReadOnlyInline, SupervisorAdmin
from core.roles import Role

from .models import (
    Case,
    CaseEvent,
    CaseNote,
    Client,
    ClientAssignmentChange,
    ClientMerge,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
)
from .selectors.clients import search_filter
from .selectors.common import flag_in_force_q
from .services.clients import client_update, phone_clean

# --- list filters ----------------------------------------------------------------------------


class CounselorFilter(admin.SimpleListFilter):
    """Rows of one counselor (only users holding the counselor role are offered)."""

    title = _("counselor")
    parameter_name = "counselor"
    field_path = "counselors"

    def lookups(self, request, model_admin):
        users = users_with_roles(Role.COUNSELOR)
        return [(str(u.pk), str(u)) for u in users]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() and self.value().isdigit():
            return queryset.filter(**{self.field_path: int(self.value())}).distinct()
        return queryset


class ExistsFilter(admin.SimpleListFilter):
    """Filter "yes": rows with at least one row of `related()`; "no": rows with none."""

    def related(self) -> QuerySet:
        raise NotImplementedError

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(Exists(self.related()))
        if self.value() == "no":
            return queryset.filter(~Exists(self.related()))
        return queryset


class HasActiveRiskFilter(ExistsFilter):
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


class OpenCaseFilter(admin.SimpleListFilter):
    title = _("open or closed")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        # The case status's own word: a bare "Closed" is also the opening calendar's 休止,
        # and whichever catalogue comes first would win.
        return [("yes", _("Open (not closed)")), ("no", pgettext_lazy("case status", "Closed"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(status__in=Case.OPEN_STATUSES)
        if self.value() == "no":
            return queryset.filter(status=Case.Status.CLOSED)
        return queryset


# --- models -------------------------------------------------------------------------------------


class RiskFlagInline(ReadOnlyInline):
    model = RiskFlag
    fk_name = "client"
    fields = ["kind", "note", "set_by", "set_at", "expires_at", "cleared_at", "cleared_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("set_by", "cleared_by")


class AssignmentChangeInline(ReadOnlyInline):
    """Who changed her counselors, when, and the team before and after (append-only)."""

    model = ClientAssignmentChange
    fields = ["changed_at", "kind", "changed_by", "before_names", "after_names"]
    ordering = ["-changed_at", "-id"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return self.fields

    def has_view_permission(self, request, obj=None) -> bool:
        # Part of her record: whoever may view the client here may view who was responsible.
        return self.admin_site._registry[Client].has_view_permission(request, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")

    def _names(self, ids: list[int]) -> str:
        if not ids:
            return "—"
        users = {u.pk: str(u) for u in User.objects.filter(pk__in=ids)}
        return "、".join(users.get(i, f"#{i}") for i in ids)

    @admin.display(description=_("before"))
    def before_names(self, obj: ClientAssignmentChange) -> str:
        return self._names(obj.before)

    @admin.display(description=_("after"))
    def after_names(self, obj: ClientAssignmentChange) -> str:
        return self._names(obj.after)


# What a supervisor may correct here; every other field changes through the app's pages.
CLIENT_EDITABLE = ("nickname", "phone", "age_band", "ward", "employment", "household", "heard_from")


class ClientSearchAdmin(SupervisorAdmin):
    """A changelist whose search box finds a woman as the app's search does: her nickname by
    search key (スミレ finds すみれ), her exact LINE user id or a phone fragment
    (`cases.selectors.clients.search_filter`), beside the model's own `search_fields`.
    `client_path` is the lookup from the row to its client ("" for the client herself)."""

    client_path = "client"

    def get_search_results(self, request, queryset, search_term):
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return found, duplicates
        women = Client.objects.filter(search_filter(search_term))
        lookup = f"{self.client_path}__in" if self.client_path else "pk__in"
        return found | queryset.filter(**{lookup: women}), duplicates


class ClientAdminForm(forms.ModelForm):
    """The admin's checks are the service's: a phone number is refused, not stripped, when it
    is not one (client_update, called by save_model, checks again under the row lock)."""

    class Meta:
        model = Client
        fields = list(CLIENT_EDITABLE)

    def clean_phone(self) -> str:
        try:
            return phone_clean(self.cleaned_data.get("phone"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from None

    def clean_nickname(self) -> str:
        nickname = (self.cleaned_data.get("nickname") or "").strip()
        if not nickname:
            raise ValidationError(_("Enter a nickname."))
        return nickname


@admin.register(Client)
class ClientAdmin(ClientSearchAdmin):
    client_path = ""
    editable = CLIENT_EDITABLE
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
        "age_band",
        "ward",
        "consent_scope",
    ]
    list_select_related = ["created_by"]
    # Her nickname and phone are searched by ClientSearchAdmin; a search field must remain
    # for the admin to show its search box.
    search_fields = ["=line_user_id"]
    date_hierarchy = "first_contact_at"
    inlines = [RiskFlagInline, AssignmentChangeInline]
    form = ClientAdminForm

    def save_model(self, request, obj: Client, form, change: bool) -> None:
        # Through the service: normalisation, the row lock, and its checks, like the app.
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        client_update(client=obj, by=request.user, **changes)


@admin.register(Consultation)
class ConsultationAdmin(ClientSearchAdmin):
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
    search_fields = ["summary"]
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
class CaseAdmin(ClientSearchAdmin):
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
        "close_reason",
    ]
    list_select_related = ["client"]
    search_fields = ["title"]
    date_hierarchy = "opened_at"
    inlines = [SupportGoalInline, SupportActionInline, CaseNoteInline, CaseEventInline]

    def get_queryset(self, request):
        # One query for all rows' counselors, not one per row.
        return super().get_queryset(request).prefetch_related("counselors")

    @admin.display(description=_("counselors"))
    def counselor_names(self, obj: Case) -> str:
        return "、".join(str(u) for u in obj.counselors.all())


@admin.register(RiskFlag)
class RiskFlagAdmin(ClientSearchAdmin):
    editable = ("note",)
    list_display = ["client", "kind", "note", "set_by", "set_at", "expires_at", "cleared_at"]
    list_filter = ["kind", "cleared_at"]
    list_select_related = ["client", "set_by"]
    search_fields = ["note"]
    date_hierarchy = "set_at"


@admin.register(CaseNote)
class CaseNoteAdmin(ClientSearchAdmin):
    """Notes are never edited: a correction is a new note (and the database refuses updates)."""

    client_path = "case__client"
    list_display = ["created_at", "case", "author", "short_body"]
    list_select_related = ["case", "author"]
    search_fields = ["body"]
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
