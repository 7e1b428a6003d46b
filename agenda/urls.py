from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("feed/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
