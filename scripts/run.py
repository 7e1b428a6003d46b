#!/usr/bin/env python
"""Run Tsunagari on this machine: the web server, a Celery worker and Celery beat.

    python scripts/services.py -- python scripts/run.py      (what `make run` does)

First applies migrations and loads the demo data (`manage.py seed_demo`, which prints
the demo logins), then serves http://127.0.0.1:8000/ until Ctrl-C. DEBUG defaults to
true here. DATABASE_URL and REDIS_URL must be set; scripts/services.py sets them.

Ctrl-C (or SIGTERM) stops all three processes. If one of them stops on its own, the
others are stopped too and this script exits non-zero.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from services import (  # noqa: E402
    ROOT,
    configured,
    dotenv_values,
    exit_status,
    terminal_delivers_sigint,
)

ADDRESS = "127.0.0.1:8000"
TRUTHY = {"1", "true", "yes", "on"}
STOP_GRACE_SECONDS = 15  # for each of: stopping by the first signal, then by SIGTERM
POLL_SECONDS = 0.2

PYTHON = sys.executable
MANAGE = [PYTHON, str(ROOT / "manage.py")]
CELERY = [PYTHON, "-m", "celery", "-A", "tsunagari"]

SETUP_STEPS = [
    ("migrate", [*MANAGE, "migrate", "--noinput"]),
    ("seed_demo", [*MANAGE, "seed_demo"]),
]
PROCESSES = [
    ("web", [*MANAGE, "runserver", ADDRESS, "--noreload"]),
    ("worker", [*CELERY, "worker", "-l", "info", "--concurrency", "2"]),
    ("beat", [*CELERY, "beat", "-l", "info"]),
]


def log(message: str) -> None:
    try:
        print(f"[run] {message}", file=sys.stderr, flush=True)
    except OSError:  # stderr gone (say, a pipe to a program stopped by Ctrl-C)
        pass


class Supervisor:
    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen] = {}
        self.stop_requests = 0

    # -- signals ----------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, frame: object) -> None:
        self.stop_requests += 1
        if self.stop_requests >= 3:
            self._send_all(signal.SIGKILL)
        elif signum == signal.SIGINT and terminal_delivers_sigint() and self.stop_requests == 1:
            pass  # Ctrl-C in the terminal has reached the children already.
        else:
            self._send_all(signal.SIGTERM)

    # -- children ---------------------------------------------------------------------

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        log(f"starting {name}")
        child = subprocess.Popen(args, cwd=ROOT)
        self.children[name] = child
        return child

    def running(self) -> list[subprocess.Popen]:
        return [child for child in self.children.values() if child.poll() is None]

    def _send_all(self, signum: int) -> None:
        for child in self.running():
            try:
                child.send_signal(signum)
            except ProcessLookupError:
                pass

    def _wait_all(self, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.running() and time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
        return not self.running()

    def stop_all(self, already_signalled: bool) -> bool:
        """Stop every child; True if all stopped without being killed."""
        if already_signalled and self._wait_all(STOP_GRACE_SECONDS):
            return True
        self._send_all(signal.SIGTERM)
        if self._wait_all(STOP_GRACE_SECONDS):
            return True
        for name, child in self.children.items():
            if child.poll() is None:
                log(f"{name} did not stop; killing it")
                child.kill()
                child.wait()
        return False

    # -- the two phases ---------------------------------------------------------------

    def run_step(self, name: str, args: list[str]) -> int | None:
        """Run a setup command to its end; None if we are asked to stop meanwhile."""
        child = self.start(name, args)
        while child.poll() is None and not self.stop_requests:
            time.sleep(POLL_SECONDS)
        if self.stop_requests:
            self.stop_all(already_signalled=True)
            return None
        del self.children[name]
        return child.returncode

    def supervise(self) -> int:
        while True:
            if self.stop_requests:
                log("stopping")
                return 0 if self.stop_all(already_signalled=True) else 1
            for name, child in self.children.items():
                if child.poll() is not None:
                    log(f"{name} exited with status {exit_status(child.returncode)}; stopping")
                    self.stop_all(already_signalled=False)
                    return exit_status(child.returncode) or 1
            time.sleep(POLL_SECONDS)


def main() -> int:
    os.chdir(ROOT)
    if not configured("DEBUG"):
        os.environ["DEBUG"] = "true"
    # The demo logins work at once on a developer's machine: two-step verification is offered
    # at sign-in but may be skipped, unless MFA_REQUIRED=true asks for it as in production.
    debug = os.environ.get("DEBUG") or dotenv_values().get("DEBUG") or ""
    if not configured("MFA_REQUIRED") and debug.strip().lower() in TRUTHY:
        os.environ["MFA_REQUIRED"] = "false"
    missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not configured(name)]
    if missing:
        log(f"{' and '.join(missing)} not set: run this through scripts/services.py (make run)")
        return 2

    supervisor = Supervisor()
    supervisor.install_signal_handlers()

    for name, args in SETUP_STEPS:
        returncode = supervisor.run_step(name, args)
        if returncode is None:
            return 0
        if returncode != 0:
            log(f"{name} failed with status {exit_status(returncode)}")
            return exit_status(returncode)

    for name, args in PROCESSES:
        supervisor.start(name, args)
    log(f"Tsunagari is at http://{ADDRESS}/ (Ctrl-C stops it)")
    if os.environ.get("MFA_REQUIRED", "").strip().lower() == "false":
        log("two-step verification is optional here (MFA_REQUIRED=false): skip it at sign-in")
    else:
        log("two-step verification is required: enrol an authenticator app at first sign-in")
    return supervisor.supervise()


if __name__ == "__main__":
    sys.exit(main())
