"""The deployment files agree with each other and with the variables settings.py reads.

No database and no Docker: file checks, and the image's static-files build step run here.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "tsunagari" / "settings.py"
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"

APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = ("postgres", "redis", *APP_SERVICES)

# env.str("X"), env.list("X", ...), os.environ.get("X"), os.getenv("X"), and helpers in
# settings.py whose first parameter is the variable's name: _required("X"), _url("X", ...).
_ENV_READERS = {"str", "bool", "int", "float", "list", "tuple", "dict", "url", "json", "path"}
_ENV_READERS |= {"db_url", "db", "cache_url", "cache", "email_url", "email", "search_url"}


def settings_variables() -> set[str]:
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    helpers = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.args.args and node.args.args[0].arg == "name"
    }
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in helpers:
            names.add(first.value)
        elif isinstance(func, ast.Attribute):
            owner = ast.unparse(func.value)
            if owner == "env" and func.attr in _ENV_READERS:
                names.add(first.value)
            elif (owner, func.attr) in {("os.environ", "get"), ("os", "getenv")}:
                names.add(first.value)
    return names


def env_example_variables() -> set[str]:
    """Variables .env.example documents, set or commented out (`# NAME=value`)."""
    pattern = re.compile(r"^#?\s?(?:export\s+)?([A-Z][A-Z0-9_]*)=")
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    return {match.group(1) for line in lines if (match := pattern.match(line))}


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def compose_interpolated_variables() -> set[str]:
    """Variables docker compose itself substitutes into docker-compose.yml (${NAME...})."""
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text()))


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(
            item.split("=", 1) if "=" in item else (item, "") for item in environment
        )
    return {str(key): str(value) for key, value in environment.items()}


def env_files_of(service: dict) -> list[str]:
    env_file = service.get("env_file") or []
    entries = [env_file] if isinstance(env_file, (str, dict)) else env_file
    return [entry["path"] if isinstance(entry, dict) else entry for entry in entries]


def test_settings_variables_are_found():
    names = settings_variables()
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= names


def test_env_example_documents_every_settings_variable():
    missing = settings_variables() - env_example_variables()
    assert not missing, f".env.example does not document {sorted(missing)}"


def test_env_example_lists_only_variables_that_are_read():
    # Besides the application's own, .env may carry the ones docker compose substitutes.
    known = settings_variables() | compose_interpolated_variables()
    unknown = env_example_variables() - known
    assert not unknown, f".env.example lists {sorted(unknown)}, which nothing reads"


def test_env_example_every_line_is_a_comment_or_blank():
    # Copying it as is must leave every default in place (an empty ALLOWED_HOSTS= would not).
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        assert not line.strip() or line.startswith("#"), line


def test_compose_has_all_services_with_healthchecks():
    services = compose()["services"]
    for name in ALL_SERVICES:
        assert name in services, f"docker-compose.yml lacks the {name} service"
        test = services[name].get("healthcheck", {}).get("test")
        assert test, f"{name} has no healthcheck"


def test_compose_redis_keeps_its_data():
    redis = compose()["services"]["redis"]
    command = redis["command"]
    command = " ".join(command) if isinstance(command, list) else command
    assert re.search(r"--appendonly\s+yes", command)


def test_compose_volumes_are_named():
    config = compose()
    declared = set(config.get("volumes") or {})
    for name in ("postgres", "redis"):
        assert config["services"][name].get("volumes"), f"{name} keeps no data in a volume"
    for name, service in config["services"].items():
        for volume in service.get("volumes") or []:
            source = volume["source"] if isinstance(volume, dict) else volume.split(":", 1)[0]
            assert source in declared, f"{name} mounts {source!r}, not a named volume"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_pass_only_variables_settings_read(name):
    service = compose()["services"][name]
    assert ".env" in env_files_of(service)
    environment = environment_of(service)
    read = settings_variables()
    unknown = set(environment) - read
    assert not unknown, f"{name} is given {sorted(unknown)}, which settings.py does not read"
    # Everything in .env reaches the container too (env_file).
    from_env_file = env_example_variables() - read - compose_interpolated_variables()
    assert not from_env_file


@pytest.mark.parametrize("name", APP_SERVICES)
def test_compose_app_services_use_the_compose_databases(name):
    service = compose()["services"][name]
    environment = environment_of(service)
    assert re.match(r"postgres(ql)?://[^@]*@postgres:5432/", environment["DATABASE_URL"])
    assert re.match(r"redis://redis:6379/", environment["REDIS_URL"])
    depends_on = service.get("depends_on") or {}
    assert all(dep["condition"] == "service_healthy" for dep in depends_on.values())


def test_compose_web_health_check_asks_healthz():
    test = compose()["services"]["web"]["healthcheck"]["test"]
    assert "/healthz" in " ".join(test if isinstance(test, list) else [test])


def test_dockerfile_builds_static_files_and_runs_unprivileged():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.MULTILINE)
    assert "collectstatic" in text
    users = re.findall(r"^USER\s+(\S+)", text, re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r"^CMD .*gunicorn", text, re.MULTILINE)


def test_production_static_files_build(tmp_path):
    """What the Dockerfile's collectstatic step does, with DEBUG off (manifest storage)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
        "DEBUG": "false",
        "SECRET_KEY": "test-only-placeholder-secret-key-for-collectstatic",
        "ALLOWED_HOSTS": "localhost",
        "EMAIL_URL": "consolemail://",
        "DATABASE_URL": "postgres://build@localhost/build",
        "REDIS_URL": "redis://localhost:6379/0",
    }
    code = (
        "import sys, django; from django.conf import settings; django.setup(); "
        "settings.STATIC_ROOT = sys.argv[1]; "
        "from django.core.management import call_command; "
        "call_command('collectstatic', interactive=False, verbosity=0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "staticfiles.json").exists()
