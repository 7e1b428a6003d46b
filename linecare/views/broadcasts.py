"""Outreach broadcasts: the list, composing a draft, its preview (the message, the number of
recipients, LINE's quota) with the steps of approval, and the uploaded image LINE fetches."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import authz
from tsunagari.forms import form_attempt

from .. import selectors
from ..forms import BroadcastForm, BroadcastReturnForm
from ..models import Broadcast
from ..services import broadcasts as services

# The states in which the recipients are still counted live and the quota still matters.
BEFORE_APPROVAL = (Broadcast.Status.DRAFT, Broadcast.Status.SUBMITTED)


@login_required
@require_GET
def broadcast_list(request: HttpRequest) -> HttpResponse:
    """Every broadcast with its status and counts (three queries: session, user's groups,
    the broadcasts with their authors and approvers)."""
    broadcasts = list(selectors.broadcast_list(request.user).order_by("-created_at", "-pk")[:200])
    return render(
        request,
        "linecare/broadcast_list.html",
        {
            "broadcasts": broadcasts,
            "may_compose": authz.can(request.user, "linecare.compose_broadcasts"),
        },
    )


def _initial(broadcast: Broadcast) -> dict:
    return {
        "title": broadcast.title,
        "text": broadcast.text,
        "static_image": broadcast.static_image,
        "segment": broadcast.segment,
        "ward": broadcast.ward,
        "period_start": broadcast.period_start,
        "period_end": broadcast.period_end,
    }


def _compose(request: HttpRequest, broadcast: Broadcast | None) -> HttpResponse:
    authz.require(request.user, "linecare.compose_broadcasts")
    if broadcast is not None and broadcast.status != Broadcast.Status.DRAFT:
        messages.error(request, _("Only a draft can be changed."))
        return redirect("linecare:broadcast", broadcast_pk=broadcast.pk)
    initial = _initial(broadcast) if broadcast else {"segment": Broadcast.Segment.ALL}
    form = BroadcastForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        saved: list[Broadcast] = []
        if form.is_valid() and form_attempt(
            request,
            form,
            lambda: saved.append(
                services.broadcast_save(
                    by=request.user, broadcast=broadcast, **form.service_values()
                )
            ),
            _("The draft was saved. Check the preview, then submit it for approval."),
        ):
            return redirect("linecare:broadcast", broadcast_pk=saved[0].pk)
        status = 400
    else:
        status = 200
    return render(
        request,
        "linecare/broadcast_form.html",
        {"form": form, "broadcast": broadcast},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def broadcast_new(request: HttpRequest) -> HttpResponse:
    return _compose(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def broadcast_edit(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    return _compose(request, selectors.broadcast_for(request.user, broadcast_pk))


def _detail(request: HttpRequest, broadcast: Broadcast, *, return_form=None, status=200):
    user = request.user
    before = broadcast.status in BEFORE_APPROVAL
    # Before approval: counted now and LINE asked for the quota; after: what was frozen.
    count = selectors.broadcast_recipients(broadcast).count() if before else broadcast.recipients
    quota = services.quota_get() if before else None
    problem = services.quota_problem(quota, count) if quota is not None else None
    is_author = broadcast.created_by_id == user.pk
    may_approve = (
        broadcast.status == Broadcast.Status.SUBMITTED
        and authz.can(user, "linecare.approve_broadcasts")
        and not is_author
    )
    return render(
        request,
        "linecare/broadcast_detail.html",
        {
            "broadcast": broadcast,
            "count": count,
            "quota": quota,
            "quota_problem": problem,
            "image_url": services.image_url(broadcast),
            "preview_image_url": _preview_image_url(broadcast),
            "batches": [] if before else selectors.batches_of(broadcast),
            "may_edit": broadcast.status == Broadcast.Status.DRAFT
            and authz.can(user, "linecare.compose_broadcasts"),
            "may_approve": may_approve,
            "may_cancel": broadcast.status in BEFORE_APPROVAL
            and (authz.can(user, "linecare.approve_broadcasts") or is_author),
            "is_author": is_author,
            "return_form": return_form or BroadcastReturnForm(),
        },
        status=status,
    )


def _preview_image_url(broadcast: Broadcast) -> str | None:
    """The image as staff see it on this site (LINE is given the site's full address)."""
    from django.templatetags.static import static
    from django.urls import reverse

    if broadcast.static_image:
        return static(broadcast.static_image)
    if broadcast.image_key:
        return reverse("linecare:broadcast_image", kwargs={"key": broadcast.image_key})
    return None


@login_required
@require_GET
def broadcast_detail(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    return _detail(request, selectors.broadcast_for(request.user, broadcast_pk))


def _act(request: HttpRequest, broadcast_pk: int, act, done: str) -> HttpResponse:
    broadcast = selectors.broadcast_for(request.user, broadcast_pk)
    try:
        act(broadcast)
    except (ValidationError, PermissionDenied) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return _detail(request, broadcast, status=400)
    messages.success(request, done)
    return redirect("linecare:broadcast", broadcast_pk=broadcast.pk)


@login_required
@require_POST
def broadcast_submit(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    return _act(
        request,
        broadcast_pk,
        lambda b: services.broadcast_submit(broadcast=b, by=request.user),
        _("Submitted: a supervisor approves it before it is sent."),
    )


@login_required
@require_POST
def broadcast_approve(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    return _act(
        request,
        broadcast_pk,
        lambda b: services.broadcast_approve(broadcast=b, by=request.user),
        _("Approved: the broadcast is being sent."),
    )


@login_required
@require_POST
def broadcast_cancel(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    return _act(
        request,
        broadcast_pk,
        lambda b: services.broadcast_cancel(broadcast=b, by=request.user),
        _("The broadcast was cancelled."),
    )


@login_required
@require_POST
def broadcast_return(request: HttpRequest, broadcast_pk: int) -> HttpResponse:
    broadcast = selectors.broadcast_for(request.user, broadcast_pk)
    form = BroadcastReturnForm(request.POST)
    if form.is_valid() and form_attempt(
        request,
        form,
        lambda: services.broadcast_return(
            broadcast=broadcast, by=request.user, reason=form.cleaned_data["reason"]
        ),
        _("Sent back to its author as a draft."),
    ):
        return redirect("linecare:broadcast", broadcast_pk=broadcast.pk)
    return _detail(request, broadcast, return_form=form, status=400)


@require_GET
def broadcast_image(request: HttpRequest, key: uuid.UUID) -> HttpResponse:
    """An uploaded image, by its unguessable key. LINE fetches it without signing in once the
    broadcast is approved (and friends' phones long after); before that, only staff who work
    with broadcasts see it."""
    broadcast = (
        Broadcast.objects.filter(image_key=key)
        .only("status", "image_data", "image_type", "image_key")
        .first()
    )
    if broadcast is None or not broadcast.image_data:
        raise Http404
    public = broadcast.status not in (*BEFORE_APPROVAL, Broadcast.Status.CANCELLED)
    if not public and not authz.can(request.user, "linecare.view_broadcasts"):
        raise Http404
    response = HttpResponse(bytes(broadcast.image_data), content_type=broadcast.image_type)
    response["X-Content-Type-Options"] = "nosniff"
    if public:
        patch_cache_control(response, public=True, max_age=86400)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response
