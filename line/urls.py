from django.urls import path

from .views import pages, simulator, webhook

app_name = "line"

urlpatterns = [
    path("webhook/", webhook.line_webhook, name="webhook"),
    path("simulator/", simulator.simulator, name="simulator"),
    path("replies/", pages.autoreply_list, name="autoreplies"),
    path("replies/<str:key>/", pages.autoreply_edit, name="autoreply_edit"),
    path("settings/", pages.channel_settings, name="settings"),
]
