"""A walk of every URL pattern and every form, as a signed-in persona or anonymously, with
one field at a time made hostile. Used by `test_no_server_errors.py`.

How it works:

- URL patterns come from the resolver (every app's and the admin's). A path keyword is filled
  with a real object of the test's world and with an id that does not exist. The object's model
  comes from the pattern itself: the admin's `model_admin`, the view's `@logs_access` model, or
  the keyword / the route segment before it matched against model names (`flag_pk` ->
  RiskFlag, `cases/<pk>` -> Case; of several, the one in the view's app). A keyword nothing
  resolves is reported, naming the pattern.
- Every request runs in a savepoint that is rolled back, so the world is the same for every
  request and a refused submission can be compared with the rows as they were before it.
- Each page's `<form>`s are parsed (stdlib html.parser); a valid-looking submission is built
  from its fields, then one field at a time is replaced by a hostile value.
"""

from __future__ import annotations

import datetime
import itertools
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.admin import ModelAdmin
from django.db import connection, models, transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve

MISSING_ID = "987654321"
MISSING = object()  # a variant that leaves the field out of the submission

# --- URL patterns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    name: str  # "cases:case_detail"; the route itself when the pattern has no name
    route: str  # "cases/<int:pk>/", the joined route or regex
    callback: Callable[..., HttpResponse]
    kwargs: tuple[str, ...]


_KWARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


def url_patterns() -> list[Pattern]:
    """Every URL pattern of the project, admin included, in resolver order."""
    found: list[Pattern] = []

    def walk(entries: Iterable[Any], prefix: str, namespace: str | None) -> None:
        for entry in entries:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                name = _name(namespace, entry.name, entry.callback)
                kwargs = tuple(m.group("name") or m.group("rname") for m in _KWARG.finditer(route))
                found.append(Pattern(name, route, entry.callback, kwargs))

    walk(get_resolver().url_patterns, "", None)
    return found


def _name(namespace: str | None, name: str | None, callback: Callable) -> str:
    # Unnamed patterns (the admin's catch-all) are named after their view.
    name = name or f"<{getattr(callback, '__name__', 'view')}>"
    return f"{namespace}:{name}" if namespace else name


def fill_route(route: str, values: dict[str, object]) -> str:
    def value(match: re.Match) -> str:
        return str(values[match.group("name") or match.group("rname")])

    return "/" + _KWARG.sub(value, route).replace("^", "").replace("$", "")


def pattern_of(path: str) -> str | None:
    """The name `url_patterns()` gives the pattern that serves `path`, or None."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return _name(match.namespace or None, match.url_name, match.func)


# --- which model a path keyword names -------------------------------------------------------


def our_models(include_auto_created: bool = False) -> list[type[models.Model]]:
    """Models of this project's apps (not of installed packages)."""
    base = str(settings.BASE_DIR)
    return [
        model
        for model in apps.get_models(include_auto_created=include_auto_created)
        if model._meta.app_config.path.startswith(base)
        and "site-packages" not in model._meta.app_config.path
    ]


def _is_history(model: type[models.Model]) -> bool:
    import pghistory.models

    return issubclass(model, pghistory.models.Event)


def _model_admin(callback: Callable) -> ModelAdmin | None:
    for function in _unwrapped(callback):
        admin = getattr(function, "model_admin", None) or getattr(function, "__self__", None)
        if isinstance(admin, ModelAdmin):
            return admin
    return None


def _unwrapped(callback: Callable) -> Iterator[Callable]:
    function: Any = callback
    for _ in range(20):
        yield function
        function = getattr(function, "__wrapped__", None) or getattr(function, "view_class", None)
        if function is None:
            return


