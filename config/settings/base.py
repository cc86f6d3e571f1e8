"""Settings shared by every environment. Everything is read through ``env``."""

from __future__ import annotations

from config.settings import BASE_DIR, env

# GENERAL
# ------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
# Times shown with their zone, dates as ISO 8601 (config/formats/en).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# DATABASES
# ------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
# No SELECT 1 before each request's first query: a connection the database
# dropped fails that one request with a 503 that says to retry, and is
# replaced for the next; a round trip on every request costs more.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool(
    "CONN_HEALTH_CHECKS", default=False
)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# SQLite (the embedded run) serves readers and one writer at a time: WAL lets
# readers run beside the writer, and a write transaction takes the write lock
# when it begins (IMMEDIATE), so a busy database is waited for (``timeout``
# seconds) instead of failing at the first write of a transaction that read.
# https://docs.djangoproject.com/en/5.2/ref/databases/#sqlite-transaction-behavior
_sqlite = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if _sqlite:
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 60,
    }
# PostgreSQL session settings, sent at connect (libpq "options"). Pinned:
# synchronous_commit=on, so a number is acknowledged only once it and its
# sequence advance are on disk (README, Reliability), whatever the server's
# or role's default. The timeouts are empty (off) unless set; gunicorn.conf.py
# sets them for web processes, which must not wait on a lock or hold a
# transaction open for long; workers run long batches and keep them off.
# https://www.postgresql.org/docs/15/runtime-config-client.html
DATABASE_SESSION = {
    "synchronous_commit": "on",
    "statement_timeout": env("DATABASE_STATEMENT_TIMEOUT", default=""),
    "lock_timeout": env("DATABASE_LOCK_TIMEOUT", default=""),
    "idle_in_transaction_session_timeout": env(
        "DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", default=""
    ),
}
# Behind PgBouncer in transaction mode (DATABASE_PGBOUNCER=True) there are no
# server-side cursors, and PgBouncer refuses the "options" parameter: give it
# the same settings with its connect_query (see tests/helpers/pgbouncer.py).
DATABASE_PGBOUNCER = env.bool("DATABASE_PGBOUNCER", default=False)
DATABASE_OPTIONS = {
    "connect_timeout": env.int("DATABASE_CONNECT_TIMEOUT", default=5),
    **(
        {}
        if DATABASE_PGBOUNCER
        else {
            "options": " ".join(
                f"-c {name}={value}"
                for name, value in DATABASE_SESSION.items()
                if value
            )
        }
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = DATABASE_OPTIONS
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_PGBOUNCER

# CACHES
# ------------------------------------------------------------------------------
# REDIS_URL is used exactly as given, database index included. Throttle counts
# live in this cache, so a per-client limit holds across gunicorn workers.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# URLS
# ------------------------------------------------------------------------------
ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ADMIN_URL = env("DJANGO_ADMIN_URL", default="admin/")

# APPS
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.import_export",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "django_celery_beat",
    "axes",
    "tracking",
]

# AUTHENTICATION
# ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # https://django-axes.readthedocs.io/en/latest/2_installation.html
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
_VALIDATORS = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{_VALIDATORS}.UserAttributeSimilarityValidator"},
    {"NAME": f"{_VALIDATORS}.MinimumLengthValidator"},
    {"NAME": f"{_VALIDATORS}.CommonPasswordValidator"},
    {"NAME": f"{_VALIDATORS}.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Lock an account+IP out of the portal after repeated failed logins.
AXES_FAILURE_LIMIT = env.int("DJANGO_AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Behind a proxy: the header that carries the client's address and how many
# trusted proxies append to it (docs/operations.md). Unset: REMOTE_ADDR.
# axes asks django-ipware, which counts the proxies after the client: one
# balancer appends the client itself, so ipware's count is one less.
_CLIENT_IP_HEADER = env("DJANGO_CLIENT_IP_HEADER", default="")
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_" + _CLIENT_IP_HEADER.upper().replace("-", "_"), "REMOTE_ADDR")
    if _CLIENT_IP_HEADER
    else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_COUNT = (
    env.int("DJANGO_TRUSTED_PROXIES", default=1) - 1 if _CLIENT_IP_HEADER else None
)

# MIDDLEWARE
# ------------------------------------------------------------------------------
MIDDLEWARE = [
    "tracking.middleware.RequestContextMiddleware",
    "tracking.middleware.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# STATIC
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve from the finders when nothing was collected (runserver, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = env("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"

# TEMPLATES
# ------------------------------------------------------------------------------
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

# SECURITY
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# LOGGING
# ------------------------------------------------------------------------------
# One JSON object per line (DJANGO_LOG_FORMAT=plain for people at a
# terminal), with the request id, client, series, batch and Idempotency-Key
# of the request or task that logged it (tracking.log_context).
# https://nhairs.github.io/python-json-logger/
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "tracking.log_context.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("DJANGO_LOG_FORMAT", default="json"),
            "filters": ["context"],
        }
    },
    "root": {"level": env("DJANGO_LOG_LEVEL", default="INFO"), "handlers": ["console"]},
    # One line per request comes from tracking.requests; Django's own
    # 4xx/5xx warnings would repeat it.
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Optional error reporting: only with SENTRY_DSN set is sentry-sdk imported.
# https://docs.sentry.io/platforms/python/integrations/django/
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )

# OBSERVABILITY
# ------------------------------------------------------------------------------
# /metrics answers these networks (CIDR list) without a token; any other
# caller needs the token of an API client that administers series.
TRACKING_METRICS_ALLOWED_NETWORKS = env.list(
    "TRACKING_METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"]
)

# CELERY: config/settings/celery.py
from config.settings.celery import *  # noqa: E402, F403

CELERY_TIMEZONE = TIME_ZONE

# DJANGO REST FRAMEWORK
# ------------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracking.api.authentication.ApiClientTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["tracking.api.throttling.ApiClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["tracking.api.parsers.JsonParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tracking.api.exception_handlers.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tracking Number Generator API",
    "DESCRIPTION": (
        "Issues unique, check-digit-protected tracking numbers. Authenticate "
        "with `Authorization: Token <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # 3.1 is JSON Schema 2020-12: rules that depend on another field (a
    # series' scheme) and recursive ones (metadata) can be stated.
    "OAS_VERSION": "3.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracking.api.schema.forbid_unknown_request_fields",
        "tracking.api.schema.add_unsupported_media_type",
        "tracking.api.schema.add_uri_too_long",
        "tracking.api.schema.add_links",
        "tracking.api.schema.state_string_rules",
        "tracking.api.schema.document_not_found_and_conflicts",
        "tracking.api.schema.state_metadata_rules",
        "tracking.api.schema_series.state_series_rules",
    ],
    # Swagger UI served from our own static files: no CDN on these networks.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# TRACKING
# ------------------------------------------------------------------------------
# Secret of scrambled series. Production requires it; local derives it.
TRACKING_SCRAMBLE_KEY = env("TRACKING_SCRAMBLE_KEY", default="")
# Default per-client rate in "N/period" form, counted in numbers: a request
# for `count` N or a batch of quantity N costs N.
TRACKING_DEFAULT_RATE = env("TRACKING_DEFAULT_RATE", default="10000000/hour")
# A busy client's process reserves max(1, limit // this) requests of its
# allowance per Redis command; at most that many less one per process go
# unused when a window ends (0.1 % of the limit by default).
TRACKING_THROTTLE_RESERVE_FRACTION = env.int(
    "TRACKING_THROTTLE_RESERVE_FRACTION", default=1000
)
# Idempotency-Key records are kept at least this long.
TRACKING_IDEMPOTENCY_TTL_HOURS = env.int("TRACKING_IDEMPOTENCY_TTL_HOURS", default=48)
# Seconds a process keeps an authenticated API client in memory.
TRACKING_AUTH_CACHE_SECONDS = env.int("TRACKING_AUTH_CACHE_SECONDS", default=5)
# Largest `count` accepted by POST /tracking/generate/.
TRACKING_MAX_COUNT = 1000
# Rows a batch writes per transaction (each commit also advances `done`).
# SQLite has one writer at a time: small chunks let requests write between.
TRACKING_BATCH_CHUNK_SIZE = env.int(
    "TRACKING_BATCH_CHUNK_SIZE",
    default=2_000 if _sqlite else 50_000,
)
# A batch run hands the rest of its batch to a new message after this long;
# on SQLite after every chunk, so the embedded worker interleaves its tasks
# and lets requests write between chunks (tracking.embedded).
TRACKING_BATCH_SLICE_SECONDS = env.float(
    "TRACKING_BATCH_SLICE_SECONDS", default=0 if _sqlite else 600
)
# A batch runner's lease: a pending/running batch untouched this long is
# re-enqueued by the reconciler and may be taken over by another runner.
TRACKING_BATCH_STALE_SECONDS = env.int("TRACKING_BATCH_STALE_SECONDS", default=60)
# Pending or running batches one API client may have at once.
TRACKING_CLIENT_OPEN_BATCHES_MAX = env.int(
    "TRACKING_CLIENT_OPEN_BATCHES_MAX", default=10
)

# The operations portal: config/settings/portal.py.
from config.settings.portal import *  # noqa: E402, F403
