from django.urls import path

from .views import accompaniments, meetings, partners, referrals, supervision

app_name = "referrals"

urlpatterns = [
    path("", referrals.referral_board, name="board"),
    path("new/", referrals.referral_create, name="create"),
    path("<int:pk>/", referrals.referral_detail, name="detail"),
    path("<int:pk>/send/", referrals.referral_send, name="send"),
    *[
        path(f"<int:pk>/{step}/", referrals.referral_step, {"step": step}, name=f"step_{step}")
        for step in referrals.STEPS
    ],
    path("clients/<int:pk>/consent/", referrals.consent_record, name="consent_record"),
    path("consents/<int:pk>/withdraw/", referrals.consent_withdraw, name="consent_withdraw"),
    # the partner directory
    path("partners/", partners.partner_list, name="partners"),
    path("partners/new/", partners.partner_create, name="partner_create"),
    path("partners/import/", partners.partner_import, name="partner_import"),
    path("partners/export.csv", partners.partner_export, {"fmt": "csv"}, name="partner_export_csv"),
    path(
        "partners/export.xlsx", partners.partner_export, {"fmt": "xlsx"}, name="partner_export_xlsx"
    ),
    path("partners/<int:pk>/", partners.partner_detail, name="partner_detail"),
    path("partners/<int:pk>/edit/", partners.partner_edit, name="partner_edit"),
    path("partners/<int:pk>/active/", partners.partner_set_active, name="partner_set_active"),
    # accompaniment
    path("accompaniments/", accompaniments.agenda, name="agenda"),
    path("accompaniments/new/", accompaniments.accompaniment_book, name="accompaniment_book"),
    path(
        "accompaniments/<int:pk>/",
        accompaniments.accompaniment_detail,
        name="accompaniment_detail",
    ),
    path(
        "accompaniments/<int:pk>/outcome/",
        accompaniments.accompaniment_outcome,
        name="accompaniment_outcome",
    ),
    path(
        "accompaniments/<int:pk>/cancel/",
        accompaniments.accompaniment_cancel,
        name="accompaniment_cancel",
    ),
    # support-coordination meetings
    path("meetings/", meetings.meeting_list, name="meetings"),
    path("meetings/new/", meetings.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path(
        "meetings/<int:pk>/women/<int:meetingcase_pk>/action/",
        meetings.meeting_action_add,
        name="meeting_action_add",
    ),
    # supervision
    path("summary/", supervision.summary, name="summary"),
    path("provisions/", supervision.provision_list, name="provisions"),
    path("provisions/export.csv", supervision.provision_export, name="provision_export"),
]
