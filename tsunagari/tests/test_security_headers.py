"""Strict CSP and the security headers: every template free of inline script and style, every
kind of answer with the headers, and real pages working in Chromium under the policy.

The no-500 walk (test_no_server_errors.py) checks the same headers on every response it gets;
production-only headers and cookies (HSTS, __Host-) are in test_deploy_check.py.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import path

from accounts.tests.factories import UserFactory
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from conftest import csp_violations, watch_page
from core.roles import Role

from .walk import security_header_problems

ROOT = Path(settings.BASE_DIR)

# --- templates: nothing inline ----------------------------------------------------------------

INLINE = {
    "inline <script>": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def inline_code(text: str) -> list[str]:
    """The kinds of inline script or style a template contains."""
    return [kind for kind, pattern in INLINE.items() if pattern.search(text)]


def _our_templates() -> list[Path]:
    skipped = {".venv", "var", "node_modules", ".git"}
    return [
        p
        for p in ROOT.glob("**/templates/**/*.html")
        if not skipped & set(p.relative_to(ROOT).parts)
    ]


def test_no_template_has_inline_script_style_or_event_handlers():
    templates = _our_templates()
    assert len(templates) > 30, "the templates of every app are scanned"
    found = {
        str(p.relative_to(ROOT)): kinds
        for p in templates
        if (kinds := inline_code(p.read_text(encoding="utf-8")))
    }
    assert found == {}, (
        "Strict CSP: load scripts from static/js/ with "
        '<script src="{% static \'js/name.js\' %}" nonce="{{ request.csp_nonce }}" defer>'
        "</script>, style with classes (static/css/tsunagari.css)."
    )


@pytest.mark.parametrize(
    ("html", "kind"),
    [
        ("<script>alert(1)</script>", "inline <script>"),
        ('<script nonce="{{ request.csp_nonce }}">go()</script>', "inline <script>"),
        ("<style>p { color: red }</style>", "<style> block"),
        ('<p style="white-space: pre-line">', "style= attribute"),
        ('<select onchange="this.form.submit()">', "on*= handler"),
        ('<a href="javascript:void(0)">', "javascript: URL"),
    ],
)
def test_the_template_scan_finds_each_kind_of_inline_code(html, kind):
    assert inline_code(html) == [kind]


def test_the_template_scan_lets_external_scripts_and_data_attributes_pass():
    allowed = (
        '<script src="/static/js/x.js" nonce="abc" defer></script>'
        '<select data-submit-on-change class="form-select"><option>on</option></select>'
    )
    assert inline_code(allowed) == []


# --- every kind of answer carries the headers -------------------------------------------------


def _boom(request):
    raise RuntimeError("a failing view")


urlpatterns = [path("boom/", _boom)]


def _nonces(html: str) -> set[str]:
    return set(re.findall(r'<script\b[^>]*\bnonce="([^"]*)"', html))


@pytest.mark.django_db
def test_a_page_names_its_nonce_in_the_policy_and_every_script_carries_it(client, counselor):
    client.force_login(counselor)

    first, second = client.get("/"), client.get("/")

    assert security_header_problems(first) == []
    policy = first.headers["Content-Security-Policy"]
    nonces = _nonces(first.content.decode())
    assert len(nonces) == 1
    (nonce,) = nonces
    assert f"script-src 'self' 'nonce-{nonce}'" in policy
    assert "unsafe-inline" not in policy
    assert "<script" in first.content.decode()
    # A fresh nonce per response: one seen in a page is no use to an attacker later.
    assert _nonces(second.content.decode()) != nonces


@pytest.mark.django_db
def test_every_kind_of_answer_carries_the_security_headers(client, counselor, supervisor):
    client.force_login(counselor)
    answers = {
        "page": client.get("/cases/clients/"),
        "search": client.get("/cases/clients/", {"q": "0612345678"}),
        "not found": client.get("/cases/987654321/"),
        "NUL byte refused": client.get("/cases/clients/", {"q": "\x00"}),
        "redirect": client.post("/accounts/logout/"),
        "anonymous login page": HttpClient().get("/accounts/login/"),
    }
    strict = HttpClient(enforce_csrf_checks=True)
    answers["CSRF failure"] = strict.post("/accounts/login/", {"username": "x"})
    admin = HttpClient()
    admin.force_login(supervisor)
    answers["admin changelist"] = admin.get("/admin/cases/client/")
    with override_settings(ROOT_URLCONF=__name__):
        answers["server error"] = HttpClient(raise_request_exception=False).get("/boom/")

    statuses = {kind: response.status_code for kind, response in answers.items()}
    assert statuses == {
        "page": 200,
        "search": 200,
        "not found": 404,
        "NUL byte refused": 400,
        "redirect": 302,
        "anonymous login page": 200,
        "CSRF failure": 403,
        "admin changelist": 200,
        "server error": 500,
    }
    problems = {kind: security_header_problems(r) for kind, r in answers.items()}
    assert problems == {kind: [] for kind in answers}
    for response in answers.values():
        assert "no-store" in response.headers["Cache-Control"]
        assert "private" in response.headers["Cache-Control"]


def test_the_header_check_fails_a_response_without_the_headers():
    problems = security_header_problems(HttpResponse("plain"))
    for header in [
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
        "Content-Security-Policy script-src",
        "Content-Security-Policy style-src",
        "Permissions-Policy",
        "Cache-Control",
    ]:
        assert any(problem.startswith(header) for problem in problems), header
    relaxed = HttpResponse("relaxed")
    for name, value in {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=()",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    }.items():
        relaxed.headers[name] = value
    assert security_header_problems(relaxed) == [
        "Content-Security-Policy style-src: [\"'self'\", \"'unsafe-inline'\"]"
    ]


# --- real pages in Chromium under the policy -------------------------------------------------


def _visit(page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("load")
    csp_violations(page, problems)


@pytest.fixture
def her(counselor):
    client = ClientFactory(nickname="ゆき", counselors=[counselor])
    ConsultationFactory(client=client, recorded_by=counselor)
    case = CaseFactory(client=client, counselors=[counselor], opened_by=counselor)
    return client, case


def test_pages_of_every_kind_work_under_the_policy_as_a_counselor(page, login, counselor, her):
    client, case = her
    problems = watch_page(page)

    # Signed out: the language menu submits itself (static/js/language-select.js).
    _visit(page, "/accounts/login/", problems)
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    # Wait for the navigation the choice starts, or the next page may still come in English.
    with page.expect_navigation():
        page.select_option("#language-select", "ja")
    assert page.locator("html").get_attribute("lang") == "ja"

    login(counselor)
    for url in [
        "/",
        "/cases/clients/",
        "/cases/clients/?q=ゆき",
        f"/cases/clients/{client.pk}/",
        f"/cases/{case.pk}/",
        "/cases/",
        "/openings/",
        "/followups/",
        "/notifications/",
        "/accounts/profile/",
        "/cases/intake/new/",
    ]:
        _visit(page, url, problems)

    # Bootstrap's JavaScript runs: the user menu opens.
    _visit(page, f"/cases/clients/{client.pk}/consultations/new/", problems)
    page.click("#user-menu")
    assert page.locator("#user-menu + .dropdown-menu").is_visible()
    # Our own script runs: "starting now" fills the start and end (static/js/client-form.js).
    page.click("[data-start-now]")
    started = datetime.datetime.fromisoformat(page.input_value("#id_started_at"))
    ended = datetime.datetime.fromisoformat(page.input_value("#id_ended_at"))
    assert ended - started == datetime.timedelta(minutes=30)  # a sensible default length

    assert problems == []


def test_pages_of_every_kind_work_under_the_policy_as_a_supervisor(
    page, login, supervisor, counselor, her
):
    client, case = her
    problems = watch_page(page)
    login(supervisor)
    for url in [
        "/",
        f"/cases/clients/{client.pk}/",
        f"/cases/{case.pk}/",
        "/cases/supervisor/caseload/",
        "/cases/supervisor/risks/",
        "/cases/closing/",
        "/cases/supervisor/break-glass/",
        f"/audit/access/?client={client.pk}&start=2000-01-01T00:00",
        "/audit/security-events/",
        "/privacy/erasure-requests/",
        f"/privacy/clients/{client.pk}/disclosure/",
        "/openings/",
        "/admin/",
        "/admin/audit/securityevent/",
        "/admin/audit/breakglassaccess/",
        "/admin/cases/client/",
        f"/admin/cases/client/{client.pk}/change/",
        "/admin/cases/client/?q=ゆき",
        f"/admin/accounts/user/{counselor.pk}/change/",
        "/admin/openings/openingexception/add/",
        "/admin/openings/openingrule/add/",
    ]:
        _visit(page, url, problems)

    # The admin's own scripts run: a date widget's calendar opens (DateTimeShortcuts.js).
    page.fill("#id_valid_from", "")
    page.locator("#id_valid_from ~ .datetimeshortcuts a").first.click()
    assert page.locator("#id_valid_from").input_value() != ""
    assert problems == []


def test_an_inline_script_is_refused_and_reported_by_the_browser(page, login, counselor):
    # The watch itself works: a script the policy does not allow is blocked and seen.
    problems = watch_page(page)
    login(counselor)
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            window.__ran = false;
            const script = document.createElement("script");
            script.textContent = "window.__ran = true";
            document.body.appendChild(script);
            setTimeout(() => resolve(window.__ran), 100);
        })"""
    )
    assert blocked is False
    assert any("script-src" in v for v in page.evaluate("window.__violations"))
    assert any("Content Security Policy" in p for p in problems)


def test_the_sign_in_steps_and_enrolment_work_under_the_policy(page, password):
    # A newcomer without an authenticator: password, then the enrolment page with its QR code.
    newcomer = UserFactory(username="newcomer", roles=[Role.COUNSELOR])
    problems = watch_page(page)
    _visit(page, "/accounts/login/", problems)
    page.get_by_label("ユーザー名").fill(newcomer.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/accounts/mfa/enrol/**")
    page.wait_for_load_state("load")
    assert page.locator("svg").first.is_visible()
    for violation in page.evaluate("window.__violations"):
        problems.append(f"enrolment: CSP violation {violation}")
    assert problems == []