def _stem(word: str) -> str:
    word = re.sub(r"(_pk|_id)$", "", word.lower()).replace("-", "").replace("_", "")
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def kwarg_model(pattern: Pattern, kwarg: str) -> type[models.Model] | None:
    """The model whose primary key `kwarg` carries, read from the pattern (see module doc)."""
    admin = _model_admin(pattern.callback)
    if admin is not None and kwarg in {"object_id", "id", "pk"}:
        return admin.model
    stems = []
    if kwarg not in {"pk", "id", "object_id"}:
        stems.append(_stem(kwarg))
    # The literal segment just before the keyword: "clients/<int:pk>" names a client.
    before = pattern.route.split(f"<int:{kwarg}>")[0].split(f"<{kwarg}>")[0].rstrip("/")
    if before:
        stems.append(_stem(before.rsplit("/", 1)[-1]))
    candidates = [m for m in our_models() if not _is_history(m)]
    for stem in stems:
        for exact in (True, False):
            matches = [
                m
                for m in candidates
                if (m._meta.model_name == stem if exact else m._meta.model_name.endswith(stem))
            ]
            if len(matches) > 1:
                # `request_pk` on a cases page is the cases app's request, not privacy's.
                app = pattern.callback.__module__.split(".", 1)[0]
                matches = [m for m in matches if m._meta.app_label == app]
            if len(matches) == 1:
                return matches[0]
    if kwarg == "pk":
        for function in _unwrapped(pattern.callback):
            # The model the view declares it shows (audit.decorators.logs_access), when its
            # id is the view's `pk`.
            spec = getattr(function, "access_log", None)
            if spec is not None and spec.id_kwarg == "pk" and "." in spec.object_type:
                try:
                    return apps.get_model(spec.object_type)
                except LookupError:
                    pass
    return None


def coherent(objects: dict[str, models.Model]) -> bool:
    """No object points (by a foreign key) at another object of the same model than the one
    chosen for another keyword: a flag must be one of the chosen client's flags."""
    for one, other in itertools.permutations(objects.values(), 2):
        for model_field in one._meta.concrete_fields:
            if model_field.is_relation and model_field.related_model is type(other):
                if getattr(one, model_field.attname) != other.pk:
                    return False
    return True


# --- HTML forms -----------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text textarea email tel number date datetime-local time password hidden
    #            choice checkbox button file
    value: str = ""
    options: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)
    multiple: bool = False
    maxlength: int | None = None
    minimum: str = ""


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)

    def add(self, new: Field) -> None:
        existing = self.fields.get(new.name)
        if existing is None:
            self.fields[new.name] = new
            return
        # Radios, checkbox groups and several submit buttons share a name: one choice field.
        existing.options += new.options
        existing.selected += new.selected
        if new.kind == "checkbox" or existing.kind == "checkbox":
            existing.multiple = True
        if existing.kind in {"checkbox", "button"} and new.kind != existing.kind:
            existing.kind = "choice"


# Admin widgets are text inputs that want a date or a time.
_CLASS_KINDS = {"vDateField": "date", "vTimeField": "time", "vIntegerField": "number"}


