"""The one download view of every registered list (`core.registry.list_exports`).

/reports/exports/<key>/?format=csv|xlsx&<filters> (each key its own URL): the capability the
registration names (404 for anyone else), the format, the list's filters (a bad one is
answered 400 with the reason, nothing served), one AccessLog EXPORT row against the
registration's model, then the rows streamed through `core.exports.table_response`
(no-store like every response).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.decorators import AccessSpec, declare
from audit.models import AccessLog
from core import authz, exports, registry


def export_url_name(key: str) -> str:
    """The URL name of a registered list's download (reports/urls.py gives each its own)."""
    return f"reports:export_{key}"


def exports_for(user) -> list[registry.ListExport]:
    """The registered lists this user may download, in order."""
    return [export for export in registry.list_exports if authz.can(user, export.capability)]


def _refused(request: HttpRequest, export: registry.ListExport, problem: str) -> HttpResponse:
    return render(
        request,
        "exports/refused.html",
        {"export": export, "problem": problem},
        status=400,
    )


@login_required
@require_GET
def list_download(request: HttpRequest, key: str) -> HttpResponse:
    if key not in registry.list_exports:
        raise Http404("no such download")
    export = registry.list_exports.get(key)
    authz.require(request.user, export.capability)
    fmt = request.GET.get("format", exports.CSV)
    if fmt not in exports.FORMATS:
        return _refused(request, export, _("Choose a download format: CSV or XLSX."))
    try:
        rows = export.rows(request.user, request.GET)
    except exports.ExportRefused as problem:
        return _refused(request, export, str(problem))
    # Logged once the download is sure to be served (a refusal shows nothing of hers).
    declare(request, AccessSpec(AccessLog.Action.EXPORT, export.model), {})
    return exports.table_response(
        fmt,
        export.stem or key.replace(".", "-"),
        export.header(),
        rows,
        title=str(export.label),
    )
