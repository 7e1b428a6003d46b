"""Writes on consultations (相談): recording one conversation, and the intake that registers a
new client together with her first consultation."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import users_with_roles
from core import authz, registry
from core.bounds import ENDS_AHEAD, NOTE_MAX, STARTED_GRACE, check_bounds, happened_problem
from core.roles import Role
from openings.models import Channel, Opening
from openings.selectors import opening_at
from openings.services import openings_materialize

from ..models import Case, Client, ClientAssignmentChange, Consultation
from .clients import (
    client_counselors_add,
    client_create,
    client_last_contact_refresh,
    counselors_only,
)

# Consultation kinds held in opening windows (開設日), and the window's channel.
OPENING_CHANNEL = {
    Consultation.Kind.LINE: Channel.LINE,
    Consultation.Kind.LEGAL: Channel.LEGAL,
    Consultation.Kind.HEALTH: Channel.HEALTH,
}

CONSULTATION_FIELDS = (
    "kind",
    "started_at",
    "ended_at",
    "counselors",
    "main_concern",
    "topics",
    "established",
    "summary",
    "notes",
    "outcomes",
    "follow_up_needed",
    "case",
)


def opening_for(*, kind: str, started_at: datetime.datetime) -> Opening | None:
    """The opening window a consultation of this kind, starting then, belongs to."""
    channel = OPENING_CHANNEL.get(kind)
    if channel is None:
        return None
    opening = opening_at(started_at, channel=channel)
    if opening is not None and opening.pk is None:
        # A window computed from the rules but not yet materialised: make its row, then link.
        day = timezone.localtime(opening.starts_at).date()
        openings_materialize(start=day, end=day, channel=channel)
        opening = opening_at(started_at, channel=channel)
        if opening is not None and opening.pk is None:
            return None
    return opening


def _validate(consultation: Consultation, counselors: list[User]) -> None:
    """The rules a consultation about to be saved must meet (new or corrected alike)."""
    check_bounds(
        datetimes={"started_at": consultation.started_at, "ended_at": consultation.ended_at},
        texts={
            "summary": (consultation.summary, NOTE_MAX),
            "notes": (consultation.notes, NOTE_MAX),
        },
    )
    errors: dict[str, str] = {}
    if consultation.kind not in Consultation.Kind.values:
        errors["kind"] = _("Choose how she consulted.")
    # A record of what happened: not dated ahead of the clock (beyond "starting now").
    if problem := happened_problem(consultation.started_at, ahead=STARTED_GRACE):
        errors["started_at"] = problem
    if consultation.ended_at <= consultation.started_at:
        # A zero-minute consultation is a slip (start and end both "now"), not a conversation.
        errors["ended_at"] = _("The end must be after the start.")
    elif problem := happened_problem(consultation.ended_at, ahead=ENDS_AHEAD):
        errors["ended_at"] = problem
    if consultation.main_concern not in Consultation.MainConcern.values:
        errors["main_concern"] = _("Choose the main concern.")
    if set(consultation.topics) - set(Consultation.Topic.values):
        errors["topics"] = _("Choose topics from the list.")
    if set(consultation.outcomes) - set(Consultation.Outcome.values):
        errors["outcomes"] = _("Choose outcomes from the list.")
    if not counselors:
        errors["counselors"] = _("Choose at least one counselor.")
    if consultation.case is not None and consultation.case.client_id != consultation.client_id:
        errors["case"] = _("This case belongs to another client.")
    if consultation.client.status == Client.Status.MERGED:
        errors["__all__"] = _("This client was merged into another record; record it there.")
    if errors:
        raise ValidationError(errors)
    consultation_staff_only(counselors, kind=consultation.kind)


def consultation_staff_only(users: Iterable[User], *, kind: str) -> list[User]:
    """The given users, after checking that each may hold a consultation of `kind`: an active
    counselor, or an active holder of a role registered for that kind
    (`core.registry.consultation_staff`, e.g. the expert of a legal consultation)."""
    users = list(users)
    extra_roles = registry.consultation_staff_roles(kind)
    if not extra_roles:
        return counselors_only(users)
    ids = {u.pk for u in users}
    valid = set(
        users_with_roles(Role.COUNSELOR, *extra_roles)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if valid != ids:
        raise ValidationError(
            {
                "counselors": _(
                    "Only active counselors, or staff who hold consultations of this kind, "
                    "can be assigned."
                )
            },
            code="not_counselor",
        )
    return users


@transaction.atomic
def consultation_record(
    *,
    client: Client,
    kind: str,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    counselors: Iterable[User],
    main_concern: str,
    topics: Iterable[str] = (),
    established: bool = True,
    summary: str = "",
    notes: str = "",
    outcomes: Iterable[str] = (),
    follow_up_needed: bool = False,
    follow_up_due_at: datetime.datetime | None = None,
    follow_up_what: str = "",
    by: User,
    case: Case | None = None,
) -> Consultation:
    """Record a consultation. With `follow_up_needed`, the follow-up is created with it (by the
    app registered in `core.registry.consultation_follow_ups`), due `follow_up_due_at`."""
    counselors = list(counselors)
    if follow_up_needed and follow_up_due_at is None and registry.consultation_follow_ups:
        raise ValidationError(
            {"follow_up_due_at": _("Say when the follow-up is due, or untick the box.")}
        )
    consultation = Consultation(
        client=client,
        case=case,
        kind=kind,
        started_at=started_at,
        ended_at=ended_at,
        main_concern=main_concern,
        topics=list(topics),
        established=established,
        summary=summary or "",
        notes=notes or "",
        outcomes=list(outcomes),
        follow_up_needed=follow_up_needed,
        recorded_by=by,
    )
    _validate(consultation, counselors)
    consultation.opening = opening_for(kind=kind, started_at=started_at)
    consultation.save()
    consultation.counselors.set(counselors)
    client_last_contact_refresh(client_ids=[client.pk])
    if authz.is_counselor(by):
        # Two counselors recording for the same queued client at once: only one takes her.
        # (NO KEY: the other's consultation insert holds KEY SHARE on her row.)
        locked = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
        if not locked.counselors.exists():  # she leaves the intake queue
            client_counselors_add(
                client=locked, user=by, kind=ClientAssignmentChange.Kind.CONSULTATION, by=by
            )
    if follow_up_needed:
        for provider in registry.consultation_follow_ups:
            provider.create(
                consultation=consultation, what=follow_up_what, due_at=follow_up_due_at, by=by
            )
    return consultation


@transaction.atomic
def consultation_update(*, consultation: Consultation, by: User, **changes: Any) -> Consultation:
    """Correct a recorded consultation (see CONSULTATION_FIELDS). History keeps the old values."""
    unknown = set(changes) - set(CONSULTATION_FIELDS)
    if unknown:
        raise TypeError(
            f"consultation_update() got unexpected fields: {', '.join(sorted(unknown))}"
        )
    # Two people correcting the same record: the second must start from the first's result.
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("client")
        .get(pk=consultation.pk)
    )
    counselors = changes.pop("counselors", None)
    for field, value in changes.items():
        setattr(consultation, field, value)
    consultation.topics = list(consultation.topics)
    consultation.outcomes = list(consultation.outcomes)
    current = counselors if counselors is not None else consultation.counselors.all()
    _validate(consultation, list(current))
    if {"kind", "started_at"} & set(changes):
        consultation.opening = opening_for(
            kind=consultation.kind, started_at=consultation.started_at
        )
    consultation.summary = consultation.summary or ""
    consultation.notes = consultation.notes or ""
    consultation.save()
    if counselors is not None:
        consultation.counselors.set(counselors)
    if "started_at" in changes:
        client_last_contact_refresh(client_ids=[consultation.client_id])
    return consultation


@transaction.atomic
def consultation_intake(
    *,
    by: User,
    client: Client | None = None,
    new_client: dict[str, Any] | None = None,
    **consultation: Any,
) -> Consultation:
    """Intake in one step: register the client (unless `client` is given) and record the
    consultation. Either both are saved or neither is."""
    if (client is None) == (new_client is None):
        raise TypeError("consultation_intake() needs exactly one of client and new_client")
    if client is None:
        client = client_create(by=by, **new_client)
    return consultation_record(client=client, by=by, **consultation)
