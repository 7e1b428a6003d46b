"""Cases (ケース): opening, assignment, status, support plan, notes and closing.

Every function here is one transaction and writes its CaseEvent (who, when, before/after) in
that same transaction, so the event log and the case never disagree. Closing needs a
supervisor's approval: a counselor requests it, a supervisor approves or declines.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import supervisors_to_notify
from core import authz, registry
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds, text_problem
from notifications.models import Notification
from notifications.services import notification_send

from ..closing import open_items_for, settle_open_items, undone_action_ids
from ..models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    Consultation,
    RiskFlag,
    SupportAction,
    SupportGoal,
)
from ..selectors.common import flag_in_force_q

# A follow-up keeps a cancelling reason of at most 200 characters; the reason given for the
# open items of a closed case is stored with each of them.
OPEN_ITEMS_REASON_MAX = 200

# Moves a counselor may make with case_set_status. Closing goes through a supervisor's
# approval (case_request_closure / case_approve_closure) and reopening through case_reopen.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    Case.Status.OPEN: frozenset({Case.Status.ACTIVE}),
    Case.Status.ACTIVE: frozenset({Case.Status.ON_HOLD}),
    Case.Status.ON_HOLD: frozenset({Case.Status.ACTIVE}),
    Case.Status.CLOSED: frozenset(),
}


# --- helpers ----------------------------------------------------------------------------


def _event(
    *,
    case: Case,
    kind: str,
    by: User,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=kind, actor=by, before=before or {}, after=after or {}, note=note
    )


def _lock_case(case: Case) -> Case:
    """The case row re-read under a row lock; the caller's copy may be stale."""
    return Case.objects.select_for_update().get(pk=case.pk)


