"""LINE invitations to a peer-support session: the page (who is reachable, what was sent, the
text to send), sending, and sending a failed one again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from activities.models import PeerSession
from activities.selectors import session_get_for
from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz
from tsunagari.forms import form_add_service_errors

from .. import selectors
from ..forms import InvitationForm
from ..services import invitations as invitation_services

CAPABILITY = "line.send_session_invitations"


def _session(request: HttpRequest, pk: int) -> PeerSession:
    authz.require(request.user, CAPABILITY)
    return session_get_for(request.user, pk)


def _page(
    request: HttpRequest,
    session: PeerSession,
    form: InvitationForm | None = None,
    refusal: str = "",
    status: int = 200,
) -> HttpResponse:
    rows = selectors.invitation_rows(request.user, session)
    open_for_invitations = (
        session.status == PeerSession.Status.PLANNED and session.starts_at > timezone.now()
    )
    if form is None and open_for_invitations:
        form = InvitationForm(
            prefix="invite", initial={"text": invitation_services.invitation_default_text(session)}
        )
    context = {
        "s": session,
        "rows": rows,
        "ready": sum(1 for row in rows if row.invitation_state == selectors.READY),
        "form": form if open_for_invitations else None,
        "refusal": refusal,
    }
    return render(request, "line/invitations.html", context, status=status)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")
def session_invitations(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _session(request, pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")  # a refusal re-renders it
def session_invitations_send(request: HttpRequest, pk: int) -> HttpResponse:
    session = _session(request, pk)
    form = InvitationForm(request.POST, prefix="invite")
    if form.is_valid():
        try:
            made = invitation_services.session_invitations_send(
                session=session, text=form.cleaned_data["text"], by=request.user
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                ngettext(
                    "%(n)s invitation is being sent on LINE.",
                    "%(n)s invitations are being sent on LINE.",
                    len(made),
                )
                % {"n": len(made)},
            )
            return redirect("line:session_invitations", pk=session.pk)
    return _page(request, session, form, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, PeerSession, id_kwarg="pk")  # a refusal re-renders it
def session_invitation_resend(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    session = _session(request, pk)
    invitation = authz.get_or_deny(
        selectors.invitations_for(request.user).filter(session_id=session.pk), invitation_pk
    )
    try:
        invitation_services.session_invitation_resend(invitation=invitation, by=request.user)
    except ValidationError as exc:
        return _page(request, session, refusal=" ".join(exc.messages), status=400)
    except PermissionDenied as exc:
        return _page(request, session, refusal=str(exc), status=400)
    messages.success(request, _("The invitation is being sent again."))
    return redirect("line:session_invitations", pk=session.pk)
