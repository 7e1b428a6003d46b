"""The supervisors' view of follow-ups: who promised what, by when, and what is overdue.

Read-only: follow-ups are created from a case or a client page, and every state change (done,
cancelled, rescheduled, reminded) goes through followups.services, which keeps the reminders
right. The shared behaviour (supervisors only, access log, pghistory on the change page, no add
or delete) comes from core.admin.SupervisorAdmin.

The changelist also accepts the plain field lookups the supervisor pages link to, e.g.
`?state__in=pending,notified&due_at__lt=<iso>&assignee=<pk>` (overdue follow-ups of one
counselor); `assignee` is taken by the assignee filter, so it shows as selected.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_with_roles
from cases.admin import ClientSearchAdmin, ExistsFilter
from core.roles import Role

from .models import FollowUp
from .selectors import overdue_q


class AssigneeFilter(admin.SimpleListFilter):
    """Follow-ups of one person; counselors and supervisors (who may be assignees) are offered."""

    title = _("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        users = users_with_roles(Role.COUNSELOR, Role.SUPERVISOR)
        return [(str(u.pk), str(u)) for u in users]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """Open (pending or notified) and past the due time."""

    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        overdue = overdue_q(timezone.now())
        if self.value() == "yes":
            return queryset.filter(overdue)
        if self.value() == "no":
            return queryset.exclude(overdue)
        return queryset


class OverdueFollowUpFilter(ExistsFilter):
    """Rows with a follow-up past its due time that is still open (pending or notified)."""

    title = _("overdue follow-up")
    parameter_name = "overdue"
    owner_field = "case_id"  # the follow-up's column pointing at the admin's model

    def lookups(self, request, model_admin):
        return [("yes", _("Has an overdue follow-up")), ("no", _("No overdue follow-up"))]

    def related(self) -> QuerySet:
        return FollowUp.objects.filter(
            overdue_q(timezone.now()), **{self.owner_field: OuterRef("pk")}
        )


class ClientOverdueFollowUpFilter(OverdueFollowUpFilter):
    owner_field = "client_id"


@admin.register(FollowUp)
class FollowUpAdmin(ClientSearchAdmin):
    list_display = ["what", "client", "case", "assignee", "due_at", "state", "overdue"]
    list_filter = [AssigneeFilter, "state", OverdueFilter]
    date_hierarchy = "due_at"
    search_fields = ["what"]  # and her nickname, by search key (ClientSearchAdmin)
    list_select_related = ["client", "case", "assignee"]
    ordering = ["due_at", "id"]

    def get_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # The history table last, under the row's own fields.
        fields = [f.name for f in FollowUp._meta.fields if f.name != "id"]
        return [*fields, "history"]

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj: FollowUp) -> bool:
        return obj.is_overdue()
