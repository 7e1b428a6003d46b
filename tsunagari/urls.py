from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("openings/", include("openings.urls")),
    path("followups/", include("followups.urls")),
    path("notifications/", include("notifications.urls")),
    path("privacy/", include("privacy.urls")),
    path("referrals/", include("referrals.urls")),
    path("line/", include("line.urls")),
    path("linecare/", include("linecare.urls")),
    path("reports/", include("reports.urls")),
    path("supplies/", include("supplies.urls")),
    path("activities/", include("activities.urls")),
    path("agenda/", include("agenda.urls")),
    path("audit/", include("audit.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
