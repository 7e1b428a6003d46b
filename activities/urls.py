from django.urls import path

from .views import experts, figures, sessions

app_name = "activities"

urlpatterns = [
    path("sessions/", sessions.session_list, name="session_list"),
    path("sessions/new/", sessions.session_create, name="session_create"),
    path("sessions/<int:pk>/", sessions.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", sessions.session_edit, name="session_edit"),
    path("sessions/<int:pk>/register/", sessions.session_register, name="session_register"),
    path("sessions/<int:pk>/attendance/", sessions.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/anonymous/", sessions.session_anonymous, name="session_anonymous"),
    path("sessions/<int:pk>/cancel/", sessions.session_cancel, name="session_cancel"),
    path(
        "registrations/<int:pk>/withdraw/",
        sessions.registration_withdraw,
        name="registration_withdraw",
    ),
    path("expert-days/", experts.expert_day_list, name="expert_day_list"),
    path("expert-days/new/", experts.expert_day_create, name="expert_day_create"),
    path("expert-days/<int:pk>/", experts.expert_day_detail, name="expert_day_detail"),
    path("expert-days/<int:pk>/book/", experts.expert_day_book, name="expert_day_book"),
    path("expert-days/<int:pk>/cancel/", experts.expert_day_cancel, name="expert_day_cancel"),
    path("bookings/<int:pk>/", experts.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/record/", experts.booking_record, name="booking_record"),
    path("bookings/<int:pk>/cancel/", experts.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/no-show/", experts.booking_no_show, name="booking_no_show"),
    path("figures/", figures.figures, name="figures"),
]
