"""Staff accounts in the app: a supervisor creates, edits, deactivates and reactivates them,
sets a new password, resets two-step verification and unlocks sign-in; nobody else may."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import User, UserSession
from accounts.tests.factories import PASSWORD, UserFactory
from audit.models import AccessLog, SecurityEvent
from conftest import totp_device
from core.roles import Role

pytestmark = pytest.mark.django_db

LIST = "/accounts/staff/"
NEW = "/accounts/staff/new/"


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def page_of(user) -> str:
    return f"/accounts/staff/{user.pk}/"


def new_account(**overrides) -> dict:
    return {
        "username": "hanako",
        "display_name": "山田 花子",
        "email": "hanako@example.org",
        "language": "ja",
        "roles": [Role.COUNSELOR],
        "new_password1": "",
        "new_password2": "",
        **overrides,
    }


@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_only_supervisors_reach_the_staff_pages(request, persona, supervisor):
    browser = signed_in(request.getfixturevalue(persona))
    for url in (LIST, NEW, page_of(supervisor), page_of(supervisor) + "password/"):
        assert browser.get(url).status_code == 404
    response = browser.post(page_of(supervisor) + "deactivate/")
    assert response.status_code == 404
    supervisor.refresh_from_db()
    assert supervisor.is_active
    assert AccessLog.objects.filter(action="denied", object_type="accounts.manage_staff").exists()


def test_the_list_shows_roles_by_their_label_and_the_status(
    client, supervisor, counselor, django_assert_max_num_queries
):
    UserFactory(username="gone", display_name="退職者", is_active=False, roles=[Role.EXPERT])
    client.force_login(supervisor)
    # Session, her user and groups; the staff count, the page, its groups; the nav's
    # capability checks are cached on her user.
    with django_assert_max_num_queries(12):
        response = client.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    assert "相談員" in body and "専門相談員" in body and "スーパーバイザー" in body
    assert 'me-1">counselor<' not in body
    assert "無効" in body
    assert 'href="/accounts/staff/"' in client.get("/").content.decode()  # the menu link


def test_the_list_runs_the_same_queries_for_more_staff(
    client, supervisor, django_assert_max_num_queries
):
    client.force_login(supervisor)
    client.get(LIST)  # warm: the session's first use
    UserFactory.create_batch(2, roles=[Role.COUNSELOR])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    UserFactory.create_batch(20, roles=[Role.COUNSELOR, Role.EXPERT])
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


def test_a_supervisor_creates_an_account_and_sees_its_password_once(client, supervisor):
    client.force_login(supervisor)

    form = client.get(NEW).content.decode()
    assert "何ができるか" in form or "コーディネーター" in form  # the roles are explained
    response = client.post(NEW, new_account(roles=[Role.COUNSELOR, Role.EXPERT]))

    user = User.objects.get(username="hanako")
    assert response.status_code == 302 and response["Location"] == page_of(user)
    assert sorted(user.groups.values_list("name", flat=True)) == ["counselor", "expert"]
    page = client.get(page_of(user)).content.decode()
    shown = page.split("data-new-password>")[1].split("<")[0]
    assert user.check_password(shown) and len(shown) >= 12
    assert shown not in client.get(page_of(user)).content.decode()  # once only
    event = SecurityEvent.objects.get(kind="user_created", user=user)
    assert event.actor == supervisor and event.detail == "counselor,expert"
    assert shown not in event.detail


def test_a_password_she_types_is_checked_and_bad_input_changes_nothing(client, supervisor):
    client.force_login(supervisor)

    short = client.post(NEW, new_account(new_password1="short", new_password2="short"))
    mismatch = client.post(
        NEW, new_account(new_password1="long-enough-pass-1", new_password2="other-pass-22")
    )
    taken = client.post(NEW, new_account(username=supervisor.username.upper()))
    bad_role = client.post(NEW, new_account(roles=["admin"]))

    for response in (short, mismatch, taken, bad_role):
        assert response.status_code == 400
    assert not User.objects.filter(username__iexact="hanako").exists()
    assert User.objects.count() == 1
    chosen = client.post(
        NEW, new_account(new_password1="long-enough-pass-1", new_password2="long-enough-pass-1")
    )
    assert chosen.status_code == 302
    user = User.objects.get(username="hanako")
    assert user.check_password("long-enough-pass-1")
    assert "data-new-password" not in client.get(page_of(user)).content.decode()


def test_deactivating_ends_her_sessions_and_is_recorded(supervisor, counselor):
    hers = signed_in(counselor)
    assert hers.get("/").status_code == 200
    browser = signed_in(supervisor)

    response = browser.post(page_of(counselor) + "deactivate/")

    assert response.status_code == 302
    counselor.refresh_from_db()
    assert not counselor.is_active
    assert not UserSession.objects.filter(user=counselor).exists()
    assert hers.get("/").status_code == 302  # signed out
    assert SecurityEvent.objects.filter(
        kind="user_deactivated", user=counselor, actor=supervisor
    ).exists()
    assert SecurityEvent.objects.filter(kind="sessions_ended", user=counselor).exists()

    browser.post(page_of(counselor) + "reactivate/")
    counselor.refresh_from_db()
    assert counselor.is_active
    assert SecurityEvent.objects.filter(
        kind="user_reactivated", user=counselor, actor=supervisor
    ).exists()


def test_a_supervisor_cannot_deactivate_herself_nor_touch_a_superuser(supervisor):
    admin = UserFactory(username="root", is_superuser=True, roles=[])
    browser = signed_in(supervisor)

    browser.post(page_of(supervisor) + "deactivate/")
    assert browser.get(page_of(admin)).status_code == 404
    assert browser.post(page_of(admin) + "deactivate/").status_code == 404

    supervisor.refresh_from_db()
    admin.refresh_from_db()
    assert supervisor.is_active and admin.is_active
    assert "root" not in browser.get(LIST).content.decode()


def test_a_new_password_signs_her_out_everywhere(supervisor, counselor):
    hers = signed_in(counselor)
    hers.get("/")
    browser = signed_in(supervisor)

    refused = browser.post(
        page_of(counselor) + "password/", {"new_password1": "abc", "new_password2": "abc"}
    )
    assert refused.status_code == 400
    counselor.refresh_from_db()
    assert counselor.check_password(PASSWORD)

    response = browser.post(page_of(counselor) + "password/", {})
    assert response.status_code == 302
    shown = browser.get(page_of(counselor)).content.decode()
    password = shown.split("data-new-password>")[1].split("<")[0]
    counselor.refresh_from_db()
    assert counselor.check_password(password)
    assert not Session.objects.filter(session_key=hers.session.session_key).exists()
    assert SecurityEvent.objects.filter(
        kind="password_changed", user=counselor, actor=supervisor
    ).exists()


def test_roles_change_and_are_recorded(client, supervisor, counselor):
    client.force_login(supervisor)

    response = client.post(
        page_of(counselor),
        {"display_name": "新しい名前", "email": "", "roles": [Role.COUNSELOR, Role.SUPERVISOR]},
    )

    assert response.status_code == 302
    counselor.refresh_from_db()
    assert counselor.display_name == "新しい名前"
    assert sorted(counselor.groups.values_list("name", flat=True)) == ["counselor", "supervisor"]
    event = SecurityEvent.objects.get(kind="roles_changed", user=counselor)
    assert event.detail == "counselor -> counselor,supervisor" and event.actor == supervisor


def test_reset_mfa_unlock_and_end_sessions_from_her_page(supervisor, counselor):
    totp_device(counselor)
    hers = signed_in(counselor)
    hers.get("/")
    browser = signed_in(supervisor)

    browser.post(page_of(counselor) + "mfa-reset/")
    browser.post(page_of(counselor) + "unlock/")
    browser.post(page_of(counselor) + "sessions-end/")

    kinds = set(
        SecurityEvent.objects.filter(user=counselor, actor=supervisor).values_list(
            "kind", flat=True
        )
    )
    assert {"mfa_reset", "unlocked", "sessions_ended"} <= kinds
    assert not counselor.totpdevice_set.exists()
    assert not UserSession.objects.filter(user=counselor).exists()
    # A GET of a button's address changes nothing.
    assert browser.get(page_of(counselor) + "deactivate/").status_code == 302
    counselor.refresh_from_db()
    assert counselor.is_active
