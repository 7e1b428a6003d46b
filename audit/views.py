"""The supervisors' audit pages: the access review ("who accessed this record", "everything
this user touched between T1 and T2"), its CSV export, and the security events. Thin: a
form, a selector, a template.

Reading the audit trail is itself recorded (a "list" of the access log, an "export" for the
CSV): after a leak, who investigated what is part of the record too."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import authz, exports
from core.paging import paginate

from .decorators import AccessSpec, declare, logs_access
from .forms import AccessReviewForm
from .models import AccessLog, SecurityEvent
from .privacy import her_records_q
from .selectors import AccessQuery, access_rows, record_q, security_events_of

# How the log names the two records the pages link from (`AccessLog.object_type`).
CLIENT_TYPE = "cases.client"
CASE_TYPE = "cases.case"


def _bound_form(request: HttpRequest) -> AccessReviewForm:
    data = AccessReviewForm.defaults()
    data.update({key: value for key, value in request.GET.items() if key != "page"})
    return AccessReviewForm(data)


def _records(form: AccessReviewForm) -> tuple[Q | None, object]:
    """The filter on records and what it is about (a client, a case number, or None)."""
    data = form.cleaned_data
    if data.get("client"):
        # Her records, as every app names them (audit.privacy.her_records_q); the client model
        # is looked up by name: the audit app sits below the apps whose records it reads.
        client = get_object_or_404(apps.get_model(CLIENT_TYPE), pk=data["client"])
        return her_records_q(client), client
    if data.get("case"):
        return record_q(CASE_TYPE, data["case"]), data["case"]
    return None, None


def _query(form: AccessReviewForm, records: Q | None) -> AccessQuery:
    data = form.cleaned_data
    user = data.get("user")
    return AccessQuery(
        start=data["start"],
        end=data["end"],
        user_id=user.pk if user else None,
        records=records,
        action=data.get("action") or "",
    )


@require_GET
@login_required
@logs_access(AccessLog.Action.LIST, AccessLog)
def access_review(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "audit.review_access")
    form = _bound_form(request)
    context = {"form": form, "page": None, "client": None, "case": None, "events": None}
    if not form.is_valid():
        return render(request, "audit/access_review.html", context, status=400)
    records, about = _records(form)
    query = _query(form, records)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(
        page=paginate(request, access_rows(query)),
        query=params.urlencode(),
        client=about if form.cleaned_data.get("client") else None,
        case=about if form.cleaned_data.get("case") else None,
    )
    if query.user_id is not None:
        context["events"] = list(security_events_of(query.user_id, query.start, query.end)[:50])
    return render(request, "audit/access_review.html", context)


@require_GET
@login_required
@logs_access(AccessLog.Action.EXPORT, AccessLog)
def access_export(request: HttpRequest) -> HttpResponse:
    """The same rows as the page, as CSV (UTF-8 with a byte-order mark, so Excel reads the
    Japanese). No-store like every page (SecurityHeadersMiddleware)."""
    authz.require(request.user, "audit.review_access")
    form = _bound_form(request)
    if not form.is_valid():
        # Nothing left the building: the form came back with its errors, a look at the log.
        declare(request, AccessSpec(AccessLog.Action.LIST, "audit.accesslog"), {})
        return render(
            request,
            "audit/access_review.html",
            {"form": form, "page": None, "client": None, "case": None, "events": None},
            status=400,
        )
    records, _about = _records(form)
    rows = access_rows(_query(form, records))
    header = [
        _("time"), _("display name"), _("username"), _("roles"), _("action"),
        _("object type"), _("object id"), _("IP address"), _("request id"),
    ]  # fmt: skip
    lines = (
        [
            timezone.localtime(row.at).isoformat(timespec="seconds"),
            row.user.display_name,
            row.username,
            row.roles,
            row.action,
            row.object_type,
            row.object_id,
            row.ip or "",
            row.request_id,
        ]
        for row in rows.iterator(chunk_size=2000)
    )
    return exports.csv_response("access-log", header, lines)


@require_GET
@login_required
@logs_access(AccessLog.Action.LIST, SecurityEvent)
def security_events(request: HttpRequest) -> HttpResponse:
    """Failed sign-ins, lockouts, MFA changes, ended sessions, break-glass openings: newest
    first, filtered by kind."""
    authz.require(request.user, "audit.review_access")
    kinds = dict(SecurityEvent.Kind.choices)
    kind = request.GET.get("kind", "")
    events = SecurityEvent.objects.select_related("user", "actor").order_by("-at", "-pk")
    if kind in kinds:
        events = events.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "audit/security_events.html",
        {
            "page": paginate(request, events),
            "kinds": kinds.items(),
            "kind": kind,
            "query": f"kind={kind}" if kind else "",
        },
    )
