"""Expert days: the list (the team's all, an expert's own), planning one, its slots and
bookings, booking a woman into a slot, and the expert's record of a booking."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import users_with_roles
from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz
from core.roles import Role
from core.time import fiscal_year_start, local_date
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import BookingForm, ExpertDayForm, ExpertRecordForm, ReasonForm
from ..models import ExpertBooking, ExpertDay


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, ExpertDay)
def expert_day_list(request: HttpRequest) -> HttpResponse:
    """The days of this fiscal year on; an expert sees hers, with the women booked with her."""
    authz.require(request.user, "activities.view_expert_days")
    start = fiscal_year_start(local_date(timezone.now()))
    days = list(selectors.expert_day_list(request.user, start=start))
    own = None
    if authz.is_expert(request.user) and not authz.can(request.user, "activities.view_sessions"):
        own = list(
            selectors.expert_own_bookings(request.user).filter(
                slot__starts_at__gte=timezone.now() - datetime.timedelta(days=30)
            )
        )
    return render(
        request,
        "activities/expert_day_list.html",
        {"days": days, "since": start, "own": own},
    )


@login_required
@require_http_methods(["GET", "POST"])
def expert_day_create(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "activities.manage_expert_days")
    experts = users_with_roles(Role.EXPERT)
    status = 200
    if request.method == "POST":
        form = ExpertDayForm(request.POST, experts=experts)
        made: list[ExpertDay] = []
        if form.is_valid():

            def act():
                made.append(services.expert_day_create(by=request.user, **form.cleaned_data))

            if form_attempt(request, form, act, _("The expert day is planned.")):
                return redirect("activities:expert_day_detail", pk=made[0].pk)
        status = 400
    else:
        form = ExpertDayForm(experts=experts)
    return render(request, "activities/expert_day_form.html", {"form": form}, status=status)


def _day(request, day: ExpertDay, bound=None, status=200) -> HttpResponse:
    bound = bound or {}
    user = request.user
    now = timezone.now()
    live = day.status != ExpertDay.Status.CANCELLED
    can_book = authz.can(user, "activities.book_experts") and live
    context = {
        "day": day,
        "slots": selectors.day_slots(user, day),
        "is_day_expert": authz.is_expert(user) and day.expert_id == user.pk,
        "book_form": (
            bound.get("book")
            or BookingForm(
                slots=selectors.free_slots(user, day, now),
                clients=selectors.bookable_clients(user),
                prefix="book",
            )
        )
        if can_book
        else None,
        "cancel_form": (bound.get("cancel") or ReasonForm(prefix="cancel"))
        if authz.can(user, "activities.manage_expert_days")
        and day.status == ExpertDay.Status.PLANNED
        else None,
    }
    return render(request, "activities/expert_day_detail.html", context, status=status)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, ExpertDay, id_kwarg="pk")
def expert_day_detail(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "activities.view_expert_days")
    return _day(request, selectors.expert_day_get_for(request.user, pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, ExpertDay, id_kwarg="pk")
def expert_day_book(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "activities.book_experts")
    day = selectors.expert_day_get_for(request.user, pk)
    form = BookingForm(
        request.POST,
        slots=selectors.free_slots(request.user, day, timezone.now()),
        clients=selectors.bookable_clients(request.user),
        prefix="book",
    )
    if form.is_valid():
        data = form.cleaned_data

        def act():
            services.expert_book(
                slot=data["slot"],
                client=data["client"],
                referral_note=data["referral_note"],
                by=request.user,
            )

        if form_attempt(request, form, act, _("She is booked with the expert.")):
            return redirect("activities:expert_day_detail", pk=day.pk)
    return _day(request, day, {"book": form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, ExpertDay, id_kwarg="pk")
def expert_day_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "activities.manage_expert_days")
    day = selectors.expert_day_get_for(request.user, pk)
    form = ReasonForm(request.POST, prefix="cancel")
    if form.is_valid():

        def act():
            services.expert_day_cancel(day=day, by=request.user, reason=form.cleaned_data["reason"])

        if form_attempt(request, form, act, _("The expert day is cancelled.")):
            return redirect("activities:expert_day_detail", pk=day.pk)
    return _day(request, day, {"cancel": form}, status=400)


def _booking(request, booking: ExpertBooking, form=None, status=200, problem="") -> HttpResponse:
    user = request.user
    may_record = (
        authz.can(user, "activities.record_expert_consultation", booking)
        and booking.status == ExpertBooking.Status.BOOKED
    )
    if form is None and may_record:
        start = timezone.localtime(booking.slot.starts_at)
        form = ExpertRecordForm(
            initial={
                "started_at": start,
                "ended_at": timezone.localtime(booking.slot.ends_at),
            },
            prefix="record",
        )
    return render(
        request,
        "activities/booking_detail.html",
        {
            "b": booking,
            "record_form": form if may_record else None,
            "may_cancel": booking.status == ExpertBooking.Status.BOOKED
            and authz.can(user, "activities.book_experts")
            and authz.can(user, "cases.view_client", booking.client),
            "may_no_show": may_record and booking.slot.starts_at <= timezone.now(),
            "problem": problem,
            "is_day_expert": authz.is_expert(user) and booking.slot.day.expert_id == user.pk,
        },
        status=status,
    )


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, ExpertBooking, id_kwarg="pk")
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _booking(request, selectors.expert_booking_get_for(request.user, pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, ExpertBooking, id_kwarg="pk")
def booking_record(request: HttpRequest, pk: int) -> HttpResponse:
    booking = selectors.expert_booking_get_for(request.user, pk)
    authz.require(request.user, "activities.record_expert_consultation", booking)
    form = ExpertRecordForm(request.POST, prefix="record")
    if form.is_valid():

        def act():
            services.expert_consultation_record(
                booking=booking, by=request.user, **form.cleaned_data
            )

        if form_attempt(request, form, act, _("The consultation is recorded.")):
            return redirect("activities:booking_detail", pk=booking.pk)
    return _booking(request, booking, form, status=400)


def _step(request, pk: int, act, done: str) -> HttpResponse:
    booking = selectors.expert_booking_get_for(request.user, pk)
    try:
        act(booking)
    except ValidationError as exc:
        return _booking(request, booking, status=400, problem=" ".join(exc.messages))
    except PermissionDenied as exc:
        return _booking(request, booking, status=400, problem=str(exc))
    messages.success(request, done)
    return redirect("activities:booking_detail", pk=booking.pk)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, ExpertBooking, id_kwarg="pk")
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda b: services.expert_booking_cancel(booking=b, by=request.user),
        _("The booking is cancelled."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, ExpertBooking, id_kwarg="pk")
def booking_no_show(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda b: services.expert_booking_no_show(booking=b, by=request.user),
        _("Recorded: she did not come."),
    )
