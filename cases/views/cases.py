"""Case pages: caseload, opening a case, the case page and its actions, pending closings.

Pages are for counselors and supervisors; everyone else gets 404. A case the user may not see
is a 404 too (never 403: no hint that it exists). A bad form re-renders the case page with its
errors (400); a refused step (say, an invalid status change) comes back as a message.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz, registry
from core.paging import paginate
from core.time import local_date
from tsunagari.forms import form_add_service_errors

from ..closing import open_items_for, open_items_of
from ..forms.cases import (
    CaseAssignForm,
    CaseFilterForm,
    CaseNoteCorrectForm,
    CaseNoteForm,
    CaseOpenForm,
    CaseReopenForm,
    CaseStatusForm,
    ClosureDecisionForm,
    ClosureRequestForm,
    SupportActionForm,
    SupportGoalForm,
)
from ..forms.priority import CasePriorityForm
from ..models import Case, CaseClosureRequest, CaseNote, Client, SupportAction, SupportGoal
from ..selectors.access import client_get_for, consultation_get_for
from ..selectors.cases import (
    case_detail_get_for,
    case_pending_closure,
    caseload_for,
    closure_request_get_for,
    closure_requests_pending_for,
)
from ..services import cases as services
from ..services.cases import priority_for_client
from ..timeline import case_timeline


def _case_for(request: HttpRequest, pk: int) -> Case:
    authz.require(request.user, "cases.work_with_clients")
    return case_detail_get_for(request.user, pk)


def _error_text(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error) or _("You may not do this.")


# --- caseload ---------------------------------------------------------------------------


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Case)
def case_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.work_with_clients")
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    # The supervisors' caseload leads here for one counselor's cases (`?counselor=<id>`): a
    # filter within what she may see, so a bad or foreign id only empties the list.
    counselor = request.GET.get("counselor", "")
    counselor_pk = int(counselor) if counselor.isdigit() and len(counselor) < 10 else None
    cases = caseload_for(
        request.user,
        status=filters.get("status", ""),
        priority=filters.get("priority"),
        mine=filters.get("mine", False),
        counselor=counselor_pk,
    )
    page = paginate(request, cases)
    columns = registry.columns_for("cases.case_list")
    counselor_name = ""
    for case in page:
        case.extra_cells = [(column, getattr(case, column.key)) for column in columns]
        for user in case.counselors.all():  # prefetched: her name costs no query
            if user.pk == counselor_pk:
                counselor_name = str(user)
    query = request.GET.copy()
    query.pop("page", None)
    now = timezone.now()
    return render(
        request,
        "cases/case/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "columns": columns,
            "now": now,
            "today": local_date(now),
            "counselor_pk": counselor_pk,
            "counselor_name": counselor_name,
            # A supervisor sees every case: the list is not "hers" unless she filters it so.
            "sees_all": authz.is_supervisor(request.user) and not filters.get("mine"),
        },
    )


# --- opening a case -----------------------------------------------------------------------


def _case_open(request: HttpRequest, *, client_pk: str) -> HttpResponse:
    client = client_get_for(request.user, client_pk)
    consultation = None
    consultation_pk = request.GET.get("consultation") or request.POST.get("consultation")
    if consultation_pk:
        consultation = consultation_get_for(request.user, consultation_pk)
        if consultation.client_id != client.pk:
            raise Http404
    if request.method == "POST":
        form = CaseOpenForm(request.POST)
        if form.is_valid():
            try:
                case = services.case_open(
                    client=client,
                    by=request.user,
                    opened_from=consultation,
                    counselors=form.cleaned_data["counselors"],
                    title=form.cleaned_data["title"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The case was opened."))
                return redirect("cases:case_detail", pk=case.pk)
        status = 400
    else:
        form = CaseOpenForm(initial={"counselors": [request.user.pk]})
        status = 200
    open_cases = client.cases.filter(status__in=Case.OPEN_STATUSES).order_by("-opened_at")
    return render(
        request,
        "cases/case/open.html",
        {"form": form, "client": client, "consultation": consultation, "open_cases": open_cases},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, Client, id_param="client")
def case_open(request: HttpRequest) -> HttpResponse:
    """`/cases/open/?client=<id>&consultation=<id>`: from a consultation or a client page."""
    authz.require(request.user, "cases.work_with_clients")
    client_pk = request.GET.get("client") or request.POST.get("client") or ""
    if not client_pk:
        raise Http404
    return _case_open(request, client_pk=client_pk)


# --- the case page ----------------------------------------------------------------------


def _detail_context(request: HttpRequest, case: Case, forms: dict) -> dict:
    user = request.user
    now = timezone.now()
    pending = case_pending_closure(case)
    bound_corrections = forms.pop("correct_forms", {})
    timeline = case_timeline(case)
    for entry in timeline:
        if entry.kind == "note":
            pk = entry.object.pk
            entry.correct_form = bound_corrections.get(pk) or CaseNoteCorrectForm(
                auto_id=f"id_correct{pk}_%s",
                # Start from the text as it stands now: the latest correction, if any.
                initial={"body": (entry.corrections[-1] if entry.corrections else entry).body},
            )
    context = {
        "case": case,
        "timeline": timeline,
        "pending_closure": pending,
        "note_form": CaseNoteForm(),
        "status_form": CaseStatusForm(),
        "priority_form": CasePriorityForm(),
        "assign_form": CaseAssignForm(
            initial={"counselors": [u.pk for u in case.counselors.all()]}
        ),
        "goal_form": SupportGoalForm(),
        "action_form": SupportActionForm(case=case, initial={"owner": user.pk}),
        "closure_form": ClosureRequestForm(),
        "decision_form": ClosureDecisionForm(),
        # What closing would leave behind, for the request and the approval (_closing.html).
        "open_items": open_items_for(case) if case.status != Case.Status.CLOSED else [],
        "reopen_form": CaseReopenForm(),
        "allowed_statuses": [
            (value, Case.Status(value).label)
            for value in sorted(services.STATUS_TRANSITIONS.get(case.status, ()))
        ],
        "allowed_priorities": _allowed_priorities(case),
        "sections": registry.sections_for("cases.case_detail", request, case),
        "now": now,
        "today": local_date(now),
    }
    context.update(forms)
    return context


def _allowed_priorities(case: Case) -> list[tuple[int, str]]:
    """The priorities she may set by hand (`case_set_priority`): not below what the client's
    active risk flags call for, and not the one it has."""
    if case.status == Case.Status.CLOSED:
        return []
    floor = priority_for_client(case.client)
    return [
        (value, label)
        for value, label in Case.Priority.choices
        if value >= floor and value != case.priority
    ]


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, Case, id_kwarg="pk")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    return render(request, "cases/case/detail.html", _detail_context(request, case, {}))


def _rerender(request: HttpRequest, case: Case, **forms) -> HttpResponse:
    """The case page again, with the bound form showing its errors (400; the view's
    `logs_access` records it like any page)."""
    return render(
        request, "cases/case/detail.html", _detail_context(request, case, forms), status=400
    )


def _done(request: HttpRequest, case: Case, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("cases:case_detail", pk=case.pk)


def _refused(request: HttpRequest, case: Case, error: ValidationError) -> HttpResponse:
    messages.error(request, _error_text(error))
    return redirect("cases:case_detail", pk=case.pk)


def _case_post(
    form_class: type,
    form_name: str,
    act: Callable[[HttpRequest, Case, dict], str],
    capability: str | None = None,
    **form_kwargs,
) -> Callable[[HttpRequest, int], HttpResponse]:
    """A POST endpoint on one case: 404 unless visible (and unless she has `capability`),
    validate, call one service."""

    @login_required
    @require_POST
    @logs_access(AccessLog.Action.VIEW, Case, id_kwarg="pk")  # a bad form re-renders the case
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        case = _case_for(request, pk)
        if capability is not None:
            authz.require(request.user, capability, case)
        kwargs = {"case": case} if form_kwargs.get("needs_case") else {}
        form = form_class(request.POST, **kwargs)
        if not form.is_valid():
            return _rerender(request, case, **{form_name: form})
        try:
            message = act(request, case, form.cleaned_data)
        except ValidationError as error:
            return _refused(request, case, error)
        return _done(request, case, message)

    return view


def _add_note(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_note_add(case=case, body=data["body"], by=request.user)
    return _("The note was added.")


def _set_status(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_set_status(case=case, status=data["status"], by=request.user, note=data["note"])
    return _("The status was changed.")


def _set_priority(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_set_priority(
        case=case, priority=data["priority"], by=request.user, note=data["note"]
    )
    return _("The priority was changed.")


def _assign(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_assign(case=case, counselors=data["counselors"], by=request.user)
    return _("The counselors were updated.")


def _add_goal(request: HttpRequest, case: Case, data: dict) -> str:
    services.support_goal_add(case=case, text=data["text"], by=request.user)
    return _("The goal was added.")


def _add_action(request: HttpRequest, case: Case, data: dict) -> str:
    services.support_action_add(
        case=case,
        description=data["description"],
        owner=data["owner"],
        due_on=data["due_on"],
        goal=data["goal"],
        by=request.user,
    )
    return _("The action was added.")


def _reopen(request: HttpRequest, case: Case, data: dict) -> str:
    services.case_reopen(case=case, by=request.user, note=data["note"])
    return _("The case was reopened.")


case_note_add = _case_post(CaseNoteForm, "note_form", _add_note)
case_set_status = _case_post(CaseStatusForm, "status_form", _set_status)
case_set_priority = _case_post(CasePriorityForm, "priority_form", _set_priority)
case_assign = _case_post(CaseAssignForm, "assign_form", _assign)
support_goal_add = _case_post(SupportGoalForm, "goal_form", _add_goal)
support_action_add = _case_post(SupportActionForm, "action_form", _add_action, needs_case=True)
# Reopening is for supervisors: a counselor who sees the case gets 404 like anyone else.
case_reopen = _case_post(CaseReopenForm, "reopen_form", _reopen, capability="cases.reopen_case")


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Case, id_kwarg="pk")  # a bad form re-renders the case
def case_note_correct(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    note = get_object_or_404(CaseNote, pk=note_pk, case=case)
    form = CaseNoteCorrectForm(request.POST, auto_id=f"id_correct{note.pk}_%s")
    if not form.is_valid():
        return _rerender(request, case, correct_forms={note.pk: form})
    try:
        services.case_note_correct(note=note, body=form.cleaned_data["body"], by=request.user)
    except ValidationError as error:
        return _refused(request, case, error)
    return _done(request, case, _("The correction was added. The original note is kept."))


@login_required
@require_POST
def support_goal_achieve(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    goal = get_object_or_404(SupportGoal, pk=goal_pk, case=case)
    try:
        services.support_goal_achieve(goal=goal, by=request.user)
    except ValidationError as error:
        return _refused(request, case, error)
    return _done(request, case, _("The goal was marked achieved."))


@login_required
@require_POST
def support_action_complete(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    action = get_object_or_404(SupportAction, pk=action_pk, case=case)
    try:
        services.support_action_complete(action=action, by=request.user)
    except ValidationError as error:
        return _refused(request, case, error)
    return _done(request, case, _("The action was marked done."))


# --- closing: the counselor's request, the supervisors' decisions ----------------------------


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Case, id_kwarg="pk")  # a bad form re-renders the case
def case_request_closure(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for(request, pk)
    form = ClosureRequestForm(request.POST)
    if form.is_valid():
        try:
            services.case_request_closure(
                case=case,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                open_items_seen=form.cleaned_data["open_items_seen"],
                by=request.user,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                return _refused(request, case, error)
            # She has not confirmed the open items yet: the form again, with them listed.
            form_add_service_errors(form, error)
        else:
            return _done(request, case, _("Closing was requested. A supervisor will decide."))
    return _rerender(request, case, closure_form=form)


# --- closing decisions (supervisors) ------------------------------------------------------


@login_required
@require_POST
# A bad form re-renders the request, on its case page or in the list of pending ones.
@logs_access(AccessLog.Action.VIEW, CaseClosureRequest, id_kwarg="request_pk")
def closure_decide(request: HttpRequest, request_pk: int) -> HttpResponse:
    """Approve or decline a closing request; only a supervisor may (404 for anyone else)."""
    authz.require(request.user, "cases.work_with_clients")
    closure = closure_request_get_for(request.user, request_pk)
    authz.require(request.user, "cases.approve_closure", closure)
    back_to_list = request.POST.get("next") == "pending"
    form = ClosureDecisionForm(
        request.POST, auto_id=f"id_decision{closure.pk}_%s" if back_to_list else "id_decision_%s"
    )
    if not form.is_valid():
        if back_to_list:
            return _pending_page(request, {closure.pk: form}, status=400)
        case = case_detail_get_for(request.user, closure.case_id)
        return _rerender(request, case, decision_form=form)
    data = form.cleaned_data
    try:
        if data["decision"] == ClosureDecisionForm.APPROVE:
            services.case_approve_closure(
                request=closure,
                by=request.user,
                note=data["note"],
                open_items=data["open_items"],
                hand_over_to=data["hand_over_to"],
                open_items_reason=data["open_items_reason"],
            )
            messages.success(request, _("Closing was approved. The case is closed."))
        else:
            services.case_reject_closure(request=closure, by=request.user, note=data["note"])
            messages.success(request, _("Closing was declined."))
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            messages.error(request, _error_text(error))
        else:
            # What becomes of the open items is not decided yet: the form again, with errors.
            form_add_service_errors(form, error)
            if back_to_list:
                return _pending_page(request, {closure.pk: form}, status=400)
            case = case_detail_get_for(request.user, closure.case_id)
            return _rerender(request, case, decision_form=form)
    if back_to_list:
        return redirect("cases:closure_pending")
    return redirect("cases:case_detail", pk=closure.case_id)


def _pending_page(request: HttpRequest, bound: dict, status: int = 200) -> HttpResponse:
    requests_ = list(closure_requests_pending_for(request.user))
    # Each case's open items, for all the cases at once (a fixed number of queries).
    open_items = open_items_of([item.case for item in requests_])
    counselors = None
    for item in requests_:
        item.decision_form = form = bound.get(item.pk) or ClosureDecisionForm(
            auto_id=f"id_decision{item.pk}_%s"
        )
        item.open_items = open_items.get(item.case_id, [])
        if item.open_items:
            # One query for the counselors' names, whatever the number of requests.
            counselors = counselors if counselors is not None else form.counselor_choices()
            form.fields["hand_over_to"].widget.choices = counselors
    return render(
        request, "cases/case/closure_pending.html", {"requests": requests_}, status=status
    )


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, CaseClosureRequest)
def closure_pending(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.supervise")
    return _pending_page(request, {})
