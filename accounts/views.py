from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core import authz
from core.http import safe_next_url
from core.paging import paginate
from core.roles import Role

from . import mfa
from .forms import (
    ROLE_HELP,
    LoginForm,
    MFACodeForm,
    MFAEnrolForm,
    ProfileForm,
    StaffCreateForm,
    StaffEditForm,
    StaffPasswordForm,
    role_values_of,
)
from .lockout import lockout_response, user_unlock
from .selectors import staff_for
from .services import (
    staff_create,
    staff_deactivate,
    staff_password_set,
    staff_reactivate,
    staff_update,
    user_sessions_end,
    user_update_profile,
)


class LoginView(auth_views.LoginView):
    """The password step. Then the MFA step (or, the first time, enrolment) before anything
    else: the session is not verified yet."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self):
        target = super().get_success_url()
        user = self.request.user
        if getattr(user, "is_verified", None) and user.is_verified():
            return target
        step = "accounts:mfa_verify" if mfa.has_confirmed_device(user) else "accounts:mfa_enrol"
        return _with_next(step, target)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = user_update_profile(user=request.user, **form.cleaned_data)
        translation.activate(user.language)
        messages.success(request, _("Your settings were saved."))
        return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


# --- multi-factor sign-in (accounts.mfa) ------------------------------------------------------


def _mfa_next(request) -> str:
    return safe_next_url(request, "home")


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


@login_required
def mfa_verify(request):
    """The second step of signing in: a code from her authenticator or a backup code, or one of
    her passkeys (static/js/passkeys.js, accounts.passkeys)."""
    target = _mfa_next(request)
    if request.user.is_verified():
        return redirect(target)
    if not mfa.has_confirmed_device(request.user):
        return redirect(_with_next("accounts:mfa_enrol", target))
    form = MFACodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        refusal = mfa.mfa_verify(request=request, code=form.cleaned_data["code"])
        if refusal is None:
            return redirect(target)
        if refusal == mfa.Refusal.LOCKED:
            logout(request)
            return lockout_response(request)
        form.add_error(
            "code",
            _("Too many wrong codes in a row: wait a few seconds and try again.")
            if refusal == mfa.Refusal.THROTTLED
            else _("That code is not valid. Try the current code or a backup code."),
        )
    if form.errors:
        status = 400
    context = {
        "form": form,
        "next": target,
        "skippable": not settings.MFA_REQUIRED,
        "has_passkey": mfa.has_passkey(request.user),
    }
    return render(request, "accounts/mfa_verify.html", context, status=status)


@login_required
def mfa_enrol(request):
    """First sign-in: set up an authenticator app (QR code or the secret typed by hand) and
    confirm it with a code; then the backup codes are shown once."""
    target = _mfa_next(request)
    if mfa.has_confirmed_device(request.user):
        if request.user.is_verified():
            return redirect(target)
        return redirect(_with_next("accounts:mfa_verify", target))
    key = mfa.enrolment_key(request.session)
    form = MFAEnrolForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        codes = mfa.mfa_enrol_confirm(request=request, key=key, code=form.cleaned_data["code"])
        if codes is not None:
            request.session[mfa.NEW_CODES_SESSION] = codes
            return redirect(_with_next("accounts:mfa_backup_codes", target))
        form.add_error(
            "code",
            _("That code does not match. Check the time on your phone and try the new code."),
        )
    if form.errors:
        status = 400
    uri = mfa.provisioning_uri(request.user, key)
    context = {
        "form": form,
        "next": target,
        "qr_svg": mark_safe(mfa.qr_svg(uri)),  # generated by segno from our own URI: no input
        "secret": mfa.secret_text(key),
        "skippable": not settings.MFA_REQUIRED,
    }
    return render(request, "accounts/mfa_enrol.html", context, status=status)


@login_required
def mfa_backup_codes(request):
    """New backup codes, shown once (GET); a new set replacing the old (POST, from a verified
    session: her profile)."""
    target = _mfa_next(request)
    if request.method == "POST":
        if not request.user.is_verified():
            return redirect(_with_next("accounts:mfa_verify", target))
        request.session[mfa.NEW_CODES_SESSION] = mfa.mfa_backup_codes_issue(
            request=request, user=request.user
        )
        return redirect(_with_next("accounts:mfa_backup_codes", target))
    codes = request.session.pop(mfa.NEW_CODES_SESSION, None)
    if not codes:
        return redirect(target)
    return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": target})


@login_required
def mfa_skip(request):
    """On a developer's machine (MFA_REQUIRED=false) she may go on without a second step."""
    target = _mfa_next(request)
    if settings.MFA_REQUIRED and not request.user.is_verified():
        return redirect(_with_next("accounts:mfa_verify", target))
    return redirect(target)