class PageParser(HTMLParser):
    """Forms (with their fields) and link targets of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: dict[str, str | None] | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "disabled" in a:
            return
        name = a.get("name", "")
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            for css, hinted in _CLASS_KINDS.items():
                if kind == "text" and css in a.get("class", "").split():
                    kind = hinted
            value = a.get("value", "")
            if kind in {"radio", "checkbox"}:
                checked = [value or "on"] if "checked" in a else []
                form.add(
                    Field(
                        name,
                        "choice" if kind == "radio" else "checkbox",
                        options=[value or "on"],
                        selected=checked,
                    )
                )
            elif kind in {"submit", "image"}:
                form.add(Field(name, "button", options=[value], selected=[]))
            elif kind not in {"reset"}:
                form.add(Field(name, kind, value, maxlength=maxlength, minimum=a.get("min", "")))
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            form.add(Field(name, "button", options=[a.get("value", "")]))
        elif tag == "select" and name:
            self._select = Field(name, "choice", multiple="multiple" in a)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._option_text = ""
        elif tag == "textarea" and name:
            self._textarea = Field(name, "textarea", maxlength=maxlength)

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            value = self._option["value"]
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if self._option["selected"]:
                self._select.selected.append(value)
        self._option = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._close_option()
        elif tag == "select" and self._select is not None:
            self._close_option()
            if self._form is not None:
                self._form.add(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            if self._form is not None:
                self._textarea.value = self._textarea.value.removeprefix("\n")
                self._form.add(self._textarea)
            self._textarea = None
        elif tag == "form":
            self._form = None


def parse_page(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


# --- values: valid-looking and hostile --------------------------------------------------------

Values = dict[str, list[str]]


def valid_values(form: Form, *, past: bool, login: tuple[str, str] = ("", "")) -> Values:
    """A submission a person might make: prefilled values kept, empty fields given a sensible
    value of their type, checkboxes ticked, the first submit button pressed. `past` puts empty
    dates before today (a first contact) instead of after it (a due time); the n-th empty date
    or time of a form is n days or hours after the one before (a start, then an end). `login`
    (username, password) fills a sign-in or the current-password field."""
    today = datetime.date.today()
    start = today - datetime.timedelta(days=10) if past else today + datetime.timedelta(days=1)
    data: Values = {}
    nth: dict[str, int] = defaultdict(int)
    pressed = False
    for f in form.fields.values():
        if f.kind == "file":
            continue
        if f.kind == "button":
            if not pressed and f.options:
                data[f.name] = f.options[:1]
                pressed = True
            continue
        if f.kind in {"choice", "checkbox"}:
            chosen = [s for s in f.selected if s != ""]
            real = [option for option in f.options if option != ""]
            data[f.name] = chosen or real[:1] or f.options[:1]
            continue
        if f.value and f.kind != "password":
            data[f.name] = [f.value]
            continue
        n = nth[f.kind]
        nth[f.kind] += 1
        day = (start + datetime.timedelta(days=n)).isoformat()
        kind = f.kind
        if kind == "text" and re.search(r"phone|tel", f.name):
            kind = "tel"
        if f.name == "username" and login[0]:
            data[f.name] = [login[0]]
            continue
        if kind == "password" and re.fullmatch(r"(old_|current_)?password", f.name) and login[1]:
            data[f.name] = [login[1]]
            continue
        data[f.name] = [
            {
                "hidden": "",
                "textarea": "歩いて確かめる記録です",
                "email": "walk@example.org",
                "tel": "0612345678",
                "number": f.minimum or "1",
                "date": day,
                "datetime-local": f"{day}T{10 + n:02d}:00",
                "time": f"{10 + n:02d}:00",
                "password": "walk-Pass-2024-x",
                "url": "https://example.org/",
            }.get(kind, "テスト"[: f.maxlength or 3])
        ]
    return data


FULL_WIDTH = str.maketrans("0123456789:-", "０１２３４５６７８９：－")
LONG_TEXT = 100_000
ONE_MB = 1_000_000


def hostile_values(f: Field, cap: int) -> list[tuple[str, object]]:
    """(value class, value) pairs for one field, at most `cap` of them."""
    long_value = "あ" * (10 * f.maxlength if f.maxlength else LONG_TEXT)
    by_kind: dict[str, list[tuple[str, object]]] = {
        "textarea": [("1 MB text", "x" * ONE_MB), ("emoji", "相談🙂👩‍👧")],
        "text": [("too long", long_value), ("emoji", "🙂👩‍👧"), ("30 digits", "9" * 30)],
        "search": [("too long", long_value), ("emoji", "🙂")],
        "email": [("too long", "x" * 300 + "@example.org"), ("emoji", "🙂@example.org")],
        "url": [("too long", "https://example.org/" + "x" * 3000)],
        "password": [("too long", long_value), ("emoji", "🙂🙂🙂🙂🙂🙂🙂🙂")],
        "tel": [("30 digits", "9" * 30), ("too long", long_value), ("-1", "-1")],
        "number": [("-1", "-1"), ("30 digits", "9" * 30), ("not a number", "abc")],
        "date": [
            ("year 0001", "0001-01-01"),
            ("year 9999", "9999-12-31"),
            ("impossible date", "2022-02-30"),
            ("not a date", "abc"),
        ],
        "datetime-local": [
            ("year 0001", "0001-01-01T00:00"),
            ("year 9999", "9999-12-31T23:59"),
            ("impossible date-time", "2022-02-30T25:61"),
        ],
        "time": [("impossible time", "25:61"), ("not a time", "abc")],
        "hidden": [("not a number", "abc"), ("-1", "-1"), ("30 digits", "9" * 30)],
        "choice": [
            ("unknown choice", "no-such-choice"),
            ("not a number", "abc"),
            ("-1", "-1"),
            ("30 digits", "9" * 30),
        ],
    }
    by_kind["checkbox"] = by_kind["button"] = by_kind["choice"]
    variants = list(by_kind.get(f.kind, by_kind["text"]))
    if f.maxlength and f.kind not in {"choice", "checkbox", "button"}:
        # Exactly as long as the form allows: finds a column shorter than the form field.
        variants.insert(1, ("at maxlength", "9" * f.maxlength))
    if f.kind not in {"choice", "checkbox", "button", "hidden"}:
        sample = valid_values(Form("post", "", {f.name: f}), past=False).get(f.name, ["2022"])[0]
        full = sample.translate(FULL_WIDTH)
        variants.append(("full-width digits", full if full != sample else "２０２２"))
    variants.append(("missing", MISSING))
    # "missing" is always kept: a required field left out is the commonest refusal.
    return variants[: cap - 1] + [variants[-1]]


TOO_LONG_CLASSES = {"too long", "1 MB text"}

# Query values for parameters a page's links and GET forms use.
QUERY_VARIANTS = [
    ("30 digits", "9" * 30),
    ("-1", "-1"),
    ("not a number", "abc"),
    ("full-width digits", "２０２２"),
    ("emoji", "🙂"),
]
# One request per page with all of these at once (no NUL: see test_error_pages.py).
GARBAGE_QUERY = {
    "q": "ゆき' OR 1=1 --",
    "page": "-1",
    "month": "2022-13",
    "channel": "fax",
    "client": "abc",
    "case": "9" * 30,
    "consultation": "9" * 30,
    "merged": "-1",
    "status": "zzz",
    "priority": "high;drop",
    "tab": "queue",
    "kind": "<script>",
    "ward": "999999",
    "risk": "maybe",
    "counselor": "abc",
    "next": "https://evil.example/",
    "o": "9" * 30,
    "p": "-1",
    "all": "",
    "_facets": "True",
}


# --- security headers -------------------------------------------------------------------------

# What every response of ours carries (README "Headers and CSP"); HSTS only over HTTPS with
# production settings (tsunagari/tests/test_deploy_check.py).
REQUIRED_HEADERS = {
    "X-Frame-Options": {"DENY"},
    "X-Content-Type-Options": {"nosniff"},
    "Referrer-Policy": {"same-origin", "no-referrer"},
    "Cross-Origin-Opener-Policy": {"same-origin"},
}


def security_header_problems(response: HttpResponse) -> list[str]:
    """What is missing from a response's security headers (empty when all is well)."""
    problems = [
        f"{name}: {response.headers.get(name)!r}"
        for name, allowed in REQUIRED_HEADERS.items()
        if response.headers.get(name) not in allowed
    ]
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    for directive in ("script-src", "style-src"):
        sources = directives.get(directive, directives.get("default-src"))
        if sources is None or "'unsafe-inline'" in sources or "*" in sources:
            problems.append(f"Content-Security-Policy {directive}: {sources}")
    for directive in ("frame-ancestors", "object-src", "base-uri"):
        if directives.get(directive) != ["'none'"]:
            problems.append(f"Content-Security-Policy {directive}: {directives.get(directive)}")
    if "camera=()" not in response.headers.get("Permissions-Policy", ""):
        problems.append(f"Permissions-Policy: {response.headers.get('Permissions-Policy')!r}")
    if "no-store" not in response.headers.get("Cache-Control", ""):
        problems.append(f"Cache-Control: {response.headers.get('Cache-Control')!r}")
    return problems


