"""The triage list (kept by coordinators) and what a hit does to her conversation."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import users_with_roles
from core import authz
from core.roles import Role
from core.text import triage_key
from line.models import Conversation, Message
from notifications.models import Notification
from notifications.services import notification_send

from .. import selectors, triage
from ..models import RiskExpression, RiskHit


def _require_editor(by: User) -> None:
    if not authz.can(by, "linecare.edit_risk_expressions"):
        raise PermissionDenied(_("Only coordinators and supervisors edit the risk expressions."))


@transaction.atomic
def risk_expression_save(
    *,
    expression: RiskExpression | None = None,
    category: str,
    kind: str,
    phrase: str,
    active: bool,
    by: User,
) -> RiskExpression:
    """Add or change one expression (its history row is written by pghistory)."""
    _require_editor(by)
    phrase = (phrase or "").strip()
    key = triage_key(phrase)
    if not key:
        raise ValidationError({"phrase": _("Write an expression with letters in it.")})
    if expression is None:
        expression = RiskExpression()
    else:
        # Two coordinators saving one expression at once: the later save sees the earlier.
        expression = RiskExpression.objects.select_for_update().get(pk=expression.pk)
    expression.category, expression.kind, expression.phrase = category, kind, phrase
    expression.phrase_key, expression.active, expression.updated_by = key, active, by
    try:
        with transaction.atomic():
            expression.save()
    except IntegrityError:
        raise ValidationError(
            {"phrase": _("This expression is already on the list (as it is compared).")}
        ) from None
    return expression


def supervisors_on_shift() -> list[User]:
    """The supervisors to tell: every active supervisor (there is no rota in the system yet;
    the notification waits for whoever opens it first)."""
    return list(users_with_roles(Role.SUPERVISOR))


def message_triage(*, message: Message, conversation: Conversation, fresh: bool) -> RiskHit | None:
    """Her message against the list (the LINE app's `message_received` hook: inside the event's
    transaction, her conversation row locked). A hit is kept with the expressions that
    matched, marks the conversation urgent with its gravest category (the queue puts it first)
    and tells the supervisors."""
    if message.kind != Message.Kind.TEXT or not message.text:
        return None
    result = triage.match(message.text, selectors.active_expressions())
    if not result:
        return None
    hit = RiskHit.objects.create(
        conversation=conversation,
        message=message,
        categories=result.categories,
        words=result.words,
        at=message.sent_at,
    )
    current = conversation.category
    category = (
        current
        if current and triage.PRIORITY.index(current) <= triage.PRIORITY.index(result.category)
        else result.category
    )
    if not conversation.urgent or category != current:
        conversation.urgent, conversation.category = True, category
        Conversation.objects.filter(pk=conversation.pk).update(urgent=True, category=category)
    label = Conversation.Category(category).label
    url = reverse("linecare:conversation", kwargs={"conversation_pk": conversation.pk})
    for supervisor in supervisors_on_shift():
        # The title names the category only: no words of hers leave the app.
        notification_send(
            user=supervisor,
            kind=Notification.Kind.OTHER,
            title=_("Urgent LINE conversation: %(category)s") % {"category": label},
            url=url,
            dedupe_key=f"linecare-risk-{conversation.pk}-{category}",
            email=fresh,
        )
    return hit
