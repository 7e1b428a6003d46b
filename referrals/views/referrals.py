"""Referrals (つなぎ) and her consent to sharing: the counselor's board, a referral from a case,
its page with the next steps, and consent recorded and withdrawn on the client."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import logs_access
from audit.models import AccessLog
from cases.models import Case, Client
from cases.selectors import case_get_for, client_get_for
from core import authz
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import ConsentForm, ReasonForm, ReferralForm, SendForm
from ..models import Referral

Status = Referral.Status

# The steps a referral offers from each status: (url step, button, text label, required).
STEPS = {
    "accept": (gettext_lazy("Accepted by the partner"), gettext_lazy("Note"), False),
    "decline": (gettext_lazy("Declined by the partner"), gettext_lazy("Why it was declined"), True),
    "start": (gettext_lazy("Support has started"), gettext_lazy("Note"), False),
    "complete": (gettext_lazy("Completed"), gettext_lazy("Outcome"), True),
    "withdraw": (gettext_lazy("Withdraw the referral"), gettext_lazy("Why it is withdrawn"), True),
}
NEXT_STEPS = {
    Status.DRAFT: ("withdraw",),
    Status.SENT: ("accept", "decline", "withdraw"),
    Status.ACCEPTED: ("start", "complete", "withdraw"),
    Status.IN_PROGRESS: ("complete", "withdraw"),
}
SERVICES = {
    "accept": lambda r, by, text: services.referral_accept(referral=r, by=by, note=text),
    "decline": lambda r, by, text: services.referral_decline(referral=r, by=by, reason=text),
    "start": lambda r, by, text: services.referral_start(referral=r, by=by, note=text),
    "complete": lambda r, by, text: services.referral_complete(referral=r, by=by, outcome=text),
    "withdraw": lambda r, by, text: services.referral_withdraw(referral=r, by=by, note=text),
}
DONE = {
    "accept": gettext_lazy("The referral is recorded as accepted."),
    "decline": gettext_lazy("The referral is recorded as declined."),
    "start": gettext_lazy("Support by the partner is recorded as started."),
    "complete": gettext_lazy("The referral is completed."),
    "withdraw": gettext_lazy("The referral was withdrawn."),
}
BOARD_COLUMNS = (Status.DRAFT, Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Referral)
def referral_board(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    board = selectors.referral_board(request.user)
    columns = [(Status(s).value, Status(s).label, board[s]) for s in BOARD_COLUMNS]
    finished = sorted(
        board[Status.COMPLETED] + board[Status.DECLINED] + board[Status.WITHDRAWN],
        key=lambda r: (r.updated_at, r.pk),
        reverse=True,
    )[:30]
    return render(
        request,
        "referrals/board.html",
        {"columns": columns, "finished": finished, "now": timezone.now()},
    )


def _step_form(step: str, data=None) -> ReasonForm:
    _button, label, required = STEPS[step]
    return ReasonForm(data, label=label, required=required, prefix=step)


def _send_form(request: HttpRequest, referral: Referral, data=None) -> SendForm:
    consents = selectors.consents_covering(request.user, referral.client, referral.shared_items)
    return SendForm(
        data,
        consents=consents,
        may_override=authz.can(request.user, "referrals.override_consent"),
        prefix="send",
        initial={"consent": consents.first()},
    )


def _detail(request: HttpRequest, referral: Referral, bound: dict | None = None, status=200):
    bound = bound or {}
    steps = [
        (step, STEPS[step][0], bound.get(step) or _step_form(step))
        for step in NEXT_STEPS.get(referral.status, ())
    ]
    context = {
        "referral": referral,
        "case": referral.case,
        "steps": steps,
        "send_form": (bound.get("send") or _send_form(request, referral))
        if referral.status == Status.DRAFT
        else None,
        "transitions": list(referral.transitions.all()),
        "may_accompany": referral.status in (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS),
        "provisions": list(referral.provision_records.select_related("by").order_by("provided_at")),
        "accompaniments": list(
            selectors.case_accompaniments(request.user, referral.case).filter(referral=referral)
        ),
    }
    return render(request, "referrals/referral_detail.html", context, status=status)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, Referral, id_kwarg="pk")
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.referral_get_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, Case, id_param="case")
def referral_create(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    case = case_get_for(request.user, request.GET.get("case") or request.POST.get("case"))
    partners = selectors.partners_for(request.user)
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, partners=partners)
        made: list[Referral] = []
        if form.is_valid():
            data = form.cleaned_data

            def act():
                made.append(
                    services.referral_create(
                        case=case,
                        partner=data["partner"],
                        reason=data["reason"],
                        shared_items=data["shared_items"],
                        by=request.user,
                    )
                )

            if form_attempt(request, form, act, _("The referral was saved as a draft.")):
                return redirect("referrals:detail", pk=made[0].pk)
        status = 400
    else:
        form = ReferralForm(partners=partners, initial={"partner": request.GET.get("partner")})
    consents = selectors.consents_for(request.user, case.client).filter(withdrawn_at__isnull=True)
    return render(
        request,
        "referrals/referral_form.html",
        {"form": form, "case": case, "consents": list(consents)},
        status=status,
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Referral, id_kwarg="pk")  # a refusal re-renders it
def referral_send(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    form = _send_form(request, referral, request.POST)
    if form.is_valid():
        data = form.cleaned_data

        def act():
            services.referral_send(
                referral=referral,
                by=request.user,
                consent=data.get("consent"),
                emergency_reason=data.get("emergency_reason", ""),
                note=data.get("note", ""),
            )

        if form_attempt(request, form, act, _("The referral was sent; the provision is recorded.")):
            return redirect("referrals:detail", pk=referral.pk)
    return _detail(request, referral, {"send": form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Referral, id_kwarg="pk")  # a refusal re-renders it
def referral_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    referral = selectors.referral_get_for(request.user, pk)
    if step not in STEPS:
        raise authz.Denied(f"referral step {step}")
    form = _step_form(step, request.POST)
    if form.is_valid():
        text = form.cleaned_data["text"]
        act = lambda: SERVICES[step](referral, request.user, text)  # noqa: E731
        if form_attempt(request, form, act, str(DONE[step])):
            return redirect("referrals:detail", pk=referral.pk)
    return _detail(request, referral, {step: form}, status=400)


# --- her consent to sharing -----------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, Client, id_kwarg="pk")
def consent_record(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    client = client_get_for(request.user, pk)
    back = request.POST.get("next") or request.GET.get("next") or ""
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data

            def act():
                services.consent_record(client=client, by=request.user, **data)

            if form_attempt(request, form, act, _("Her consent to sharing is recorded.")):
                if back.startswith("/referrals/") or back.startswith("/cases/"):
                    return redirect(back)
                return redirect("cases:client_detail", pk=client.pk)
        status = 400
    else:
        form = ConsentForm(initial={"given_at": timezone.localtime().replace(second=0)})
    return render(
        request,
        "referrals/consent_form.html",
        {"form": form, "client": client, "next": back},
        status=status,
    )


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    consent = selectors.consent_get_for(request.user, pk)
    form = ReasonForm(request.POST, label=_("Reason"), max_length=1000)
    if form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent, by=request.user, reason=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The consent is withdrawn: nothing will be sent on it."))
    else:
        messages.error(request, " ".join(m for e in form.errors.values() for m in e))
    return redirect("cases:client_detail", pk=consent.client_id)
