"""What every app's admin shares: supervisors read, nothing is added or deleted, and each
change page shows the row's change history (pghistory).

The admin site itself admits supervisors only (`tsunagari.admin`).
"""

from __future__ import annotations

import datetime

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import DataError, transaction
from django.db.models import Field
from django.http import HttpRequest, HttpResponseRedirect
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import registry

HISTORY_LIMIT = 50


class GuardedChangelist:
    """For every ModelAdmin of ours, whatever its base: bad filter values and bad selections
    on a changelist answer a message, never a server error."""

    def get_changelist_instance(self, request: HttpRequest) -> ChangeList:
        """A filter value out of range (`?at__year=99999999999999999999`, `?id=1e99`) answers
        Django's usual "?e=1" redirect instead of a server error.

        Django turns most bad lookups into IncorrectLookupParameters itself, but not a number
        too large for Python's dates (OverflowError) or for the column (a DataError from
        PostgreSQL when the changelist counts its rows). The savepoint keeps the request's
        connection usable after such a database error."""
        try:
            with transaction.atomic():
                return super().get_changelist_instance(request)
        except (OverflowError, ValueError, DataError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    # Django's stock titles read "変更する 相談者 を選択" and "相談者 を表示" in Japanese (the
    # English phrase with the name dropped in, spaces and all): one sentence of ours instead.
    def changelist_view(self, request: HttpRequest, extra_context=None):
        title = gettext("List of %(name)s") % {"name": self.model._meta.verbose_name_plural}
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        title = gettext("Details of %(name)s") % {"name": self.model._meta.verbose_name}
        context = {"title": title, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def response_action(self, request: HttpRequest, queryset):
        # An action's `_selected_action` ids come from the form and may be anything.
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except (ValueError, ValidationError):
            self.message_user(
                request, gettext("The selected items are not valid."), messages.WARNING
            )
            return HttpResponseRedirect(request.get_full_path())


class SupervisorAdmin(GuardedChangelist, admin.ModelAdmin):
    """Supervisors see everything (as in the app); nothing is added or deleted here.

    `editable` lists the only fields a supervisor may change; every other field is read-only.
    """

    editable: tuple[str, ...] = ()
    show_full_result_count = False  # one COUNT(*) less on large tables
    # Its changelist, change and history pages write the access log (`tsunagari.admin`).
    shows_personal_data = True

    # Module and view permission are Django's: the model permissions the role's group is
    # granted (`core.registry.role_grants`). The site itself admits by `core.authz`.

    def get_list_filter(self, request: HttpRequest):
        # Filters other apps add to this model's changelist (core.registry.admin_filters).
        label = self.model._meta.label_lower
        extra = [f.filter for f in registry.admin_filters if f.model == label]
        return [*super().get_list_filter(request), *extra]

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return bool(self.editable) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None):
        # Django titles the page and its breadcrumbs with str(obj): a client's nickname. The
        # record's number says which record it is without naming her.
        numbered = _Numbered(unquote(object_id))
        context = {"title": _("Change history: %s") % numbered, "object": numbered}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

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
                    _history_sentence(event.pgh_label, who),
                    format_html_join(mark_safe("<br>"), "{}", ((c,) for c in changed))
                    if older is not None
                    else "—",
                )
            )
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html(
            '<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
            '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
            _("When"),
            _("What happened"),
            _("Changes"),
            body,
        )


class _Numbered:
    """Stands in for a record on its history page: "No. 12", and its pk for the link."""

    def __init__(self, pk: str) -> None:
        self.pk = pk

    def __str__(self) -> str:
        return gettext("No. %(pk)s") % {"pk": self.pk}


def _history_sentence(label: str, who: str) -> str:
    """pghistory's event label ("insert", "update") as a sentence naming who did it."""
    created = label == "insert"
    if who:
        text = gettext("Created by %(who)s.") if created else gettext("Changed by %(who)s.")
        return text % {"who": who}
    if created:
        return gettext("Created (by the system or an import).")
    return gettext("Changed (by the system or an import).")


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

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [f.name for f in self.model._meta.fields]
