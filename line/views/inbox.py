"""The counselors' inbox, the conversation page and the supervisors' live view.

The pages refresh themselves (static/js/line-inbox.js): a small JSON "state" answer, without
any personal data, says whether anything changed; only then the fragment is fetched, so her
words are sent (and access-logged) when there is something new to show.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from accounts.selectors import users_with_roles
from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz
from core.roles import Role
from tsunagari.forms import form_add_service_errors

from .. import hooks, selectors
from ..forms import AssignForm, CloseForm, EscalateForm, HandoverForm, ReplyForm, RouteForm
from ..models import Conversation, Message
from ..services import conversations as conversation_services
from ..services import experts as expert_services
from ..services import inbox as inbox_services
from ..services import outbound

CAPABILITY = "line.use_inbox"


def _poll() -> int:
    return settings.LINE_INBOX_POLL_SECONDS


def _tab(request: HttpRequest) -> str:
    tabs = selectors.inbox_tabs_for(request.user)
    tab = request.GET.get("tab", tabs[0])
    return tab if tab in tabs else tabs[0]


def _inbox_context(request: HttpRequest, tab: str) -> dict:
    now = timezone.now()
    return {
        "tab": tab,
        "tabs": selectors.inbox_tabs_for(request.user),
        "rows": list(selectors.inbox_rows(request.user, tab, now=now)),
        "counts": selectors.inbox_counts(request.user),
        "now": now,
        "cap": conversation_services.cap(),
        "poll": _poll(),
    }


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Conversation)
def inbox(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, CAPABILITY)
    return render(request, "line/inbox.html", _inbox_context(request, _tab(request)))


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Conversation)
def inbox_rows(request: HttpRequest) -> HttpResponse:
    """The tab's list alone, for the page's refresh."""
    authz.require(request.user, CAPABILITY)
    return render(request, "line/_inbox_rows.html", _inbox_context(request, _tab(request)))


@login_required
@require_GET
def inbox_state(request: HttpRequest) -> JsonResponse:
    """Whether the inbox changed (a version and the tabs' counts; no personal data)."""
    authz.require(request.user, CAPABILITY)
    return JsonResponse(
        {"version": selectors.inbox_version(), "counts": selectors.inbox_counts(request.user)}
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.LIST, Conversation)  # a refusal re-renders the inbox
def conversation_claim(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, CAPABILITY)
    conversation = _get(request, pk)
    try:
        conversation_services.conversation_claim(conversation=conversation, by=request.user)
    except (ValidationError, PermissionDenied) as exc:
        context = _inbox_context(request, "waiting")
        context["refusal"] = " ".join(_messages_of(exc))
        return render(request, "line/inbox.html", context, status=400)
    messages.success(request, _("You have this conversation now."))
    return redirect("line:conversation", pk=conversation.pk)


def _messages_of(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


# --- the conversation ------------------------------------------------------------------------


def _get(request: HttpRequest, pk: int) -> Conversation:
    authz.require(request.user, CAPABILITY)
    return selectors.conversation_for_page(request.user, pk)


def _may_act(user, conversation: Conversation) -> bool:
    return conversation.status != Conversation.Status.RESOLVED and (
        conversation.assigned_to_id == user.pk or authz.is_supervisor(user)
    )


def _history_context(request: HttpRequest, conversation: Conversation) -> dict:
    history = selectors.history_for(request.user, conversation)
    incoming = [m.sent_at for m in history if m.direction == Message.Direction.IN]
    # Only a page looked at marks her messages read: a refused form writes nothing.
    if incoming and request.method == "GET":
        inbox_services.conversation_mark_read(
            conversation=conversation, by=request.user, up_to=max(incoming)
        )
    return {
        "conversation": conversation,
        "history": history,
        "may_act": _may_act(request.user, conversation),
        "offer_no_reply": selectors.offers_no_reply(conversation, history, timezone.now()),
    }


def _page(
    request: HttpRequest,
    conversation: Conversation,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    user = request.user
    context = _history_context(request, conversation)
    is_supervisor = authz.is_supervisor(user)
    close_initial = {"outcome": Conversation.Outcome.NO_REPLY} if context["offer_no_reply"] else {}
    panels = []
    for panel in hooks.conversation_panels:
        panel_context = panel.context(request, conversation)
        if panel_context is not None:
            panels.append(render_to_string(panel.template, dict(panel_context), request=request))
    escalations = list(conversation.escalations.all())
    routing_days = selectors.routing_choices(user, conversation, now=timezone.now())
    route_form = bound.get("route")
    if route_form is None and routing_days:
        experts = User.objects.filter(pk__in=[d.expert_id for d in routing_days])
        route_form = RouteForm(prefix="route", experts=experts)
    context.update(
        {
            "routing_days": routing_days,
            "route_form": route_form,
            "expert_routing": selectors.expert_routing_for(user, conversation),
            "works_with_conversations": authz.can(user, "line.work_with_conversations"),
            "summary": selectors.case_summary_for(user, conversation),
            "profile": selectors.line_profile_for(user, conversation.line_user),
            "panels": panels,
            "escalations": escalations,
            "waiting_escalation": next((e for e in escalations if e.answered_at is None), None),
            "is_supervisor": is_supervisor,
            "canned": list(selectors.canned_responses()),
            "reply_form": bound.get("reply") or ReplyForm(prefix="reply"),
            "close_form": bound.get("close") or CloseForm(prefix="close", initial=close_initial),
            "escalate_form": bound.get("escalate") or EscalateForm(prefix="escalate"),
            "handover_form": bound.get("handover") or HandoverForm(prefix="handover"),
            "assign_form": (
                bound.get("assign")
                or AssignForm(prefix="assign", counselors=selectors.counselors_to_assign())
            )
            if is_supervisor
            else None,
            "refusal": bound.get("refusal") or " ".join(bound["refusal_form"].non_field_errors())
            if "refusal_form" in bound
            else bound.get("refusal"),
            "poll": _poll(),
        }
    )
    return render(request, "line/conversation.html", context, status=status)


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")
def conversation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _get(request, pk))


@login_required
@require_GET
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")
def conversation_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The messages alone, for the page's refresh (her words: access-logged)."""
    conversation = _get(request, pk)
    return render(request, "line/_history.html", _history_context(request, conversation))


@login_required
@require_GET
def conversation_state(request: HttpRequest, pk: int) -> JsonResponse:
    """Whether the conversation changed (a version only; no personal data)."""
    conversation = _get(request, pk)
    return JsonResponse({"version": selectors.conversation_version(conversation)})


def _act(
    request: HttpRequest,
    pk: int,
    key: str,
    form: Form,
    act: Callable[[Conversation, dict], object],
    done: str,
    then: str = "line:conversation",
) -> HttpResponse:
    """Validate `form`, call one service; on refusal re-render the page with its reasons (400)."""
    conversation = _get(request, pk)
    if form.is_valid():
        try:
            act(conversation, form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done)
            if then == "line:inbox":
                return redirect("line:inbox")
            return redirect(then, pk=conversation.pk)
    return _page(request, conversation, {key: form}, status=400)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "reply",
        ReplyForm(request.POST, prefix="reply"),
        lambda c, data: outbound.message_compose(
            conversation=c, text=data["text"], by=request.user
        ),
        _("Your reply is being sent."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def message_retry(request: HttpRequest, pk: int, message_pk: int) -> HttpResponse:
    conversation = _get(request, pk)
    if not _may_act(request.user, conversation):
        return _page(
            request, conversation, {"refusal": _("Claim the conversation before you reply.")}, 400
        )
    message = authz.get_or_deny(
        selectors.messages_for(request.user, conversation).filter(direction=Message.Direction.OUT),
        message_pk,
    )
    outbound.message_retry(message=message, by=request.user)
    messages.success(request, _("The message is being sent again."))
    return redirect("line:conversation", pk=conversation.pk)


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_close(request: HttpRequest, pk: int) -> HttpResponse:
    def close(conversation: Conversation, data: dict) -> None:
        conversation_services.conversation_close(
            conversation=conversation,
            outcome=data["outcome"],
            main_concern=data["main_concern"],
            topics=data["topics"],
            options={"skip_survey": True} if data["skip_survey"] else {},
            by=request.user,
        )

    return _act(
        request,
        pk,
        "close",
        CloseForm(request.POST, prefix="close"),
        close,
        _("The conversation is closed."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_escalate(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "escalate",
        EscalateForm(request.POST, prefix="escalate"),
        lambda c, data: inbox_services.conversation_escalate(
            conversation=c, kind=data["kind"], note=data["note"], by=request.user
        ),
        _("A supervisor has been asked to step in."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_handover(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "handover",
        HandoverForm(request.POST, prefix="handover"),
        lambda c, data: inbox_services.conversation_handover(
            conversation=c, note=data["note"], by=request.user
        ),
        _("The conversation is back in the queue with your note for the next shift."),
        then="line:inbox",
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_assign(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "assign",
        AssignForm(request.POST, prefix="assign", counselors=selectors.counselors_to_assign()),
        lambda c, data: conversation_services.conversation_assign(
            conversation=c, to=data["to"], by=request.user
        ),
        _("The conversation is assigned."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_take_over(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "refusal_form",
        Form(request.POST),
        lambda c, data: inbox_services.conversation_take_over(conversation=c, by=request.user),
        _("You have taken over this conversation."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def escalation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        "refusal_form",
        Form(request.POST),
        lambda c, data: inbox_services.escalation_answer(conversation=c, by=request.user),
        _("The escalation is marked as answered."),
    )


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="pk")  # a refusal re-renders it
def conversation_route(request: HttpRequest, pk: int) -> HttpResponse:
    """To the expert of today's expert day."""
    return _act(
        request,
        pk,
        "route",
        RouteForm(request.POST, prefix="route", experts=users_with_roles(Role.EXPERT)),
        lambda c, data: expert_services.conversation_route_to_expert(
            conversation=c, expert=data["expert"], by=request.user
        ),
        _("The conversation is routed to the expert of the day."),
        then="line:inbox",
    )


# --- the supervisors' live view ------------------------------------------------------------------


def _live_context(request: HttpRequest) -> dict:
    authz.require(request.user, "line.supervise_conversations")
    now = timezone.now()
    return {**selectors.live_board(request.user, now=now), "now": now, "poll": _poll()}


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Conversation)
def live(request: HttpRequest) -> HttpResponse:
    return render(request, "line/live.html", _live_context(request))


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, Conversation)
def live_board(request: HttpRequest) -> HttpResponse:
    return render(request, "line/_live_board.html", _live_context(request))