def _refuse_if_closed(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError(
            _("This case is closed. Ask a supervisor to reopen it first."), code="case_closed"
        )


def _note_bound(note: str, field: str = "note", *, limit: int = NOTE_MAX) -> str:
    """The note stripped, refused when longer than `limit` (a reason is shorter than a note)."""
    note = (note or "").strip()
    check_bounds(texts={field: (note, limit)})
    return note


def _counselor_ids(users: Iterable[User]) -> list[int]:
    return sorted({u.pk for u in users})


def _validate_counselors(counselors: Iterable[User]) -> list[User]:
    """A case's team: counselors, and supervisors who counsel (a client's own counselors are
    counselors only: see `clients.counselors_only`)."""
    counselors = list(counselors)
    if not counselors:
        raise ValidationError(_("Choose at least one counselor."), code="no_counselor")
    for user in counselors:
        if not authz.can(user, "cases.work_with_clients"):
            raise ValidationError(
                _("%(name)s is not a counselor.") % {"name": user}, code="not_counselor"
            )
    return counselors


def _active_flag_kinds(client: Client) -> set[str]:
    flags = RiskFlag.objects.filter(flag_in_force_q(timezone.now()), client=client)
    return set(flags.values_list("kind", flat=True))


def priority_for_client(client: Client) -> int:
    """HIGH if a high-risk flag is active, MEDIUM if any other flag is, else NORMAL."""
    kinds = _active_flag_kinds(client)
    if kinds & set(RiskFlag.HIGH_RISK):
        return Case.Priority.HIGH
    if kinds:
        return Case.Priority.MEDIUM
    return Case.Priority.NORMAL


# --- opening, priority, assignment, status ----------------------------------------------


@transaction.atomic
def case_open(
    *,
    client: Client,
    by: User,
    opened_from: Consultation | None = None,
    counselors: Iterable[User] | None = None,
    title: str = "",
) -> Case:
    """Open a case when a consultation shows she needs continued accompaniment (伴走支援)."""
    title = (title or "").strip()
    check_bounds(texts={"title": (title, Case._meta.get_field("title").max_length)})
    # A merge folding her into another record meanwhile: read her status under the lock the
    # merge takes too (NO KEY: inserting her consultations holds KEY SHARE on her row).
    client = Client.objects.select_for_update(no_key=True).get(pk=client.pk)
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(_("Cases can only be opened for active clients."), code="inactive")
    counselors = _validate_counselors(counselors if counselors is not None else [by])
    if opened_from is not None:
        # Two counselors opening a case from the same consultation at once: one wins.
        opened_from = Consultation.objects.select_for_update().get(pk=opened_from.pk)
        if opened_from.client_id != client.pk:
            raise ValidationError(
                _("That consultation belongs to another client."), code="other_client"
            )
        if opened_from.case_id is not None:
            raise ValidationError(
                _("That consultation is already part of a case."), code="already_linked"
            )
    case = Case.objects.create(
        client=client,
        opened_from=opened_from,
        title=title,
        opened_by=by,
        status=Case.Status.OPEN,
        priority=priority_for_client(client),
    )
    case.counselors.set(counselors)
    if opened_from is not None:
        Consultation.objects.filter(pk=opened_from.pk).update(case=case)
        opened_from.case = case
    _event(
        case=case,
        kind=CaseEvent.Kind.OPENED,
        by=by,
        after={
            "status": case.status,
            "priority": case.priority,
            "counselors": _counselor_ids(counselors),
            "opened_from": opened_from.pk if opened_from else None,
        },
    )
    return case


@transaction.atomic
def case_priority_refresh(*, client: Client, by: User | None = None) -> None:
    """Recompute the priority of the client's open cases from her active risk flags.

    Call it after any risk-flag change, in the same transaction. `by` is recorded as the
    actor; without it, the person who last set or cleared one of her flags is.
    """
    # A flag changed by two people at once: the second waits here and then reads both flags.
    cases = list(
        Case.objects.select_for_update()
        .filter(client=client)
        .filter(status__in=Case.OPEN_STATUSES)
        .order_by("pk")
    )
    if not cases:
        return
    floor = priority_for_client(client)
    # Her flags set the floor; a priority chosen by hand stands above it.
    wanted = {c.pk: max(floor, c.priority_by_hand or Case.Priority.NORMAL) for c in cases}
    changed = [c for c in cases if c.priority != wanted[c.pk]]
    if not changed:
        return
    actor = by or _last_flag_actor(client) or changed[0].opened_by
    for case in changed:
        before = case.priority
        case.priority = wanted[case.pk]
        case.save(update_fields=["priority", "updated_at"])
        _event(
            case=case,
            kind=CaseEvent.Kind.PRIORITY_CHANGED,
            by=actor,
            before={"priority": before},
            after={"priority": case.priority},
        )


def _last_flag_actor(client: Client) -> User | None:
    flags = list(RiskFlag.objects.filter(client=client).select_related("set_by", "cleared_by"))
    moments = [(f.set_at, f.set_by) for f in flags]
    moments += [(f.cleared_at, f.cleared_by) for f in flags if f.cleared_at and f.cleared_by]
    if not moments:
        return None
    return max(moments, key=lambda m: m[0])[1]


@transaction.atomic
def case_assign(*, case: Case, counselors: Iterable[User], by: User) -> Case:
    counselors = _validate_counselors(counselors)
    # Two people reassigning at once: each records the team the other left.
    case = _lock_case(case)
    _refuse_if_closed(case)
    before = _counselor_ids(case.counselors.all())
    after = _counselor_ids(counselors)
    if before == after:
        return case
    case.counselors.set(counselors)
    case.save(update_fields=["updated_at"])
    _event(
        case=case,
        kind=CaseEvent.Kind.ASSIGNED,
        by=by,
        before={"counselors": before},
        after={"counselors": after},
    )
    return case


@transaction.atomic
def case_set_status(*, case: Case, status: str, by: User, note: str = "") -> Case:
    """Move between open, active and on hold. Closing and reopening have their own steps."""
    # A status change racing a closing approval: the second sees the first's result.
    case = _lock_case(case)
    if status not in STATUS_TRANSITIONS.get(case.status, frozenset()):
        raise ValidationError(
            _("A case cannot go from “%(before)s” to “%(after)s”.")
            % {
                "before": Case.Status(case.status).label,
                "after": Case.Status(status).label if status in Case.Status.values else status,
            },
            code="invalid_transition",
        )
    note = _note_bound(note, limit=REASON_MAX)
    before = case.status
    case.status = status
    case.save(update_fields=["status", "updated_at"])
    _event(
        case=case,
        kind=CaseEvent.Kind.STATUS_CHANGED,
        by=by,
        before={"status": before},
        after={"status": status},
        note=note,
    )
    return case


# --- support plan (支援計画) ---------------------------------------------------------------


@transaction.atomic
def support_goal_add(*, case: Case, text: str, by: User) -> SupportGoal:
    # A closing approved meanwhile: the caller's copy of the case may still say open.
    case = _lock_case(case)
    _refuse_if_closed(case)
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("Write the goal."), code="blank")
    check_bounds(texts={"text": (text, SupportGoal._meta.get_field("text").max_length)})
    return SupportGoal.objects.create(case=case, text=text, created_by=by)


