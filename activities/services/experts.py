"""Expert consultation days (専門相談日): planned with their slots, a woman booked into a slot
by her counselor with a short note, the expert's record (a consultation of kind legal/health,
made by the cases app's service) and the follow-up she may ask of the referring counselor."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Client, Consultation
from cases.selectors.clients import open_cases_for
from cases.services.consultations import consultation_record
from core import authz
from core.bounds import NOTE_MAX, check_bounds
from followups.services import followup_create

from ..models import REFERRAL_NOTE_MAX, ExpertBooking, ExpertDay, ExpertSlot
from .common import reminder_cancel, reminder_create

SLOT_MINUTES = (20, 30, 40, 45, 50, 60, 90)
# A day of at most this many slots (a 12-hour day of 20-minute slots).
MAX_SLOTS = 36


def _require(by: User, capability: str, obj=None) -> None:
    if not authz.can(by, capability, obj):
        raise PermissionDenied(_("You cannot do this."))


@transaction.atomic
def expert_day_create(
    *,
    kind: str,
    expert: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    slot_minutes: int,
    by: User,
    notes: str = "",
) -> ExpertDay:
    """A day with its slots, one after another from the start, each `slot_minutes` long."""
    _require(by, "activities.manage_expert_days")
    notes = (notes or "").strip()
    errors: dict[str, str] = {}
    if kind not in ExpertDay.Kind.values:
        errors["kind"] = _("Choose legal or health.")
    if expert is None or not authz.is_expert(expert):
        errors["expert"] = _("Choose a user who holds the expert role.")
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = _("Enter when it starts.")
    elif ends_at is None or ends_at <= starts_at:
        errors["ends_at"] = _("The end must be after the start.")
    elif timezone.localtime(starts_at).date() != timezone.localtime(ends_at).date():
        errors["ends_at"] = _("An expert day ends on the day it starts.")
    if slot_minutes not in SLOT_MINUTES:
        errors["slot_minutes"] = _("Choose a slot length from the list.")
    if errors:
        raise ValidationError(errors)
    check_bounds(
        schedules={"starts_at": starts_at, "ends_at": ends_at}, texts={"notes": (notes, 300)}
    )
    step = datetime.timedelta(minutes=slot_minutes)
    count = int((ends_at - starts_at) / step)
    if count < 1:
        raise ValidationError({"ends_at": _("The day is shorter than one slot.")})
    if count > MAX_SLOTS:
        raise ValidationError({"slot_minutes": _("That makes too many slots; choose longer ones.")})
    day = ExpertDay.objects.create(
        kind=kind, expert=expert, starts_at=starts_at, ends_at=ends_at, notes=notes, created_by=by
    )
    ExpertSlot.objects.bulk_create(
        ExpertSlot(day=day, starts_at=starts_at + i * step, ends_at=starts_at + (i + 1) * step)
        for i in range(count)
    )
    return day


def _locked_day(day: ExpertDay) -> ExpertDay:
    # Cancelling the day and booking or recording on it at once: one waits for the other.
    return ExpertDay.objects.select_for_update().get(pk=day.pk)


@transaction.atomic
def expert_day_cancel(*, day: ExpertDay, by: User, reason: str = "") -> ExpertDay:
    _require(by, "activities.manage_expert_days")
    row = _locked_day(day)
    if row.status != ExpertDay.Status.PLANNED:
        raise ValidationError(_("Only a planned day can be cancelled."), code="not_planned")
    row.status = ExpertDay.Status.CANCELLED
    row.save(update_fields=["status"])
    for booking in ExpertBooking.objects.filter(slot__day=row, status=ExpertBooking.Status.BOOKED):
        booking.status = ExpertBooking.Status.CANCELLED
        booking.save(update_fields=["status"])
        reminder_cancel(booking.reminder_id, by=by, reason=_("The expert day is cancelled."))
    return row


@transaction.atomic
def expert_book(*, slot: ExpertSlot, client: Client, referral_note: str, by: User) -> ExpertBooking:
    """A counselor books a woman she works with into a free slot, with a short note for the
    expert (what the expert reads of her, and all of it)."""
    _require(by, "activities.book_experts")
    if not authz.can(by, "cases.view_client", client):
        raise PermissionDenied(_("You cannot book this client."))
    referral_note = (referral_note or "").strip()
    if not referral_note:
        raise ValidationError({"referral_note": _("Write a short note for the expert.")})
    check_bounds(texts={"referral_note": (referral_note, REFERRAL_NOTE_MAX)})
    if client.status == Client.Status.MERGED:
        raise ValidationError(_("This client was merged into another record."), code="merged")
    day = _locked_day(slot.day)
    if day.status != ExpertDay.Status.PLANNED and day.status != ExpertDay.Status.HELD:
        raise ValidationError(_("This expert day is cancelled."), code="cancelled")
    if slot.starts_at <= timezone.now():
        raise ValidationError(_("This slot has already begun."), code="past")
    # Two counselors taking the same slot: the day's lock orders them, the second sees it taken
    # (and the partial unique index backs it up).
    if (
        ExpertBooking.objects.filter(slot=slot)
        .exclude(status=ExpertBooking.Status.CANCELLED)
        .exists()
    ):
        raise ValidationError(_("This slot is already booked."), code="taken")
    what = _("%(kind)s tomorrow") % {"kind": day.get_kind_display()}
    reminder = reminder_create(
        client=client, what=what, starts_at=slot.starts_at, assignee=by, by=by
    )
    return ExpertBooking.objects.create(
        slot=slot, client=client, referral_note=referral_note, booked_by=by, reminder=reminder
    )


def _locked_booking(booking: ExpertBooking) -> ExpertBooking:
    # Recording and cancelling at once: the second sees the first's result.
    row = (
        ExpertBooking.objects.select_for_update(of=("self",))
        .select_related("slot__day", "client", "booked_by")
        .get(pk=booking.pk)
    )
    if row.status != ExpertBooking.Status.BOOKED:
        raise ValidationError(
            _("This booking is already %(status)s.") % {"status": row.get_status_display()},
            code="not_booked",
        )
    return row


@transaction.atomic
def expert_booking_cancel(*, booking: ExpertBooking, by: User) -> ExpertBooking:
    _require(by, "activities.book_experts")
    if not authz.can(by, "cases.view_client", booking.client):
        raise PermissionDenied(_("You cannot cancel this booking."))
    row = _locked_booking(booking)
    row.status = ExpertBooking.Status.CANCELLED
    row.save(update_fields=["status"])
    reminder_cancel(row.reminder_id, by=by, reason=_("The booking is cancelled."))
    return row


def _follow_up_assignee(booking: ExpertBooking) -> User | None:
    """Who follows up after the expert: the counselor who referred her, or (when a supervisor
    who takes no follow-ups booked her) her first assigned counselor."""
    if authz.can(booking.booked_by, "followups.take_followups"):
        return booking.booked_by
    return next((u for u in booking.client.counselors.all() if authz.is_counselor(u)), None)


def her_open_case(client: Client) -> Case | None:
    """The case an expert's consultation belongs to: her one open case (none, or several
    open at once: the consultation stays on her record without a case)."""
    cases = list(open_cases_for(client)[:2])
    return cases[0] if len(cases) == 1 else None


@transaction.atomic
def expert_consultation_record(
    *,
    booking: ExpertBooking,
    by: User,
    started_at: datetime.datetime,
    ended_at: datetime.datetime,
    main_concern: str,
    summary: str,
    topics: list[str] | tuple[str, ...] = (),
    follow_up_what: str = "",
    follow_up_due_at: datetime.datetime | None = None,
) -> ExpertBooking:
    """The expert records the consultation of a booking on her day: a consultation of the
    day's kind (counted as one), held and recorded by her (the expert is its staff member,
    `core.registry.consultation_staff`), on her open case; with `follow_up_what`, a follow-up
    for the counselor who referred her (the booking keeps who that was)."""
    _require(by, "activities.record_expert_consultation", booking)
    row = _locked_booking(booking)
    _locked_day(row.slot.day)
    summary = (summary or "").strip()
    follow_up_what = (follow_up_what or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Write what was discussed.")})
    check_bounds(texts={"summary": (summary, NOTE_MAX), "follow_up_what": (follow_up_what, 200)})
    if follow_up_what and follow_up_due_at is None:
        raise ValidationError({"follow_up_due_at": _("Say when the follow-up is due.")})
    assignee = _follow_up_assignee(row) if follow_up_what else None
    if follow_up_what and assignee is None:
        raise ValidationError(
            {"follow_up_what": _("She has no counselor to follow up. Ask the team to assign one.")},
            code="no_counselor",
        )
    consultation = consultation_record(
        client=row.client,
        case=her_open_case(row.client),
        kind=row.slot.day.kind,
        started_at=started_at,
        ended_at=ended_at,
        counselors=[by],
        main_concern=main_concern,
        topics=topics,
        summary=summary,
        by=by,
    )
    row.consultation = consultation
    row.status = ExpertBooking.Status.RECORDED
    if follow_up_what:
        row.followup = followup_create(
            client=row.client,
            consultation=consultation,
            what=follow_up_what,
            due_at=follow_up_due_at,
            assignee=assignee,
            by=by,
        )
    row.save(update_fields=["consultation", "status", "followup"])
    reminder_cancel(row.reminder_id, by=by, reason=_("The consultation took place."))
    ExpertDay.objects.filter(pk=row.slot.day_id, status=ExpertDay.Status.PLANNED).update(
        status=ExpertDay.Status.HELD
    )
    return row


@transaction.atomic
def expert_day_consultation_attach(
    *, day: ExpertDay, consultation: Consultation, booking: ExpertBooking | None, by: User
) -> ExpertDay:
    """A consultation the day's expert held another way (a LINE conversation routed to her) is
    the day's: her booking on it, if she had one, is recorded with it (so the expert never
    records it a second time, and it is counted once), and the day is held."""
    if consultation.kind != day.kind or not consultation.counselors.filter(pk=day.expert_id):
        raise ValidationError(_("This consultation is not one of the day's expert."))
    row = _locked_day(day)
    if booking is not None:
        # The expert recording it by hand at the same moment: the booking's lock orders them.
        locked = _locked_booking(booking)
        if locked.slot.day_id != row.pk:
            raise ValidationError(_("This booking is on another day."))
        locked.consultation = consultation
        locked.status = ExpertBooking.Status.RECORDED
        locked.save(update_fields=["consultation", "status"])
        reminder_cancel(locked.reminder_id, by=by, reason=_("The consultation took place."))
    if row.status == ExpertDay.Status.PLANNED:
        row.status = ExpertDay.Status.HELD
        row.save(update_fields=["status"])
    return row


@transaction.atomic
def expert_booking_no_show(*, booking: ExpertBooking, by: User) -> ExpertBooking:
    _require(by, "activities.record_expert_consultation", booking)
    row = _locked_booking(booking)
    if row.slot.starts_at > timezone.now():
        raise ValidationError(_("The slot has not begun yet."), code="early")
    row.status = ExpertBooking.Status.NO_SHOW
    row.save(update_fields=["status"])
    return row


def expert_bookings_merge_move(*, kept: Client, merged: Client) -> int:
    moved = 0
    for booking in ExpertBooking.objects.filter(client=merged):
        booking.client = kept
        booking.save(update_fields=["client"])
        moved += 1
    return moved
