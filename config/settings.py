"""Settings for Public Innovation Atlas.

One file, read from the environment. Every variable has a default that suits a fresh
clone on a laptop (an SQLite file, local-memory cache, mail to the console); production
sets them explicitly (see README.md and docker-compose.yml).
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


DEBUG = env_bool("DEBUG", default=False)

# The fallback key only suits a laptop; `manage.py check --deploy` flags it (W009).
SECRET_KEY = os.environ.get("SECRET_KEY") or "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

SITE_NAME = "Public Innovation Atlas"
# The site's address, for the links in mail sent outside a request (a review decision
# is mailed once its transaction commits): e.g. https://atlas.example.eu. The default
# is `make run`'s; `check --deploy` asks for an https address (innovation_cases.W002).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Who runs the Atlas, and whom to write to about its data: the open-data catalogue's
# publisher and contact point (/catalog.jsonld, innovation_cases/catalog.py).
OPERATOR_NAME = os.environ.get("OPERATOR_NAME", SITE_NAME)
CONTACT_EMAIL = os.environ.get(
    "CONTACT_EMAIL", os.environ.get("DEFAULT_FROM_EMAIL", "atlas@localhost")
)

INSTALLED_APPS = [
    # Translated model fields (a column per language: core/translation.py). Before the
    # admin, whose forms it extends with those fields.
    "modeltranslation",
    # Django's admin, on a site that asks for the second factor (accounts/admin_site.py).
    "accounts.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_countries",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    # Two-factor log-in: authenticator apps (TOTP) and recovery codes (accounts/
    # two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "cities",
    "innovation_cases",
    # Its views and forms, and one model: spreadsheets waiting for import.
    "workspace",
    "demo",
]

MIDDLEWARE = [
    # /healthz and /readyz, before the host check and the HTTPS redirect that a probe
    # by the node's address over plain HTTP would fail (config/health.py).
    "config.health.HealthProbeMiddleware",
    # A request id for the log lines and the response (config/request_log.py).
    "config.request_log.RequestIdMiddleware",
    # A database that is down or a lost connection: a 503 page or problem, not a 500
    # (core/outage.py; with handler500 for a failure in a middleware).
    "core.outage.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before CommonMiddleware, so that its headers are on every API response.
    "corsheaders.middleware.CorsMiddleware",
    # Anonymous reads from the cache (core/page_cache.py). After CORS, whose headers depend
    # on the request's Origin; before the session, CSRF and CSP middleware, so that a
    # stored response keeps their headers and a cookie they set keeps it out.
    "core.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # The API's ?lang=, ahead of the language LocaleMiddleware found (core/languages.py).
    "core.languages.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Records who made each change in the history (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
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

# --- Database -----------------------------------------------------------------------
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/atlas. Without it, an SQLite
# file in the checkout, so that a fresh clone runs with nothing else installed.
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database host that does not answer at all (a network that drops packets, not a
    # refused port) must not hold a request, or /readyz, for the system's TCP timeout
    # (minutes): after this many seconds the request gets its 503 (core/outage.py).
    # `?connect_timeout=` in DATABASE_URL sets another.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks (select_for_update() does nothing there). IMMEDIATE
    # transactions take its one write lock when they begin, so two read-check-write
    # steps (an If-Match update, a publish) run one after the other, as row locks make
    # them on PostgreSQL; the other waits up to `timeout` seconds for the lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous pages and API reads are cached for CACHE_SECONDS, and dropped as soon as a
# change to published content commits (core/page_cache.py). Only with a shared cache: in
# local memory each gunicorn worker would keep its own pages and its own generation,
# and a publish handled by one worker would leave the others' copies stale.
CACHE_SECONDS = env_int("CACHE_SECONDS", 600)
PAGE_CACHE = bool(REDIS_URL) and CACHE_SECONDS > 0

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cookies are marked Secure when the site is served over HTTPS (production).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# Only when every subdomain is served over HTTPS too; preload only once the domain is
# to be submitted to the browsers' preload list (both hard to undo).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False
)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the site append the client's address to
# X-Forwarded-For. The log-in lock-out and the API's throttles take the client's address
# from that header only when this says so (config/throttling.py); with 0, REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT must be 0 or more, got {TRUSTED_PROXY_COUNT}"
    )
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: every script and style comes from our own static files (no
# inline code), and the only outside resource is the map's OpenStreetMap tiles.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "https://tile.openstreetmap.org"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Accounts (logging in, passwords, lock-out) ------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out user or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Lock out a user name from an address after this many failures, for this long.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# The client's address as the API's throttles see it (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "config.throttling.client_address"
# Two-factor log-in (accounts/two_factor.py): after a wrong code, the next is read only
# after 1, 2, 4, 8 … seconds (per device); wrong codes also count towards the lock-out.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = SITE_NAME
# The user name as typed, cut to the length axes' tables hold.
AXES_USERNAME_CALLABLE = "config.throttling.lockout_username"
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # an invitation's link lasts three days

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:start"
LOGOUT_REDIRECT_URL = "innovation_cases:home"

# --- REST API ----------------------------------------------------------------------------
# See core/rest.py for the behaviour every endpoint shares, and docs/api.md.
REST_FRAMEWORK = {
    # No HTTP Basic: a NUL byte in its user name would reach the database.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that a request without credentials gets 401 and WWW-Authenticate.
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        # A write from a session needs the second factor, for those who use one.
        "accounts.two_factor.SecondFactorPermission",
        "cities.permissions.CityRecordPermission",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.rest.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF's, limited to DATA_UPLOAD_MAX_MEMORY_SIZE and to JSON Python can nest.
    "DEFAULT_PARSER_CLASSES": ["core.rest.JSONParser"],
    # DRF's, counting anonymous clients by the address the lock-out uses too.
    "DEFAULT_THROTTLE_CLASSES": [
        "config.throttling.AnonRateThrottle",
        "config.throttling.UserRateThrottle",
    ],
    # The same rule for any DRF throttle used as it is (DRF trusts the whole
    # X-Forwarded-For header when this is unset).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "600/minute"),
        # The CSV and JSON exports, per client address (EXPORT_THROTTLE_CLASS).
        "exports": os.environ.get("EXPORT_THROTTLE", "30/minute"),
    },
    "EXCEPTION_HANDLER": "core.rest.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "URL_FIELD_NAME": "url",
    "COERCE_DECIMAL_TO_STRING": False,
    "DEFAULT_VERSIONING_CLASS": None,
}
# The exports' throttle, by name: a plain Django view (streamed), which DRF's settings do
# not reach; config/throttling.py holds it, above the apps that use it.
EXPORT_THROTTLE_CLASS = "config.throttling.ExportRateThrottle"
SPECTACULAR_SETTINGS = {
    "TITLE": "Public Innovation Atlas API",
    "DESCRIPTION": (
        "Everything published in the Atlas: cities and their innovation capacity, and "
        "case studies of public-sector innovation. Anyone may read; city officers "
        "write their own cities' records with a personal token. Errors are RFC 9457 "
        "problem details. The guide, with examples, is docs/api.md in the source."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {
        "name": "Content: CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    },
    # Who runs the API: the site's about page, which names them and its sources.
    "CONTACT": {"name": SITE_NAME, "url": f"{SITE_URL}/about/"},
    # The site's own address (the paths start with /api/v1/), as the examples give it.
    "SERVERS": [{"url": SITE_URL, "description": SITE_NAME}],
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No online validator: its badge is an image from validator.swagger.io. No deep
    # links: each is a link inside the operation's button (axe: nested-interactive),
    # and a 19 px target (target-size).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.allow_empty_query_values",
        "config.schema.request_bodies_name_only_known_fields",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "innovation_cases.models.CaseStudy.Status",
        "StrategyStatusEnum": "cities.models.Strategy.Status",
        # Named once, though the comparison of cities shows a team's kind too.
        "InnovationTeamKindEnum": "cities.models.InnovationTeam.Kind",
    },
}
# Anyone may read the API from any origin. Writes are not cross-origin: a browser's
# preflight for POST, PUT or PATCH gets no CORS approval.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After", "Link"]

# --- Internationalisation --------------------------------------------------------------
# English is the source language; the others' catalogues are in locale/ (docs/translation.md).
# The public pages live under a language prefix (/de/cases/, config/urls.py). A request
# without one (/, an old /cases/ link) is sent to the visitor's language: the one they
# chose in the switcher (its cookie), else their browser's Accept-Language, else English.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("it", _("Italian")),
    ("fr", _("French")),
    ("sk", _("Slovak")),
]
LANGUAGE_COOKIE_NAME = "atlas_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LOCALE_PATHS = [BASE_DIR / "locale"]
# The records' translated fields (core/translation.py): English is the source, and a
# field without a value in the reader's language reads English's.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# A record made with a value for the field itself (Theme(name="Mobility")) has it as
# its English value, as the vocabularies' migration and loaders make them.
MODELTRANSLATION_AUTO_POPULATE = "default"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
# Everything is served from our own origin by whitenoise: no CDN at run time.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded media: only the WebP renditions the site makes of case images (images.py).
# With SERVE_MEDIA, every request for one goes through Django, which serves an image
# only to those who may see a case that uses it (innovation_cases/views.py case_image).
# MEDIA_ACCEL_REDIRECT, the internal location where the web server (nginx) serves
# MEDIA_ROOT, e.g. "/protected-media/", makes Django answer an allowed request with
# X-Accel-Redirect and leave the bytes to the web server. Without SERVE_MEDIA, Django
# answers nothing under /media/: whatever serves MEDIA_ROOT then shows every image,
# unpublished ones included, to anyone with its URL (`check --deploy` warns).
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")

# The embedded tantivy search index of the published cases (innovation_cases/engine/).
# A derived copy: `manage.py search_index rebuild` makes it again from the database.
# Each machine keeps its own; it must be writable by the web processes.
SEARCH_INDEX_DIR = Path(
    os.environ.get("SEARCH_INDEX_DIR", BASE_DIR / "var" / "search-index")
)
# How long the search index's journal keeps its entries (innovation_cases/engine/
# journal.py): a machine whose index has not synced for longer rebuilds it instead.
SEARCH_JOURNAL_DAYS = env_int("SEARCH_JOURNAL_DAYS", 30)
CASE_IMAGE_MAX_BYTES = env_int("CASE_IMAGE_MAX_BYTES", 8 * 1024 * 1024)
# An upload larger than this goes to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # With DEBUG the files come straight from the finders; otherwise from the hashed,
    # compressed copies that `collectstatic` writes (README: make run / make test do it).
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Case images in S3-compatible object storage (django-storages), when MEDIA_S3_BUCKET is
# set: a private bucket, every request for an image still checked by Django (SERVE_MEDIA),
# which streams it from the bucket. MEDIA_ACCEL_REDIRECT does not apply (the web server
# cannot read the bucket), so leave it empty. MEDIA_S3_ENDPOINT_URL is for a store other
# than AWS's (MinIO, Ceph, a cloud provider's).
if os.environ.get("MEDIA_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["MEDIA_S3_BUCKET"],
            "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("MEDIA_S3_REGION") or None,
            "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("MEDIA_S3_PREFIX", ""),
            # Nothing in the bucket is public, and a stored name is never reused for
            # other bytes (innovation_cases/images.py).
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if MEDIA_ACCEL_REDIRECT:
        raise ImproperlyConfigured(
            "MEDIA_ACCEL_REDIRECT names a location of the web server's, which cannot "
            "read case images kept in S3 (MEDIA_S3_BUCKET): leave it empty."
        )
# Serve only the hashed copies (every page links them through {% static %}), and do not
# compress source maps, which only a browser's developer tools fetch: together they
# take collectstatic from 24 s to a few (most of it was brotli on files no page loads).
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    *Compressor.SKIP_COMPRESS_EXTENSIONS,
    "map",
)
# The map's outline of Europe (static/vendor/natural-earth/), which WhiteNoise would
# otherwise send as application/octet-stream.
WHITENOISE_MIMETYPES = {".geojson": "application/geo+json"}

# --- Email ----------------------------------------------------------------------------------
# Production mail is SMTP: set EMAIL_HOST (and the rest) to the server's. Without it,
# mail is printed to the console, which suits a laptop and nothing else: the site would
# send no invitation, password reset or review notice, and `check --deploy` says so
# (mail.E001).
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "atlas@localhost")

# --- Logging ----------------------------------------------------------------------------------
# Every line carries the id of the request it was logged in (config/request_log.py);
# LOG_FORMAT=json writes one JSON object a line, for a log collector.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.request_log.RequestIdFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
        "json": {"()": "config.request_log.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Errors go to Sentry when SENTRY_DSN is set (its Django integration is on by default),
# without personal data: no user, cookie or address.
if SENTRY_DSN := os.environ.get("SENTRY_DSN", ""):
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
