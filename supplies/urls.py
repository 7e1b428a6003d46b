from django.urls import path

from . import views

app_name = "supplies"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("receive/", views.movement_new, {"kind": "receive"}, name="receive"),
    path("transfer/", views.movement_new, {"kind": "transfer"}, name="transfer"),
    path("distribute/", views.movement_new, {"kind": "distribute"}, name="distribute"),
    path("adjust/", views.adjust, name="adjust"),
    path("count/", views.count, name="count"),
    path("movements/", views.history, name="history"),
    path("movements/export.csv", views.export, {"fmt": "csv"}, name="export_csv"),
    path("movements/export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("movements/<int:pk>/reverse/", views.reverse_batch, name="reverse"),
    path("movements/<int:pk>/slip/", views.slip, name="slip"),
    path("consultations/<int:consultation_pk>/handout/", views.handout, name="handout"),
    path("distribution/", views.distribution, name="distribution"),
    path("places/", views.places, name="places"),
    path("places/<int:pk>/", views.place_edit, name="place_edit"),
    path("requests/", views.requests, name="requests"),
    *[
        path(f"requests/<int:pk>/{step}/", views.request_decide, {"step": step}, name=step)
        for step in ("approve", "decline", "fulfil")
    ],
]