@transaction.atomic
def support_goal_achieve(*, goal: SupportGoal, by: User) -> SupportGoal:
    # Two people ticking the same goal: the second is told it is already done.
    goal = SupportGoal.objects.select_for_update().select_related("case").get(pk=goal.pk)
    _refuse_if_closed(goal.case)
    if goal.achieved_at is not None:
        raise ValidationError(_("This goal is already achieved."), code="already_achieved")
    goal.achieved_at = timezone.now()
    goal.achieved_by = by
    goal.save(update_fields=["achieved_at", "achieved_by"])
    return goal


@transaction.atomic
def support_action_add(
    *,
    case: Case,
    description: str,
    owner: User,
    due_on: datetime.date | None,
    by: User,
    goal: SupportGoal | None = None,
) -> SupportAction:
    # A closing approved meanwhile: the caller's copy of the case may still say open.
    case = _lock_case(case)
    _refuse_if_closed(case)
    description = (description or "").strip()
    if not description:
        raise ValidationError(_("Describe the action."), code="blank")
    check_bounds(
        texts={
            "description": (description, SupportAction._meta.get_field("description").max_length)
        },
        schedules={"due_on": due_on},
    )
    if goal is not None:
        # The goal ticked achieved meanwhile: read it again under its lock.
        goal = SupportGoal.objects.select_for_update().get(pk=goal.pk)
        if goal.case_id != case.pk:
            raise ValidationError(_("That goal belongs to another case."), code="other_case")
        if goal.achieved_at is not None:
            raise ValidationError(
                {"goal": _("That goal is already achieved; choose a goal still open.")},
                code="goal_achieved",
            )
    if not owner.is_active:
        raise ValidationError(_("The owner must be an active staff member."), code="inactive")
    return SupportAction.objects.create(
        case=case, goal=goal, description=description, owner=owner, due_on=due_on, created_by=by
    )


@transaction.atomic
def support_action_complete(*, action: SupportAction, by: User) -> SupportAction:
    # Two people completing the same action: the second is told it is already done.
    action = SupportAction.objects.select_for_update().select_related("case").get(pk=action.pk)
    _refuse_if_closed(action.case)
    if action.done_at is not None:
        raise ValidationError(_("This action is already done."), code="already_done")
    action.done_at = timezone.now()
    action.done_by = by
    action.save(update_fields=["done_at", "done_by"])
    return action


# --- notes (ケース記録) --------------------------------------------------------------------


@transaction.atomic
def case_note_add(*, case: Case, body: str, by: User) -> CaseNote:
    """A new note. Notes are append-only (a database trigger refuses UPDATE and DELETE)."""
    body = _note_bound(body, "body")
    if not body:
        raise ValidationError(_("Write the note."), code="blank")
    return CaseNote.objects.create(case=case, author=by, body=body)


@transaction.atomic
def case_note_correct(*, note: CaseNote, body: str, by: User) -> CaseNote:
    """Correct a note by adding a new one that points at it; the original stays as written."""
    body = _note_bound(body, "body")
    if not body:
        raise ValidationError(_("Write the corrected note."), code="blank")
    if body == note.body:
        raise ValidationError(_("The correction is the same as the note."), code="unchanged")
    return CaseNote.objects.create(case_id=note.case_id, author=by, body=body, corrects=note)


# --- closing (終結) with a supervisor's approval ------------------------------------------


@transaction.atomic
def case_request_closure(
    *, case: Case, reason: str, note: str, by: User, open_items_seen: bool = False
) -> CaseClosureRequest:
    """Ask a supervisor to close the case. Anything still open on it (support actions not done,
    follow-ups, ...) must have been shown to her: `open_items_seen` says she confirmed it."""
    if reason not in Case.CloseReason.values:
        raise ValidationError(_("Choose a reason for closing."), code="reason")
    note = _note_bound(note)
    # Two counselors requesting at once: one request is pending, the other is told so.
    case = _lock_case(case)
    _refuse_if_closed(case)
    open_items = open_items_for(case)
    if open_items and not open_items_seen:
        raise ValidationError(
            {
                "open_items_seen": _(
                    "Items are still open on this case. Read them and confirm that the "
                    "supervisor is to decide what becomes of them."
                )
            },
            code="open_items",
        )
    pending = CaseClosureRequest.objects.filter(case=case, state=CaseClosureRequest.State.PENDING)
    if pending.exists():
        raise ValidationError(
            _("A closing request for this case is already awaiting approval."), code="pending"
        )
    try:
        # The savepoint keeps the transaction usable if the one-pending constraint fires.
        with transaction.atomic():
            request = CaseClosureRequest.objects.create(
                case=case, reason=reason, note=note, requested_by=by
            )
    except IntegrityError:
        raise ValidationError(
            _("A closing request for this case is already awaiting approval."), code="pending"
        ) from None
    _event(
        case=case,
        kind=CaseEvent.Kind.CLOSURE_REQUESTED,
        by=by,
        after={"reason": reason, "request": request.pk, "open_items": len(open_items)},
        note=request.note,
    )
    url = reverse("cases:case_detail", kwargs={"pk": case.pk})
    for supervisor in supervisors_to_notify():
        if supervisor.pk == by.pk:
            continue
        with translation.override(supervisor.language):
            # No personal details in the title: it may be e-mailed.
            title = _("Closing of case #%(id)s awaits your approval") % {"id": case.pk}
        notification_send(
            user=supervisor,
            kind=Notification.Kind.CLOSURE_REQUESTED,
            title=title,
            url=url,
            dedupe_key=f"closure:{request.id}",
        )
    return request


