"""Client pages: list and search, intake, profile, risk flags, assignment, merging."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.decorators import logs_access
from core import authz, registry
from core.choices import Ward
from core.paging import paginate
from tsunagari.forms import form_add_service_errors

from ..forms.access import BreakGlassForm
from ..forms.clients import (
    ClientEditForm,
    CounselorsForm,
    IntakeForm,
    MergeForm,
    RiskFlagForm,
    choice_labels,
    new_consultation_initial,
)
from ..models import Client, Consultation, RiskFlag
from ..selectors.clients import (
    client_detail_get_for,
    client_for_page,
    client_list,
    client_search,
    intake_line_get_for,
    intake_lines,
    intake_queue,
    intake_search,
    queued_client_get_for,
)
from ..services.access import client_break_glass
from ..services.clients import (
    client_assign_counselors,
    client_merge,
    client_merge_preview,
    client_take_on,
    client_update,
    merge_labels,
    phone_normalise,
    risk_flag_clear,
    risk_flag_set,
)
from ..services.consultations import consultation_intake

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


@login_required
@logs_access("list", Client)
def client_list_view(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.work_with_clients")
    q = request.GET.get("q", "").strip()
    queue = request.GET.get("tab") == "queue"
    ward = request.GET.get("ward", "")
    status = request.GET.get("status", "")
    risk = request.GET.get("risk", "")
    # Unknown filter values are ignored rather than answered with an empty list.
    ward = ward if ward in Ward.values else ""
    status = status if status in Client.Status.values else ""
    risk = risk if risk in RiskFlag.Kind.values else ""
    if queue:
        # The queue is not her clients: a minimal line each (no ward, age or flag kind, so
        # those filters do not apply), from which she takes one on or opens one by break-glass.
        ward = status = risk = ""
        page = paginate(request, intake_queue(request.user, q=q))
        page.object_list = intake_lines(page.object_list)
    else:
        clients = client_list(request.user, q=q, ward=ward, status=status, risk=risk)
        page = paginate(request, clients)
    filters = {k: v for k, v in {"q": q, "ward": ward, "status": status, "risk": risk}.items() if v}
    if queue:
        filters["tab"] = "queue"
    return render(
        request,
        "cases/clients/list.html",
        {
            "page": page,
            "q": q,
            "queue": queue,
            "ward": ward,
            "status": status,
            "risk": risk,
            "wards": Ward.choices,
            "statuses": Client.Status.choices,
            "risks": RiskFlag.Kind.choices,
            "querystring": urlencode(filters),
            "tab_all_qs": urlencode({k: v for k, v in filters.items() if k != "tab"}),
        },
    )


@login_required
@logs_access("list", Client)
def intake(request: HttpRequest) -> HttpResponse:
    """Step 1 of intake: search before create."""
    authz.require(request.user, "cases.work_with_clients")
    q = request.GET.get("q", "").strip()
    results = intake_search(request.user, q) if q else []
    return render(request, "cases/clients/intake.html", {"q": q, "results": results})


@login_required
@logs_access("view", "cases.intake_line", id_kwarg="pk")
def client_break_glass_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the record of a woman outside her scope before taking her on: she says why, the
    grant is written, then the record shows (for BREAK_GLASS_MINUTES). Her own client (or
    anyone for a supervisor) goes straight to the record."""
    line = intake_line_get_for(request.user, pk)
    if line.in_scope:
        return redirect("cases:client_detail", pk=line.pk)
    authz.require(request.user, "cases.break_glass_client", line)
    form = BreakGlassForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                client_break_glass(request=request, client=line, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                return redirect("cases:client_detail", pk=line.pk)
        status = 400
    return render(
        request,
        "cases/clients/break_glass.html",
        {
            "line": line,
            "form": form,
            "can_take_on": line.in_queue and authz.is_counselor(request.user),
            "minutes": settings.BREAK_GLASS_MINUTES,
        },
        status=status,
    )


def _prefill_from_search(q: str) -> dict:
    """What was searched for goes where it belongs: LINE user id, phone, or nickname."""
    if LINE_USER_ID.match(q):
        return {"line_user_id": q}
    digits = phone_normalise(q)
    if digits and len(digits) == len(re.sub(r"[\s\-‐－()（）]", "", q)):
        return {"phone": q}
    return {"nickname": q}


@login_required
def intake_new(request: HttpRequest) -> HttpResponse:
    """Step 2 of intake: register a new client and record the consultation in one form."""
    authz.require(request.user, "cases.work_with_clients")
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                consultation = consultation_intake(
                    by=request.user,
                    new_client=form.client_data(),
                    **form.consultation_data(),
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(nickname)s was registered and the consultation recorded.")
                    % {"nickname": consultation.client.nickname},
                )
                return redirect("cases:client_detail", pk=consultation.client_id)
    else:
        initial = {
            **new_consultation_initial(request.user),
            **_prefill_from_search(request.GET.get("q", "").strip()),
        }
        form = IntakeForm(initial=initial)
        form.fields["nickname"].widget.attrs["autofocus"] = True
    return render(request, "cases/clients/intake_new.html", {"form": form})


@login_required
@logs_access("view", Client, id_kwarg="pk")
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_detail_get_for(request.user, pk)
    consultations = [
        {
            "obj": c,
            "topics": choice_labels(Consultation.Topic.choices, c.topics),
        }
        for c in client.consultations.all()
    ]
    counselors = list(client.counselors.all())
    return render(
        request,
        "cases/clients/detail.html",
        {
            "client": client,
            "counselors": counselors,
            "consultations": consultations,
            "cases": list(client.cases.all()),
            "sections": registry.sections_for("cases.client_detail", request, client),
            "risk_form": RiskFlagForm(),
            "counselors_form": CounselorsForm(initial={"counselors": counselors})
            if authz.can(request.user, "cases.assign_counselors")
            else None,
            "can_take_on": authz.can(request.user, "cases.take_on_client", client),
        },
    )


@login_required
@logs_access("view", Client, id_kwarg="pk")
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk, unmerged=True)
    if request.method == "POST":
        form = ClientEditForm(request.POST)
        if form.is_valid():
            try:
                client_update(client=client, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The client's profile was saved."))
                return redirect("cases:client_detail", pk=client.pk)
    else:
        form = ClientEditForm(initial=ClientEditForm.initial_for(client))
    return render(request, "cases/clients/edit.html", {"client": client, "form": form})


@login_required
@require_POST
def risk_flag_add(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk)
    form = RiskFlagForm(request.POST)
    if form.is_valid():
        try:
            risk_flag_set(client=client, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The risk flag was set."))
        return redirect("cases:client_detail", pk=client.pk)
    # A refused form changes nothing and says why (the page's own form cannot send this).
    return HttpResponseBadRequest(
        " ".join(str(e) for errors in form.errors.values() for e in errors),
        content_type="text/plain; charset=utf-8",
    )


@login_required
@require_POST
def risk_flag_remove(request: HttpRequest, pk: int, flag_pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk)
    flag = get_object_or_404(RiskFlag, pk=flag_pk, client=client)
    risk_flag_clear(flag=flag, by=request.user)
    messages.success(request, _("The risk flag was cleared."))
    return redirect("cases:client_detail", pk=client.pk)


@login_required
@require_POST
def client_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor sets the counselors; a counselor takes on a client from the intake queue
    (one click, from her intake line: the queue is not in her scope, so not client_for_page)."""
    if request.POST.get("take_on") and not authz.can(request.user, "cases.assign_counselors"):
        client = queued_client_get_for(request.user, pk)
        authz.require(request.user, "cases.take_on_client", client)
        try:
            client_take_on(client=client, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("cases:client_list")
        messages.success(request, _("The counselors were updated."))
        return redirect("cases:client_detail", pk=client.pk)
    client = client_for_page(request.user, pk)
    if authz.can(request.user, "cases.assign_counselors"):
        form = CounselorsForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose counselors from the list."))
            return redirect("cases:client_detail", pk=client.pk)
        counselors = list(form.cleaned_data["counselors"])
    else:
        raise authz.Denied(Client, client.pk)
    client_assign_counselors(client=client, counselors=counselors, by=request.user)
    messages.success(request, _("The counselors were updated."))
    return redirect("cases:client_detail", pk=client.pk)


@login_required
@logs_access("view", Client, id_kwarg="pk")
def client_merge_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Supervisor: merge a duplicate into this client (search, preview, confirm)."""
    authz.require(request.user, "cases.merge_clients")
    kept = client_for_page(request.user, pk, unmerged=True)
    form = MergeForm(request.POST or None)
    merged_id = request.POST.get("merged") or request.GET.get("merged")
    merged = None
    if merged_id:
        try:
            merged = client_for_page(request.user, int(merged_id))
        except (Http404, ValueError):
            messages.error(request, _("No client with that number."))
    if merged is not None and (merged.pk == kept.pk or merged.status == Client.Status.MERGED):
        messages.error(request, _("Choose another, unmerged client."))
        merged = None
    if request.method == "POST" and merged is not None and form.is_valid():
        try:
            client_merge(kept=kept, merged=merged, by=request.user, note=form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(
                request,
                _("%(merged)s was merged into %(kept)s.")
                % {"merged": merged.nickname, "kept": kept.nickname},
            )
            return redirect("cases:client_detail", pk=kept.pk)
    q = request.GET.get("q", "").strip()
    results = []
    if q and merged is None:
        results = [c for c in client_search(request.user, q) if c.pk != kept.pk]
    preview = None
    if merged is not None:
        labels = merge_labels()
        preview = [
            (labels.get(key, key), count)
            for key, count in client_merge_preview(kept=kept, merged=merged).items()
        ]
    if merged is not None:
        form = MergeForm(initial={"merged": merged.pk})
    return render(
        request,
        "cases/clients/merge.html",
        {
            "kept": kept,
            "merged": merged,
            "q": q,
            "results": results,
            "preview": preview,
            "form": form,
        },
    )
