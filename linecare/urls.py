from django.urls import path

from .views import broadcasts, pages

app_name = "linecare"

urlpatterns = [
    path("expressions/", pages.expression_list, name="expressions"),
    path("expressions/<int:expression_pk>/", pages.expression_edit, name="expression_edit"),
    path("conversations/<int:conversation_pk>/", pages.conversation_risk, name="conversation"),
    path(
        "conversations/<int:conversation_pk>/protocol/", pages.protocol_open, name="protocol_open"
    ),
    path("protocols/<int:protocol_pk>/", pages.protocol_detail, name="protocol"),
    path("protocols/<int:protocol_pk>/confirm/", pages.protocol_confirm, name="protocol_confirm"),
    path("broadcasts/", broadcasts.broadcast_list, name="broadcasts"),
    path("broadcasts/new/", broadcasts.broadcast_new, name="broadcast_new"),
    path("broadcasts/<int:broadcast_pk>/", broadcasts.broadcast_detail, name="broadcast"),
    path("broadcasts/<int:broadcast_pk>/edit/", broadcasts.broadcast_edit, name="broadcast_edit"),
    path(
        "broadcasts/<int:broadcast_pk>/submit/",
        broadcasts.broadcast_submit,
        name="broadcast_submit",
    ),
    path(
        "broadcasts/<int:broadcast_pk>/approve/",
        broadcasts.broadcast_approve,
        name="broadcast_approve",
    ),
    path(
        "broadcasts/<int:broadcast_pk>/return/",
        broadcasts.broadcast_return,
        name="broadcast_return",
    ),
    path(
        "broadcasts/<int:broadcast_pk>/cancel/",
        broadcasts.broadcast_cancel,
        name="broadcast_cancel",
    ),
    path("broadcast-images/<uuid:key>/", broadcasts.broadcast_image, name="broadcast_image"),
]
