from django.contrib.auth import views as auth_views
from django.urls import path

from . import sessions, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("session/keepalive/", sessions.keepalive, name="session_keepalive"),
    path("mfa/", views.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/backup-codes/", views.mfa_backup_codes, name="mfa_backup_codes"),
    path("mfa/skip/", views.mfa_skip, name="mfa_skip"),
]
