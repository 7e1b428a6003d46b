from django.urls import path

from .views import pages

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
]
