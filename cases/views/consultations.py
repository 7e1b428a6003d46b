"""Consultation pages: record one for an existing client, read it, correct it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.decorators import logs_access
from tsunagari.forms import form_add_service_errors

from ..forms.clients import (
    OUTCOME_CHOICES,
    ConsultationForm,
    choice_labels,
    new_consultation_initial,
)
from ..models import Client, Consultation
from ..selectors.clients import client_for_page, consultation_detail_get_for, open_cases_for
from ..services.consultations import consultation_record, consultation_update


@login_required
@logs_access("view", Client, id_kwarg="pk")
def consultation_create(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_for_page(request.user, pk, unmerged=True)
    cases = open_cases_for(client)
    if request.method == "POST":
        form = ConsultationForm(request.POST, cases=cases)
        if form.is_valid():
            try:
                consultation_record(client=client, by=request.user, **form.consultation_data())
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The consultation was recorded."))
                return redirect("cases:client_detail", pk=client.pk)
    else:
        initial = {
            **new_consultation_initial(request.user),
            "case": request.GET.get("case") or None,
        }
        form = ConsultationForm(initial=initial, cases=cases)
    return render(
        request, "cases/consultations/form.html", {"client": client, "form": form, "new": True}
    )


@login_required
@logs_access("view", Consultation, id_kwarg="pk")
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = consultation_detail_get_for(request.user, pk)
    return render(
        request,
        "cases/consultations/detail.html",
        {
            "consultation": consultation,
            "client": consultation.client,
            "topics": choice_labels(Consultation.Topic.choices, consultation.topics),
            "outcomes": choice_labels(OUTCOME_CHOICES, consultation.outcomes),
        },
    )


@login_required
@logs_access("view", Consultation, id_kwarg="pk")
def consultation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = consultation_detail_get_for(request.user, pk)
    client = consultation.client
    cases = open_cases_for(client)
    if consultation.case_id:
        cases = cases | client.cases.filter(pk=consultation.case_id)
    if request.method == "POST":
        form = ConsultationForm(request.POST, cases=cases, recording=False)
        if form.is_valid():
            try:
                consultation_update(
                    consultation=consultation, by=request.user, **form.consultation_data()
                )
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("The consultation was saved."))
                return redirect("cases:consultation_detail", pk=consultation.pk)
    else:
        form = ConsultationForm(
            initial=ConsultationForm.initial_for(consultation), cases=cases, recording=False
        )
    return render(
        request,
        "cases/consultations/form.html",
        {"client": client, "form": form, "consultation": consultation, "new": False},
    )
