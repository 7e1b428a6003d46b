"""The opening calendar (開設日カレンダー) and the form coordinators use to change it.

Openings are public hours, not personal data: no access log. What a role may not do answers
404 (`core.authz`), like every page.
"""

from __future__ import annotations

import datetime
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core import authz
from core.bounds import EARLIEST_DATE, LATEST_DATE
from tsunagari.forms import form_add_service_errors

from .forms import OpeningExceptionForm
from .models import Channel, OpeningException
from .selectors import exception_windows, month_calendar, next_opening, opening_at
from .services import opening_exception_create, opening_exception_delete

# Months outside this range are refused: nobody plans openings there, and the arithmetic of
# the previous/next links stays well inside what `datetime.date` can hold.
FIRST_YEAR, LAST_YEAR = EARLIEST_DATE.year, LATEST_DATE.year
_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)


def _parse_month(value: str) -> tuple[int, int]:
    match = _MONTH.fullmatch(value.strip())
    if not match:
        raise ValueError(value)
    year, month = int(match[1]), int(match[2])
    if not (FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12):
        raise ValueError(value)
    return year, month


def _calendar_url(day: datetime.date, channel: str | None = None) -> str:
    query = {"month": f"{day:%Y-%m}"}
    if channel:
        query["channel"] = channel
    return f"{reverse('openings:calendar')}?{urlencode(query)}"


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "openings/bad_request.html", {"message": message}, status=400)


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "openings.view_calendar")
    today = timezone.localdate()
    raw_month = request.GET.get("month", "")
    if raw_month:
        try:
            year, month = _parse_month(raw_month)
        except ValueError:
            return _bad_request(
                request,
                _(
                    "“%(value)s” is not a month we can show. Give a year and month such as "
                    "2022-04 (years %(first)s to %(last)s)."
                )
                % {"value": raw_month[:20], "first": FIRST_YEAR, "last": LAST_YEAR},
            )
    else:
        year, month = today.year, today.month
    channel = request.GET.get("channel") or None
    if channel is not None and channel not in Channel.values:
        return _bad_request(
            request, _("“%(value)s” is not a consultation channel.") % {"value": channel[:20]}
        )

    month_view = month_calendar(year, month, channel, today=today)
    now = timezone.now()
    current = opening_at(now, Channel.LINE)
    can_edit = authz.can(request.user, "openings.edit_calendar")
    context = {
        "calendar": month_view,
        "channel": channel,
        "channels": Channel.choices,
        "current": current,
        "upcoming": None if current else next_opening(Channel.LINE, after=now),
        "previous_url": _calendar_url(month_view.previous_month, channel),
        "next_url": _calendar_url(month_view.next_month, channel),
        "today_url": _calendar_url(today, channel),
        "can_edit": can_edit,
        "form": (
            OpeningExceptionForm(initial={"channel": channel or Channel.LINE}) if can_edit else None
        ),
    }
    return render(request, "openings/calendar.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def exception_create(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "openings.edit_calendar")
    form = OpeningExceptionForm(request.POST or None, initial={"channel": Channel.LINE})
    if request.method == "POST":
        if form.is_valid():
            try:
                exception = opening_exception_create(**form.cleaned_data, by=request.user)
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                if exception.kind == OpeningException.Kind.CLOSURE:
                    text = _("%(date)s is now closed.")
                else:
                    text = _("An extra opening was added on %(date)s.")
                day = date_format(exception.date, "DATE_FORMAT")
                messages.success(request, text % {"date": day})
                return redirect(_calendar_url(exception.date))
        # Sent back with its errors; nothing was saved.
        return render(request, "openings/exception_form.html", {"form": form}, status=400)
    return render(request, "openings/exception_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def exception_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Removing a closure reopens a day, removing an extra opening cancels one: GET shows
    what will change and asks, only the POST from that page does it."""
    authz.require(request.user, "openings.edit_calendar")
    exception = get_object_or_404(OpeningException, pk=pk)
    day = exception.date
    problem = None
    if request.method == "POST":
        try:
            opening_exception_delete(exception=exception, by=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            if exception.kind == OpeningException.Kind.CLOSURE:
                text = _("The closure on %(date)s was removed; the day is open again.")
            else:
                text = _("The extra opening on %(date)s was removed.")
            messages.success(request, text % {"date": date_format(day, "DATE_FORMAT")})
            return redirect(_calendar_url(day, exception.channel))
    context = {
        "exception": exception,
        "is_closure": exception.kind == OpeningException.Kind.CLOSURE,
        "windows": exception_windows(exception),
        "is_past": day < timezone.localdate(),
        "problem": problem,
        "calendar_url": _calendar_url(day, exception.channel),
    }
    return render(
        request,
        "openings/exception_confirm_delete.html",
        context,
        status=400 if problem else 200,
    )
