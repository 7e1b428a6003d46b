"""Tsunagari settings: one module, driven by environment variables.

Every variable is documented in `.env.example`. A bad or missing required value stops
start-up with ImproperlyConfigured naming the variable, never at first use.
"""

from __future__ import annotations

import datetime
from ipaddress import ip_network
from pathlib import Path
from urllib.parse import urlparse

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# The key `make run` and the tests use; refused whenever DEBUG is off.
DEVELOPMENT_SECRET_KEY = "dev-insecure-tsunagari-key-do-not-use-in-production"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _int(name: str, default: int) -> int:
    raw = env.str(name, default="").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def _url(name: str, schemes: set[str], default: str = "") -> str:
    value = env.str(name, default=default).strip()
    if not value:
        raise ImproperlyConfigured(f"Set the environment variable {name} (see .env.example).")
    scheme = urlparse(value).scheme
    if scheme not in schemes:
        raise ImproperlyConfigured(
            f"{name} must be a URL starting with one of {', '.join(sorted(schemes))}://"
        )
    return value


DEBUG = _bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="").strip()
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set the environment variable SECRET_KEY (see .env.example).")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the development key; set a secret of your own when DEBUG is off."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set the environment variable ALLOWED_HOSTS when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
for origin in CSRF_TRUSTED_ORIGINS:
    if urlparse(origin).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries must start with http:// or https://, not {origin!r}."
        )

INSTALLED_APPS = [
    "tsunagari.admin.TsunagariAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "pgtrigger",
    "pghistory",
    "tsunagari",
    "core",
    "accounts",
    "audit",
    "openings",
    "cases",
    "followups",
    "notifications",
    "referrals",
    "supplies",
    "activities",
    "privacy",
    "line",
    "agenda",
    "linecare",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Security headers sit above everything that can answer on its own (a refused NUL byte,
    # a CSRF failure, a lockout), so every response but a static file carries them.
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "tsunagari.middleware.SecurityHeadersMiddleware",
    "audit.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Japanese unless she chose otherwise (never the browser's Accept-Language).
    "accounts.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # After OTPMiddleware: an unverified session goes to the MFA step and nowhere else.
    "accounts.middleware.MFARequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "tsunagari.middleware.RejectNulBytesMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # A permission answer (`core.authz.Denied`) renders templates/404.html, DEBUG or not.
    "core.authz.DeniedPageMiddleware",
    "audit.middleware.AccessLogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, so that a session ended for idleness can say why on the login page.
    "accounts.middleware.SessionTimeoutMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the login into its answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tsunagari.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "notifications.context_processors.unread_count",
            ],
        },
    },
]

WSGI_APPLICATION = "tsunagari.wsgi.application"
ASGI_APPLICATION = "tsunagari.asgi.application"

DATABASE_URL = _url("DATABASE_URL", {"postgres", "postgresql", "pgsql"})
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["CONN_MAX_AGE"] = _int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# JIT compilation pays off for long analytical queries only; on our short page queries it
# costs more than it saves (bench/: the client list at 100x went from 800 ms to 240 ms).
DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# A unix-socket server is given as ?host=/path/to/socket-dir (see scripts/services.py).

REDIS_URL = _url("REDIS_URL", {"redis", "rediss", "redis+socket", "unix"})

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes counts failed logins before Django's own backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# --- Authentication: MFA and lockout (README "Signing in") --------------------------------
# Every staff account signs in with a password and then a TOTP code (or a backup code).
# MFA_REQUIRED=false only relaxes that on a developer's machine: enrolment is then offered
# but may be skipped. With DEBUG off it is refused.
MFA_REQUIRED = _bool("MFA_REQUIRED", default=True)
if not MFA_REQUIRED and not DEBUG:
    raise ImproperlyConfigured(
        "MFA_REQUIRED=false is allowed only on a developer's machine (DEBUG=true)."
    )
OTP_TOTP_ISSUER = "Tsunagari"
# After a wrong code django-otp refuses the next one for 1, 2, 4, ... seconds.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
MFA_BACKUP_CODE_COUNT = 10

