"""AccessLog: who looked at which personal data. Declared by @logs_access, written by
`audit.middleware.AccessLogMiddleware`, never changed.

This module is also the URLconf for its tests (`@pytest.mark.urls(__name__)`): tiny views
decorated exactly as the real ones are.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect
from django.test import override_settings
from django.urls import include, path, reverse
from django.utils import timezone

from audit.decorators import AccessSpec, logs_access
from audit.models import AccessLog
from cases.models import Client
from cases.tests.factories import ClientFactory

# --- the test URLconf --------------------------------------------------------------------


@login_required
@logs_access(AccessLog.Action.VIEW, Client, id_kwarg="pk")
def client_detail(request, pk: int):
    if pk == 404:
        raise Http404
    if pk == 403:
        return HttpResponseForbidden()
    if pk == 302:
        return redirect("/")
    return HttpResponse(f"client {pk}")


@login_required
@logs_access(AccessLog.Action.LIST, "cases.client")
def client_list(request):
    return HttpResponse("clients")


@logs_access(AccessLog.Action.VIEW, "cases.client", id_kwarg="pk")
def public_page(request, pk: int):
    return HttpResponse("no login needed")


urlpatterns = [
    path("clients/", client_list, name="client_list"),
    path("clients/<int:pk>/", client_detail, name="client_detail"),
    path("public/<int:pk>/", public_page, name="public"),
    path("accounts/", include("accounts.urls")),  # login_required redirects there
]

urls_here = pytest.mark.urls(__name__)
pytestmark = pytest.mark.django_db

HEX32 = re.compile(r"^[0-9a-f]{32}$")


# --- what the decorator writes ------------------------------------------------------------


@urls_here
def test_a_successful_view_writes_one_row(client, counselor):
    client.force_login(counselor)
    before = timezone.now()

    response = client.get("/clients/42/", REMOTE_ADDR="203.0.113.7")

    after = timezone.now()
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert row.user == counselor
    assert row.action == AccessLog.Action.VIEW
    assert row.object_type == "cases.client"
    assert row.object_id == "42"
    assert row.ip == "203.0.113.7"
    assert row.request_id == response["X-Request-ID"]
    assert HEX32.match(row.request_id)
    assert before <= row.at <= after
    assert row.at.utcoffset() == dt.timedelta(0)  # stored and read back in UTC


@urls_here
def test_the_stored_time_is_utc_in_the_database(client, counselor):
    client.force_login(counselor)
    client.get("/clients/1/")

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_typeof(at)::text FROM audit_accesslog")
        (column_type,) = cursor.fetchone()

    assert column_type == "timestamp with time zone"


@urls_here
@pytest.mark.parametrize("pk", [404, 403, 302])
def test_no_row_when_nothing_was_shown(client, counselor, pk):
    client.force_login(counselor)

    response = client.get(f"/clients/{pk}/")

    assert response.status_code == pk
    assert not AccessLog.objects.exists()


@urls_here
def test_no_row_for_an_anonymous_visitor(client):
    assert client.get("/clients/1/").status_code == 302  # to the login page
    assert client.get("/public/1/").status_code == 200

    assert not AccessLog.objects.exists()


@urls_here
def test_each_view_writes_its_own_row(client, counselor, colleague):
    client.force_login(counselor)
    client.get("/clients/1/")
    client.get("/clients/2/")
    client.force_login(colleague)
    client.get("/clients/1/")

    rows = list(AccessLog.objects.order_by("id").values_list("user__username", "object_id"))

    assert rows == [("counselor", "1"), ("counselor", "2"), ("colleague", "1")]
    assert len(set(AccessLog.objects.values_list("request_id", flat=True))) == 3


@urls_here
def test_a_list_without_a_term_is_a_list(client, counselor):
    client.force_login(counselor)

    client.get("/clients/", {"q": "   "})

    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.LIST
    assert row.object_type == "cases.client"
    assert row.object_id == ""


@urls_here
def test_a_list_with_a_term_is_a_search_and_the_term_is_not_stored(client, counselor):
    client.force_login(counselor)
    term = "山田花子 090-1234-5678"

    # A fixed request id, so a random one cannot happen to contain "090" or "1234".
    client.get("/clients/", {"q": term}, headers={"x-request-id": "req-fixed-abcdef"})

    row = AccessLog.objects.get()
    assert row.action == AccessLog.Action.SEARCH
    # Every column but the clock: its microseconds can spell any digits, and it holds no input.
    values = AccessLog.objects.values().get()
    del values["at"]
    stored = " ".join(str(value) for value in values.values())
    for fragment in ["山田", "花子", "090", "1234", "5678"]:
        assert fragment not in stored


@urls_here
def test_decorated_views_are_discoverable():
    # Lets a project-wide test check that every personal-data view declares what it shows:
    # the declaration survives the decorators around it (functools.wraps copies it).
    assert client_list.access_log == AccessSpec(AccessLog.Action.LIST, "cases.client")
    assert client_detail.access_log == AccessSpec(
        AccessLog.Action.VIEW, "cases.client", id_kwarg="pk"
    )


# --- request ids --------------------------------------------------------------------------


@urls_here
@override_settings(TRUSTED_PROXY_IPS=["127.0.0.1"])
def test_a_well_formed_request_id_from_the_trusted_proxy_is_kept_and_stored(client, counselor):
    client.force_login(counselor)

    response = client.get("/clients/7/", headers={"x-request-id": "proxy-req.0001_ab"})

    assert response["X-Request-ID"] == "proxy-req.0001_ab"
    assert AccessLog.objects.get().request_id == "proxy-req.0001_ab"


@urls_here
@pytest.mark.parametrize("trusted", [[], ["10.0.0.5"], ["192.168.0.0/16"]])
def test_a_request_id_from_anyone_but_the_proxy_is_replaced(client, counselor, trusted):
    # Issue 7: the request id used to be kept from any client that sent a well-formed one.
    client.force_login(counselor)

    with override_settings(TRUSTED_PROXY_IPS=trusted):
        response = client.get("/clients/7/", headers={"x-request-id": "proxy-req.0001_ab"})

    assert HEX32.match(response["X-Request-ID"])
    assert AccessLog.objects.get().request_id == response["X-Request-ID"]


@urls_here
def test_a_forged_display_name_and_request_id_are_shown_for_what_they_are(
    client, counselor, supervisor
):
    # She names herself like the supervisor and replays the supervisor's request id.
    supervisor.display_name = "佐藤 SV"
    supervisor.save()
    counselor.display_name = "佐藤 SV"
    counselor.save()
    client.force_login(supervisor)
    genuine = client.get("/clients/7/")["X-Request-ID"]
    client.force_login(counselor)

    client.get("/clients/8/", headers={"x-request-id": genuine})

    forged = AccessLog.objects.get(object_id="8")
    assert (forged.username, forged.roles) == ("counselor", "counselor")
    assert forged.request_id != genuine and HEX32.match(forged.request_id)
    assert forged.who == "佐藤 SV（counselor · 相談員）"
    assert AccessLog.objects.get(object_id="7").who == "佐藤 SV（supervisor · スーパーバイザー）"


def test_the_admin_log_shows_the_username_and_role_beside_the_display_name(
    client, counselor, supervisor
):
    for user in [counselor, supervisor]:
        user.display_name = "佐藤 SV"
        user.save()
        AccessLog.objects.create(
            user=user,
            username=user.username,
            roles=user.groups.get().name,
            action=AccessLog.Action.VIEW,
            object_type="cases.client",
            object_id="1",
        )
    client.force_login(supervisor)

    page = client.get(reverse("admin:audit_accesslog_changelist")).content.decode()

    assert "佐藤 SV（counselor · 相談員）" in page
    assert "佐藤 SV（supervisor · スーパーバイザー）" in page


def test_a_row_written_before_the_snapshot_shows_the_accounts_username(counselor):
    counselor.display_name = ""
    counselor.save()
    row = AccessLog.objects.create(
        user=counselor, action=AccessLog.Action.VIEW, object_type="cases.client", object_id="1"
    )

    assert row.who == "counselor"


# --- the client IP ------------------------------------------------------------------------


@urls_here
@pytest.mark.parametrize(
    ("trusted", "forwarded", "stored"),
    [
        # No proxy configured: the direct peer, whatever the header says.
        ([], "203.0.113.9", "127.0.0.1"),
        # Behind our proxy: the address it appended (the last hop), not what the client wrote.
        (["127.0.0.1"], "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        # Two proxies of ours: past both.
        (["127.0.0.1", "10.0.0.0/8"], "198.51.100.1, 203.0.113.9, 10.1.2.3", "203.0.113.9"),
        # A malformed hop: the proxy's own address rather than a guess.
        (["127.0.0.1"], "not-an-ip", "127.0.0.1"),
        (["127.0.0.1"], "", "127.0.0.1"),
    ],
)
def test_the_client_ip_is_taken_from_the_proxy_only_when_it_is_trusted(
    client, counselor, trusted, forwarded, stored
):
    client.force_login(counselor)

    with override_settings(TRUSTED_PROXY_IPS=trusted):
        client.get("/clients/7/", headers={"x-forwarded-for": forwarded})

    assert AccessLog.objects.get().ip == stored


@pytest.mark.parametrize(
    "incoming", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>", ""]
)
def test_a_malformed_request_id_is_replaced(client, incoming):
    response = client.get("/accounts/login/", headers={"x-request-id": incoming})

    assert HEX32.match(response["X-Request-ID"])


def test_every_response_gets_a_fresh_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert HEX32.match(first) and HEX32.match(second)
    assert first != second


# --- append-only --------------------------------------------------------------------------


@pytest.fixture
def row(counselor):
    return AccessLog.objects.create(
        user=counselor, action=AccessLog.Action.VIEW, object_type="cases.client", object_id="1"
    )


def _refused(operation) -> None:
    # A savepoint keeps the test's transaction usable after the trigger raises.
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        operation()


def test_rows_cannot_be_changed_or_deleted_through_the_orm(row):
    def save_changed():
        row.object_id = "2"
        row.save()

    _refused(save_changed)
    _refused(lambda: AccessLog.objects.filter(pk=row.pk).update(action=AccessLog.Action.LIST))
    _refused(lambda: AccessLog.objects.get(pk=row.pk).delete())
    _refused(lambda: AccessLog.objects.all().delete())

    assert AccessLog.objects.values_list("action", "object_id").get() == ("view", "1")


def test_rows_cannot_be_changed_or_deleted_with_raw_sql(row):
    def execute(sql: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])

        return run

    _refused(execute("UPDATE audit_accesslog SET object_id = 'x' WHERE id = %s"))
    _refused(execute("DELETE FROM audit_accesslog WHERE id = %s"))

    assert AccessLog.objects.values_list("object_id", flat=True).get() == "1"


def test_the_action_must_be_known(counselor):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessLog.objects.create(user=counselor, action="peek", object_type="cases.client")


# --- the admin: read-only ----------------------------------------------------------------


def test_admin_offers_no_add_change_or_delete(client, supervisor, row):
    client.force_login(supervisor)

    changelist = client.get(reverse("admin:audit_accesslog_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:audit_accesslog_add") not in changelist.content.decode()
    assert 'name="action"' not in changelist.content.decode()  # no bulk "delete selected"

    assert client.get(reverse("admin:audit_accesslog_add")).status_code == 403
    assert client.get(reverse("admin:audit_accesslog_delete", args=[row.pk])).status_code == 403

    detail = client.get(reverse("admin:audit_accesslog_change", args=[row.pk]))
    assert detail.status_code == 200  # view only
    assert 'name="_save"' not in detail.content.decode()

    response = client.post(
        reverse("admin:audit_accesslog_change", args=[row.pk]),
        {"action": "list", "object_type": "cases.case", "object_id": "9"},
    )
    assert response.status_code == 403
    assert AccessLog.objects.values_list("object_type", flat=True).get() == "cases.client"


def test_only_supervisors_see_the_log_in_the_admin(client, counselor, row):
    client.force_login(counselor)

    response = client.get(reverse("admin:audit_accesslog_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- the real client pages ----------------------------------------------------------------


def test_real_client_detail_is_logged_for_her_counselor_only(client, counselor, outsider):
    sakura = ClientFactory(counselors=[counselor], created_by=counselor)
    url = reverse("cases:client_detail", args=[sakura.pk])

    client.force_login(outsider)
    assert client.get(url).status_code == 404
    # Her refused attempt is a security event, not a view.
    assert list(AccessLog.objects.values_list("user", "action")) == [(outsider.pk, "denied")]

    client.force_login(counselor)
    response = client.get(url)

    assert response.status_code == 200
    row = AccessLog.objects.get(user=counselor)
    assert (row.user, row.action, row.object_type, row.object_id) == (
        counselor,
        "view",
        "cases.client",
        str(sakura.pk),
    )
    assert row.request_id == response["X-Request-ID"]


def test_real_client_search_is_logged_without_the_term(client, counselor):
    client.force_login(counselor)

    response = client.get(reverse("cases:client_list"), {"q": "さくら"})

    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.action, row.object_type, row.object_id) == ("search", "cases.client", "")
    assert "さくら" not in " ".join(str(v) for v in AccessLog.objects.values().get().values())
