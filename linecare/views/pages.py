"""The triage list with its test box, the risk page of a conversation, the protocol."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz
from line.models import Conversation
from tsunagari.forms import form_add_service_errors

from .. import selectors, triage
from ..forms import ProtocolCallForm, ProtocolOpenForm, RiskExpressionForm, TestBoxForm
from ..models import Protocol
from ..services import protocols as protocol_services
from ..services.triage import risk_expression_save


@login_required
@require_http_methods(["GET", "POST"])
def expression_list(request: HttpRequest) -> HttpResponse:
    """The list, a form to add one, and the test box (posted: a sample never goes in a URL)."""
    expressions = list(selectors.expression_list(request.user))
    form = RiskExpressionForm(prefix="add")
    box = TestBoxForm(prefix="test")
    result = None
    status = 200
    if request.method == "POST" and "test-sample" in request.POST:
        box = TestBoxForm(request.POST, prefix="test")
        if box.is_valid():
            result = triage.match(box.cleaned_data["sample"], selectors.active_expressions())
        else:
            status = 400
    elif request.method == "POST":
        form = RiskExpressionForm(request.POST, prefix="add")
        if form.is_valid():
            try:
                risk_expression_save(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The expression was saved."))
                return redirect("linecare:expressions")
        status = 400
    return render(
        request,
        "linecare/expression_list.html",
        {"expressions": expressions, "form": form, "box": box, "result": result},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def expression_edit(request: HttpRequest, expression_pk: int) -> HttpResponse:
    expression = authz.get_or_deny(selectors.expression_list(request.user), expression_pk)
    initial = {
        "category": expression.category,
        "kind": expression.kind,
        "phrase": expression.phrase,
        "active": expression.active,
    }
    form = RiskExpressionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                risk_expression_save(expression=expression, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The expression was saved."))
                return redirect("linecare:expressions")
        return render(request, "linecare/expression_form.html", {"form": form}, status=400)
    return render(request, "linecare/expression_form.html", {"form": form})


def _conversation_page(request, conversation: Conversation, *, form=None, status=200):
    return render(
        request,
        "linecare/conversation.html",
        {
            "conversation": conversation,
            "hits": selectors.hits_of(conversation),
            "protocols": selectors.protocols_of(conversation),
            "form": form or ProtocolOpenForm(),
            "can_open": conversation.urgent and conversation.status != Conversation.Status.RESOLVED,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET"])
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="conversation_pk")
def conversation_risk(request: HttpRequest, conversation_pk: int) -> HttpResponse:
    return _conversation_page(request, selectors.conversation_for(request.user, conversation_pk))


@login_required
@require_POST
@logs_access(AccessLog.Action.VIEW, Conversation, id_kwarg="conversation_pk")
def protocol_open(request: HttpRequest, conversation_pk: int) -> HttpResponse:
    conversation = selectors.conversation_for(request.user, conversation_pk)
    form = ProtocolOpenForm(request.POST)
    if form.is_valid():
        try:
            protocol = protocol_services.protocol_open(
                conversation=conversation, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The protocol is open. Record the calls you make."))
            return redirect("linecare:protocol", protocol_pk=protocol.pk)
    return _conversation_page(request, conversation, form=form, status=400)


def _protocol_page(request, protocol: Protocol, *, form=None, status=200):
    return render(
        request,
        "linecare/protocol.html",
        {
            "protocol": protocol,
            "calls": selectors.calls_of(protocol),
            "form": form or ProtocolCallForm(),
            "is_open": protocol.status == Protocol.Status.OPEN,
            "may_confirm": protocol.status == Protocol.Status.OPEN
            and protocol.opened_by_id != request.user.pk,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@logs_access(AccessLog.Action.VIEW, Protocol, id_kwarg="protocol_pk")
def protocol_detail(request: HttpRequest, protocol_pk: int) -> HttpResponse:
    protocol = selectors.protocol_for(request.user, protocol_pk)
    if request.method == "GET":
        return _protocol_page(request, protocol)
    form = ProtocolCallForm(request.POST)
    if form.is_valid():
        try:
            protocol_services.protocol_call_record(
                protocol=protocol, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The call was recorded."))
            return redirect("linecare:protocol", protocol_pk=protocol.pk)
    return _protocol_page(request, protocol, form=form, status=400)


@login_required
@require_POST
def protocol_confirm(request: HttpRequest, protocol_pk: int) -> HttpResponse:
    protocol = selectors.protocol_for(request.user, protocol_pk)
    try:
        protocol_services.protocol_confirm(protocol=protocol, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The protocol is confirmed and closed."))
    return redirect("linecare:protocol", protocol_pk=protocol.pk)
