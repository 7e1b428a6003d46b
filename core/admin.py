"""What every app's admin shares: supervisors read, nothing is added or deleted, and each
change page shows the row's change history (pghistory).

The admin site itself admits supervisors only (`tsunagari.admin`).
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

HISTORY_LIMIT = 50


class SupervisorAdmin(admin.ModelAdmin):
    """Supervisors see everything (as in the app); nothing is added or deleted here.

    `editable` lists the only fields a supervisor may change; every other field is read-only.
    """

    editable: tuple[str, ...] = ()
    show_full_result_count = False  # one COUNT(*) less on large tables

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
        user_fields = [f for f in fields if f.is_relation and f.related_model is get_user_model()]
        user_ids = {(e.pgh_context.metadata or {}).get("user") for e in events if e.pgh_context_id}
        user_ids |= {getattr(e, f.attname) for e in events for f in user_fields}
        users = {
            u.pk: str(u)
            for u in get_user_model().objects.filter(
                pk__in=[i for i in user_ids if isinstance(i, int)]
            )
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
        if field.related_model is get_user_model():
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