@login_required
def passkeys(request):
    """Her passkeys: the list, "Add a passkey" (static/js/passkeys.js with the endpoints of
    accounts.passkeys) and a remove button for each. Only after the second step."""
    here = reverse("accounts:passkeys")
    if not request.user.is_verified():
        return redirect(_with_next("accounts:mfa_verify", here))
    error, status = "", 200
    if request.method == "POST":
        # The script sends the add form to the endpoints; here it was sent without the script.
        error, status = _("Adding a passkey needs JavaScript in your browser."), 400
    context = {"passkeys": mfa.passkeys_of(request.user), "error": error}
    return render(request, "accounts/passkeys.html", context, status=status)


@login_required
def passkey_remove(request):
    """Remove one of her passkeys (POST `passkey`: its id), after the second step."""
    here = reverse("accounts:passkeys")
    if request.method != "POST":
        return redirect(here)
    if not request.user.is_verified():
        return redirect(_with_next("accounts:mfa_verify", here))
    raw = request.POST.get("passkey", "")
    removed = (
        raw.isascii()
        and raw.isdigit()
        and len(raw) <= 18
        and mfa.passkey_remove(request=request, user=request.user, passkey_id=int(raw))
    )
    if removed:
        messages.success(request, _("The passkey was removed."))
    else:
        messages.error(request, _("That passkey was not found."))
    return redirect(here)


# --- staff accounts: a supervisor creates, deactivates and resets them (accounts.manage_staff)

# A password generated for her is shown once, on the next page, then forgotten.
NEW_PASSWORD_SESSION = "accounts.staff_new_password"


def _posted(request):
    # An empty POST is a submission too (`request.POST or None` would take it for a GET).
    return request.POST if request.method == "POST" else None


def _staff_of(request, user_pk: int):
    authz.require(request.user, "accounts.manage_staff")
    return authz.get_or_deny(staff_for(request.user), user_pk)


def _show_password_once(request, user, generated: str | None) -> None:
    if generated:
        request.session[NEW_PASSWORD_SESSION] = {"user": user.pk, "password": generated}


def _roles_of(user) -> list[str]:
    return [str(Role(value).label) for value in role_values_of(user)]


@login_required
def staff_list(request):
    authz.require(request.user, "accounts.manage_staff")
    # Queries: the staff page (count and rows) and their groups (one prefetch).
    page = paginate(request, staff_for(request.user))
    rows = [(member, _roles_of(member)) for member in page.object_list]
    return render(request, "accounts/staff/list.html", {"page": page, "rows": rows})


@login_required
def staff_create_view(request):
    authz.require(request.user, "accounts.manage_staff")
    form = StaffCreateForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, generated = staff_create(
            username=data["username"],
            display_name=data["display_name"],
            email=data["email"],
            language=data["language"],
            roles=data["roles"],
            password=data["new_password1"] or None,
            by=request.user,
            request=request,
        )
        _show_password_once(request, user, generated)
        messages.success(request, _("The account %(name)s was created.") % {"name": user})
        return redirect("accounts:staff_detail", user_pk=user.pk)
    context = {"form": form, "role_help": _role_help()}
    return render(
        request, "accounts/staff/create.html", context, status=400 if form.errors else 200
    )