# Lockout (django-axes): 6 failures for one username from one address lock that pair for
# 30 minutes (Primero's rule); a wrong MFA code counts as a failure too. A successful sign-in
# forgets the pair's failures. Failures during a lockout restart the 30 minutes.
AXES_FAILURE_LIMIT = 6
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# The same address as the access log's: never a client-supplied X-Forwarded-For, which would
# let an attacker pick a fresh address for every guess.
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
# Neither the password nor an MFA code is kept in axes' own rows.
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# The failures are our security events (audit.SecurityEvent); axes' own log would only repeat
# them. Its per-login access log is not needed either (accounts.UserSession).
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True
# Supervisors unlock from the staff list (accounts admin); axes' own admin pages are not shown.
AXES_ENABLE_ADMIN = False

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Japanese first; English complete. Users pick their own language (accounts.User.language).
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["tsunagari.formats"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_URL = env.str("EMAIL_URL", default="consolemail://" if DEBUG else "").strip()
if not EMAIL_URL:
    raise ImproperlyConfigured("Set the environment variable EMAIL_URL when DEBUG is off.")
try:
    vars().update(env.email_url_config(EMAIL_URL))
except Exception:  # django-environ raises bare errors for unknown schemes
    raise ImproperlyConfigured(
        "EMAIL_URL must be smtp://, smtps://, consolemail://, filemail:// or memorymail://"
    ) from None
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tsunagari@localhost")

SESSION_COOKIE_HTTPONLY = True

# --- Sessions and messages (accounts/sessions.py; README "Sessions") -----------------------
# Signed out after SESSION_IDLE_MINUTES without activity (a warning comes first) and
# SESSION_ABSOLUTE_HOURS after signing in, whatever the activity; both are decided on the
# server by accounts.middleware.SessionTimeoutMiddleware.
SESSION_IDLE_MINUTES = _int("SESSION_IDLE_MINUTES", 30)
SESSION_ABSOLUTE_HOURS = _int("SESSION_ABSOLUTE_HOURS", 10)
if SESSION_IDLE_MINUTES < 1 or SESSION_ABSOLUTE_HOURS < 1:
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES and SESSION_ABSOLUTE_HOURS must be at least 1."
    )
if SESSION_IDLE_MINUTES > SESSION_ABSOLUTE_HOURS * 60:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES cannot exceed SESSION_ABSOLUTE_HOURS.")
# The cookie dies with the browser; the stored session never outlives the absolute limit.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_HOURS * 60 * 60
# Flash messages can name a client ("ゆき was registered"): keep them in the server-side
# session, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Security headers and cookies (README "Headers and CSP") ------------------------------
# The documented deployment is a TLS-terminating reverse proxy (nginx or any other) in front
# of gunicorn. BEHIND_TLS_PROXY=true says so: the proxy's X-Forwarded-Proto then tells Django
# that the browser's request was HTTPS. Only set it when the proxy overwrites that header and
# gunicorn cannot be reached except through it, or a client could claim HTTPS itself.
BEHIND_TLS_PROXY = _bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    # Plain HTTP only ever answers with a redirect to HTTPS, except the health check, which
    # the container runtime asks over plain HTTP from inside (docker-compose.yml).
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    # One year, subdomains included. `preload` only allows the site's domain to be submitted
    # to the browsers' preload list (hstspreload.org), which is done for a whole registrable
    # domain by its owner; the directive alone changes nothing.
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # __Host-: the browser keeps the cookie only if it is Secure, for path / and this host
    # alone (no Domain), so a sibling subdomain cannot set or overwrite it.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_NAME = "__Host-language"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
# Lax, not Strict: a link from a notification e-mail must arrive signed in. Every change is a
# POST, which Lax never sends from another site, and is CSRF-checked as well.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Strict CSP (django-csp): no inline script or style at all. A template loads its script with
# <script src="{% static 'js/name.js' %}" nonce="{{ request.csp_nonce }}" defer></script> and
# styles with classes from static/css/tsunagari.css; no style="" and no on*="" attributes
# (tsunagari/tests/test_security_headers.py greps every template). The nonce is added to the
# header of the pages that use it. Django's admin needs nothing more (browser-tested).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # Bootstrap draws its select arrows and toggler icons as data: SVG.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Change history (django-pghistory): event rows are evidence, so the database refuses to
# update or delete them, like the access log.
PGHISTORY_APPEND_ONLY = True

# Audit: the reverse proxies whose X-Request-ID and X-Forwarded-For we believe (addresses or
# networks, comma-separated). Empty: nobody's, so a client cannot choose the request id or the
# IP address its access-log rows carry (audit.services.client_ip, audit.middleware).
TRUSTED_PROXY_IPS = env.list("TRUSTED_PROXY_IPS", default=[])
for _proxy in TRUSTED_PROXY_IPS:
    try:
        ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_IPS entries must be IP addresses or networks, not {_proxy!r}."
        ) from None

