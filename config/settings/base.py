"""Settings shared by every environment, read from environment variables (django-environ)."""

from datetime import timedelta
from pathlib import Path

import environ
from django.templatetags.static import static

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our apps first: their templates override the admin theme's where they share a name.
    "accounts",
    "escalations",
    "reports",
    # The admin theme and its integrations go before the admin they restyle; the basic app
    # config leaves the admin site to ours (config.admin_site, itself an Unfold site).
    "unfold.apps.BasicAppConfig",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.inlines",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "config.apps.EscalationsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "django_q",
    "import_export",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# The benchmarks point this at benchmarks/bare_admin_urls.py, which adds a plain admin page.
ROOT_URLCONF = env.str("ROOT_URLCONF", default="config.urls")
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]


def database_config(url: str) -> dict:
    """Return a DATABASES entry for url, with WAL and IMMEDIATE transactions on SQLite."""
    config = environ.Env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
    else:
        config.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        config.setdefault("CONN_HEALTH_CHECKS", True)
    return config


DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": database_config(DATABASE_URL)}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# Login throttling (django-axes, first): after AXES_FAILURE_LIMIT wrong passwords for one
# username from one address, that pair is refused, even with the right password, for
# AXES_COOLOFF_HOURS (0: until an administrator unlocks it; see the operations guide).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(hours=env.float("AXES_COOLOFF_HOURS", default=1)) or None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # no banner on every command's output; failures and lockouts are still logged
# Behind a load balancer, the number of proxies in front of the web processes, so that the
# client's own address (X-Forwarded-For) is the one counted.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0) or None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Singapore")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
# Uploaded evidence and generated reports: private files. No URL serves MEDIA_ROOT, in any
# environment; they are read through permission-checked download views, as attachments.
MEDIA_URL = "media/"
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# Uploads: each evidence file at most EVIDENCE_MAX_UPLOAD_MB (checked by the service and the
# form, with a message naming the file); files above 2.5 MB stream to a temporary file rather
# than memory; the other fields of a form are limited to 2.5 MB; at most 20 files per request.
# The web server in front should refuse bodies much larger than the limit before Django reads
# them (e.g. nginx client_max_body_size).
EVIDENCE_MAX_UPLOAD_MB = env.int("EVIDENCE_MAX_UPLOAD_MB", default=25)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
SECURE_CONTENT_TYPE_NOSNIFF = True

# Email: console in development, SMTP from the environment in production.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="escalations@localhost")
# Seconds an SMTP server may take to answer (connect, each command); without it a server that
# accepts the connection and never answers would hold a delivery worker forever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)

# Audit trail: reverts from the history page would bypass the state machine.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Import is its own permission (import_case), not "add".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"

# Task queue: the ORM broker by default; Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "escalations",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 240,
    "retry": 300,
    "max_attempts": 3,
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "label": "Task queue",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# Imports: the most a tracker file may hold, checked before a workbook is loaded (an .xlsx
# sheet's real extent is read from its cells first), each refusal naming its setting.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=200)
IMPORT_MAX_SHEET_CELLS = env.int("IMPORT_MAX_SHEET_CELLS", default=10_000_000)
IMPORT_MAX_UNPACKED_MB = env.int("IMPORT_MAX_UNPACKED_MB", default=1024)

# The health check (/health/) is unhealthy when the last SLA sweep or delivery run finished
# longer ago than this many seconds (both are scheduled every minute), or when a notification
# has waited longer than HEALTH_OUTBOX_MAX_AGE seconds to be sent.
HEALTH_SWEEP_MAX_AGE = env.int("HEALTH_SWEEP_MAX_AGE", default=180)
HEALTH_DELIVERY_MAX_AGE = env.int("HEALTH_DELIVERY_MAX_AGE", default=180)
HEALTH_OUTBOX_MAX_AGE = env.int("HEALTH_OUTBOX_MAX_AGE", default=300)

# Notifications: links in messages, delivery retries and timeouts.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
NOTIFICATION_BACKOFF_SECONDS = env.int("NOTIFICATION_BACKOFF_SECONDS", default=60)
NOTIFICATION_CLAIM_SECONDS = env.int("NOTIFICATION_CLAIM_SECONDS", default=300)
NOTIFICATION_HTTP_TIMEOUT = env.float("NOTIFICATION_HTTP_TIMEOUT", default=10.0)

# A monthly report still pending this many seconds after a worker started building it (or
# after it was asked for) is built again: its worker died or its task was lost. Longer than a
# task may run (Q_CLUSTER's timeout, 240 s).
REPORT_BUILD_STALE_SECONDS = env.int("REPORT_BUILD_STALE_SECONDS", default=600)

# Cases per changelist page; the count shown stops at this many rows.
CASE_LIST_COUNT_CAP = env.int("CASE_LIST_COUNT_CAP", default=10000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The admin theme (django-unfold): the sidebar and user menu live in config/navigation.py.
UNFOLD = {
    "SITE_TITLE": "Escalations",
    "SITE_HEADER": "Escalation back office",
    "SITE_SUBHEADER": "Cases, tiers and deadlines",
    "SITE_URL": None,  # the admin is the whole product: no "View site" link
    "SITE_SYMBOL": "stairs",
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_HISTORY": True,
    "BORDER_RADIUS": "6px",
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": False,
        "navigation": "config.navigation.sidebar",
    },
    "ACCOUNT": {"navigation": "config.navigation.account_links"},
    "STYLES": [lambda request: static("escalations/admin.css")],
}
