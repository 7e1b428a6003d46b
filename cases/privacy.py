"""What the cases app holds about a client, for her APPI rights (`core.registry.client_data`).

`disclose` lists it all (profile, consent, risk flags, consultations, cases with their events,
notes, goals, actions and closing requests, merges, counselor changes, and the history rows
pghistory keeps of them); `anonymise` removes what identifies her and keeps the codes;
`last_activity` is the latest time anything here was recorded about her.

The row helpers (`record_row`, `history_rows`) turn a model's fields into labelled plain values;
the apps above cases use them for their own holders.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import pgtrigger
from django.db import models
from django.db.models import DateTimeField, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.demo import event_model

from .models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    ClientAssignmentChange,
    ClientMerge,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
    nickname_search_columns,
)

# What a free text that must not be empty becomes (a note's body, a follow-up's "what"): the
# row stays, so it is still counted, but says nothing about her. Stored data, not a UI string.
REMOVED = "（匿名化により削除）"


def anonymised_nickname(pk: int) -> str:
    """Her nickname once anonymised: the record number only (stored data, not a UI string)."""
    return f"匿名化済み No.{pk}"


# --- plain values with labels ---------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON: times in Japan time as ISO strings, users by their display name."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _choice_labels(field: models.Field, values: Iterable[str]) -> list[str]:
    labels = dict(field.base_field.choices or [])  # type: ignore[attr-defined]
    return [str(labels.get(v, v)) for v in values]


def record_row(obj: models.Model, fields: Sequence[str], **extra: Any) -> dict[str, Any]:
    """{field label: plain value} of `fields` of `obj` (choices by their label), then `extra`
    ({label: value}). A field holding a relation names the related row (`select_related` it)."""
    row: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        label = str(field.verbose_name)
        if getattr(field, "choices", None):
            value = getattr(obj, f"get_{name}_display")() if getattr(obj, name) != "" else ""
        elif getattr(getattr(field, "base_field", None), "choices", None):
            value = _choice_labels(field, getattr(obj, name))
        else:
            value = getattr(obj, name)
        row[label] = plain(value)
    for label, value in extra.items():
        row[str(label)] = plain(value)
    return row


def history_rows(model: type[models.Model], q: Q, fields: Sequence[str]) -> list[dict[str, Any]]:
    """The pghistory event rows of `model` matching `q` (on the event model): when, what kind
    of change, which record, and the snapshot of `fields`. One query."""
    events = event_model(model)
    assert events is not None, f"{model._meta.label} is not tracked"
    rows = []
    for event in events.objects.filter(q).order_by("pgh_created_at", "pgh_id"):
        row = {
            _("time"): plain(event.pgh_created_at),
            _("change"): event.pgh_label,
            _("record"): f"{model._meta.verbose_name} #{event.pgh_obj_id}",
        }
        for name in fields:
            row[str(model._meta.get_field(name).verbose_name)] = plain(getattr(event, name))
        rows.append(row)
    return rows


def section(label: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"label": str(label), "rows": rows}


# --- disclosure -----------------------------------------------------------------------------

PROFILE = (
    "nickname",
    "line_user_id",
    "phone",
    "age_band",
    "ward",
    "employment",
    "household",
    "heard_from",
    "first_contact_at",
    "last_contact_at",
    "status",
    "created_by",
    "created_at",
    "updated_at",
)
CONSENT = ("consent_scope", "consent_given_on", "consent_method", "consent_recorded_by")
CONSULTATION = (
    "kind",
    "started_at",
    "ended_at",
    "main_concern",
    "topics",
    "established",
    "summary",
    "notes",
    "outcomes",
    "follow_up_needed",
    "recorded_by",
)
CASE = ("title", "status", "priority", "opened_by", "opened_at", "closed_at", "close_reason")


def family_of(client: Client) -> list[int]:
    """Her record and every duplicate merged into it (they hold her old names and numbers)."""
    ids = [client.pk]
    frontier = [client.pk]
    while frontier:
        frontier = list(
            Client.objects.filter(merged_into__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def _names(users: Iterable[Any]) -> list[str]:
    return [str(u) for u in users]


def disclose(client: Client) -> list[dict[str, Any]]:
    ids = family_of(client)
    clients = list(
        Client.objects.filter(pk__in=ids)
        .select_related("created_by", "consent_recorded_by")
        .prefetch_related("counselors")
        .order_by("pk")
    )
    flags = RiskFlag.objects.filter(client_id__in=ids).select_related("set_by", "cleared_by")
    consultations = (
        Consultation.objects.filter(client_id__in=ids)
        .select_related("recorded_by")
        .prefetch_related("counselors")
        .order_by("started_at", "pk")
    )
    cases = (
        Case.objects.filter(client_id__in=ids)
        .select_related("opened_by")
        .prefetch_related("counselors")
        .order_by("opened_at", "pk")
    )
    in_her_cases = Q(case__client_id__in=ids)
    return [
        section(
            _("Profile"),
            [
                record_row(
                    c,
                    PROFILE,
                    **{
                        _("record"): f"No.{c.pk}",
                        _("counselors"): _names(c.counselors.all()),
                        _("merged into"): c.merged_into_id,
                    },
                )
                for c in clients
            ],
        ),
        section(
            _("Consent"), [record_row(c, CONSENT, **{_("record"): f"No.{c.pk}"}) for c in clients]
        ),
        section(
            _("Risk flags"),
            [
                record_row(
                    f,
                    ("kind", "note", "set_by", "set_at", "expires_at", "cleared_at", "cleared_by"),
                )
                for f in flags.order_by("set_at", "pk")
            ],
        ),
        section(
            _("Consultations"),
            [
                record_row(
                    c,
                    CONSULTATION,
                    **{
                        _("record"): f"#{c.pk}",
                        _("case"): c.case_id,
                        _("counselors"): _names(c.counselors.all()),
                    },
                )
                for c in consultations
            ],
        ),
        section(
            _("Cases"),
            [
                record_row(
                    c,
                    CASE,
                    **{_("record"): f"#{c.pk}", _("counselors"): _names(c.counselors.all())},
                )
                for c in cases
            ],
        ),
        section(
            _("Case events"),
            [
                record_row(
                    e, ("kind", "actor", "at", "before", "after", "note"), **{_("case"): e.case_id}
                )
                for e in CaseEvent.objects.filter(in_her_cases)
                .select_related("actor")
                .order_by("at", "pk")
            ],
        ),
        section(
            _("Case notes"),
            [
                record_row(
                    n,
                    ("author", "created_at", "body"),
                    **{_("case"): n.case_id, _("corrects"): n.corrects_id},
                )
                for n in CaseNote.objects.filter(in_her_cases)
                .select_related("author")
                .order_by("created_at", "pk")
            ],
        ),
        section(
            _("Support goals"),
            [
                record_row(
                    g,
                    ("text", "created_by", "created_at", "achieved_at", "achieved_by"),
                    **{_("case"): g.case_id},
                )
                for g in SupportGoal.objects.filter(in_her_cases)
                .select_related("created_by", "achieved_by")
                .order_by("created_at", "pk")
            ],
        ),
        section(
            _("Support actions"),
            [
                record_row(
                    a,
                    ("description", "owner", "due_on", "done_at", "done_by", "created_at"),
                    **{_("case"): a.case_id},
                )
                for a in SupportAction.objects.filter(in_her_cases)
                .select_related("owner", "done_by")
                .order_by("created_at", "pk")
            ],
        ),
        section(
            _("Closing requests"),
            [
                record_row(
                    r,
                    (
                        "reason",
                        "note",
                        "requested_by",
                        "requested_at",
                        "state",
                        "decided_by",
                        "decided_at",
                        "decision_note",
                    ),
                    **{_("case"): r.case_id},
                )
                for r in CaseClosureRequest.objects.filter(in_her_cases)
                .select_related("requested_by", "decided_by")
                .order_by("requested_at", "pk")
            ],
        ),
        section(
            _("Merged records"),
            [
                record_row(
                    m,
                    ("merged_by", "merged_at", "moved", "note"),
                    **{_("kept"): m.kept_id, _("merged"): m.merged_id},
                )
                for m in ClientMerge.objects.filter(Q(kept_id__in=ids) | Q(merged_id__in=ids))
                .select_related("merged_by")
                .order_by("merged_at", "pk")
            ],
        ),
        section(
            _("Counselor changes"),
            [
                record_row(a, ("kind", "changed_by", "changed_at", "before", "after"))
                for a in ClientAssignmentChange.objects.filter(client_id__in=ids)
                .select_related("changed_by")
                .order_by("changed_at", "pk")
            ],
        ),
        section(
            _("History of her profile"),
            history_rows(
                Client,
                Q(pgh_obj_id__in=ids),
                ("nickname", "line_user_id", "phone", *CONSENT[:3], "status"),
            ),
        ),
        section(
            _("History of her consultations"),
            history_rows(
                Consultation, Q(client_id__in=ids), ("kind", "started_at", "summary", "notes")
            ),
        ),
        section(
            _("History of her cases"), history_rows(Case, Q(client_id__in=ids), ("title", "status"))
        ),
        section(
            _("History of her risk flags"),
            history_rows(RiskFlag, Q(client_id__in=ids), ("kind", "note")),
        ),
        section(
            _("History of her support plans"),
            history_rows(SupportGoal, Q(case__client_id__in=ids), ("text",))
            + history_rows(SupportAction, Q(case__client_id__in=ids), ("description",)),
        ),
    ]


# --- anonymisation --------------------------------------------------------------------------

# The append-only triggers that anonymisation lifts, for its own transaction only: the one
# sanctioned exception to "notes, events and history are never changed". Erasing her name and
# free text from the history is what the law asks; every other trigger (the history of the
# change itself included) stays in force.
APPEND_ONLY_LIFTED = (
    "cases.CaseNote:cases_casenote_append_only",
    "cases.CaseEvent:cases_caseevent_append_only",
    "cases.ClientMerge:cases_clientmerge_append_only",  # the supervisor's note on the merge
    "cases.ClientEvent:append_only",
    "cases.ConsultationEvent:append_only",
    "cases.CaseHistory:append_only",
    "cases.RiskFlagEvent:append_only",
    "cases.SupportGoalEvent:append_only",
    "cases.SupportActionEvent:append_only",
)


def _events(model: type[models.Model]) -> models.QuerySet:
    events = event_model(model)
    assert events is not None
    return events.objects.all()


def anonymise(client: Client, now: datetime.datetime) -> dict[str, int]:
    """Remove her names, contact details and free text from this app's rows and their history;
    keep every code and date. Inside the privacy service's transaction, her row locked."""
    ids = family_of(client)
    mine = Q(client_id__in=ids)
    in_cases = Q(case__client_id__in=ids)
    done: dict[str, int] = {}
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        profiles = 0
        for pk in ids:
            # Her status becomes inactive (a merged record stays merged): an anonymised woman
            # must not wait in the intake queue.
            profiles += (
                Client.objects.filter(pk=pk)
                .exclude(nickname=anonymised_nickname(pk), phone="", line_user_id=None)
                .update(
                    nickname=anonymised_nickname(pk),
                    **nickname_search_columns(anonymised_nickname(pk)),
                    phone="",
                    line_user_id=None,
                    status=models.Case(
                        models.When(status=Client.Status.MERGED, then=F("status")),
                        default=models.Value(Client.Status.INACTIVE),
                    ),
                    updated_at=now,
                )
            )
            _events(Client).filter(pgh_obj_id=pk).update(
                nickname=anonymised_nickname(pk), phone="", line_user_id=None
            )
        done["clients"] = profiles
        done["risk_flags"] = RiskFlag.objects.filter(mine).exclude(note="").update(note="")
        done["consultations"] = (
            Consultation.objects.filter(mine)
            .filter(~Q(summary="") | ~Q(notes=""))
            .update(summary="", notes="", updated_at=now)
        )
        done["cases"] = Case.objects.filter(mine).exclude(title="").update(title="", updated_at=now)
        done["case_notes"] = (
            CaseNote.objects.filter(in_cases).exclude(body=REMOVED).update(body=REMOVED)
        )
        done["case_events"] = (
            CaseEvent.objects.filter(in_cases)
            .exclude(note="")
            .exclude(note=REMOVED)
            .update(note=REMOVED)
        )
        done["support_goals"] = (
            SupportGoal.objects.filter(in_cases).exclude(text=REMOVED).update(text=REMOVED)
        )
        done["support_actions"] = (
            SupportAction.objects.filter(in_cases)
            .exclude(description=REMOVED)
            .update(description=REMOVED)
        )
        closing = CaseClosureRequest.objects.filter(in_cases)
        done["closing_requests"] = closing.exclude(note="").update(note="") + closing.exclude(
            decision_note=""
        ).exclude(decision_note=REMOVED).update(decision_note=REMOVED)
        done["merges"] = (
            ClientMerge.objects.filter(Q(kept_id__in=ids) | Q(merged_id__in=ids))
            .exclude(note="")
            .update(note="")
        )
        # The history rows: snapshots of every earlier version of the same fields.
        _events(Consultation).filter(mine).update(summary="", notes="")
        _events(Case).filter(mine).update(title="")
        _events(RiskFlag).filter(mine).update(note="")
        _events(SupportGoal).filter(in_cases).update(text=REMOVED)
        _events(SupportAction).filter(in_cases).update(description=REMOVED)
    return {k: v for k, v in done.items() if v}