# Celery: the database is the source of truth; a lost message is only a delay.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker that loses Redis retries every 2, 4, ... up to 30 s. Celery's default gives up after
# 100 tries (about 45 minutes) and the worker exits; retry for as long as Redis is away instead
# (followups/tests/test_redis_restart.py restarts Redis under a running worker).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic work is registered by the apps that own the tasks (`core.registry.periodic_tasks`)
# and handed to beat when it starts (tsunagari/celery.py).

# LINE Messaging API (used by the LINE inbox).
LINE_CHANNEL_SECRET = env.str("LINE_CHANNEL_SECRET", default="")
LINE_CHANNEL_ACCESS_TOKEN = env.str("LINE_CHANNEL_ACCESS_TOKEN", default="")
LINE_API_BASE_URL = _url("LINE_API_BASE_URL", {"http", "https"}, default="https://api.line.me")
# LINE serves the content of images, videos, audio and files from a host of its own.
LINE_API_DATA_BASE_URL = _url(
    "LINE_API_DATA_BASE_URL", {"http", "https"}, default="https://api-data.line.me"
)
# How many LINE conversations a counselor may hold at once before she cannot claim another.
# The key that signs the survey's postback data (HMAC-SHA256); derived from SECRET_KEY when
# unset, so changing either invalidates the quick replies already sent.
LINE_SURVEY_SIGNING_KEY = env.str("LINE_SURVEY_SIGNING_KEY", default="").strip()
# A survey's quick replies are answered for this many hours after it was sent.
LINE_SURVEY_VALID_HOURS = env.int("LINE_SURVEY_VALID_HOURS", default=72)
if LINE_SURVEY_VALID_HOURS < 1:
    raise ImproperlyConfigured("LINE_SURVEY_VALID_HOURS must be 1 or more.")
LINE_COUNSELOR_CAP = env.int("LINE_COUNSELOR_CAP", default=3)
if LINE_COUNSELOR_CAP < 1:
    raise ImproperlyConfigured("LINE_COUNSELOR_CAP must be 1 or more.")
# Minutes an escalation may wait for a supervisor before every supervisor is alerted.
LINE_ESCALATION_OVERTIME_MINUTES = env.int("LINE_ESCALATION_OVERTIME_MINUTES", default=10)
# Minutes without a word from her, after our last message, before closing as "no reply" is offered.
LINE_NO_REPLY_MINUTES = env.int("LINE_NO_REPLY_MINUTES", default=30)
# Seconds between the inbox pages' refreshes.
LINE_INBOX_POLL_SECONDS = env.int("LINE_INBOX_POLL_SECONDS", default=5)
if min(LINE_ESCALATION_OVERTIME_MINUTES, LINE_NO_REPLY_MINUTES, LINE_INBOX_POLL_SECONDS) < 1:
    raise ImproperlyConfigured("The LINE inbox's minutes and seconds must be 1 or more.")

# Absolute links in e-mails (notifications) point here.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# The staff calendar's iCalendar feed covers this many days back and ahead of the day it is read.
CALENDAR_FEED_PAST_DAYS = env.int("CALENDAR_FEED_PAST_DAYS", default=31)
CALENDAR_FEED_FUTURE_DAYS = env.int("CALENDAR_FEED_FUTURE_DAYS", default=183)
if not 0 <= CALENDAR_FEED_PAST_DAYS <= 366 or not 1 <= CALENDAR_FEED_FUTURE_DAYS <= 731:
    raise ImproperlyConfigured(
        "CALENDAR_FEED_PAST_DAYS must be 0-366 and CALENDAR_FEED_FUTURE_DAYS 1-731."
    )


# --- Passkeys (django-otp-webauthn; README "Signing in") ----------------------------------
# A passkey is a second step like the TOTP code, never a way in without the password.
# WebAuthn ties a passkey to the relying party id (a domain name, never an IP address) and
# accepts it only from the origins listed, each on that domain or a subdomain, https except
# for localhost. Defaults: SITE_URL's host and origin; when SITE_URL names an IP address, the
# first host name of ALLOWED_HOSTS (https), else localhost (a developer's http://localhost).
def _is_host_name(host: str) -> bool:
    if not host or host.startswith(".") or "*" in host or ":" in host:
        return False
    return not host.replace(".", "").isdigit()