# --- the walk ---------------------------------------------------------------------------------


@dataclass
class Failure:
    category: str
    pattern: str
    persona: str
    detail: str  # field and value class, or the query parameter
    error: str  # exception type and first line, or the status


def _error_of(response: HttpResponse | None, exc: BaseException | None) -> str:
    if exc is None and response is not None and getattr(response, "exc_info", None):
        exc = response.exc_info[1]
    if exc is None:
        return f"status {response.status_code if response is not None else '?'}"
    first = str(exc).strip().splitlines()[0][:110] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first}"


class RowSnapshot:
    """Count and checksum of every table of our apps, in one query. The access log is left
    out: a page re-rendered with errors is a view of personal data and is logged by design. So are
    the security events: a refused sign-in or MFA code is recorded by design (accounts.lockout)."""

    def __init__(self) -> None:
        existing = set(connection.introspection.table_names())
        tables = sorted(
            {
                m._meta.db_table
                for m in our_models(include_auto_created=True)
                if m._meta.label not in {"audit.AccessLog", "audit.SecurityEvent"}
            }
            & existing
        )
        self.sql = " UNION ALL ".join(
            # An order-free checksum of every row: catches an UPDATE as well as an INSERT.
            f"SELECT '{t}', count(*), coalesce(sum(hashtextextended(r::text, 0)), 0)::text"
            f' FROM "{t}" r'
            for t in tables
        )

    def take(self) -> dict[str, tuple[int, str]]:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}