def _role_help() -> list[tuple[str, str]]:
    return [(str(role.label), str(ROLE_HELP[role])) for role in Role]


@login_required
def staff_detail(request, user_pk: int):
    """Her account: name, e-mail and roles to edit, and the buttons for what a supervisor does
    to it (deactivate or reactivate, a new password, reset two-step verification, unlock)."""
    member = _staff_of(request, user_pk)
    form = StaffEditForm(_posted(request), instance=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        staff_update(
            user=member,
            display_name=data["display_name"],
            email=data["email"],
            roles=data["roles"],
            by=request.user,
            request=request,
        )
        messages.success(request, _("The account was saved."))
        return redirect("accounts:staff_detail", user_pk=member.pk)
    shown = request.session.get(NEW_PASSWORD_SESSION)
    new_password = None
    if shown and shown.get("user") == member.pk:
        new_password = request.session.pop(NEW_PASSWORD_SESSION)["password"]
    context = {
        "member": member,
        "roles": _roles_of(member),
        "form": form,
        "role_help": _role_help(),
        "new_password": new_password,
        "has_mfa": mfa.has_confirmed_device(member),
        "sessions": member.sessions.count(),
        "is_self": member.pk == request.user.pk,
    }
    status = 400 if form.errors else 200
    return render(request, "accounts/staff/detail.html", context, status=status)


@login_required
def staff_password(request, user_pk: int):
    member = _staff_of(request, user_pk)
    form = StaffPasswordForm(_posted(request), user=member)
    if request.method == "POST" and form.is_valid():
        generated = staff_password_set(
            user=member,
            password=form.cleaned_data["new_password1"] or None,
            by=request.user,
            request=request,
        )
        _show_password_once(request, member, generated)
        messages.success(request, _("A new password was set; she was signed out everywhere."))
        return redirect("accounts:staff_detail", user_pk=member.pk)
    context = {"member": member, "form": form}
    status = 400 if form.errors else 200
    return render(request, "accounts/staff/password.html", context, status=status)


def _staff_action(request, user_pk: int, act) -> HttpResponse:
    """A button on her page (POST only): `act(member)` answers the message to show."""
    member = _staff_of(request, user_pk)
    if request.method != "POST":
        return redirect("accounts:staff_detail", user_pk=member.pk)
    try:
        text = act(member)
    except PermissionDenied:
        messages.error(request, _("You cannot do this to your own account."))
    else:
        messages.success(request, text)
    return redirect("accounts:staff_detail", user_pk=member.pk)


@login_required
def staff_deactivate_view(request, user_pk: int):
    def act(member):
        staff_deactivate(user=member, by=request.user, request=request)
        return _("The account was deactivated; she was signed out everywhere.")

    return _staff_action(request, user_pk, act)


@login_required
def staff_reactivate_view(request, user_pk: int):
    def act(member):
        staff_reactivate(user=member, by=request.user, request=request)
        return _("The account was reactivated.")

    return _staff_action(request, user_pk, act)


@login_required
def staff_mfa_reset(request, user_pk: int):
    def act(member):
        mfa.mfa_reset(user=member, by=request.user, request=request)
        return _("Two-step verification was reset.")

    return _staff_action(request, user_pk, act)


@login_required
def staff_unlock(request, user_pk: int):
    def act(member):
        user_unlock(user=member, by=request.user, request=request)
        return _("Sign-in was unlocked.")

    return _staff_action(request, user_pk, act)


@login_required
def staff_sessions_end(request, user_pk: int):
    def act(member):
        # Her own current session stays, should she end her own.
        count = user_sessions_end(
            user=member,
            by=request.user,
            request=request,
            keep_session_key=request.session.session_key,
        )
        return _("%(count)s sessions were ended.") % {"count": count}

    return _staff_action(request, user_pk, act)
