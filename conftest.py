"""Fixtures shared by every app's tests: personas, a real Celery worker, headless Chromium.

Everything here talks to real services: PostgreSQL (DATABASE_URL), Redis (REDIS_URL), a Celery
worker thread consuming from Redis, and Debian's Chromium driven by Playwright.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from accounts.tests.factories import PASSWORD, UserFactory
from core.roles import Role

CHROMIUM_ARGS = [
    "--lang=ja",  # the browser's own widgets (date inputs) in Japanese, like our users'
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- personas shared by all access tests -------------------------------------------------


@pytest.fixture
def counselor(db):
    return UserFactory(username="counselor", roles=[Role.COUNSELOR])


@pytest.fixture
def colleague(db):
    return UserFactory(username="colleague", roles=[Role.COUNSELOR])


@pytest.fixture
def coordinator(db):
    return UserFactory(username="coordinator", roles=[Role.COORDINATOR])


@pytest.fixture
def supervisor(db):
    return UserFactory(username="supervisor", roles=[Role.SUPERVISOR])


@pytest.fixture
def expert(db):
    return UserFactory(username="expert", roles=[Role.EXPERT])


@pytest.fixture
def outsider(db):
    """Signed in, but holds no role at all."""
    return UserFactory(username="outsider", roles=[])


@pytest.fixture
def password() -> str:
    return PASSWORD


# --- Append-only tables: the test flush may empty them ------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _test_flush_may_truncate_append_only_tables():
    """Transactional and live-server tests end with Django's `flush`, one TRUNCATE of every
    table, which the database refuses on append-only tables (core.append_only). In the tests,
    and only here, `flush` runs with those TRUNCATE triggers lifted (`pgtrigger.ignore`, for
    its own transaction); the UPDATE/DELETE triggers stay in force."""
    import pgtrigger
    from django.core.management.commands import flush

    from core.append_only import no_truncate_uris

    handle = flush.Command.handle

    def handle_lifting_no_truncate(self, **options):
        with pgtrigger.ignore(*no_truncate_uris()):
            return handle(self, **options)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush.Command, "handle", handle_lifting_no_truncate)
        yield


# --- MFA: the tests run with it required, as production does ------------------------------


def totp_device(user):
    """Her confirmed authenticator (made for her if she has none)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device) -> str:
    """A code her authenticator app would show: computed from the device's key with
    django_otp.oath, for the next time step the device has not used yet."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:  # this step's code was used: the app's next one is accepted
        totp.time += device.step * (device.last_t + 1 - totp.t())
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture(autouse=True)
def _force_login_passes_mfa(monkeypatch):
    """`client.force_login(user)` stands for a completed sign-in, both steps: the session is
    verified with her authenticator, as django_otp's login does after a right code. The MFA
    tests sign in through the real forms instead."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


# --- Celery: a real worker consuming from Redis ------------------------------------------


# --- screenshots: kept as CI artefacts ------------------------------------------------------

SCREENSHOT_DIR = Path(
    os.environ.get(
        "SCREENSHOT_DIR", Path(__file__).resolve().parent / "test-results" / "screenshots"
    )
)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as `<SCREENSHOT_DIR>/<name>.png` (the CI lists the folder
    at the end: what a person would see, to compare before and after)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# --- browser pages under the strict CSP -------------------------------------------------------

# Records every CSP violation from the first moment of each page (Playwright's init scripts
# are not subject to the page's policy).
_LISTEN_FOR_CSP_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


def watch_page(page) -> list[str]:
    """Collect what a person would not want on a page: console errors and warnings, script
    errors, answers of 400 and above. Call before the first goto; add CSP violations with
    `csp_violations(page, problems)` on each page."""
    problems: list[str] = []
    page.add_init_script(_LISTEN_FOR_CSP_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type in {"error", "warning"}
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    return problems


def csp_violations(page, problems: list[str]) -> None:
    """Add the current page's CSP violations to `problems`."""
    for violation in page.evaluate("window.__violations || []"):
        problems.append(f"{page.url}: CSP violation {violation}")


@pytest.fixture
def celery_worker(transactional_db):
    """A Celery worker thread on the real Redis broker.

    Needs a transactional database: the worker reads rows through its own connection, so the
    test's rows must be committed.
    """
    from celery.contrib.testing.worker import start_worker

    from tsunagari.celery import app

    app.control.purge()
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=20
    ) as worker:
        yield worker


@pytest.fixture
def producer_on():
    """`with producer_on(url):` publishes this process's tasks to another broker for a while
    (a private Redis that a test stops and restarts, or an address where nothing listens)."""
    from kombu import pools as kombu_pools

    from tsunagari.celery import app

    def drop_pools() -> None:
        # The app caches a broker connection pool, and kombu keeps producer pools per
        # connection in a process-wide registry: close and forget both, so the next publish
        # connects afresh to whatever broker_url says.
        if app._pool is not None:
            app._pool.force_close_all()
            app._pool = None
        app.amqp._producer_pool = None
        kombu_pools.reset()

    @contextmanager
    def on(broker_url: str):
        original = app.conf.broker_url
        drop_pools()
        app.conf.broker_url = broker_url
        try:
            yield
        finally:
            drop_pools()
            app.conf.broker_url = original

    return on


# --- Browser: Debian's Chromium driven by Playwright ---------------------------------------


def _chromium_path() -> str | None:
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if configured and Path(configured).exists():
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = _chromium_path()
    if executable is None:
        reason = "Chromium is not installed (apt-get install chromium); browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, password):
    """Log a user in through the real login form."""

    def _login(user):
        return sign_in(page, user, password)

    return _login


def sign_in(page, user, password):
    """Sign `user` in on `page` (any browser page, e.g. a second person's) through the real
    login form and the second step."""
    device = totp_device(user)
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/accounts/mfa/**")
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/")
    return page


# Every test that drives Chromium is a browser test, marked or not, so `-m "not browser"`
# really leaves them all out.
_BROWSER_FIXTURES = {"browser", "page", "login"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
