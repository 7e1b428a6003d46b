"""Peer-support sessions (ピアサポート): planned, changed, cancelled; women registered by their
counselors (a reminder the day before goes to her counselor); attendance taken after."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Client
from core import authz
from core.bounds import NOTE_MAX, check_bounds

from ..models import TITLE_MAX, PeerSession, SessionRegistration
from .common import reminder_cancel, reminder_create

SESSION_FIELDS = (
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "online",
    "peer_supporters",
    "capacity",
    "materials",
    "notes",
)


def _clean(values: dict) -> dict:
    values = dict(values)
    for name in ("title", "venue", "peer_supporters", "materials", "notes"):
        values[name] = (values.get(name) or "").strip()
    errors: dict[str, str] = {}
    if not values["title"]:
        errors["title"] = _("Give the session a title.")
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = _("Enter when it starts.")
    elif ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    capacity = values.get("capacity")
    if capacity is None or not 1 <= capacity <= 200:
        errors["capacity"] = _("Enter a capacity between 1 and 200.")
    if not values.get("online") and not values["venue"]:
        errors["venue"] = _("Say where it is held, or tick “online”.")
    if errors:
        raise ValidationError(errors)
    check_bounds(
        schedules={"starts_at": starts_at, "ends_at": ends_at},
        texts={
            "title": (values["title"], TITLE_MAX),
            "venue": (values["venue"], 200),
            "peer_supporters": (values["peer_supporters"], 200),
            "materials": (values["materials"], 300),
            "notes": (values["notes"], NOTE_MAX),
        },
    )
    return values


def _require(by: User, capability: str, obj=None) -> None:
    if not authz.can(by, capability, obj):
        raise PermissionDenied(_("You cannot do this."))


def _facilitators_check(facilitators: Iterable[User]) -> list[User]:
    users = list(facilitators)
    for user in users:
        if not authz.can(user, "activities.view_sessions"):
            raise ValidationError({"facilitators": _("Facilitators are members of the team.")})
    return users


@transaction.atomic
def session_create(*, by: User, facilitators: Iterable[User] = (), **values: object) -> PeerSession:
    _require(by, "activities.manage_sessions")
    unknown = set(values) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"session_create() got unexpected fields: {', '.join(sorted(unknown))}")
    values = _clean(values)
    users = _facilitators_check(facilitators)
    session = PeerSession.objects.create(created_by=by, **values)
    session.facilitators.set(users)
    return session


def _locked(session: PeerSession) -> PeerSession:
    # A change, a cancellation and attendance at once: each starts from the other's result.
    return PeerSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def session_update(
    *, session: PeerSession, by: User, facilitators: Iterable[User] | None = None, **changes
) -> PeerSession:
    _require(by, "activities.manage_sessions")
    unknown = set(changes) - set(SESSION_FIELDS)
    if unknown:
        raise TypeError(f"session_update() got unexpected fields: {', '.join(sorted(unknown))}")
    row = _locked(session)
    if row.status == PeerSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."), code="cancelled")
    values = _clean({name: changes.get(name, getattr(row, name)) for name in SESSION_FIELDS})
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    if facilitators is not None:
        row.facilitators.set(_facilitators_check(facilitators))
    return row


@transaction.atomic
def session_cancel(*, session: PeerSession, by: User, reason: str) -> PeerSession:
    _require(by, "activities.manage_sessions")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it is cancelled.")})
    check_bounds(texts={"reason": (reason, 300)})
    row = _locked(session)
    if row.status != PeerSession.Status.PLANNED:
        raise ValidationError(_("Only a planned session can be cancelled."), code="not_planned")
    row.status = PeerSession.Status.CANCELLED
    row.cancel_reason = reason
    row.save(update_fields=["status", "cancel_reason"])
    for registration in row.registrations.filter(status=SessionRegistration.Status.REGISTERED):
        reminder_cancel(registration.reminder_id, by=by, reason=_("The session is cancelled."))
    return row


def _live_count(session: PeerSession) -> int:
    linked = session.registrations.exclude(status=SessionRegistration.Status.WITHDRAWN).count()
    return linked + session.anonymous_registered


@transaction.atomic
def session_register(
    *, session: PeerSession, client: Client, by: User, contact_agreed: bool = False
) -> SessionRegistration:
    """Register a woman she works with (her agreement is asked before); a reminder the day
    before goes to the counselor who registered her. `contact_agreed`: she agreed to be
    contacted about the session herself (an invitation on LINE)."""
    _require(by, "activities.register_clients")
    if not authz.can(by, "cases.view_client", client):
        raise PermissionDenied(_("You cannot register this client."))
    # Two counselors filling the last place at once: the second sees the first's row.
    row = _locked(session)
    if row.status != PeerSession.Status.PLANNED:
        raise ValidationError(_("Registration is closed for this session."), code="closed")
    if client.status == Client.Status.MERGED:
        raise ValidationError(_("This client was merged into another record."), code="merged")
    existing = row.registrations.filter(client=client).first()
    if existing is not None and existing.status != SessionRegistration.Status.WITHDRAWN:
        raise ValidationError(_("She is already registered."), code="already")
    if _live_count(row) >= row.capacity:
        raise ValidationError(_("The session is full."), code="full")
    what = _("Peer-support session tomorrow: %(title)s") % {"title": row.title}
    reminder = reminder_create(
        client=client, what=what, starts_at=row.starts_at, assignee=by, by=by
    )
    if existing is not None:
        existing.status = SessionRegistration.Status.REGISTERED
        existing.registered_by = by
        existing.registered_at = timezone.now()
        existing.reminder = reminder
        existing.contact_agreed = contact_agreed
        existing.save()
        return existing
    return SessionRegistration.objects.create(
        session=row,
        client=client,
        registered_by=by,
        reminder=reminder,
        contact_agreed=contact_agreed,
    )


@transaction.atomic
def registration_withdraw(*, registration: SessionRegistration, by: User) -> SessionRegistration:
    _require(by, "activities.register_clients")
    if not authz.can(by, "cases.view_client", registration.client):
        raise PermissionDenied(_("You cannot change this registration."))
    _locked(registration.session)
    row = SessionRegistration.objects.select_for_update().get(pk=registration.pk)
    if row.status != SessionRegistration.Status.REGISTERED:
        raise ValidationError(_("Only a registration not yet attended can be withdrawn."))
    row.status = SessionRegistration.Status.WITHDRAWN
    row.save(update_fields=["status"])
    reminder_cancel(row.reminder_id, by=by, reason=_("The registration is withdrawn."))
    return row


@transaction.atomic
def session_anonymous_set(
    *, session: PeerSession, by: User, registered: int | None = None, attended: int | None = None
) -> PeerSession:
    """The head count of women without a linked record: registered ahead, present after."""
    _require(by, "activities.manage_sessions")
    row = _locked(session)
    if row.status == PeerSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."), code="cancelled")
    if registered is not None:
        if not 0 <= registered <= row.capacity:
            raise ValidationError(
                {"anonymous_registered": _("Enter a number from 0 to the capacity.")}
            )
        row.anonymous_registered = registered
    if attended is not None:
        if not 0 <= attended <= 200:
            raise ValidationError({"anonymous_attended": _("Enter a number from 0 to 200.")})
        if row.starts_at > timezone.now():
            raise ValidationError(
                {"anonymous_attended": _("Attendance is taken once the session has begun.")}
            )
        row.anonymous_attended = attended
        row.status = PeerSession.Status.HELD
    row.save(update_fields=["anonymous_registered", "anonymous_attended", "status"])
    return row


@transaction.atomic
def session_attendance_record(
    *, session: PeerSession, attended: Mapping[int, bool], by: User
) -> PeerSession:
    """Who came, for the registrations `by` may see (her clients; a supervisor every one).
    Taking attendance marks the session held."""
    _require(by, "activities.register_clients")
    row = _locked(session)
    if row.status == PeerSession.Status.CANCELLED:
        raise ValidationError(_("This session is cancelled."), code="cancelled")
    if row.starts_at > timezone.now():
        raise ValidationError(_("Attendance is taken once the session has begun."), code="early")
    registrations = {
        r.pk: r
        for r in row.registrations.select_for_update()
        .select_related("client")
        .exclude(status=SessionRegistration.Status.WITHDRAWN)
    }
    for pk, came in attended.items():
        registration = registrations.get(pk)
        if registration is None or not authz.can(by, "cases.view_client", registration.client):
            raise PermissionDenied(_("You cannot take attendance for this registration."))
        registration.status = (
            SessionRegistration.Status.ATTENDED if came else SessionRegistration.Status.ABSENT
        )
        registration.save(update_fields=["status"])
    if row.status != PeerSession.Status.HELD:
        row.status = PeerSession.Status.HELD
        row.save(update_fields=["status"])
    return row


def session_registrations_merge_move(*, kept: Client, merged: Client) -> int:
    """Her registrations follow her to the record kept; one she had on both stays once."""
    both = SessionRegistration.objects.filter(client=kept).values("session_id")
    SessionRegistration.objects.filter(client=merged, session_id__in=both).update(
        status=SessionRegistration.Status.WITHDRAWN
    )
    moved = 0
    for registration in SessionRegistration.objects.filter(client=merged).exclude(
        session_id__in=both
    ):
        registration.client = kept
        registration.save(update_fields=["client"])
        moved += 1
    return moved
