"""The coordinators' automatic-reply texts and canned responses, the supervisors' channel
settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from core import authz
from tsunagari.forms import form_add_service_errors

from .. import selectors
from ..forms import AutoReplyTextForm, CannedResponseForm, ChannelSettingsForm
from ..models import AutoReplyText
from ..services.autoreplies import autoreply_text_update
from ..services.inbox import canned_response_save
from ..services.settings import channel_settings_update


@login_required
@require_GET
def autoreply_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "line.edit_autoreplies")
    replies = [
        (label, text, row, reverse(f"line:autoreply_{key}"))
        for key, label, text, row in selectors.autoreply_texts()
    ]
    return render(request, "line/autoreply_list.html", {"replies": replies})


@login_required
@require_http_methods(["GET", "POST"])
def autoreply_edit(request: HttpRequest, key: str) -> HttpResponse:
    authz.require(request.user, "line.edit_autoreplies")
    if key not in AutoReplyText.Key.values:
        raise Http404
    current = {k: text for k, _label, text, _row in selectors.autoreply_texts()}[key]
    form = AutoReplyTextForm(request.POST or None, initial={"text": current})
    if request.method == "POST":
        if form.is_valid():
            try:
                autoreply_text_update(key=key, text=form.cleaned_data["text"], by=request.user)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The automatic reply was saved."))
                return redirect("line:autoreplies")
        status = 400
    else:
        status = 200
    return render(
        request,
        "line/autoreply_form.html",
        {"form": form, "label": AutoReplyText.Key(key).label},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_settings(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "line.change_settings")
    current = selectors.channel_settings()
    form = ChannelSettingsForm(
        request.POST or None, initial={"show_line_profile": current.show_line_profile}
    )
    if request.method == "POST":
        if form.is_valid():
            channel_settings_update(
                show_line_profile=form.cleaned_data["show_line_profile"], by=request.user
            )
            messages.success(request, _("The LINE settings were saved."))
            return redirect("line:settings")
        return render(request, "line/settings.html", {"form": form}, status=400)
    return render(request, "line/settings.html", {"form": form})


# --- canned responses (定型文), kept by coordinators -----------------------------------------


@login_required
@require_GET
def canned_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "line.edit_canned_responses")
    return render(
        request,
        "line/canned_list.html",
        {"responses": list(selectors.canned_responses(active_only=False))},
    )


def _canned_form(request: HttpRequest, response) -> HttpResponse:
    authz.require(request.user, "line.edit_canned_responses")
    initial = (
        {
            "title": response.title,
            "text": response.text,
            "order": response.order,
            "active": response.active,
        }
        if response
        else None
    )
    form = CannedResponseForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                canned_response_save(response=response, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The canned response was saved."))
                return redirect("line:canned")
        status = 400
    else:
        status = 200
    return render(
        request, "line/canned_form.html", {"form": form, "response": response}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def canned_create(request: HttpRequest) -> HttpResponse:
    return _canned_form(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def canned_edit(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "line.edit_canned_responses")
    return _canned_form(request, selectors.canned_response_get(pk))
