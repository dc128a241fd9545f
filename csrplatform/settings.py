"""Settings, read from the environment.

Unset variables give the embedded mode: SQLite, Celery tasks run eagerly in-process, files on
local disk. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# The embedded mode (no DATABASE_URL) is for a first run on one machine: DEBUG is on unless
# DEBUG=0. With a real database DEBUG is off unless DEBUG=1, and SECRET_KEY must be set.
EMBEDDED = not os.environ.get("DATABASE_URL")
DEBUG = env_bool("DEBUG", EMBEDDED)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable to a long random "
            "string before starting in production mode (DEBUG off), or set DEBUG=1 for a local "
            "development run."
        )
    SECRET_KEY = "django-insecure-embedded-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_countries",
    "django_htmx",
    "simple_history",
    "csrplatform.apps.CoreConfig",
    "csrplatform.accounts",
    "csrplatform.reviews",
    "suppliers",
    "pilots",
    "audits",
    "metrics",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Uploads keep their names as sent, so a hostile one is refused rather than quietly
    # cleaned; it must come before CsrfViewMiddleware, which parses every POST body.
    "csrplatform.uploads.RawUploadNamesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A database that cannot be reached answers 503 with Retry-After, not a 500. It loads the
    # session's user itself (the next middleware's first query), so it sits just here.
    "csrplatform.unavailable.DatabaseUnavailableMiddleware",
    # The signed-in user's language preference, over the browser's (after LocaleMiddleware).
    "csrplatform.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change in the models' history.
    "simple_history.middleware.HistoryRequestMiddleware",
    # The product's 404 and 500 pages under DEBUG too (the demo), never Django's debug pages.
    "csrplatform.middleware.ProductErrorPagesMiddleware",
]
# TECHNICAL_ERROR_PAGES=1 shows Django's debug 404 and traceback pages again (DEBUG only).
TECHNICAL_ERROR_PAGES = env_bool("TECHNICAL_ERROR_PAGES", False)

ROOT_URLCONF = "csrplatform.urls"
WSGI_APPLICATION = "csrplatform.wsgi.application"
ASGI_APPLICATION = "csrplatform.asgi.application"

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
                "csrplatform.accounts.context_processors.access",
                "csrplatform.context_processors.inbox",
            ],
        },
    },
]

# Database: DATABASE_URL, or a SQLite file for the embedded mode.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# SQLite with several writers (web requests, eager Celery tasks, a second process): WAL lets
# readers carry on while one connection writes; a writer waits up to `timeout` seconds for the
# lock instead of failing with "database is locked"; and transactions take the write lock when
# they begin (IMMEDIATE), since one that reads first and writes later cannot wait for it.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        **SQLITE_OPTIONS,
        **DATABASES["default"].get("OPTIONS", {}),
    }
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

# Internationalisation: English first, Simplified Chinese because the seed programme ran in
# Shenzhen.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One display format for dates per language, used by every page, e-mail and report.
FORMAT_MODULE_PATH = ["csrplatform.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static and uploaded files.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded files are served only through access-checked views: no URL pattern serves MEDIA_URL.
MEDIA_URL = "/media/"
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "DEFAULT_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Served from the source folders until `collectstatic` has been run (embedded mode, tests).
WHITENOISE_USE_FINDERS = DEBUG or not STATIC_ROOT.exists()
WHITENOISE_AUTOREFRESH = WHITENOISE_USE_FINDERS

# Documents: the size limit of one upload (bytes); types are checked from the file's bytes.
DOCUMENT_MAX_UPLOAD_BYTES = int(os.environ.get("DOCUMENT_MAX_UPLOAD_MB", "25")) * 1024 * 1024
# Larger uploads are streamed to a temporary file instead of being held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Redis: Celery broker, result backend and cache when REDIS_URL is set.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A broker that is down must not hold a web request: connecting gives up after a few seconds
# and a command on a dead connection after ten (without them a publish can wait for ever).
# Those who publish from a request catch the error and leave the work for a sweep.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 3, "socket_timeout": 10}
# Celery beat: e-mail the owners of corrective actions due within a week or overdue, daily;
# send again, every minute, the reports no worker has (the broker was down, a worker died).
CELERY_BEAT_SCHEDULE = {
    "send-action-reminders": {
        "task": "audits.tasks.send_action_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "sweep-reports": {
        "task": "reports.tasks.sweep_reports",
        "schedule": 60.0,
    },
}

# PDF reports: a render is stopped (and recorded as failed) after the soft limit, its worker
# process killed after the hard one; transient errors are retried with backoff.
REPORT_SOFT_TIME_LIMIT = int(os.environ.get("REPORT_SOFT_TIME_LIMIT", "300"))
REPORT_TIME_LIMIT = int(os.environ.get("REPORT_TIME_LIMIT", "360"))
REPORT_MAX_RETRIES = int(os.environ.get("REPORT_MAX_RETRIES", "5"))
# Processes that lay out a long programme summary's parts (reports.render; 0: every core, the
# default; 1: one process). benchmarks/pdfs.py measures both: on csr_bench's 401-page summary
# on 2 cores, 61 s in parts (the parent and its largest part peaked at 835 MB) against 92 s
# and 1.4 GB in one process. Each report renders its parts on every core: several reports
# rendered at once share the cores (and each part process holds Django and WeasyPrint).
REPORT_PDF_WORKERS = int(os.environ.get("REPORT_PDF_WORKERS", "0"))
# A render started this many seconds ago and not finished is taken to be abandoned (its worker
# died) and is sent again; it must exceed REPORT_TIME_LIMIT, which stops any live render.
REPORT_STALE_AFTER = int(os.environ.get("REPORT_STALE_AFTER", REPORT_TIME_LIMIT + 60))
# A pending report sent this many seconds ago and still not taken is sent again by the sweep.
REPORT_REDISPATCH_AFTER = int(os.environ.get("REPORT_REDISPATCH_AFTER", "300"))
# The queue of the render task (a worker with more memory may serve it alone).
REPORT_QUEUE = os.environ.get("REPORT_QUEUE", "celery")

# REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "csrplatform.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["csrplatform.accounts.permissions.IsAuthenticatedWithinToken"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "csrplatform.pagination.KeysetPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/minute"),
    },
    # JSON is the API's body format; the few operations that take a file add multipart.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "csrplatform.api.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "csrplatform.schema.ContractSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CSR capability-building platform API",
    "DESCRIPTION": (
        "Programmes, pilots, audits and metrics of supplier CSR capability building. "
        "Authenticate with `Authorization: Token <key>`; every list is scoped to what the "
        "token's user may see."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are grouped (tagged) and named by resource: `pilots_list`, not `api_v1_...`.
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SCHEMA_PATH_PREFIX_TRIM": False,
    # Choice sets get the names a client's author would give them (no `Status94cEnum`).
    "ENUM_NAME_OVERRIDES": {
        "ReviewStatusEnum": "csrplatform.reviews.models.ReviewStatus",
        "ReviewKindEnum": "csrplatform.reviews.models.ReviewKind",
        "RoleEnum": "csrplatform.accounts.models.Role",
        "OrganisationKindEnum": "suppliers.choices.OrganisationKind",
        "CivilSocietyTypeEnum": "suppliers.choices.CivilSocietyType",
        "MaturityStageEnum": "suppliers.choices.MaturityStage",
        "CommitmentLevelEnum": "suppliers.choices.CommitmentLevel",
        "PilotTypeEnum": "pilots.choices.PilotType",
        "ApproachEnum": "pilots.choices.Approach",
        "PilotStatusEnum": "pilots.choices.PilotStatus",
        "ParticipantRoleEnum": "pilots.choices.ParticipantRole",
        "InvitationStatusEnum": "pilots.choices.InvitationStatus",
        "PhaseStatusEnum": "pilots.choices.PhaseStatus",
        "AchievementEnum": "pilots.choices.Achievement",
        "DeliverableKindEnum": "pilots.choices.DeliverableKind",
        "ActivityKindEnum": "pilots.choices.ActivityKind",
        "ScopeChangeStatusEnum": "pilots.choices.ScopeChangeStatus",
        "DocumentKindEnum": "pilots.choices.DocumentKind",
        "VisibilityEnum": "pilots.choices.Visibility",
        "AuditKindEnum": "audits.choices.AuditKind",
        "AuditStatusEnum": "audits.choices.AuditStatus",
        "SeverityEnum": "audits.choices.Severity",
        "ActionStatusEnum": "audits.choices.ActionStatus",
        "ReportKindEnum": "reports.models.ReportKind",
        "ReportStatusEnum": "reports.models.ReportStatus",
        "ReportLanguageEnum": "reports.models.ReportLanguage",
    },
}

# E-mail: sent through SMTP once EMAIL_HOST names a server, else printed to the console (the
# embedded mode, a local try of docker-compose; `check --deploy` then says production needs
# a mail server). EMAIL_BACKEND names another backend.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if os.environ.get("EMAIL_HOST")
            else "django.core.mail.backends.console.EmailBackend",
        ),
    }
}
if MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    MAILERS["default"]["OPTIONS"] = {
        # `or`: docker-compose passes unset variables on as empty strings.
        "host": os.environ.get("EMAIL_HOST") or "localhost",
        "port": int(os.environ.get("EMAIL_PORT") or 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "use_ssl": env_bool("EMAIL_USE_SSL"),
        # A mail server that does not answer must not hold a request or a task for long.
        "timeout": int(os.environ.get("EMAIL_TIMEOUT") or 10),
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "csr-platform@example.org")

# Where people reach the platform, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Demo accounts share one password, printed by `make run`.
DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "demo-pass-2008")

# IATI activity files (pilots/iati.py). The IATI organisation identifiers known, as
# "organisation id=identifier" pairs ("12=XM-DAC-41302,7=GB-COH-01234567"); an organisation
# without one is named by its name alone, and a facilitator without one reports under
# IATI_REPORTING_ORG_REF, "{id}" replaced by its id: by default a placeholder that says so.
IATI_ORGANISATION_REFS = {
    int(pk): ref.strip()
    for pk, _sep, ref in (pair.partition("=") for pair in env_list("IATI_ORGANISATION_REFS"))
    if pk.strip().isdigit() and ref.strip()
}
IATI_REPORTING_ORG_REF = os.environ.get("IATI_REPORTING_ORG_REF", "XI-CSRPLATFORM-{id}")
# The DAC 5-digit sector of every programme; empty to leave the sector out.
IATI_SECTOR_CODE = os.environ.get("IATI_SECTOR_CODE", "16020")

# HTTPS. In production (DEBUG off) the site is taken to be served over HTTPS unless
# SECURE_COOKIES=0 says otherwise (production mode over plain HTTP: the bench, a local try of
# docker-compose): cookies only over HTTPS, HTTP redirected to HTTPS, and HSTS for a year.
# TLS usually ends at a reverse proxy, which must set X-Forwarded-Proto on every request
# (overwriting what a client sent); SECURE_PROXY_SSL_HEADER= (empty) when none does, or names
# the proxy's header. Each can be set apart: SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS (0: no
# HSTS), SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD.
HTTPS = not DEBUG and env_bool("SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
_proxy_ssl_header = os.environ.get("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if HTTPS else "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _proxy_ssl_header.strip().upper().replace("-", "_"), "https")
    if _proxy_ssl_header.strip()
    else None
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
