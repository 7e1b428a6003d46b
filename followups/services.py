"""Follow-ups: every write, including the reminder sweep, escalation and the morning digest.

The FollowUp row is the truth. A sweep claims due rows with SELECT ... FOR UPDATE SKIP LOCKED,
changes their state and creates their notifications in the same transaction, so a worker that
dies mid-sweep leaves nothing half-done, and two sweeps at once never notify a row twice (the
notification's unique (user, dedupe_key) backs this up).
"""

from __future__ import annotations

import datetime

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import supervisors_to_notify
from cases.models import Case, Client, ClientAssignmentChange, Consultation
from cases.services.clients import client_counselors_add
from core import authz, registry
from core.bounds import check_bounds
from core.roles import Role
from core.time import TOKYO, local_date, start_of_day
from notifications.models import Notification
from notifications.services import digest_run_claim, notification_send

from .models import FollowUp
from .selectors import overdue_q

STAFF_ROLES = (Role.COUNSELOR, Role.SUPERVISOR)
# Counselors often note a call-back a few minutes after its time; older than this is a mistake.
PAST_GRACE = datetime.timedelta(minutes=10)


def _require_open(followup: FollowUp) -> None:
    if not followup.is_open:
        raise ValidationError(_("This follow-up is already completed or cancelled."))


def _require_aware(due_at: datetime.datetime) -> None:
    if timezone.is_naive(due_at):
        raise ValidationError({"due_at": _("The due time needs a time zone.")})


def due_at_check(due_at: datetime.datetime) -> None:
    """A due time the form and the services accept: aware, not in the past (beyond a few
    minutes' grace), within the range of a schedule."""
    _require_aware(due_at)
    check_bounds(schedules={"due_at": due_at})
    if due_at < timezone.now() - PAST_GRACE:
        raise ValidationError(
            {"due_at": _("The due time is in the past. Choose a time from now on.")},
            code="past",
        )


@transaction.atomic
def followup_create(
    *,
    client: Client,
    what: str,
    due_at: datetime.datetime,
    assignee: User,
    by: User,
    case: Case | None = None,
    consultation: Consultation | None = None,
) -> FollowUp:
    what = (what or "").strip()
    errors: dict[str, str] = {}
    if not what:
        errors["what"] = _("Say what is to be done.")
    elif len(what) > FollowUp._meta.get_field("what").max_length:
        errors["what"] = _("Keep this to %(limit)d characters.") % {
            "limit": FollowUp._meta.get_field("what").max_length
        }
    if case is not None and case.client_id != client.pk:
        errors["case"] = _("This case belongs to another client.")
    if consultation is not None and consultation.client_id != client.pk:
        errors["consultation"] = _("This consultation belongs to another client.")
    if not authz.can(assignee, "followups.take_followups"):
        errors["assignee"] = _("The assignee must be an active counselor or supervisor.")
    if errors:
        raise ValidationError(errors)
    due_at_check(due_at)
    # A merge folding her into another record meanwhile: read her status under its lock.
    if Client.objects.select_for_update(no_key=True).get(pk=client.pk).status == (
        Client.Status.MERGED
    ):
        raise ValidationError(
            _("This client was merged into another record; add the follow-up there."),
            code="merged",
        )
    if case is not None:
        # A closing approved meanwhile settles the case's open follow-ups under the case's lock:
        # wait for it, then refuse, so no follow-up is left open on a closed case.
        locked_case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
        if locked_case.status == Case.Status.CLOSED:
            raise ValidationError(
                {"case": _("This case is closed; add the follow-up without the case.")},
                code="case_closed",
            )
    return FollowUp.objects.create(
        client=client,
        case=case,
        consultation=consultation,
        what=what,
        due_at=due_at,
        assignee=assignee,
        created_by=by,
    )


