from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.followup_mine, name="mine"),
    path("new/", views.followup_create_view, name="create"),
    path("<int:pk>/", views.followup_detail, name="detail"),
    path("<int:pk>/complete/", views.followup_complete_view, name="complete"),
    path("<int:pk>/cancel/", views.followup_cancel_view, name="cancel"),
    path("<int:pk>/reschedule/", views.followup_reschedule_view, name="reschedule"),
]