# --- activity -------------------------------------------------------------------------------


def latest_of(queryset: models.QuerySet, field: str) -> Subquery:
    """MAX(`field`) of `queryset` as a scalar subquery (NULL when it has no rows)."""
    return Subquery(
        queryset.order_by()
        .values(one=models.Value(1))
        .annotate(latest=Max(field))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )


def last_activity() -> Greatest:
    """The latest thing recorded about her here: her profile, a consultation, a case and its
    events and notes, a risk flag. PostgreSQL's GREATEST skips NULLs."""
    her = OuterRef("pk")
    her_cases = Q(case__client_id=her)
    return Greatest(
        F("updated_at"),
        F("first_contact_at"),
        latest_of(Consultation.objects.filter(client_id=her), "updated_at"),
        latest_of(Case.objects.filter(client_id=her), "updated_at"),
        latest_of(CaseEvent.objects.filter(her_cases), "at"),
        latest_of(CaseNote.objects.filter(her_cases), "created_at"),
        latest_of(RiskFlag.objects.filter(client_id=her), "set_at"),
        output_field=DateTimeField(),
    )


def records(client: Client) -> dict[str, list[int]]:
    """Her rows as the access log names them (object type: ids)."""
    ids = family_of(client)
    return {
        "cases.client": ids,
        "cases.case": list(Case.objects.filter(client_id__in=ids).values_list("pk", flat=True)),
        "cases.consultation": list(
            Consultation.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
        "cases.caseclosurerequest": list(
            CaseClosureRequest.objects.filter(case__client_id__in=ids).values_list("pk", flat=True)
        ),
    }
