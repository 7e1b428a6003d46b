from django.urls import path

from . import views

app_name = "openings"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("exceptions/new/", views.exception_create, name="exception_create"),
    path("exceptions/<int:pk>/delete/", views.exception_delete, name="exception_delete"),
]
