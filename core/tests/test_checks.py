from django.test import override_settings

from core.checks import database_connection_uses_tls


def _db(host: str, **options) -> dict:
    engine = "django.db.backends.postgresql"
    return {"default": {"ENGINE": engine, "HOST": host, "OPTIONS": options}}


def test_a_remote_database_without_tls_is_a_deploy_warning():
    with override_settings(DATABASES=_db("db.internal")):
        assert [m.id for m in database_connection_uses_tls()] == ["tsunagari.W001"]


def test_tls_or_a_local_database_passes():
    for databases in (
        _db("db.internal", sslmode="verify-full"),
        _db("db.internal", sslmode="require"),
        _db("127.0.0.1"),
        _db("/var/run/postgresql"),
    ):
        with override_settings(DATABASES=databases):
            assert database_connection_uses_tls() == []
