"""LINE invitations to a peer-support session (ピアサポートのご案内): from the session's page a
coordinator or supervisor invites every woman registered for it, a counselor the women she may
see, when she is a LINE friend (followed, not blocked) who agreed to be contacted about it.
One push each through the outbound service (the message row first, its own retry key, then
the send task), at most once per woman per session; a failed one is sent again, with the same
retry key, never a second invitation.

The text is the coordinator's, with a default naming the session only (title, date, time,
place): it never carries anything about another woman.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import PeerSession
from core import authz

from ..models import TEXT_MAX, Conversation, Message, SessionInvitation
from ..selectors import READY, invitation_rows, invitations_for
from . import outbound


def invitation_default_text(session: PeerSession) -> str:
    """The invitation's default text, in the programme's language (what the women read)."""
    with translation.override(settings.LANGUAGE_CODE):
        start = timezone.localtime(session.starts_at)
        end = timezone.localtime(session.ends_at)
        place = session.venue
        if session.online:
            place = _("Online") + (f" ({session.venue})" if session.venue else "")
        return _(
            "An invitation to a peer-support session.\n"
            "%(title)s\n"
            "When: %(date)s %(start)s–%(end)s\n"
            "Where: %(place)s\n"
            "If your plans change, just tell us here on LINE."
        ) % {
            "title": session.title,
            "date": formats.date_format(start, "MONTH_DAY_FORMAT"),
            "start": f"{start:%H:%M}",
            "end": f"{end:%H:%M}",
            "place": place,
        }


def _require(by: User) -> None:
    if not authz.can(by, "line.send_session_invitations"):
        raise PermissionDenied(_("You cannot send session invitations."))


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the invitation.")}, code="required")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {"text": _("LINE takes at most %(n)s characters.") % {"n": TEXT_MAX}}, code="length"
        )
    return text


@transaction.atomic
def session_invitations_send(
    *, session: PeerSession, text: str, by: User, now: datetime.datetime | None = None
) -> list[SessionInvitation]:
    """Invite every registered woman `by` may invite who is ready (a LINE friend who agreed,
    not invited yet): one message each into her latest conversation, sent after commit."""
    _require(by)
    text = _clean_text(text)
    now = now or timezone.now()
    # Two people inviting at once (or a second click): the session's lock orders them and the
    # second finds the first's invitations (the unique constraint backs it up).
    session = PeerSession.objects.select_for_update().get(pk=session.pk)
    if session.status != PeerSession.Status.PLANNED or session.starts_at <= now:
        raise ValidationError(
            _("Invitations go out only for a planned session that has not begun."),
            code="not_planned",
        )
    ready = [row for row in invitation_rows(by, session) if row.invitation_state == READY]
    if not ready:
        raise ValidationError(
            _("Nobody is left to invite: everyone reachable on LINE has been invited."),
            code="nobody",
        )
    conversations = Conversation.objects.in_bulk([row.latest_conversation_id for row in ready])
    made = []
    for row in ready:
        message = outbound.message_queue(
            conversation=conversations[row.latest_conversation_id], text=text, by=by
        )
        made.append(
            SessionInvitation.objects.create(
                session=session, registration=row, message=message, sent_by=by
            )
        )
    return made


@transaction.atomic
def session_invitation_resend(*, invitation: SessionInvitation, by: User) -> SessionInvitation:
    """A failed invitation is sent again (the same message and retry key: LINE delivers it
    once); one that is sent or still sending is left alone."""
    _require(by)
    if not invitations_for(by).filter(pk=invitation.pk).exists():
        raise PermissionDenied(_("You cannot send this invitation again."))
    # A resend racing the sweep or a second click: the message's lock lets one through.
    message = Message.objects.select_for_update(of=("self",)).get(pk=invitation.message_id)
    if message.status != Message.Status.FAILED:
        raise ValidationError(
            _("Only an invitation that could not be sent is sent again."), code="not_failed"
        )
    outbound.message_send_again(message)
    return invitation