def followup_from_consultation(
    *, consultation: Consultation, what: str, due_at: datetime.datetime, by: User
) -> FollowUp:
    """The follow-up a consultation asked for ("follow-up needed"), created with it: hers who
    recorded it when she may take follow-ups, else the consultation's first counselor. Bad
    input comes back under the consultation form's field names."""
    assignee = by
    if not authz.can(by, "followups.take_followups"):
        assignee = consultation.counselors.order_by("pk").first() or by
    what = (what or "").strip() or _("Follow up on this consultation")
    try:
        return followup_create(
            client=consultation.client,
            case=consultation.case,
            consultation=consultation,
            what=what,
            due_at=due_at,
            assignee=assignee,
            by=by,
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        renamed = {"what": "follow_up_what", "due_at": "follow_up_due_at"}
        raise ValidationError(
            {renamed.get(field, "__all__"): errors for field, errors in exc.error_dict.items()}
        ) from exc


def _locked(followup: FollowUp) -> FollowUp:
    # Locks the row: a sweep notifying it and a person closing it must not interleave.
    return FollowUp.objects.select_for_update().get(pk=followup.pk)


def _refresh(target: FollowUp, source: FollowUp) -> FollowUp:
    for field in FollowUp._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


@transaction.atomic
def followup_complete(*, followup: FollowUp, by: User) -> FollowUp:
    row = _locked(followup)
    _require_open(row)
    row.state = FollowUp.State.DONE
    row.done_at = timezone.now()
    row.done_by = by
    row.save(update_fields=["state", "done_at", "done_by"])
    return _refresh(followup, row)


@transaction.atomic
def followup_cancel(*, followup: FollowUp, by: User, reason: str = "") -> FollowUp:
    reason = (reason or "").strip()
    check_bounds(texts={"reason": (reason, FollowUp._meta.get_field("cancel_reason").max_length)})
    row = _locked(followup)
    _require_open(row)
    row.state = FollowUp.State.CANCELLED
    row.cancelled_at = timezone.now()
    row.cancelled_by = by
    row.cancel_reason = reason
    row.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
    return _refresh(followup, row)


@transaction.atomic
def followup_reschedule(*, followup: FollowUp, due_at: datetime.datetime, by: User) -> FollowUp:
    """A new due time: back to pending, reminded (and escalated) afresh at the new time."""
    due_at_check(due_at)
    row = _locked(followup)
    _require_open(row)
    row.due_at = due_at
    row.state = FollowUp.State.PENDING
    row.notified_at = None
    row.escalated_at = None
    row.revision += 1
    row.save(update_fields=["due_at", "state", "notified_at", "escalated_at", "revision"])
    return _refresh(followup, row)


def _followup_path(followup: FollowUp) -> str:
    return reverse("followups:detail", args=[followup.pk])


def _format_due(due_at: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(due_at, TOKYO), "SHORT_DATETIME_FORMAT")


@transaction.atomic
def followups_notify_due(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Notify the assignee of each due pending follow-up, exactly once. Returns how many."""
    now = now or timezone.now()
    # SKIP LOCKED: a concurrent sweep takes other rows instead of waiting for (and repeating) ours.
    due = list(
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("client", "assignee")
        .filter(state=FollowUp.State.PENDING, due_at__lte=now)
        .order_by("due_at", "id")[:limit]
    )
    for followup in due:
        followup.state = FollowUp.State.NOTIFIED
        followup.notified_at = now
        followup.save(update_fields=["state", "notified_at"])
        assignee = followup.assignee
        with translation.override(assignee.language or settings.LANGUAGE_CODE):
            title = _("Follow-up due: %(nickname)s — %(what)s (%(due)s)") % {
                "nickname": followup.client.nickname,
                "what": followup.what,
                "due": _format_due(followup.due_at),
            }
        notification_send(
            user=assignee,
            kind=Notification.Kind.FOLLOWUP_DUE,
            title=title,
            url=_followup_path(followup),
            dedupe_key=followup.due_dedupe_key,
        )
    return len(due)


@transaction.atomic
def followups_escalate_overdue(*, now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Tell every supervisor, once, about open follow-ups overdue beyond the set time."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.FOLLOWUP_ESCALATE_AFTER_MINUTES)
    # SKIP LOCKED: a concurrent sweep escalates other rows; escalated_at then marks ours done.
    overdue = list(
        FollowUp.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("client", "assignee")
        .filter(overdue_q(cutoff), escalated_at__isnull=True)
        .order_by("due_at", "id")[:limit]
    )
    supervisors = supervisors_to_notify()
    if not overdue or not supervisors:
        return 0  # with nobody to tell, leave the rows to escalate once a supervisor exists
    for followup in overdue:
        followup.escalated_at = now
        followup.save(update_fields=["escalated_at"])
        for supervisor in supervisors:
            with translation.override(supervisor.language or settings.LANGUAGE_CODE):
                title = _("Overdue follow-up: %(nickname)s — %(what)s (due %(due)s, %(who)s)") % {
                    "nickname": followup.client.nickname,
                    "what": followup.what,
                    "due": _format_due(followup.due_at),
                    "who": str(followup.assignee),
                }
            notification_send(
                user=supervisor,
                kind=Notification.Kind.FOLLOWUP_OVERDUE,
                title=title,
                url=_followup_path(followup),
                dedupe_key=followup.overdue_dedupe_key,
            )
    return len(overdue)


@transaction.atomic
def followups_send_morning_digest(*, today: datetime.date | None = None) -> int:
    """One e-mail per person per day listing counts and due times only. Returns how many."""
    today = today or local_date(timezone.now())
    start = start_of_day(today)
    end = start + datetime.timedelta(days=1)
    due_times: dict[int, list[datetime.datetime]] = {}
    for user_id, due_at in (
        FollowUp.objects.filter(state__in=FollowUp.OPEN_STATES, due_at__gte=start, due_at__lt=end)
        .order_by("due_at")
        .values_list("assignee_id", "due_at")
    ):
        due_times.setdefault(user_id, []).append(due_at)
    recipients = (
        User.objects.filter(pk__in=due_times, daily_digest=True)
        .filter(authz.role_q(*STAFF_ROLES))
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for user in recipients:
        times = due_times[user.pk]
        if not digest_run_claim(user=user, date=today, item_count=len(times)):
            continue  # another run got there first
        with translation.override(user.language or settings.LANGUAGE_CODE):
            listed = ", ".join(
                formats.time_format(timezone.localtime(t, TOKYO), "TIME_FORMAT") for t in times
            )
            title = _("Today's follow-ups: %(count)d (%(times)s)") % {
                "count": len(times),
                "times": listed,
            }
        notification_send(
            user=user,
            kind=Notification.Kind.DIGEST,
            title=title,
            url=reverse("followups:mine"),
            dedupe_key=f"digest:{today.isoformat()}",
        )
        sent += 1
    return sent


@transaction.atomic
def followups_settle_for_case(
    *, case: Case, outcome: str, to: User | None, reason: str, by: User, now: datetime.datetime
) -> dict[str, int]:
    """A closing approved: the case's open follow-ups are cancelled, or handed over to `to`
    (reminded afresh, as hers). The reason goes with each change: as the cancelling reason, and
    in the history context of both (registered in `core.registry.case_open_items`)."""
    # A sweep notifying one of them meanwhile: lock them, so it waits and then finds them gone.
    rows = list(
        FollowUp.objects.select_for_update()
        .filter(case=case, state__in=FollowUp.OPEN_STATES)
        .order_by("pk")
    )
    if not rows:
        return {}
    reason = reason.strip()[: FollowUp._meta.get_field("cancel_reason").max_length]
    with pghistory.context(action="followups_settle_for_case", case=case.pk, reason=reason):
        if outcome == registry.SETTLE_HAND_OVER:
            if to is None or not authz.can(to, "followups.take_followups"):
                raise ValidationError(
                    {"hand_over_to": _("The assignee must be an active counselor or supervisor.")}
                )
            # She must be able to open what she is given: she joins the client's counselors
            # (recorded like any change of the team). The merge's lock on her row first.
            client = Client.objects.select_for_update(no_key=True).get(pk=case.client_id)
            if not client.counselors.filter(pk=to.pk).exists():
                client_counselors_add(
                    client=client, user=to, kind=ClientAssignmentChange.Kind.ASSIGNED, by=by
                )
            for row in rows:
                row.assignee = to
                row.state = FollowUp.State.PENDING
                row.notified_at = None
                row.revision += 1
                row.save(update_fields=["assignee", "state", "notified_at", "revision"])
            return {"followups_handed_over": len(rows)}
        for row in rows:
            row.state = FollowUp.State.CANCELLED
            row.cancelled_at = now
            row.cancelled_by = by
            row.cancel_reason = reason
            row.save(update_fields=["state", "cancelled_at", "cancelled_by", "cancel_reason"])
        return {"followups_cancelled": len(rows)}


def followups_merge_move(*, kept: Client, merged: Client, by: User, now) -> dict[str, int]:
    """A merge of two client records: her follow-ups go with her (registered merge mover)."""
    return {"followups": FollowUp.objects.filter(client=merged).update(client=kept)}


def followups_merge_preview(*, kept: Client, merged: Client) -> dict[str, int]:
    return {"followups": FollowUp.objects.filter(client=merged).count()}
