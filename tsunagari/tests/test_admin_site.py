"""The admin site's door: supervisors by `core.authz`, and the login page for everyone."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def test_the_admin_login_page_renders_for_an_anonymous_visitor(client):
    response = client.get(LOGIN)

    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


def test_a_supervisor_signs_in_on_the_admin_login_page(client, supervisor, password):
    response = client.post(
        f"{LOGIN}?next=/admin/", {"username": supervisor.username, "password": password}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    # The admin's login is the password step only: the admin sends her to the MFA step first.
    step = client.get("/admin/")
    assert step.status_code == 302 and step["Location"].startswith("/accounts/mfa/enrol/")
    client.force_login(supervisor)  # both steps
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_other_roles_are_refused_on_the_admin_login_page(client, request, password, persona):
    user = request.getfixturevalue(persona)

    response = client.post(LOGIN, {"username": user.username, "password": password})

    assert response.status_code == 200  # the form again, with the usual error
    assert response.context["form"].errors
    assert client.get("/admin/")["Location"].startswith(LOGIN)


def test_a_signed_in_supervisor_is_sent_on_from_the_login_page(client, supervisor):
    client.force_login(supervisor)

    response = client.get(LOGIN)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
