"""Settings, read from the environment.

Production needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (PostgreSQL). `make run`
sets DEBUG=1 and uses an embedded SQLite file when DATABASE_URL is unset.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.storages import default_storage_from_environ

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", default=False)
TESTING = env_bool("TESTING") or "pytest" in sys.modules

# Production is anything that is neither DEBUG (`make run`) nor the tests.
PRODUCTION = not (DEBUG or TESTING)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
PLACEHOLDER_SECRETS = {"change-me", "changeme", "secret", "insecure", "django-insecure"}
SECRET_KEY_MIN_LENGTH = 50


def secret_key_problem(key: str) -> str | None:
    """Why a SECRET_KEY must not be used in production (None if it may)."""
    lowered = key.strip().lower()
    if not lowered:
        return "Set SECRET_KEY (or DEBUG=1 for local development)."
    if any(word in lowered for word in PLACEHOLDER_SECRETS):
        return "SECRET_KEY is a placeholder: set a long random one."
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        return f"SECRET_KEY is too short: use at least {SECRET_KEY_MIN_LENGTH} random characters."
    return None


if PRODUCTION and (problem := secret_key_problem(SECRET_KEY)):
    raise ImproperlyConfigured(
        problem + " For example: python3 -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
if not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = [
    host.strip()
    for host in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if host.strip()
]
CSRF_TRUSTED_ORIGINS = [
    origin.strip()
    for origin in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",")
    if origin.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # full-text search of the action list (on PostgreSQL)
    "django_filters",
    "simple_history",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "reviews",
    "actionplans",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signs out a session idle for SESSION_IDLE_MINUTES or older than SESSION_MAX_HOURS.
    "actionplans.sessions.SessionLimitsMiddleware",
    # Pages for a signed-in user are never stored by a browser or proxy.
    "actionplans.middleware.NoStoreForSignedInMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Signed in with a password only: asks for the code (or to set it up) first.
    "actionplans.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Repeated failed sign-ins (django-axes, actionplans/signin.py): a username is locked
# from one address after AXES_FAILURE_LIMIT failures, and from every address after
# AXES_USERNAME_FAILURE_LIMIT, for AXES_COOLOFF_TIME hours after the latest failure.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_USERNAME_FAILURE_LIMIT = int(os.environ.get("AXES_USERNAME_FAILURE_LIMIT", "20"))
AXES_COOLOFF_TIME = int(os.environ.get("AXES_COOLOFF_HOURS", "1"))  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "actionplans.signin.SignInAttemptsHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# The client's address: REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies (load balancer,
# reverse proxy) in front of the app, the address the first of them saw, read from
# X-Forwarded-For (the N-th entry from the right). Never more than your real proxies.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "actionplans.signin.client_ip"

# Two-factor sign-in (django-otp, authenticator app + backup codes). These roles must
# use it; "staff" means staff and superusers. Others may turn it on for themselves.
# Default: managers and staff, except in DEBUG (the `make run` demo) and tests.
TWO_FACTOR_ROLES = [
    role.strip()
    for role in os.environ.get(
        "TWO_FACTOR_ROLES", "" if DEBUG or TESTING else "manager,staff"
    ).split(",")
    if role.strip()
]
OTP_TOTP_ISSUER = "Safeguarding action plans"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "actionplans.context_processors.navigation",
                "actionplans.context_processors.session_timing",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "actionplans:plan_list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Files the app keeps: MEDIA_ROOT on this machine, or with STORAGE_URL (or
# AWS_STORAGE_BUCKET_NAME) an S3-compatible object store that every server shares
# (config/storages.py says how). Downloads always go through the app's views.
STORAGES = {
    "default": default_storage_from_environ(os.environ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (development, tests) WhiteNoise serves from the finders.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Bad input loses nothing but is bounded: 10 MB uploads, 1,000 form fields.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Evidence files on actions and updates (actionplans/evidence): each at most this size,
# and a board's files together at most EVIDENCE_MAX_BOARD_BYTES. An Office file may
# declare at most EVIDENCE_MAX_UNCOMPRESSED_BYTES inside it (zip bombs are refused).
_MB = 1024 * 1024
EVIDENCE_MAX_FILE_BYTES = int(os.environ.get("EVIDENCE_MAX_FILE_MB", "20")) * _MB
EVIDENCE_MAX_BOARD_BYTES = int(os.environ.get("EVIDENCE_MAX_BOARD_MB", "5120")) * _MB
EVIDENCE_MAX_UNCOMPRESSED_BYTES = max(100 * _MB, 5 * EVIDENCE_MAX_FILE_BYTES)
EVIDENCE_FILES_PER_UPLOAD = 5
# A virus scan of every evidence file by a ClamAV daemon, when one is named: a Unix
# socket (CLAMAV_SOCKET=/run/clamav/clamd.ctl) or TCP (CLAMAV_HOST, CLAMAV_PORT 3310).
# Files wait as "being checked" until the worker's scan passes; without one, none waits.
CLAMAV_SOCKET = os.environ.get("CLAMAV_SOCKET", "").strip()
CLAMAV_HOST = os.environ.get("CLAMAV_HOST", "").strip()
CLAMAV_PORT = int(os.environ.get("CLAMAV_PORT", "3310"))
CLAMAV_TIMEOUT = int(os.environ.get("CLAMAV_TIMEOUT", "60"))

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Email the app sends (invitations, reminders, chasers, notices, digests, sign-up links).
# With EMAIL_HOST set, the worker sends them over SMTP; without it every message is kept
# in the outbox only (status "held") and nothing leaves the machine. (Django 6.1 reads
# mail servers from MAILERS; the EMAIL_* names are the environment's.)
_EMAIL_HOST = os.environ.get("EMAIL_HOST", "").strip()
OUTBOX_SENDS = bool(_EMAIL_HOST)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _EMAIL_HOST or "localhost",
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS"),
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "20")),  # a dead server fails
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Safeguarding action plans <actionplans@localhost>"
)
# Links in email are absolute: the address people reach the app at.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# `send_reminders` queues the day's reminders, chasers and digests from this hour on
# (local time), so an hourly cron sends nothing at midnight. `--on` ignores it.
REMINDERS_HOUR = int(os.environ.get("REMINDERS_HOUR", "7"))

# PDFs of more than this many actions are rendered by the worker (db_worker), not the request.
REPORT_INLINE_MAX_ACTIONS = int(os.environ.get("REPORT_INLINE_MAX_ACTIONS", "300"))
# Stored PDFs and cached pack parts are kept this many days (`manage.py prune_reports`).
REPORT_KEEP_DAYS = int(os.environ.get("REPORT_KEEP_DAYS", "90"))
REPORT_PART_CACHE_DAYS = int(os.environ.get("REPORT_PART_CACHE_DAYS", "120"))
# Cached pack parts live in the storage above (reports/parts/); each server also keeps
# the ones it read in this local folder, a read-through cache that may be thrown away.
REPORT_CACHE_DIR = os.environ.get("REPORT_CACHE_DIR") or None

# Security headers. Scripts and styles come only from our own static files.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A session ends after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS
# after signing in (actionplans/sessions.py); the cookie goes when the browser closes.
SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
SESSION_MAX_HOURS = int(os.environ.get("SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS only, in production: plain http is redirected, and browsers are told (HSTS) to
# use https for a year, subdomains included. Preloading is left to the domain's owner.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the container's health check speaks plain http
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if not SECURE_HSTS_PRELOAD:
    # Preloading binds the whole registered domain (a council's) into browsers for good:
    # a choice for whoever runs that domain, not a default of this app.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Only behind a proxy that sets X-Forwarded-Proto itself (and strips the client's):
# otherwise a client could claim https.
BEHIND_PROXY = env_bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
