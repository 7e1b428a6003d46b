from django.urls import path

from core import registry
from tsunagari.exports import list_download

from . import views

app_name = "reports"

urlpatterns = [
    path("kpi/", views.kpi, name="kpi"),
    path("kpi/download/", views.kpi_download, name="kpi_download"),
    path("exports/", views.downloads_page, name="exports"),
    # One URL per registered list download (`core.registry.list_exports`), named
    # export_<key> (`tsunagari.exports.export_url_name`).
    *[
        path(
            f"exports/{export.key}/",
            list_download,
            {"key": export.key},
            name=f"export_{export.key}",
        )
        for export in registry.list_exports
    ],
]
