"""Support-coordination meetings (支援調整会議, art. 15): recorded with the organisations and
the women discussed; what was shared writes provision records; the actions that follow are
support actions on her case. Its notes are shown only to those who may see one of its cases."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import logs_access
from audit.models import AccessLog
from cases.models import Case
from cases.selectors import cases_visible_to
from cases.services.cases import support_action_add
from core import authz
from core.paging import paginate
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import MeetingActionForm, MeetingForm
from ..models import CoordinationMeeting


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, CoordinationMeeting)
def meeting_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    page = paginate(request, selectors.meetings_visible_to(request.user))
    return render(request, "referrals/meeting_list.html", {"page": page})


def _open_cases(user):
    return (
        cases_visible_to(user)
        .filter(status__in=Case.OPEN_STATUSES)
        .select_related("client")
        .order_by("client__nickname", "pk")
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.work_with_referrals")
    may_override = authz.can(request.user, "referrals.override_consent")
    kwargs = {
        "partners": selectors.partners_for(request.user),
        "cases": _open_cases(request.user),
        "may_override": may_override,
    }
    status = 200
    if request.method == "POST":
        form = MeetingForm(request.POST, **kwargs)
        made: list[CoordinationMeeting] = []
        if form.is_valid():
            data = form.cleaned_data
            items = data["shared_items"]

            def act():
                inputs = [
                    services.MeetingCaseInput(
                        case=case,
                        shared_items=items,
                        # Her consent covering what was shared, if she gave one; else the
                        # supervisor's emergency reason, which the service checks.
                        consent=selectors.consent_covering(request.user, case.client, items),
                        emergency_reason=data.get("emergency_reason", ""),
                    )
                    for case in data["cases"]
                ]
                made.append(
                    services.meeting_record(
                        held_at=data["held_at"],
                        title=data["title"],
                        by=request.user,
                        cases=inputs,
                        organisations=data["organisations"],
                        other_organisations=data["other_organisations"],
                        participants=data["participants"],
                        notes=data["notes"],
                        decisions=data["decisions"],
                    )
                )

            if form_attempt(request, form, act, _("The meeting is recorded.")):
                return redirect("referrals:meeting_detail", pk=made[0].pk)
        status = 400
    else:
        form = MeetingForm(**kwargs)
    return render(request, "referrals/meeting_form.html", {"form": form}, status=status)


def _detail(request, meeting, bound=None, status=200) -> HttpResponse:
    bound = bound or {}
    rows = selectors.meeting_cases_visible_to(request.user).filter(meeting=meeting)
    women = [
        (
            row,
            bound.get(row.pk)
            or MeetingActionForm(prefix=f"action-{row.pk}", owners=row.case.counselors.all()),
        )
        for row in rows.order_by("client__nickname", "pk")
    ]
    return render(
        request,
        "referrals/meeting_detail.html",
        {"meeting": meeting, "women": women},
        status=status,
    )


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, CoordinationMeeting, id_kwarg="pk")
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, authz.get_or_deny(selectors.meetings_visible_to(request.user), pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, CoordinationMeeting, id_kwarg="pk")  # a refusal re-renders
def meeting_action_add(request: HttpRequest, pk: int, meetingcase_pk: int) -> HttpResponse:
    meeting = authz.get_or_deny(selectors.meetings_visible_to(request.user), pk)
    row = authz.get_or_deny(
        selectors.meeting_cases_visible_to(request.user).filter(meeting=meeting), meetingcase_pk
    )
    form = MeetingActionForm(
        request.POST, prefix=f"action-{row.pk}", owners=row.case.counselors.all()
    )
    if form.is_valid():
        data = form.cleaned_data

        def act():
            support_action_add(
                case=row.case,
                description=data["description"],
                owner=data["owner"],
                due_on=data.get("due_on"),
                by=request.user,
            )

        if form_attempt(request, form, act, _("The action is added to her case.")):
            return redirect("referrals:meeting_detail", pk=meeting.pk)
    return _detail(request, meeting, {row.pk: form}, status=400)
