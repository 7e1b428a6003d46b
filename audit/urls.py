from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("access/", views.access_review, name="access_review"),
    path("access/export.csv", views.access_export, name="access_export"),
    path("security-events/", views.security_events, name="security_events"),
]