def _decide(
    request: CaseClosureRequest, *, state: str, by: User, note: str
) -> tuple[Case, CaseClosureRequest]:
    """Record a supervisor's decision on a pending request; returns both rows, locked."""
    if not authz.can(by, "cases.approve_closure", request):
        raise PermissionDenied(_("Only a supervisor can decide on closing a case."))
    note = _note_bound(note, limit=REASON_MAX)
    if state == CaseClosureRequest.State.REJECTED and not note:
        # The counselor who asked reads why on the case page.
        raise ValidationError({"note": _("Say why closing is declined.")}, code="required")
    # Two supervisors deciding the same request at once: lock the case, then the request (the
    # same order everywhere), so the second waits, then sees it decided and is refused.
    case = Case.objects.select_for_update().get(pk=request.case_id)
    request = CaseClosureRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != CaseClosureRequest.State.PENDING:
        raise ValidationError(_("This closing request was already decided."), code="decided")
    request.state = state
    request.decided_by = by
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    return case, request


def _notify_decision(request: CaseClosureRequest, *, by: User) -> None:
    """Tell whoever asked for the closing what was decided (unless she decided it herself)."""
    if request.requested_by_id == by.pk:
        return
    requester = request.requested_by
    with translation.override(requester.language):
        if request.state == CaseClosureRequest.State.APPROVED:
            title = _("Closing of case #%(id)s was approved") % {"id": request.case_id}
        else:
            title = _("Closing of case #%(id)s was declined") % {"id": request.case_id}
    notification_send(
        user=requester,
        kind=Notification.Kind.CLOSURE_DECIDED,
        title=title,
        url=reverse("cases:case_detail", kwargs={"pk": request.case_id}),
        dedupe_key=f"closure-decided:{request.pk}",
    )


# What becomes of a case's open items when its closing is approved (core.registry).
SETTLE_OUTCOMES = (registry.SETTLE_CANCEL, registry.SETTLE_HAND_OVER)


def _settle_check(
    *, outcome: str, hand_over_to: User | None, reason: str
) -> tuple[str, User | None, str]:
    """The supervisor's decision on the open items, refused unless complete."""
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if outcome not in SETTLE_OUTCOMES:
        errors["open_items"] = _("Decide what becomes of the items still open.")
    if outcome == registry.SETTLE_HAND_OVER:
        if hand_over_to is None:
            errors["hand_over_to"] = _("Choose the counselor who takes them over.")
        elif not authz.can(hand_over_to, "cases.work_with_clients"):
            errors["hand_over_to"] = _("%(name)s is not a counselor.") % {"name": hand_over_to}
    else:
        hand_over_to = None
    if not reason:
        errors["open_items_reason"] = _("Say why, for the record.")
    elif problem := text_problem(reason, limit=OPEN_ITEMS_REASON_MAX):
        errors["open_items_reason"] = problem
    if errors:
        raise ValidationError(errors, code="open_items")
    return outcome, hand_over_to, reason


