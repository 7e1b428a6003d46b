"""The partner directory (連携団体): everyone who works with referrals reads it; coordinators
and supervisors keep it, import it from CSV and export it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import AccessSpec, declare
from audit.models import AccessLog
from core import authz
from core.paging import paginate
from tsunagari.forms import form_attempt

from .. import selectors, services
from ..forms import PartnerFilterForm, PartnerForm, PartnerImportForm
from ..models import Partner, Referral
from ..services.partners import CSV_FIELDS


@login_required
@require_GET
def partner_list(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.view_partners")
    form = PartnerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    partners = selectors.partners_for(
        request.user,
        kind=filters.get("kind") or None,
        ward=filters.get("ward") or None,
        service=filters.get("service") or None,
        active_only=not filters.get("inactive"),
    )
    page = paginate(request, partners, per_page=50)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/partner_list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_manage": authz.can(request.user, "referrals.manage_partners"),
        },
        status=200 if form.is_bound is False or form.is_valid() else 400,
    )


@login_required
@require_GET
def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(request.user, pk)
    history = []
    if authz.can(request.user, "referrals.work_with_referrals"):
        history = list(selectors.partner_history(request.user, partner)[:100])
        if history:
            # The history names the women referred: the page shows referrals.
            declare(request, AccessSpec(AccessLog.Action.LIST, "referrals.referral"), {})
    counts = selectors.partner_referral_counts(partner)
    return render(
        request,
        "referrals/partner_detail.html",
        {
            "partner": partner,
            "history": history,
            "counts": [(label, counts.get(value, 0)) for value, label in Referral.Status.choices],
            "may_manage": authz.can(request.user, "referrals.manage_partners"),
        },
    )


def _save_partner(request: HttpRequest, partner: Partner | None) -> HttpResponse:
    authz.require(request.user, "referrals.manage_partners")
    status = 200
    if request.method == "POST":
        form = PartnerForm(request.POST)
        saved: list[Partner] = []
        if form.is_valid():
            values = dict(form.cleaned_data)
            if partner is None:
                act = lambda: saved.append(services.partner_create(by=request.user, **values))  # noqa: E731
                done = _("The partner was added.")
            else:
                act = lambda: saved.append(  # noqa: E731
                    services.partner_update(partner=partner, by=request.user, **values)
                )
                done = _("The partner was saved.")
            if form_attempt(request, form, act, done):
                return redirect("referrals:partner_detail", pk=saved[0].pk)
        status = 400
    else:
        form = PartnerForm(initial=PartnerForm.initial_for(partner) if partner else None)
    return render(
        request, "referrals/partner_form.html", {"form": form, "partner": partner}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    return _save_partner(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(request.user, pk)
    return _save_partner(request, partner)


@login_required
@require_POST
def partner_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "referrals.manage_partners")
    partner = selectors.partner_get_for(request.user, pk)
    active = request.POST.get("active") == "1"
    services.partner_set_active(partner=partner, is_active=active, by=request.user)
    messages.success(
        request,
        _("The partner is active again.") if active else _("The partner is no longer active."),
    )
    return redirect("referrals:partner_detail", pk=partner.pk)


@login_required
@require_http_methods(["GET", "POST"])
def partner_import(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.manage_partners")
    row_errors: list[str] = []
    if request.method == "POST":
        form = PartnerImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > 2 * 1024 * 1024:
                form.add_error("file", _("The file is larger than 2 MB."))
            else:
                try:
                    result = services.partners_import_csv(data=upload.read(), by=request.user)
                except services.PartnerImportError as exc:
                    row_errors = list(exc.messages)
                else:
                    messages.success(
                        request,
                        _("Imported: %(created)d added, %(updated)d updated.")
                        % {"created": result.created, "updated": result.updated},
                    )
                    return redirect("referrals:partners")
        status = 400
    else:
        form = PartnerImportForm()
        status = 200
    return render(
        request,
        "referrals/partner_import.html",
        {"form": form, "row_errors": row_errors, "columns": CSV_FIELDS},
        status=status,
    )


@login_required
@require_GET
def partner_export(request: HttpRequest, fmt: str) -> HttpResponse:
    authz.require(request.user, "referrals.view_partners")
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "xlsx":
        body = services.partners_export_xlsx(by=request.user)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = services.partners_export_csv(by=request.user)
        kind = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="partners-{stamp}.{fmt}"'
    return response
