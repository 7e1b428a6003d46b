from django.urls import path

from tsunagari.exports import list_download

from .views import cases as case_views
from .views import clients as client_views
from .views import consultations as consultation_views
from .views import supervisor as supervisor_views

app_name = "cases"
urlpatterns: list = [
    # --- clients and consultations ---
    path("clients/", client_views.client_list_view, name="client_list"),
    # the list downloads (`cases.exports`), served by the one download view at their own URLs
    path("clients/export/", list_download, {"key": "cases.clients"}, name="client_export"),
    path("export/", list_download, {"key": "cases.cases"}, name="case_export"),
    path(
        "consultations/export/",
        list_download,
        {"key": "cases.consultations"},
        name="consultation_export",
    ),
    path("intake/", client_views.intake, name="intake"),
    path("intake/new/", client_views.intake_new, name="intake_new"),
    path("clients/<int:pk>/", client_views.client_detail, name="client_detail"),
    path("clients/<int:pk>/edit/", client_views.client_edit, name="client_edit"),
    path("clients/<int:pk>/merge/", client_views.client_merge_view, name="client_merge"),
    path(
        "clients/<int:pk>/break-glass/",
        client_views.client_break_glass_view,
        name="client_break_glass",
    ),
    path("clients/<int:pk>/counselors/", client_views.client_assign, name="client_assign"),
    path("clients/<int:pk>/risk-flags/", client_views.risk_flag_add, name="risk_flag_set"),
    path(
        "clients/<int:pk>/risk-flags/<int:flag_pk>/clear/",
        client_views.risk_flag_remove,
        name="risk_flag_clear",
    ),
    path(
        "clients/<int:pk>/consultations/new/",
        consultation_views.consultation_create,
        name="consultation_create",
    ),
    path(
        "consultations/<int:pk>/",
        consultation_views.consultation_detail,
        name="consultation_detail",
    ),
    path(
        "consultations/<int:pk>/edit/",
        consultation_views.consultation_edit,
        name="consultation_edit",
    ),
    # --- cases ---
    path("", case_views.case_list, name="case_list"),
    path("open/", case_views.case_open, name="case_open"),
    path("<int:pk>/", case_views.case_detail, name="case_detail"),
    path("<int:pk>/notes/", case_views.case_note_add, name="case_note_add"),
    path(
        "<int:pk>/notes/<int:note_pk>/correct/",
        case_views.case_note_correct,
        name="case_note_correct",
    ),
    path("<int:pk>/status/", case_views.case_set_status, name="case_set_status"),
    path("<int:pk>/priority/", case_views.case_set_priority, name="case_set_priority"),
    path("<int:pk>/counselors/", case_views.case_assign, name="case_assign"),
    path("<int:pk>/goals/", case_views.support_goal_add, name="support_goal_add"),
    path(
        "<int:pk>/goals/<int:goal_pk>/achieve/",
        case_views.support_goal_achieve,
        name="support_goal_achieve",
    ),
    path("<int:pk>/actions/", case_views.support_action_add, name="support_action_add"),
    path(
        "<int:pk>/actions/<int:action_pk>/complete/",
        case_views.support_action_complete,
        name="support_action_complete",
    ),
    path("<int:pk>/closing/", case_views.case_request_closure, name="case_request_closure"),
    path("<int:pk>/reopen/", case_views.case_reopen, name="case_reopen"),
    path("closing/", case_views.closure_pending, name="closure_pending"),
    path(
        "closing/<int:request_pk>/decide/",
        case_views.closure_decide,
        name="closure_decide",
    ),
    # --- supervisor views ---
    path("supervisor/caseload/", supervisor_views.caseload, name="caseload"),
    path("supervisor/risks/", supervisor_views.risk_board, name="risk_board"),
    path("supervisor/break-glass/", supervisor_views.break_glass_list, name="break_glass_list"),
]
