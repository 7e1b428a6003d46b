from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("kpi/", views.kpi, name="kpi"),
    path("kpi/download/", views.kpi_download, name="kpi_download"),
]
