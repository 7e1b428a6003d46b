"""Roles are groups; each holds exactly the model permissions the apps register for the admin
(`core.registry.role_grants`, synced by accounts/roles.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import sync_role_permissions
from accounts.tests.factories import UserFactory
from core import registry
from core.roles import Role

pytestmark = pytest.mark.django_db


def _group_perms(role: str) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_four_roles_exist_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "counselor",
        "coordinator",
        "supervisor",
        "expert",
    }
    assert set(Role.values) == {"counselor", "coordinator", "supervisor", "expert"}


def test_every_registered_permission_exists():
    # A permission keyed under the wrong app would otherwise be skipped without a word.
    for grant in registry.role_grants:
        for action in grant.actions:
            assert Permission.objects.filter(
                content_type__app_label=grant.app_label, codename=f"{action}_{grant.model}"
            ).exists(), f"{grant.key}: {grant.app_label}.{action}_{grant.model} does not exist"


def test_groups_hold_exactly_the_registered_permissions():
    for role in Role:
        expected = {
            f"{grant.app_label}.{action}_{grant.model}"
            for grant in registry.role_grants
            if grant.role == role
            for action in grant.actions
        }
        assert _group_perms(role) == expected, role


def test_only_supervisors_hold_model_permissions():
    # Model permissions serve the admin, which only supervisors enter; the pages ask
    # core.authz. Grants nobody reads are not kept.
    for role in (Role.COUNSELOR, Role.COORDINATOR, Role.EXPERT):
        assert _group_perms(role) == set(), role


def test_supervisor_permissions():
    perms = _group_perms(Role.SUPERVISOR)

    assert {
        "audit.view_accesslog",
        "accounts.view_user",
        "cases.view_client",
        "followups.change_followup",
        "openings.add_openingrule",
        "openings.delete_openingexception",
    } <= perms
    assert "audit.change_accesslog" not in perms
    assert "audit.delete_accesslog" not in perms


def test_sync_is_idempotent_and_repairs_drift():
    group = Group.objects.get(name=Role.COUNSELOR)
    before = _group_perms(Role.COUNSELOR)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="audit", codename="view_accesslog")
    )
    supervisors = Group.objects.get(name=Role.SUPERVISOR)
    expected = _group_perms(Role.SUPERVISOR)
    supervisors.permissions.remove(Permission.objects.get(codename="view_client"))

    sync_role_permissions()
    sync_role_permissions()

    assert _group_perms(Role.COUNSELOR) == before
    assert _group_perms(Role.SUPERVISOR) == expected


def test_role_permissions_reach_the_user():
    supervisor = UserFactory(roles=[Role.SUPERVISOR])
    counselor = UserFactory(roles=[Role.COUNSELOR])

    assert supervisor.has_perm("cases.view_client")
    assert not counselor.has_perm("cases.view_client")
    assert not counselor.has_perm("audit.view_accesslog")


def test_a_user_may_hold_several_roles():
    user = UserFactory(roles=[Role.COUNSELOR, Role.SUPERVISOR])

    assert user.role_codes == {"counselor", "supervisor"}
    assert user.has_role(Role.COUNSELOR)
    assert user.has_role(Role.SUPERVISOR)
    assert not user.has_role(Role.EXPERT)
    assert user.is_counselor and user.is_supervisor
    assert not user.is_coordinator and not user.is_expert
    assert user.has_perm("audit.view_accesslog") and user.has_perm("cases.view_consultation")


def test_an_inactive_user_holds_no_role():
    user = UserFactory(roles=[Role.SUPERVISOR], is_active=False)

    assert not user.has_role(Role.SUPERVISOR)
    assert not user.is_supervisor


def test_a_user_without_groups_has_no_role(outsider):
    assert outsider.role_codes == frozenset()
    assert not any(
        [outsider.is_counselor, outsider.is_coordinator, outsider.is_supervisor, outsider.is_expert]
    )


# --- the admin is for supervisors only ---------------------------------------------------


def test_supervisor_reaches_the_admin(client, supervisor):
    client.force_login(supervisor)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "audit" in {app["app_label"] for app in response.context["app_list"]}
    assert client.get("/admin/audit/accesslog/").status_code == 200


def test_superuser_reaches_the_admin(client):
    client.force_login(UserFactory(is_superuser=True))

    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_other_roles_are_sent_to_the_admin_login_never_the_index(client, request, persona):
    user = request.getfixturevalue(persona)
    # is_staff alone must not open the admin either: only the supervisor role does.
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)

    for path in ["/admin/", "/admin/audit/accesslog/", "/admin/accounts/user/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("admin:login")), path

    # The admin login page does not forward her to the index either.
    response = client.get(reverse("admin:login"))
    assert response.status_code == 200
    assert "app_list" not in response.context


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_nav_shows_the_admin_link_only_to_supervisors(client, supervisor, counselor):
    admin_link = f'href="{reverse("admin:index")}"'

    client.force_login(supervisor)
    assert admin_link in client.get("/").content.decode()

    client.force_login(counselor)
    page = client.get("/").content.decode()
    assert admin_link not in page
    assert "管理画面" not in page
