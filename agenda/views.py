"""The staff calendar (month and week, filtered by source), her feed address page, and the
iCalendar feed itself, read by phone calendars at a secret address without a session."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from audit.models import SecurityEvent
from audit.services import security_event_record
from core import authz
from core.time import local_date

from . import ical, selectors, services

VIEWS = ("month", "week")


def _day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if datetime.date(2000, 1, 1) <= day < datetime.date(2100, 1, 1) else default


def _shift(day: datetime.date, view: str, step: int) -> datetime.date:
    if view == "week":
        return day + datetime.timedelta(days=7 * step)
    month = day.month - 1 + step
    year = day.year + month // 12
    return datetime.date(year, month % 12 + 1, 1)


@login_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """One calendar of what she may see: LINE openings, expert days, peer sessions, her
    accompaniments... whatever the sources registered bring."""
    authz.require(request.user, "agenda.view_calendar")
    today = local_date(timezone.now())
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "month"
    day = _day(request.GET.get("date"), today)
    sources = selectors.sources()
    keys = [s.key for s in sources]
    chosen = [k for k in request.GET.getlist("source") if k in keys] or keys
    weeks = (selectors.month_grid if view == "month" else selectors.week_grid)(day, today)
    start, end = selectors.grid_bounds(weeks)
    selectors.fill(weeks, selectors.entries_for(request.user, start, end, only=chosen))

    def link(**changes) -> str:
        query = {"view": view, "date": day.isoformat(), **changes}
        pairs = list(query.items())
        if set(chosen) != set(keys):
            pairs += [("source", k) for k in chosen]
        return f"{reverse('agenda:calendar')}?{urlencode(pairs)}"

    return render(
        request,
        "agenda/calendar.html",
        {
            "view": view,
            "day": day,
            "weeks": weeks,
            "sources": [(s.key, s.label, s.key in chosen) for s in sources],
            "labels": {s.key: s.label for s in sources},
            "previous_url": link(date=_shift(day, view, -1).isoformat()),
            "next_url": link(date=_shift(day, view, 1).isoformat()),
            "today_url": link(date=today.isoformat()),
            "month_url": link(view="month"),
            "week_url": link(view="week"),
            "weekdays": [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")],
        },
    )


def _feed_url(request: HttpRequest, secret: str) -> str:
    return request.build_absolute_uri(reverse("agenda:feed", args=[secret]))


# The new secret waits in her session for the one page that shows it, then is gone.
SHOWN_ONCE = "agenda_feed_secret"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def feed_settings(request: HttpRequest) -> HttpResponse:
    """Her feed address: made (shown once, on the page the form leads to; the earlier one
    stops), or revoked."""
    authz.require(request.user, "agenda.use_feed")
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _row, secret = services.feed_token_create(user=request.user)
            request.session[SHOWN_ONCE] = secret
            messages.success(request, _("A new feed address is made. Copy it now."))
            return redirect("agenda:feed_settings")
        if action == "revoke":
            if services.feed_token_revoke(user=request.user):
                messages.success(request, _("The feed address no longer works."))
            return redirect("agenda:feed_settings")
        return render(
            request,
            "agenda/feed_settings.html",
            {"live": selectors.feed_token_for(request.user), "shown": "", "bad": True},
            status=400,
        )
    secret = request.session.pop(SHOWN_ONCE, "")
    live = selectors.feed_token_for(request.user)
    # A secret revoked meanwhile (another tab) is not shown.
    shown = _feed_url(request, secret) if secret and live is not None else ""
    if shown and live.token_hash != selectors.token_hash(secret):
        shown = ""
    return render(
        request,
        "agenda/feed_settings.html",
        {"live": live, "shown": shown, "bad": False},
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """Her calendar as iCalendar text, for the phone calendar she subscribes with. An unknown
    or revoked address answers 404 and is recorded (without the address itself)."""
    found = selectors.feed_token_find(token)
    if found is None:
        security_event_record(
            kind=SecurityEvent.Kind.CALENDAR_FEED_REFUSED,
            request=request,
            detail="unknown or revoked calendar feed address",
        )
        raise Http404
    user = found.user
    services.feed_token_touch(found)
    now = timezone.now()
    start = now - datetime.timedelta(days=settings.CALENDAR_FEED_PAST_DAYS)
    end = now + datetime.timedelta(days=settings.CALENDAR_FEED_FUTURE_DAYS)
    with translation.override(user.language or settings.LANGUAGE_CODE):
        entries = [entry for _key, entry in selectors.entries_for(user, start, end)]
        text = ical.calendar_text(
            entries,
            name=_("Tsunagari calendar"),
            domain=urlsplit(settings.SITE_URL).hostname or "tsunagari",
            base_url=settings.SITE_URL.rstrip("/"),
            now=now,
        )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = 'inline; filename="tsunagari.ics"'
    return response
