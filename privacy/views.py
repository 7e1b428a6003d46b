"""Pages for her APPI rights: the disclosure (page and JSON), erasure requests and their
queue and decision, consent withdrawal. Thin: a selector, a form, one service."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from audit.decorators import logs_access
from audit.models import AccessLog
from cases.models import Client
from cases.selectors.clients import client_for_page
from core import authz
from tsunagari.forms import form_add_service_errors

from .forms import ConsentWithdrawalForm, ErasureDecisionForm, ErasureRequestForm
from .models import ErasureRequest
from .selectors import (
    client_disclosure,
    client_for_disclosure,
    erasure_queue_for,
    erasure_request_get_for,
)
from .services import consent_withdraw, erasure_request_create, erasure_request_decide


@never_cache
@login_required
@logs_access(AccessLog.Action.PRINT, Client, id_kwarg="pk")
def disclosure(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_disclosure(request.user, pk)
    holders = client_disclosure(user=request.user, client=client)
    return render(
        request,
        "privacy/disclosure.html",
        {"client": client, "holders": holders, "made_at": timezone.now()},
    )


@never_cache
@login_required
@logs_access(AccessLog.Action.EXPORT, Client, id_kwarg="pk")
def disclosure_json(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_disclosure(request.user, pk)
    body = {
        "client": client.pk,
        "made_at": timezone.localtime().isoformat(),
        "holders": client_disclosure(user=request.user, client=client),
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json"
    )
    # The file is named by her record number, never her name.
    response["Content-Disposition"] = f'attachment; filename="disclosure-{client.pk}.json"'
    return response


@login_required
@logs_access(AccessLog.Action.VIEW, Client, id_kwarg="pk")
def erasure_request(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk, unmerged=True)
    authz.require(request.user, "privacy.request_erasure", client)
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_create(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The erasure request was recorded. A supervisor decides."))
            return redirect("cases:client_detail", pk=client.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "privacy/erasure_request.html", {"client": client, "form": form}, status=status
    )


@login_required
@logs_access(AccessLog.Action.VIEW, Client, id_kwarg="pk")
def consent_withdrawal(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk, unmerged=True)
    authz.require(request.user, "privacy.withdraw_consent", client)
    form = ConsentWithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_withdraw(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The withdrawal was recorded. Sharing is now blocked."))
            return redirect("cases:client_detail", pk=client.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "privacy/consent_withdrawal.html", {"client": client, "form": form}, status=status
    )


@login_required
@logs_access(AccessLog.Action.LIST, ErasureRequest)
def erasure_queue(request: HttpRequest) -> HttpResponse:
    requests_ = list(erasure_queue_for(request.user))
    return render(request, "privacy/erasure_queue.html", {"requests": requests_})


@login_required
@logs_access(AccessLog.Action.VIEW, ErasureRequest, id_kwarg="pk")
def erasure_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = erasure_request_get_for(request.user, pk)
    form = ErasureDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure_request_decide(
                request=item,
                approve=form.cleaned_data["decision"] == ErasureDecisionForm.APPROVE,
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("privacy:erasure_queue")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "privacy/erasure_decide.html", {"item": item, "form": form}, status=status
    )
