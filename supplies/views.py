"""The stock pages: overview, history, movement forms, handouts in a consultation, delivery
slips, distribution figures, exports, places and site requests. Thin: authorise, validate a
form, call one service, redirect with a message."""

from __future__ import annotations

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.decorators import logs_access
from audit.models import AccessLog
from cases.models import Consultation
from cases.selectors.access import consultations_visible_to
from core import authz, exports
from core.paging import paginate
from core.time import fiscal_year_start, local_date
from tsunagari.forms import form_attempt

from . import charts, selectors, services
from .forms import (
    AdjustmentForm,
    ApproveForm,
    CountForm,
    DistributionForm,
    FulfilForm,
    HandoutForm,
    HistoryFilterForm,
    MinimumForm,
    PeriodForm,
    PlaceForm,
    ReceiptForm,
    ReverseForm,
    SiteRequestForm,
    TransferForm,
)
from .models import SITE_TYPES, SiteRequest, SiteType, StockMovement


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    return render(
        request,
        "supplies/overview.html",
        {
            "table": selectors.overview(request.user),
            "may_manage": authz.can(request.user, "supplies.manage_stock"),
            "pending": list(selectors.pending_requests(request.user)[:10]),
        },
    )


# --- movements ---------------------------------------------------------------------------

MOVEMENT_FORMS = {
    "receive": (ReceiptForm, gettext_lazy("Record a receipt"), "supplies.manage_stock"),
    "transfer": (TransferForm, gettext_lazy("Record a transfer"), "supplies.manage_stock"),
    "distribute": (
        DistributionForm,
        gettext_lazy("Record a distribution"),
        "supplies.manage_stock",
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def movement_new(request: HttpRequest, kind: str) -> HttpResponse:
    form_class, title, capability = MOVEMENT_FORMS[kind]
    authz.require(request.user, capability)
    user = request.user
    kwargs = {
        "items": list(selectors.items()),
        "kits": list(selectors.kits()),
        "places": list(selectors.places(user)),
    }
    form = form_class(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "item": d["what"],
            "quantity": d["quantity"],
            "by": user,
            "note": d.get("note", ""),
            "occurred_at": d.get("occurred_at"),
            "batch": d["batch"],
        }
        if kind == "receive":

            def act():
                return services.stock_receive(
                    place=d["place"],
                    origin=d["origin"],
                    supplier=d["supplier"],
                    unit_cost_yen=d["unit_cost_yen"],
                    document_no=d["document_no"],
                    **common,
                )
        elif kind == "transfer":

            def act():
                return services.stock_transfer(source=d["source"], target=d["target"], **common)
        else:

            def act():
                return services.stock_distribute(source=d["source"], target=d["target"], **common)

        if form_attempt(request, form, act, _("The movement is recorded.")):
            return redirect("supplies:overview")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "supplies/movement_form.html", {"form": form, "title": title}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def adjust(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.adjust_stock")
    form = AdjustmentForm(
        request.POST or None, items=selectors.items(), places=selectors.places(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if form_attempt(
            request,
            form,
            lambda: services.stock_adjust(
                item=d["item"],
                place=d["place"],
                change=d["change"],
                reason=d["reason"],
                by=request.user,
                batch=d["batch"],
            ),
            _("The adjustment is recorded."),
        ):
            return redirect("supplies:overview")
    return render(
        request,
        "supplies/movement_form.html",
        {"form": form, "title": _("Record an adjustment")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def count(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.manage_stock")
    form = CountForm(
        request.POST or None, items=selectors.items(), places=selectors.places(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if form_attempt(
            request,
            form,
            lambda: services.stock_count_record(
                item=d["item"],
                place=d["place"],
                counted=d["counted"],
                note=d["note"],
                by=request.user,
                batch=d["batch"],
            ),
            _("The stock count is recorded."),
        ):
            return redirect("supplies:overview")
    return render(
        request,
        "supplies/movement_form.html",
        {"form": form, "title": _("Record a stock count")},
        status=400 if request.method == "POST" else 200,
    )


def _history_filters(request: HttpRequest):
    form = HistoryFilterForm(
        request.GET or None,
        items=selectors.items(),
        places=selectors.places(request.user, active_only=False),
    )
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.movements(
        request.user,
        item=filters.get("item"),
        place=filters.get("place"),
        kind=filters.get("kind") or "",
        start=filters.get("start"),
        end=filters.get("end"),
    )
    return form, filters, qs


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    form, filters, qs = _history_filters(request)
    page = paginate(request, qs, per_page=50)
    place = filters.get("place")
    rows = [
        {"m": m, "balance": selectors.balance_after(m, place), "reverse_key": uuid.uuid4()}
        for m in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supplies/history.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "place": place,
            "query": query.urlencode(),
            "may_reverse": authz.can(request.user, "supplies.adjust_stock"),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _place_label(place) -> str:
    return str(place) if place is not None else ""


EXPORT_HEADER = (
    "occurred_at",
    "recorded_at",
    "kind",
    "item",
    "quantity",
    "from",
    "to",
    "balance_from_after",
    "balance_to_after",
    "supplier",
    "document_no",
    "reason",
    "note",
    "by",
    "submission",
)


def _export_rows(qs):
    for m in qs.iterator(chunk_size=2000):
        yield [
            timezone.localtime(m.occurred_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(m.recorded_at).strftime("%Y-%m-%d %H:%M"),
            m.get_kind_display(),
            str(m.item),
            m.quantity,
            _place_label(m.source),
            _place_label(m.target),
            m.source_after,
            m.target_after,
            m.supplier,
            m.document_no,
            m.reason,
            m.note,
            str(m.by),
            str(m.batch),
        ]


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, StockMovement)
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    form, _filters, qs = _history_filters(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(_("The filter is not valid."), status=400, content_type="text/plain")
    return exports.table_response(
        exports.XLSX if fmt == "xlsx" else exports.CSV,
        "stock-movements",
        EXPORT_HEADER,
        _export_rows(qs),
        title="movements",
    )


@login_required
@require_POST
def reverse_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """A reversal of the submission `pk` belongs to; refused, the form comes back with why."""
    [first, *_rest] = selectors.batch_movements(request.user, pk)
    form = ReverseForm(request.POST)
    if form.is_valid() and form_attempt(
        request,
        form,
        lambda: services.stock_batch_reverse(
            batch=first.batch,
            reason=form.cleaned_data["reason"],
            by=request.user,
            reversal_batch=form.cleaned_data["batch"],
        ),
        _("The movement is reversed."),
    ):
        return redirect("supplies:history")
    return render(
        request,
        "supplies/movement_form.html",
        {"form": form, "title": _("Reverse the movement")},
        status=400,
    )


@login_required
@require_GET
def slip(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    lines = selectors.batch_movements(request.user, pk)
    first = lines[0]
    if first.kind != StockMovement.Kind.DISTRIBUTION:
        raise authz.Denied(StockMovement, pk)
    return render(
        request,
        "supplies/slip.html",
        {"lines": lines, "first": first, "slip_no": f"{first.pk:06d}"},
    )


# --- handouts in a consultation ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@logs_access("view", Consultation, id_kwarg="consultation_pk")
def handout(request: HttpRequest, consultation_pk: int) -> HttpResponse:
    consultation = authz.get_or_deny(
        consultations_visible_to(request.user).select_related("client"), consultation_pk
    )
    authz.require(request.user, "supplies.hand_out", consultation)
    form = HandoutForm(
        request.POST or None, kits=selectors.kits(), places=selectors.storages(request.user)
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if form_attempt(
            request,
            form,
            lambda: services.stock_hand_out(
                consultation=consultation,
                item=d["what"],
                source=d["source"],
                quantity=d["quantity"],
                by=request.user,
                batch=d["batch"],
            ),
            _("The handout is recorded."),
        ):
            return redirect("cases:client_detail", pk=consultation.client_id)
    return render(
        request,
        "supplies/handout_form.html",
        {"form": form, "consultation": consultation},
        status=400 if request.method == "POST" else 200,
    )


# --- distribution figures ------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, datetime.date, datetime.date]:
    today = local_date(timezone.now())
    start = fiscal_year_start(today)
    default_end = start.replace(year=start.year + 1) - datetime.timedelta(days=1)
    form = PeriodForm(request.GET or {"start": start, "end": default_end})
    if form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, start, default_end


@login_required
@require_GET
def distribution(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    form, start, end = _period(request)
    table = selectors.distribution_table(start, end)
    columns = [(code, SiteType(code).label) for code in SITE_TYPES] + [
        ("handout", _("Handed out in consultations"))
    ]
    months = selectors.months_between(start, end)
    pads = "pads_28"
    rows = []
    for month in months:
        cells = [table.get((month, code), {}).get(pads, 0) for code, _label in columns]
        rows.append({"month": month, "cells": cells, "total": sum(cells)})
    totals = [sum(r["cells"][i] for r in rows) for i in range(len(columns))]
    return render(
        request,
        "supplies/distribution.html",
        {
            "form": form,
            "columns": columns,
            "rows": rows,
            "totals": totals,
            "grand_total": sum(totals),
            "chart": charts.bar_chart([(r["month"][2:], r["total"]) for r in rows]),
        },
        status=400 if request.GET and not form.is_valid() else 200,
    )


# --- places ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def places(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    may_manage = authz.can(request.user, "supplies.manage_stock")
    form = PlaceForm(request.POST or None)
    if request.method == "POST":
        authz.require(request.user, "supplies.manage_stock")
        if form.is_valid() and form_attempt(
            request,
            form,
            lambda: services.place_create(by=request.user, **form.cleaned_data),
            _("The place is added."),
        ):
            return redirect("supplies:places")
    return render(
        request,
        "supplies/places.html",
        {
            "places": selectors.places(request.user, active_only=False),
            "form": form if may_manage else None,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    authz.require(request.user, "supplies.manage_stock")
    place = selectors.place_get(request.user, pk)
    items = selectors.items()
    form = PlaceForm(
        request.POST if "save_place" in request.POST else None,
        initial={
            f: getattr(place, f) for f in ("name", "site_type", "ward", "contact", "is_active")
        },
    )
    minimum_form = MinimumForm(
        request.POST if "save_minimum" in request.POST else None, items=items
    )
    if request.method == "POST":
        if "save_place" in request.POST and form.is_valid():
            if form_attempt(
                request,
                form,
                lambda: services.place_update(place=place, by=request.user, **form.cleaned_data),
                _("The place is saved."),
            ):
                return redirect("supplies:places")
        elif "save_minimum" in request.POST and minimum_form.is_valid():
            d = minimum_form.cleaned_data
            if form_attempt(
                request,
                minimum_form,
                lambda: services.stock_minimum_set(
                    item=d["item"], place=place, quantity=d["quantity"], by=request.user
                ),
                _("The minimum is saved."),
            ):
                return redirect("supplies:place_edit", pk=place.pk)
    return render(
        request,
        "supplies/place_edit.html",
        {"place": place, "form": form, "minimum_form": minimum_form},
        status=400 if request.method == "POST" else 200,
    )


# --- site requests ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "supplies.view_stock")
    may_manage = authz.can(request.user, "supplies.manage_stock")
    form = SiteRequestForm(
        request.POST or None, items=selectors.items(), sites=selectors.sites(request.user)
    )
    if request.method == "POST":
        authz.require(request.user, "supplies.manage_stock")
        if form.is_valid():
            d = form.cleaned_data
            if form_attempt(
                request,
                form,
                lambda: services.site_request_create(
                    site=d["site"],
                    item=d["item"],
                    quantity=d["quantity"],
                    note=d["note"],
                    by=request.user,
                ),
                _("The request is recorded."),
            ):
                return redirect("supplies:requests")
    page = paginate(request, selectors.requests(request.user), per_page=50)
    return render(
        request,
        "supplies/requests.html",
        {
            "page": page,
            "form": form if may_manage else None,
            "fulfil_form": FulfilForm(storages=selectors.storages(request.user)),
            "query": "",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def request_decide(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    authz.require(request.user, "supplies.manage_stock")
    site_request: SiteRequest = selectors.request_get(request.user, pk)
    try:
        if step == "approve":
            form = ApproveForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Enter the approved quantity."))
            services.site_request_approve(
                request=site_request, quantity=form.cleaned_data["quantity"], by=request.user
            )
            messages.success(request, _("The request is approved."))
        elif step == "decline":
            services.site_request_decline(request=site_request, by=request.user)
            messages.success(request, _("The request is declined."))
        else:
            form = FulfilForm(request.POST, storages=selectors.storages(request.user))
            if not form.is_valid():
                raise ValidationError(_("Choose the storage it leaves from."))
            services.site_request_fulfil(
                request=site_request, source=form.cleaned_data["source"], by=request.user
            )
            messages.success(request, _("The request is fulfilled: the distribution is recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("supplies:requests"))
