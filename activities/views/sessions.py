"""Peer-support sessions: the list, planning one, its page (registrations, attendance, head
counts, cancelling)."""

from __future__ import annotations

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
from core import authz, registry
from core.roles import Role
from core.time import fiscal_year_start, local_date
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import AnonymousForm, AttendanceAnonymousForm, ReasonForm, RegisterForm, SessionForm
from ..models import PeerSession, SessionRegistration


def _staff():
    return users_with_roles(Role.COUNSELOR, Role.COORDINATOR, Role.SUPERVISOR)


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """This fiscal year's sessions and the next ones, with their head counts (no names)."""
    authz.require(request.user, "activities.view_sessions")
    start = fiscal_year_start(local_date(timezone.now()))
    sessions = selectors.session_list(request.user, start=start)
    return render(
        request,
        "activities/session_list.html",
        {"sessions": list(sessions), "since": start},
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_create(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "activities.manage_sessions")
    status = 200
    if request.method == "POST":
        form = SessionForm(request.POST, staff=_staff())
        made: list[PeerSession] = []
        if form.is_valid():

            def act():
                made.append(services.session_create(by=request.user, **form.cleaned_data))

            if form_attempt(request, form, act, _("The session is planned.")):
                return redirect("activities:session_detail", pk=made[0].pk)
        status = 400
    else:
        form = SessionForm(staff=_staff())
    return render(
        request, "activities/session_form.html", {"form": form, "session": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "activities.manage_sessions")
    session = selectors.session_get_for(request.user, pk)
    status = 200
    if request.method == "POST":
        form = SessionForm(request.POST, staff=_staff())
        if form.is_valid():

            def act():
                services.session_update(session=session, by=request.user, **form.cleaned_data)

            if form_attempt(request, form, act, _("The session is changed.")):
                return redirect("activities:session_detail", pk=session.pk)
        status = 400
    else:
        initial = {name: getattr(session, name) for name in services.sessions.SESSION_FIELDS}
        initial["starts_at"] = timezone.localtime(session.starts_at)
        initial["ends_at"] = timezone.localtime(session.ends_at)
        initial["facilitators"] = [u.pk for u in session.facilitators.all()]
        form = SessionForm(initial=initial, staff=_staff())
    return render(
        request,
        "activities/session_form.html",
        {"form": form, "session": session},
        status=status,
    )


def _detail(request: HttpRequest, session: PeerSession, bound=None, status=200) -> HttpResponse:
    bound = bound or {}
    user = request.user
    now = timezone.now()
    planned = session.status == PeerSession.Status.PLANNED
    begun = session.starts_at <= now
    registrations = selectors.session_registrations(user, session)
    can_register = authz.can(user, "activities.register_clients")
    can_manage = authz.can(user, "activities.manage_sessions")
    context = {
        "s": session,
        "registrations": registrations,
        "can_register": can_register,
        "can_manage": can_manage,
        "begun": begun,
        "register_form": (
            bound.get("register")
            or RegisterForm(clients=selectors.registrable_clients(user, session), prefix="reg")
        )
        if can_register and planned
        else None,
        "anonymous_form": (
            bound.get("anonymous")
            or AnonymousForm(
                initial={"anonymous_registered": session.anonymous_registered}, prefix="anon"
            )
        )
        if can_manage and planned
        else None,
        "attendance_anonymous_form": (
            bound.get("attendance_anonymous")
            or AttendanceAnonymousForm(
                initial={"anonymous_attended": session.anonymous_attended}, prefix="present"
            )
        )
        if can_manage and begun and session.status != PeerSession.Status.CANCELLED
        else None,
        "attendance_error": bound.get("attendance_error"),
        "cancel_form": (bound.get("cancel") or ReasonForm(prefix="cancel"))
        if can_manage and planned
        else None,
        "Status": SessionRegistration.Status,
        # Other apps' sections of the page (`core.registry.page_sections`, e.g. invitations).
        "sections": registry.sections_for("activities.session_detail", request, session),
    }
    return render(request, "activities/session_detail.html", context, status=status)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.session_get_for(request.user, pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")  # a refusal re-renders it
def session_register(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk)
    authz.require(request.user, "activities.register_clients")
    form = RegisterForm(
        request.POST, clients=selectors.registrable_clients(request.user, session), prefix="reg"
    )
    if form.is_valid():

        def act():
            services.session_register(
                session=session,
                client=form.cleaned_data["client"],
                by=request.user,
                contact_agreed=form.cleaned_data["contact_agreed"],
            )

        if form_attempt(request, form, act, _("She is registered.")):
            return redirect("activities:session_detail", pk=session.pk)
    return _detail(request, session, {"register": form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Who came: one pair of radio buttons per registration she may see."""
    session = selectors.session_get_for(request.user, pk)
    authz.require(request.user, "activities.register_clients")
    mine = selectors.session_registrations(request.user, session)["mine"]
    attended: dict[int, bool] = {}
    for registration in mine:
        value = request.POST.get(f"attended-{registration.pk}", "")
        if value in ("yes", "no"):
            attended[registration.pk] = value == "yes"
    problem = ""
    if not attended:
        problem = _("Mark at least one participant as present or absent.")
    else:
        try:
            services.session_attendance_record(session=session, attended=attended, by=request.user)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        except PermissionDenied as exc:
            problem = str(exc)
    if not problem:
        messages.success(request, _("Attendance is recorded."))
        return redirect("activities:session_detail", pk=session.pk)
    return _detail(request, session, {"attendance_error": problem}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_anonymous(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk)
    authz.require(request.user, "activities.manage_sessions")
    if "present-anonymous_attended" in request.POST:
        form = AttendanceAnonymousForm(request.POST, prefix="present")
        key = "attendance_anonymous"
    else:
        form = AnonymousForm(request.POST, prefix="anon")
        key = "anonymous"
    if form.is_valid():
        data = form.cleaned_data

        def act():
            services.session_anonymous_set(
                session=session,
                by=request.user,
                registered=data.get("anonymous_registered"),
                attended=data.get("anonymous_attended"),
            )

        if form_attempt(request, form, act, _("The head count is recorded.")):
            return redirect("activities:session_detail", pk=session.pk)
    return _detail(request, session, {key: form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get_for(request.user, pk)
    authz.require(request.user, "activities.manage_sessions")
    form = ReasonForm(request.POST, prefix="cancel")
    if form.is_valid():

        def act():
            services.session_cancel(
                session=session, by=request.user, reason=form.cleaned_data["reason"]
            )

        if form_attempt(request, form, act, _("The session is cancelled.")):
            return redirect("activities:session_detail", pk=session.pk)
    return _detail(request, session, {"cancel": form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, SessionRegistration, id_kwarg="pk")
def registration_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    registration = selectors.registration_get_for(request.user, pk)
    session = selectors.session_get_for(request.user, registration.session_id)
    try:
        services.registration_withdraw(registration=registration, by=request.user)
    except ValidationError as exc:
        return _detail(request, session, {"attendance_error": " ".join(exc.messages)}, status=400)
    except PermissionDenied as exc:
        return _detail(request, session, {"attendance_error": str(exc)}, status=400)
    messages.success(request, _("The registration is withdrawn."))
    return redirect("activities:session_detail", pk=session.pk)
