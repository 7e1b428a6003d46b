from django.urls import path

from .models import AutoReplyText
from .views import inbox, invitations, pages, simulator, webhook

app_name = "line"

urlpatterns = [
    path("webhook/", webhook.line_webhook, name="webhook"),
    path("simulator/", simulator.simulator, name="simulator"),
    path("replies/", pages.autoreply_list, name="autoreplies"),
    *[
        path(f"replies/{key}/", pages.autoreply_edit, {"key": key}, name=f"autoreply_{key}")
        for key in AutoReplyText.Key.values
    ],
    path("settings/", pages.channel_settings, name="settings"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/rows/", inbox.inbox_rows, name="inbox_rows"),
    path("inbox/state/", inbox.inbox_state, name="inbox_state"),
    path("live/", inbox.live, name="live"),
    path("live/board/", inbox.live_board, name="live_board"),
    path("conversations/<int:pk>/", inbox.conversation_detail, name="conversation"),
    path("conversations/<int:pk>/history/", inbox.conversation_history, name="history"),
    path("conversations/<int:pk>/state/", inbox.conversation_state, name="conversation_state"),
    path("conversations/<int:pk>/claim/", inbox.conversation_claim, name="claim"),
    path("conversations/<int:pk>/reply/", inbox.conversation_reply, name="reply"),
    path(
        "conversations/<int:pk>/messages/<int:message_pk>/retry/",
        inbox.message_retry,
        name="retry",
    ),
    path("conversations/<int:pk>/close/", inbox.conversation_close, name="close"),
    path("conversations/<int:pk>/escalate/", inbox.conversation_escalate, name="escalate"),
    path("conversations/<int:pk>/handover/", inbox.conversation_handover, name="handover"),
    path("conversations/<int:pk>/assign/", inbox.conversation_assign, name="assign"),
    path("conversations/<int:pk>/route/", inbox.conversation_route, name="route"),
    path("conversations/<int:pk>/take-over/", inbox.conversation_take_over, name="take_over"),
    path("conversations/<int:pk>/answer/", inbox.escalation_answer, name="answer"),
    path(
        "sessions/<int:pk>/invitations/",
        invitations.session_invitations,
        name="session_invitations",
    ),
    path(
        "sessions/<int:pk>/invitations/send/",
        invitations.session_invitations_send,
        name="session_invitations_send",
    ),
    path(
        "sessions/<int:pk>/invitations/<int:invitation_pk>/resend/",
        invitations.session_invitation_resend,
        name="session_invitation_resend",
    ),
    path("canned-responses/", pages.canned_list, name="canned"),
    path("canned-responses/new/", pages.canned_create, name="canned_create"),
    path("canned-responses/<int:pk>/", pages.canned_edit, name="canned_edit"),
]
