"""Accompaniment (同行支援): booked from a case, on her agenda, held with an outcome or
cancelled with a reason."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import users_with_roles
from audit.decorators import logs_access
from audit.models import AccessLog
from cases.models import Case
from cases.selectors import case_get_for
from core import authz
from core.roles import Role
from core.time import local_date, start_of_day
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import AccompanimentForm, AccompanimentOutcomeForm, ReasonForm
from ..models import Accompaniment

AGENDA_DAYS = 28


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Accompaniment)
def agenda(request: HttpRequest) -> HttpResponse:
    """Her accompaniments from today for four weeks, and those past still waiting for an
    outcome."""
    authz.require(request.user, "referrals.work_with_referrals")
    now = timezone.now()
    today = start_of_day(local_date(now))
    upcoming = selectors.accompaniments_agenda(
        request.user, start=today, end=today + datetime.timedelta(days=AGENDA_DAYS)
    )
    waiting = selectors.accompaniments_agenda(
        request.user, start=today - datetime.timedelta(days=365), end=today
    )
    return render(
        request,
        "referrals/agenda.html",
        {"upcoming": list(upcoming), "waiting": list(waiting), "days": AGENDA_DAYS},
    )


def _counselors():
    return users_with_roles(Role.COUNSELOR, Role.SUPERVISOR).filter(is_active=True)


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, Case, id_param="case")
def accompaniment_book(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    case = case_get_for(request.user, request.GET.get("case") or request.POST.get("case"))
    referral = None
    referral_pk = request.GET.get("referral") or request.POST.get("referral")
    if referral_pk:
        referral = selectors.referral_get_for(request.user, referral_pk)
        if referral.case_id != case.pk:
            raise authz.Denied("referral of another case")
    partners = selectors.partners_for(request.user)
    status = 200
    if request.method == "POST":
        form = AccompanimentForm(request.POST, partners=partners, counselors=_counselors())
        made: list[Accompaniment] = []
        if form.is_valid():
            data = form.cleaned_data

            def act():
                made.append(
                    services.accompaniment_book(
                        case=case, referral=referral, by=request.user, **data
                    )
                )

            if form_attempt(request, form, act, _("The accompaniment is booked.")):
                return redirect("referrals:accompaniment_detail", pk=made[0].pk)
        status = 400
    else:
        initial = {"counselors": [request.user.pk]}
        if referral is not None:
            initial |= {"partner": referral.partner_id, "place": referral.partner.address}
        form = AccompanimentForm(initial=initial, partners=partners, counselors=_counselors())
    return render(
        request,
        "referrals/accompaniment_form.html",
        {"form": form, "case": case, "referral": referral},
        status=status,
    )


def _detail(request, accompaniment, bound=None, status=200) -> HttpResponse:
    bound = bound or {}
    planned = accompaniment.status == Accompaniment.Status.PLANNED
    context = {
        "a": accompaniment,
        "outcome_form": (bound.get("outcome") or AccompanimentOutcomeForm(prefix="outcome"))
        if planned
        else None,
        "cancel_form": (
            bound.get("cancel")
            or ReasonForm(label=_("Why it is cancelled"), required=True, prefix="cancel")
        )
        if planned
        else None,
    }
    return render(request, "referrals/accompaniment_detail.html", context, status=status)


def _get(request, pk) -> Accompaniment:
    return authz.get_or_deny(selectors.accompaniments_visible_to(request.user), pk)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, Accompaniment, id_kwarg="pk")
def accompaniment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _get(request, pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Accompaniment, id_kwarg="pk")  # a refusal re-renders it
def accompaniment_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    accompaniment = _get(request, pk)
    form = AccompanimentOutcomeForm(request.POST, prefix="outcome")
    if form.is_valid():
        data = form.cleaned_data

        def act():
            services.accompaniment_record_outcome(
                accompaniment=accompaniment,
                outcome=data["outcome"],
                ends_at=data.get("ends_at"),
                cost_yen=data.get("cost_yen"),
                by=request.user,
            )

        if form_attempt(request, form, act, _("The accompaniment is recorded as held.")):
            return redirect("referrals:accompaniment_detail", pk=accompaniment.pk)
    return _detail(request, accompaniment, {"outcome": form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Accompaniment, id_kwarg="pk")  # a refusal re-renders it
def accompaniment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    accompaniment = _get(request, pk)
    form = ReasonForm(request.POST, label=_("Why it is cancelled"), required=True, prefix="cancel")
    if form.is_valid():
        reason = form.cleaned_data["text"]

        def act():
            services.accompaniment_cancel(
                accompaniment=accompaniment, by=request.user, reason=reason
            )

        if form_attempt(request, form, act, _("The accompaniment is cancelled.")):
            return redirect("referrals:accompaniment_detail", pk=accompaniment.pk)
    return _detail(request, accompaniment, {"cancel": form}, status=400)
