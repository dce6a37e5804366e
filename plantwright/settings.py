"""Plantwright settings: one module, configured by environment variables.

Environment:
  DATABASE_URL        default sqlite:///<repo>/var/plantwright.sqlite3 (PostgreSQL: postgres://user@host:5432/db)
  SECRET_KEY          default: generated once into var/secret_key (never committed)
  DEBUG               "1" to enable Django's debug mode (never in production)
  ALLOWED_HOSTS       comma separated, default "127.0.0.1,localhost"
  CSRF_TRUSTED_ORIGINS comma separated origins, e.g. "https://cmms.example.com"
  PLANTWRIGHT_VAR_DIR where SQLite, the secret key and collected static files live (default <repo>/var)
  TIME_ZONE           display time zone of the installation (default UTC); data is stored in UTC
  MQTT_URL            broker for downtime in / WO status out (default mqtt://127.0.0.1:1883; mqtts:// for TLS)
  MQTT_TOPIC_PREFIX   first topic level (default plantwright)
  DOWNTIME_INGEST_USER account the MQTT ingest acts as (default oee; needs the integration role)
  OUTBOX_LEASE_SECONDS how long a worker owns a claimed outbox message (default 60)
  PLANTWRIGHT_BASE_URL where ERPs reach this installation (default http://127.0.0.1:8000), sent as reply_to
  HTTPS               "1" behind TLS: secure cookies, SSL redirect, HSTS (HSTS_SECONDS, HSTS_INCLUDE_SUBDOMAINS,
                      HSTS_PRELOAD default on); `manage.py check --deploy` is clean with it
  LOGIN_FAILURE_LIMIT wrong passwords before a username+address is locked out (default 5)
  LOGIN_LOCKOUT_MINUTES how long the lock lasts (default 15); PROXY_COUNT reverse proxies in front (default 0)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PLANTWRIGHT_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # Generated once per installation so the embedded default is safe without configuration.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        try:  # created private, never readable by others for an instant; two first starts make one key
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w") as out:
                out.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DEBUG", "") == "1"
ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # serves Swagger UI from its own static files (no CDN)
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "plantwright",
    "plantwright.accounts",
    "plantwright.scheduling",
    "plantwright.assets",
    "plantwright.maintenance",
    "plantwright.inventory",
    "plantwright.outbox",
    "plantwright.procurement",
    "plantwright.erp",
    "plantwright.downtime",
    "plantwright.pm",
    "plantwright.reliability",
    "plantwright.portal",
    "plantwright.notifications",
]

MIDDLEWARE = [
    "plantwright.core.logs.RequestIdMiddleware",  # outermost: every line of the request carries its id
    "plantwright.metrics.RequestMetricsMiddleware",  # the whole answer is timed
    "plantwright.core.http.middleware.BodySizeMiddleware",  # before anything reads the body
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "plantwright.core.http.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "plantwright.accounts.idempotency.IdempotencyMiddleware",  # after sign-in: keys are per user
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "plantwright.accounts.middleware.SiteTimezoneMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "plantwright.core.http.middleware.ControlCharacterMiddleware",
    "plantwright.core.http.middleware.DomainErrorMiddleware",
    "plantwright.core.http.middleware.ApiErrorBodyMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "plantwright.urls"
WSGI_APPLICATION = "plantwright.wsgi.application"
ASGI_APPLICATION = "plantwright.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "plantwright.accounts.web.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'plantwright.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web and worker share the file: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front instead of failing on upgrade.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # A file, not memory, so that tests can start a worker process on the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-plantwright.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# Dates on pages follow the reader's language (templates use SHORT_DATE_FORMAT / SHORT_DATETIME_FORMAT).
FORMAT_MODULE_PATH = ["plantwright.formats"]
# The UI speaks the browser's language when it is one of these (the API stays English, with codes).
LANGUAGES = [("en", "English"), ("tr", "Türkçe"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "plantwright" / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
PLANTWRIGHT_BASE_URL = os.environ.get("PLANTWRIGHT_BASE_URL", "http://127.0.0.1:8000")
# The MQTT broker for downtime events in and WO status out; the prefix lets several installations
# (or test runs) share one broker.
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
# /readyz reports the broker; with 1 a broker outage also takes the web processes out of the balancer.
READYZ_REQUIRE_BROKER = os.environ.get("READYZ_REQUIRE_BROKER", "") == "1"
# Who may read /metrics: a bearer token, or an address of these networks (plantwright/metrics.py).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = _env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32,::1/128")
MQTT_TOPIC_PREFIX = os.environ.get("MQTT_TOPIC_PREFIX", "plantwright")
# The account the MQTT ingest acts as (give it the integration role at the sites it feeds).
# Addresses an administrator may point a connector at although they are private, loopback or
# link-local (CIDRs or host names, comma separated), e.g. the ERP on the plant network.
OUTBOUND_ALLOWED_NETWORKS = _env_list("OUTBOUND_ALLOWED_NETWORKS", "")
DOWNTIME_INGEST_USER = os.environ.get("DOWNTIME_INGEST_USER", "oee")
# Refused downtime events (and meter readings) kept per sender and hour; past it they are answered, not stored.
DOWNTIME_REFUSALS_PER_HOUR = int(os.environ.get("DOWNTIME_REFUSALS_PER_HOUR", "1000"))
# How long a worker owns a claimed outbox message; a killed worker's messages are taken over after it.
OUTBOX_LEASE_SECONDS = int(os.environ.get("OUTBOX_LEASE_SECONDS", "60"))
# KPI pages read the monthly aggregates as the worker last refreshed them (every 3 s) while that is
# less than this many seconds ago; older, a page refreshes them itself first. 0: every read is exact.
RELIABILITY_STALE_SECONDS = float(os.environ.get("RELIABILITY_STALE_SECONDS", "10"))
USE_I18N = True
USE_TZ = True

# Files Plantwright writes: export jobs' spreadsheets (served only through views that check the owner).
MEDIA_ROOT = Path(os.environ.get("PLANTWRIGHT_MEDIA_ROOT", VAR_DIR / "media"))
# Photos and documents on requests and WOs: the largest upload accepted.
ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1000 * 1000)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# The largest multipart body: the largest file accepted anywhere (attachments; asset imports take
# 2 MB) and room for the form's other fields. Larger bodies are refused before a byte is read.
REQUEST_MAX_UPLOAD_BYTES = max(ATTACHMENT_MAX_BYTES, 2_000_000) + 64 * 1024
# The request portal behind the QR labels: open to these networks only (the plant's), with limits.
PORTAL_NETWORKS = os.environ.get(
    "PORTAL_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
).split(",")
PORTAL_PER_ADDRESS_PER_HOUR = int(os.environ.get("PORTAL_PER_ADDRESS_PER_HOUR", "5"))
PORTAL_PER_ASSET_PER_HOUR = int(os.environ.get("PORTAL_PER_ASSET_PER_HOUR", "20"))
# E-mail: the console by default (printed by the worker); SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "1") == "1"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "plantwright@localhost")
# Finished exports are deleted after this many days.
EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS", "7"))
# Answers to requests sent with an Idempotency-Key are kept this long (a phone offline for a week
# still replays its queue exactly once).
IDEMPOTENCY_KEEP_DAYS = int(os.environ.get("IDEMPOTENCY_KEEP_DAYS", "14"))

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# API: large pages are refused rather than silently truncated.
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
NINJA_PAGINATION_CLASS = "plantwright.core.http.paging.BoundedPagination"

# Argon2id for new and changed passwords; older PBKDF2 hashes are upgraded at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend"]  # refuses a locked-out username+address first

# Sign-in with the company account (docs/sign-in.md). Local passwords can be switched off where every
# person signs in through the directory; API tokens work either way.
LOCAL_PASSWORDS = os.environ.get("LOCAL_PASSWORDS", "1") == "1"
if LOCAL_PASSWORDS:
    AUTHENTICATION_BACKENDS.append("django.contrib.auth.backends.ModelBackend")
# OpenID Connect: the issuer alone; its endpoints come from its discovery document.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_SCOPES", "openid email profile groups")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_SIGN_ALGO", "RS256")
OIDC_TOKEN_USE_BASIC_AUTH = os.environ.get("OIDC_TOKEN_AUTH", "basic") == "basic"  # else client_secret_post
OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "preferred_username")
OIDC_PROVIDER_LABEL = os.environ.get("OIDC_PROVIDER_LABEL", "")  # the button's words; empty: "company account"
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # ends the provider's session too at sign-out
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc-callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/"
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("plantwright.accounts.oidc.OidcBackend")
# LDAP / Active Directory: the directory's password on the same sign-in form.
LDAP_SERVER_URI = os.environ.get("LDAP_SERVER_URI", "")
if LDAP_SERVER_URI:
    from plantwright.accounts.ldap_settings import from_environment as _ldap_settings

    globals().update(_ldap_settings())
    AUTHENTICATION_BACKENDS.append("plantwright.accounts.ldap_backend.LdapBackend")
if not (LOCAL_PASSWORDS or OIDC_ISSUER or LDAP_SERVER_URI):
    raise ImproperlyConfigured("LOCAL_PASSWORDS=0 needs OIDC_ISSUER or LDAP_SERVER_URI: nobody could sign in.")
# Login throttling: 5 failures for one username from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Reverse proxies in front (X-Forwarded-For): one reading of the client's address for login
# throttling, the portal's network check and its rate limits (plantwright.core.http.client.client_address).
PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "plantwright.core.http.client.client_address"
AXES_VERBOSE = False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# Content-Security-Policy: scripts, styles, images and fonts only from our own origin (vendored files);
# no inline script or style anywhere in the UI, so nothing injected into a page can run.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Pico's form icons are data: SVGs
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        # Signing out of a company sign-in goes on to the provider's end-session page.
        "form-action": [SELF, *([_origin(OIDC_ISSUER)] if OIDC_ISSUER else [])],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if os.environ.get("HTTPS", "") == "1":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", "31536000"))
    # Off by env only if some subdomain is still served over plain HTTP.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("HSTS_INCLUDE_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("HSTS_PRELOAD", "1") == "1"

# LOG_FORMAT=json: one JSON object per line, each with the id of the request it belongs to
# (plantwright/core/logs.py); otherwise plain lines. The request lines are gunicorn's access log's
# twin, so they are on only in JSON (or with LOG_REQUESTS=1).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "plantwright.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "plantwright.core.logs.JsonFormatter"},
        "plain": {"format": "%(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # One line per connector request is noise; failures are logged by the outbox with the message id.
    "loggers": {
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "plantwright.requests": {
            "level": "INFO" if LOG_FORMAT == "json" or os.environ.get("LOG_REQUESTS") == "1" else "WARNING"
        },
    },
}
