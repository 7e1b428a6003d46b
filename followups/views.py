"""Follow-up pages: my open follow-ups, adding one for a client, and closing or moving one.

Coordinators and experts have no follow-ups: the pages answer them 404.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import logs_access
from cases.models import Client
from cases.selectors import case_get_for, client_get_for
from core import authz
from core.http import safe_next_url
from core.paging import paginate
from core.time import local_date, start_of_day
from tsunagari.forms import form_add_service_errors

from . import services
from .forms import CancelForm, FollowUpForm, RescheduleForm
from .models import FollowUp
from .selectors import (
    assignee_choices_for,
    followup_get_for,
    followups_open_counts_for_assignee,
    followups_open_for_assignee,
)


@require_GET
@login_required
@logs_access("list", FollowUp)
def followup_mine(request: HttpRequest) -> HttpResponse:
    """My open follow-ups, 50 a page: overdue first, then due today, then later. Each page
    shows the sections its rows fall in, with the section's total."""
    authz.require(request.user, "followups.view_followups")
    now = timezone.now()
    tomorrow = start_of_day(local_date(now) + datetime.timedelta(days=1))
    totals = followups_open_counts_for_assignee(request.user, now=now, tomorrow=tomorrow)
    page = paginate(request, followups_open_for_assignee(request.user), count=sum(totals.values()))
    groups: dict[str, list[FollowUp]] = {"overdue": [], "today": [], "later": []}
    for followup in page:
        if followup.due_at < now:
            groups["overdue"].append(followup)
        elif followup.due_at < tomorrow:
            groups["today"].append(followup)
        else:
            groups["later"].append(followup)
    sections = [
        (code, label, groups[code], totals[code])
        for code, label in (
            ("overdue", _("Overdue")),
            ("today", _("Due today")),
            ("later", _("Later")),
        )
    ]
    return render(
        request,
        "followups/followup_mine.html",
        {"sections": sections, "any": page.paginator.count > 0, "page": page},
    )


@require_http_methods(["GET", "POST"])
@login_required
@logs_access("view", Client, id_param="client")
def followup_create_view(request: HttpRequest) -> HttpResponse:
    """/followups/new/?client=<id>&case=<id>: a follow-up for a client the user can see."""
    authz.require(request.user, "followups.view_followups")
    client = client_get_for(request.user, request.GET.get("client"))
    case = None
    if request.GET.get("case"):
        case = case_get_for(request.user, request.GET["case"])
        if case.client_id != client.pk:
            raise Http404
    assignees = assignee_choices_for(client=client, case=case, user=request.user)
    form = FollowUpForm(
        request.POST or None, assignees=assignees, initial={"assignee": request.user.pk}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_create(
                client=client,
                case=case,
                what=form.cleaned_data["what"],
                due_at=form.cleaned_data["due_at"],
                assignee=form.cleaned_data["assignee"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The follow-up was added."))
            return redirect(safe_next_url(request, "followups:mine"))
    return render(
        request,
        "followups/followup_form.html",
        {"form": form, "client": client, "case": case},
    )


def _render_detail(request: HttpRequest, followup: FollowUp, **forms: Form) -> HttpResponse:
    context = {
        "followup": followup,
        "reschedule_form": forms.get("reschedule_form")
        or RescheduleForm(initial={"due_at": followup.due_at}),
    }
    return render(request, "followups/followup_detail.html", context)


@require_GET
@login_required
@logs_access("view", FollowUp, id_kwarg="pk")
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, followup_get_for(request.user, pk))


def _act(request: HttpRequest, act: Callable[[], object], done: str) -> HttpResponse:
    """Call one service; say what happened (or why not); go back where the user came from."""
    try:
        act()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect(safe_next_url(request, "followups:mine"))


@require_POST
@login_required
def followup_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    followup = followup_get_for(request.user, pk)
    return _act(
        request,
        lambda: services.followup_complete(followup=followup, by=request.user),
        _("The follow-up is marked as done."),
    )


def _render_cancel(
    request: HttpRequest, followup: FollowUp, form: Form, status: int = 200
) -> HttpResponse:
    context = {
        "followup": followup,
        "form": form,
        "next": safe_next_url(request, "followups:mine"),
    }
    return render(request, "followups/followup_cancel_confirm.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@logs_access("view", FollowUp, id_kwarg="pk")  # shows the follow-up it asks about
def followup_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancelling cannot be undone, so it is never one click: the menu and the follow-up's page
    lead here, where she sees what she is cancelling, gives a reason if she wants, and confirms."""
    followup = followup_get_for(request.user, pk)
    if request.method == "GET":
        return _render_cancel(request, followup, CancelForm())
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_cancel(request, followup, form, status=400)
    reason = form.cleaned_data["reason"]
    return _act(
        request,
        lambda: services.followup_cancel(followup=followup, by=request.user, reason=reason),
        _("The follow-up was cancelled."),
    )


@require_POST
@login_required
@logs_access("view", FollowUp, id_kwarg="pk")  # re-renders the follow-up when input is invalid
def followup_reschedule_view(request: HttpRequest, pk: int) -> HttpResponse:
    followup = followup_get_for(request.user, pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, followup, reschedule_form=form)
    due_at = form.cleaned_data["due_at"]
    return _act(
        request,
        lambda: services.followup_reschedule(followup=followup, due_at=due_at, by=request.user),
        _("The follow-up was rescheduled."),
    )
