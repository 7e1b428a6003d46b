from django.urls import path

from tsunagari.exports import list_download

from . import views

app_name = "reports"

urlpatterns = [
    path("kpi/", views.kpi, name="kpi"),
    path("kpi/download/", views.kpi_download, name="kpi_download"),
    path("exports/", views.downloads_page, name="exports"),
    path("exports/<str:key>/", list_download, name="export"),
]
