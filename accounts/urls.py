from django.contrib.auth import views as auth_views
from django.urls import path

from . import passkeys, sessions, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profile/", views.profile, name="profile"),
    path("session/keepalive/", sessions.keepalive, name="session_keepalive"),
    # Staff accounts, managed by a supervisor (accounts.manage_staff).
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create_view, name="staff_create"),
    path("staff/<int:user_pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:user_pk>/password/", views.staff_password, name="staff_password"),
    path("staff/<int:user_pk>/deactivate/", views.staff_deactivate_view, name="staff_deactivate"),
    path("staff/<int:user_pk>/reactivate/", views.staff_reactivate_view, name="staff_reactivate"),
    path("staff/<int:user_pk>/mfa-reset/", views.staff_mfa_reset, name="staff_mfa_reset"),
    path("staff/<int:user_pk>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("staff/<int:user_pk>/sessions-end/", views.staff_sessions_end, name="staff_sessions_end"),
    path("mfa/", views.mfa_verify, name="mfa_verify"),
    path("mfa/enrol/", views.mfa_enrol, name="mfa_enrol"),
    path("mfa/backup-codes/", views.mfa_backup_codes, name="mfa_backup_codes"),
    path("mfa/skip/", views.mfa_skip, name="mfa_skip"),
    path("mfa/passkeys/", views.passkeys, name="passkeys"),
    path("mfa/passkeys/remove/", views.passkey_remove, name="passkey_remove"),
    # JSON endpoints of the WebAuthn ceremonies (static/js/passkeys.js).
    path(
        "mfa/passkeys/register/begin/",
        passkeys.RegistrationBegin.as_view(),
        name="passkey_register_begin",
    ),
    path(
        "mfa/passkeys/register/complete/",
        passkeys.RegistrationComplete.as_view(),
        name="passkey_register_complete",
    ),
    path(
        "mfa/passkeys/verify/begin/",
        passkeys.AuthenticationBegin.as_view(),
        name="passkey_verify_begin",
    ),
    path(
        "mfa/passkeys/verify/complete/",
        passkeys.AuthenticationComplete.as_view(),
        name="passkey_verify_complete",
    ),
]