def _is_local(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _passkey_defaults(site_url: str, hosts: list[str]) -> tuple[str, str]:
    site = urlparse(site_url)
    host = (site.hostname or "").lower()
    if _is_host_name(host):
        scheme = site.scheme if site.scheme == "https" or _is_local(host) else "https"
        port = f":{site.port}" if site.port and scheme == site.scheme else ""
        return host, f"{scheme}://{host}{port}"
    named = next((h.lower() for h in hosts if _is_host_name(h) and not _is_local(h)), None)
    if named:
        return named, f"https://{named}"
    return "localhost", "http://localhost" + (f":{site.port}" if site.port else "")


_default_rp_id, _default_origin = _passkey_defaults(SITE_URL, ALLOWED_HOSTS)
OTP_WEBAUTHN_RP_ID = env.str("WEBAUTHN_RP_ID", default="").strip().lower() or _default_rp_id
if not _is_host_name(OTP_WEBAUTHN_RP_ID):
    raise ImproperlyConfigured(
        f"WEBAUTHN_RP_ID must be a host name such as tsunagari.example.org, not "
        f"{OTP_WEBAUTHN_RP_ID!r} (passkeys do not work on an IP address)."
    )
OTP_WEBAUTHN_RP_NAME = env.str("WEBAUTHN_RP_NAME", default="").strip() or "Tsunagari"
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    origin.strip().rstrip("/")
    for origin in env.list("WEBAUTHN_ORIGINS", default=[])
    if origin.strip()
] or [_default_origin]
for _origin in OTP_WEBAUTHN_ALLOWED_ORIGINS:
    _parts = urlparse(_origin)
    _host = (_parts.hostname or "").lower()
    if (
        _parts.scheme not in {"http", "https"}
        or _parts.path
        or _parts.query
        or not (_host == OTP_WEBAUTHN_RP_ID or _host.endswith("." + OTP_WEBAUTHN_RP_ID))
        or (_parts.scheme == "http" and not _is_local(_host))
    ):
        raise ImproperlyConfigured(
            f"WEBAUTHN_ORIGINS entries must be https:// origins (http:// only for localhost) "
            f"on {OTP_WEBAUTHN_RP_ID} or its subdomains, not {_origin!r}."
        )
# Never passwordless: the package's own sign-in without a password stays off.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# Names the new passkey with the name she typed (accounts.passkeys).
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"

# Follow-ups overdue beyond this many minutes escalate to supervisors.
FOLLOWUP_ESCALATE_AFTER_MINUTES = _int("FOLLOWUP_ESCALATE_AFTER_MINUTES", 24 * 60)

# Privacy: a client with no activity for this many years is anonymised by the daily retention
# job (privacy.tasks.retention_anonymise).
RETENTION_YEARS = _int("RETENTION_YEARS", 5)
if RETENTION_YEARS < 1:
    raise ImproperlyConfigured("RETENTION_YEARS must be at least 1.")

# A break-glass opening (a counselor reading a record outside her scope, with a reason) lasts
# this many minutes; then she must state a reason again.
BREAK_GLASS_MINUTES = _int("BREAK_GLASS_MINUTES", 60)
if not 1 <= BREAK_GLASS_MINUTES <= 8 * 60:
    raise ImproperlyConfigured("BREAK_GLASS_MINUTES must be between 1 and 480.")

# Referrals: days a referral may wait in `sent` before its sender is reminded.
REFERRAL_SENT_REMINDER_DAYS = _int("REFERRAL_SENT_REMINDER_DAYS", 7)
if not 1 <= REFERRAL_SENT_REMINDER_DAYS <= 90:
    raise ImproperlyConfigured("REFERRAL_SENT_REMINDER_DAYS must be between 1 and 90.")

# No personal data in logs (tsunagari/logs.py): request lines lose their query string (search
# terms are names and phone numbers), exceptions keep their type but not their message.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "strip_query": {"()": "tsunagari.logs.StripQueryString"},
        "exception_type_only": {"()": "tsunagari.logs.ExceptionTypeOnly"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["strip_query", "exception_type_only"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["strip_query", "exception_type_only"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # SQL parameters can carry personal data: never log them.
        "django.db.backends": {"level": "WARNING", "propagate": True},
        # Django's default also mails errors to ADMINS with the request's details: not here
        # (ADMINS stays empty), errors go to the console like everything else.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's request log: the filters sit on the logger, so every handler gets the
        # request line without its query string.
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["strip_query"],
            "level": "INFO",
            "propagate": False,
        },
    },
}
ADMINS: list[tuple[str, str]] = []
# Error reports (and the debug page on a developer's machine) hide every POST value and the
# settings and variables that look secret or personal.
DEFAULT_EXCEPTION_REPORTER_FILTER = "tsunagari.logs.NoRequestDataReporterFilter"
# The Celery worker logs through this LOGGING too (with its filters), not through handlers of
# its own that would print a failed task's exception message.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
