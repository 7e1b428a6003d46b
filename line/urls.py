from django.urls import path

from .models import AutoReplyText
from .views import pages, simulator, webhook

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
]