@transaction.atomic
def case_approve_closure(
    *,
    request: CaseClosureRequest,
    by: User,
    note: str = "",
    open_items: str = "",
    hand_over_to: User | None = None,
    open_items_reason: str = "",
) -> Case:
    """Close the case. Whatever is still open on it is settled in the same transaction:
    `open_items` cancels it (SETTLE_CANCEL) or hands it over to `hand_over_to`
    (SETTLE_HAND_OVER), for `open_items_reason`; support actions not done stay undone on the
    closed plan, named in the closing event."""
    case, request = _decide(request, state=CaseClosureRequest.State.APPROVED, by=by, note=note)
    # Under the case lock _decide took: a follow-up added to the case meanwhile waits for it
    # (followup_create locks the case too), so nothing slips in between listing and settling.
    items = open_items_for(case)
    settlement: dict = {}
    if items:
        outcome, to, reason = _settle_check(
            outcome=open_items, hand_over_to=hand_over_to, reason=open_items_reason
        )
        settlement = {
            "outcome": outcome,
            "to": to.pk if to else None,
            "reason": reason,
            "actions_left_undone": undone_action_ids(case),
            "settled": settle_open_items(
                case=case, outcome=outcome, to=to, reason=reason, by=by, now=request.decided_at
            ),
        }
    before = {"status": case.status, "close_reason": case.close_reason}
    case.status = Case.Status.CLOSED
    case.closed_at = request.decided_at
    case.close_reason = request.reason
    case.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    after = {"status": case.status, "close_reason": case.close_reason, "request": request.pk}
    if settlement:
        after["open_items"] = settlement
    _event(
        case=case,
        kind=CaseEvent.Kind.CLOSURE_APPROVED,
        by=by,
        before=before,
        after=after,
        note=request.decision_note,
    )
    _notify_decision(request, by=by)
    return case


@transaction.atomic
def case_reject_closure(
    *, request: CaseClosureRequest, by: User, note: str = ""
) -> CaseClosureRequest:
    case, request = _decide(request, state=CaseClosureRequest.State.REJECTED, by=by, note=note)
    _event(
        case=case,
        kind=CaseEvent.Kind.CLOSURE_REJECTED,
        by=by,
        before={"request_state": CaseClosureRequest.State.PENDING},
        after={"request_state": request.state, "request": request.pk},
        note=request.decision_note,
    )
    _notify_decision(request, by=by)
    return request


@transaction.atomic
def case_reopen(*, case: Case, by: User, note: str) -> Case:
    if not authz.can(by, "cases.reopen_case", case):
        raise PermissionDenied(_("Only a supervisor can reopen a case."))
    note = _note_bound(note, limit=REASON_MAX)
    if not note:
        raise ValidationError({"note": _("Say why the case is reopened.")}, code="required")
    # Two supervisors reopening at once: the second sees an open case and is refused.
    case = _lock_case(case)
    if case.status != Case.Status.CLOSED:
        raise ValidationError(_("Only a closed case can be reopened."), code="not_closed")
    before = {"status": case.status, "close_reason": case.close_reason}
    case.status = Case.Status.ACTIVE
    case.closed_at = None
    case.close_reason = ""
    case.save(update_fields=["status", "closed_at", "close_reason", "updated_at"])
    _event(
        case=case,
        kind=CaseEvent.Kind.REOPENED,
        by=by,
        before=before,
        after={"status": case.status},
        note=note,
    )
    return case


# --- priority set by hand -------------------------------------------------------------------


@transaction.atomic
def case_set_priority(*, case: Case, priority: int, by: User, note: str = "") -> Case:
    """Set an open case's priority by hand: anyone who works on the case may raise it, or lower
    it as far as her active risk flags allow (`priority_for_client` is the floor; a high-risk
    flag keeps the case high). Her choice is kept (`priority_by_hand`): a risk-flag change later
    raises the case to the flags' floor and, once they are cleared, returns it to her choice,
    never below it (`case_priority_refresh`).
    """
    if not authz.can(by, "cases.view_case", case):
        raise PermissionDenied(_("You may not change this case."))
    if priority not in Case.Priority.values:
        raise ValidationError({"priority": _("Choose a priority.")}, code="invalid")
    note = _note_bound(note, limit=REASON_MAX)
    # Two people changing it at once, or a risk flag set meanwhile: decide on the locked row.
    case = _lock_case(case)
    _refuse_if_closed(case)
    floor = priority_for_client(case.client)
    if priority < floor:
        raise ValidationError(
            {
                "priority": _(
                    "Her active risk flags call for at least “%(floor)s”; clear the flag first."
                )
                % {"floor": Case.Priority(floor).label}
            },
            code="below_risk",
        )
    if priority == case.priority:
        if case.priority_by_hand != priority:
            case.priority_by_hand = priority
            case.save(update_fields=["priority_by_hand", "updated_at"])
        return case
    before = case.priority
    case.priority = priority
    case.priority_by_hand = priority
    case.save(update_fields=["priority", "priority_by_hand", "updated_at"])
    _event(
        case=case,
        kind=CaseEvent.Kind.PRIORITY_CHANGED,
        by=by,
        before={"priority": before},
        after={"priority": priority},
        note=note,
    )
    return case
