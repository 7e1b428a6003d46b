from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("clients/<int:pk>/disclosure/", views.disclosure, name="disclosure"),
    path("clients/<int:pk>/disclosure.json", views.disclosure_json, name="disclosure_json"),
    path("clients/<int:pk>/erasure/", views.erasure_request, name="erasure_request"),
    path("clients/<int:pk>/consent-withdrawal/", views.consent_withdrawal, name="consent_withdraw"),
    path("erasure-requests/", views.erasure_queue, name="erasure_queue"),
    path("erasure-requests/<int:pk>/", views.erasure_decide, name="erasure_decide"),
]
