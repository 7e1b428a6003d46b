"""The app's database role as README.md sets it up ("Running as a restricted database role"):
rights on the rows, ownership of nothing. It writes the access log but can neither empty it
nor switch its triggers off, which the owner of a table could."""

from __future__ import annotations

import uuid
from contextlib import contextmanager

import pytest
from django.db import ProgrammingError, connection, transaction

from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

# The app role's grants in README.md, for an existing schema.
GRANTS = [
    "GRANT USAGE ON SCHEMA public TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}",
]


@pytest.fixture
def app_role():
    """A role with the README's grants, created inside the test's transaction. Roles belong to
    the whole cluster, so the name is unique (parallel workers) and the role is dropped at
    the end (the rollback would undo it as well)."""
    role = f"tsunagari_app_test_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        for grant in GRANTS:
            cursor.execute(grant.format(role=role))
    yield role
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        cursor.execute(f"DROP OWNED BY {role}")
        cursor.execute(f"DROP ROLE {role}")


@contextmanager
def acting_as(role: str):
    """The connection acts as `role` inside a savepoint (SET LOCAL ROLE ends with it)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {role}")
        yield


def as_role(role: str, sql: str, params=()) -> None:
    with acting_as(role), connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused_as(role: str, sql: str, message: str, sqlstate: str) -> None:
    with pytest.raises(ProgrammingError, match=message) as error:
        as_role(role, sql)
    assert error.value.__cause__.sqlstate == sqlstate


def test_the_app_role_writes_rows_but_cannot_empty_or_unprotect_the_audit_log(app_role):
    staff = UserFactory()
    with connection.cursor() as cursor:
        # The deferred foreign key checks of the rows above, now: TRUNCATE must meet the
        # permission check, not a pending check.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    with acting_as(app_role):
        AccessLog.objects.create(
            user=staff, action="view", object_type="cases.client", object_id="1"
        )
    assert AccessLog.objects.filter(user=staff).count() == 1

    # Rights on the rows, but the trigger still refuses changes.
    with pytest.raises(ProgrammingError, match="Cannot update or delete rows"):
        as_role(app_role, "UPDATE audit_accesslog SET object_id = '2'")
    # No TRUNCATE right, and not the owner: the triggers stay on, the table stays.
    refused_as(app_role, "TRUNCATE audit_accesslog", "permission denied", "42501")
    refused_as(
        app_role,
        "ALTER TABLE audit_accesslog DISABLE TRIGGER ALL",
        "must be owner of table audit_accesslog",
        "42501",
    )
    refused_as(app_role, "DROP TABLE audit_accesslog", "must be owner", "42501")
    # Replica mode skips ordinary triggers: only a superuser may set it.
    refused_as(app_role, "SET session_replication_role = replica", "permission denied", "42501")
    assert AccessLog.objects.filter(user=staff).count() == 1


def test_the_app_role_can_do_the_apps_own_writes(app_role):
    """A tracked save, with its history row written by the pghistory trigger."""
    her = ClientFactory()
    with acting_as(app_role):
        her.nickname = "あおい"
        her.save()
    assert her.events.order_by("pgh_id").last().nickname == "あおい"