@dataclass
class Persona:
    """One signed-in user (or anonymous) walking: her client and what the walk knows of her."""

    name: str
    http: HttpClient
    role: str  # personas of one role share the hostile variants of a form
    has_role: bool
    login: tuple[str, str]  # (username, password) for sign-in and password forms
    relogin: Callable[[], None] | None = None
    baseline: dict[str, tuple[int, str]] = field(default_factory=dict)
    session: str = ""


LOGIN_PATTERNS = {"accounts:login", "admin:login"}


@dataclass
class Walk:
    patterns: dict[str, Pattern]
    skipped: set[str]  # forms and links that lead to these are left alone
    max_variants: int = 6
    max_link_pages: int = 2
    max_query_params: int = 8
    requests: int = 0
    requests_by_persona: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[Failure] = field(default_factory=list)
    # pattern name -> statuses seen for URLs built with real objects, by personas with a role
    reached: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    refused_base: set[str] = field(default_factory=set)
    started: float = field(default_factory=time.monotonic)
    _fuzzed: set[tuple] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.snapshot = RowSnapshot()

    # --- one request, rolled back ---

    def _fail(self, category: str, pattern: str, who: Persona, detail: str, error: str) -> None:
        self.failures.append(Failure(category, pattern, who.name, detail, error))

    def _send(
        self,
        who: Persona,
        method: str,
        url: str,
        data: Values | dict | None = None,
        *,
        detail: str,
        reach: bool,
        page: str | None = None,
        too_long: bool = False,
        check_rows: bool = True,
    ) -> tuple[int, str | None]:
        """Send one request in a savepoint that is rolled back and record what went wrong.
        Returns the status and, for a 200 HTML page, its text."""
        path = urlsplit(url).path
        name = pattern_of(path) or path
        status, html = 0, None
        with transaction.atomic():
            response: HttpResponse | None = None
            exc: BaseException | None = None
            self.requests += 1
            self.requests_by_persona[who.name] += 1
            try:
                send = who.http.get if method == "get" else who.http.post
                response = send(url, data or {})
                status = response.status_code
            except Exception as raised:  # the error page itself failed
                exc, status = raised, 599
            if reach:
                self.reached[name].add(status)
            if response is not None:
                for problem in security_header_problems(response):
                    self._fail("security header missing", name, who, detail, problem)
            self._last_location = response.headers.get("Location", "") if response else ""
            if status >= 500:
                self._fail("5xx", name, who, detail, _error_of(response, exc))
            elif method == "post" and check_rows:
                self._check_post(who, response, name, detail, page, too_long)
            elif status == 200 and "html" in response.headers.get("Content-Type", ""):
                html = response.content.decode()
            transaction.set_rollback(True)
        self._keep_signed_in(who)
        return status, html

    def _keep_signed_in(self, who: Persona) -> None:
        # A password change cycles the session key; the rollback then loses the new session.
        cookie = who.http.cookies.get(settings.SESSION_COOKIE_NAME)
        if who.relogin is not None and (cookie is None or cookie.value != who.session):
            who.relogin()
            who.session = who.http.cookies[settings.SESSION_COOKIE_NAME].value
            who.baseline = self.snapshot.take()

    def _check_post(
        self,
        who: Persona,
        response: HttpResponse,
        name: str,
        detail: str,
        page: str | None,
        too_long: bool,
    ) -> None:
        location = response.headers.get("Location", "")
        to_login = pattern_of(urlsplit(location).path) in LOGIN_PATTERNS
        if response.status_code in (301, 302, 303) and not to_login:
            if too_long:
                self._fail("oversize value accepted", name, who, detail, "redirect")
            # What was stored must still show: follow the redirect and reload the form's page.
            for url in dict.fromkeys([location, page or ""]):
                if not url or urlsplit(url).netloc:
                    continue
                self.requests += 1
                self.requests_by_persona[who.name] += 1
                try:
                    after = who.http.get(url)
                    status, exc = after.status_code, None
                except Exception as raised:
                    after, status, exc = None, 599, raised
                for problem in security_header_problems(after) if after is not None else []:
                    target = pattern_of(urlsplit(url).path) or url
                    self._fail("security header missing", target, who, detail, problem)
                if status >= 500:
                    target = pattern_of(urlsplit(url).path) or url
                    detail = f"{detail} (posted to {name})"
                    self._fail(
                        "5xx after an accepted submission",
                        target,
                        who,
                        detail,
                        _error_of(after, exc),
                    )
                    return
            return
        changed = sorted(t for t, row in self.snapshot.take().items() if who.baseline.get(t) != row)
        if changed:
            error = f"status {response.status_code}; changed: {', '.join(changed)}"
            self._fail("row written on refusal", name, who, detail, error)

    # --- a persona's walk ---

    def walk_persona(self, who: Persona, urls: list[tuple[str, bool]]) -> None:
        if who.relogin is not None:
            who.session = who.http.cookies[settings.SESSION_COOKIE_NAME].value
        who.baseline = self.snapshot.take()
        link_pages: dict[str, int] = defaultdict(int)
        visited: set[str] = set()
        queue = [(url, real, False) for url, real in urls]
        while queue:
            url, real, from_link = queue.pop(0)
            if url in visited:
                continue
            visited.add(url)
            reach = real and who.has_role
            status, html = self._send(who, "get", url, detail="GET", reach=reach)
            if not from_link and not self._to_login(who):
                self._send(who, "post", url, {}, detail="empty POST", reach=reach)
            if html is None:
                continue
            if not from_link:
                self._send(
                    who, "get", url, GARBAGE_QUERY, detail="GET with garbage query", reach=False
                )
            parsed = parse_page(html)
            for link in parsed.links:
                target = self._internal(link, url)
                if target is None or "?" not in target or target in visited:
                    continue
                key = pattern_of(urlsplit(target).path) or target
                if link_pages[key] < self.max_link_pages:
                    link_pages[key] += 1
                    queue.append((target, True, True))
            self._fuzz_page(who, url, parsed)

    def _to_login(self, who: Persona) -> bool:
        # Sent to sign in: the view did not run, so an empty POST would meet the same wall.
        location = getattr(self, "_last_location", "")
        return pattern_of(urlsplit(location).path) in LOGIN_PATTERNS if location else False

    def _internal(self, href: str, page: str) -> str | None:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith(("#", "javascript:", "mailto:")):
            return None
        path = parts.path or urlsplit(page).path
        if not path.startswith("/"):
            path = urlsplit(page).path.rsplit("/", 1)[0] + "/" + path
        name = pattern_of(path)
        if path.startswith(settings.STATIC_URL) or name is None or name in self.skipped:
            return None
        return path + (f"?{parts.query}" if parts.query else "")

    def _fuzz_page(self, who: Persona, url: str, parsed: PageParser) -> None:
        for form in parsed.forms:
            target = self._internal(form.action, url) if form.action else url
            if target is None:
                continue
            if form.method == "post":
                self._fuzz_post(who, url, target, form)
            else:
                self._fuzz_query(who, target, form)
        # Query parameters of the page's own links (filters, date hierarchy, paging).
        params: dict[str, dict[str, str]] = defaultdict(dict)
        for link in parsed.links:
            target = self._internal(link, url)
            if target and "?" in target:
                path, query = target.split("?", 1)
                params[path].update(parse_qsl(query, keep_blank_values=True))
        for path, values in params.items():
            fields = {k: Field(k, "text", v) for k, v in values.items()}
            self._fuzz_query(who, path, Form("get", path, fields))

    def _first_time(self, *key: object) -> bool:
        if key in self._fuzzed:
            return False
        self._fuzzed.add(key)
        return True

    def _fuzz_post(self, who: Persona, page: str, target: str, form: Form) -> None:
        name = pattern_of(urlsplit(target).path) or target
        fields = tuple(sorted(form.fields))
        # Every persona submits every form it is shown once, valid-looking...
        if not self._first_time("valid", who.name, name, fields):
            return
        base: Values | None = None
        for past in (False, True):
            candidate = valid_values(form, past=past, login=who.login)
            detail = f"valid-looking ({'past' if past else 'future'} dates)"
            status, _ = self._send(
                who, "post", target, candidate, detail=detail, reach=who.has_role, page=page
            )
            if base is None or status in (301, 302, 303):
                base = candidate
            if status in (301, 302, 303):
                break
        else:
            self.refused_base.add(f"{name} as {who.name}")
        assert base is not None
        # ...and the hostile variants of a form run once per role.
        if not self._first_time("hostile", who.role, name, fields):
            return
        pressed = [f.name for f in form.fields.values() if f.kind == "button" and f.name in base]
        for f in form.fields.values():
            if f.name == "csrfmiddlewaretoken" or f.kind == "file":
                continue
            if f.kind == "button" and f.name not in pressed:
                continue
            for value_class, value in hostile_values(f, self.max_variants):
                data = dict(base)
                if value is MISSING:
                    data.pop(f.name, None)
                else:
                    data[f.name] = [str(value)]
                self._send(
                    who, "post", target, data, detail=f"{f.name}: {value_class}",
                    reach=who.has_role, page=page, too_long=value_class in TOO_LONG_CLASSES,
                )  # fmt: skip

    def _fuzz_query(self, who: Persona, target: str, form: Form) -> None:
        path = urlsplit(target).path
        name = pattern_of(path) or path
        base = valid_values(form, past=True)
        fresh = [
            f
            for f in form.fields.values()
            if f.kind not in {"button", "file"}
            and self._first_time("query", who.role, name, f.name)
        ]
        for f in fresh[: self.max_query_params]:
            for value_class, value in QUERY_VARIANTS:
                query = urlencode({**base, f.name: [value]}, doseq=True)
                self._send(
                    who, "get", f"{path}?{query}", detail=f"?{f.name}: {value_class}", reach=False
                )

    # --- the report ---

    def report(self) -> str:
        grouped: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
        for failure in self.failures:
            key = (failure.category, failure.pattern, failure.detail, failure.error)
            if failure.persona not in grouped[key]:
                grouped[key].append(failure.persona)
        lines: list[str] = []
        for category in sorted({key[0] for key in grouped}):
            keys = sorted(k for k in grouped if k[0] == category)
            lines.append(f"\n== {category} ({len(keys)} distinct)")
            for _, pattern, detail, error in keys:
                personas = ", ".join(grouped[(category, pattern, detail, error)])
                lines.append(f"  {pattern} [{personas}] {detail} -> {error}")
        return "\n".join(lines)

    def summary(self) -> str:
        seconds = time.monotonic() - self.started
        each = ", ".join(f"{name} {count}" for name, count in self.requests_by_persona.items())
        return (
            f"{self.requests} requests ({each}) in {seconds:.0f} s, {len(self.failures)} failures"
        )
