"""One settings module; production differs only by environment variables (see README)."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(os.environ.get("MOTCUA_HOME", Path.cwd())).resolve()
VAR_DIR = Path(os.environ.get("MOTCUA_VAR_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("MOTCUA_DEBUG", False)
# The embedded default runs without configuration; production must set MOTCUA_SECRET_KEY.
SECRET_KEY = os.environ.get("MOTCUA_SECRET_KEY") or "insecure-embedded-default-change-me-" + "0" * 16
ALLOWED_HOSTS = env_list("MOTCUA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("MOTCUA_CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("MOTCUA_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Lets ninja render its docs from the bundled Swagger UI files (no CDN) and whitenoise find them.
    "ninja",
    "motcua.core",
    "motcua.agencies",
    "motcua.accounts",
    "motcua.catalog",
    "motcua.dossiers",
    "motcua.paperwork",
    "motcua.payments",
    "motcua.postal",
    "motcua.notifications",
    "motcua.feedback",
    "motcua.integration",
    "motcua.reports",
    "motcua.api",
    "motcua.backoffice",
    "motcua.portal",
    "motcua.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pages stay Vietnamese until the person picks English (see the class); the API negotiates as usual.
    "motcua.portal.middleware.LanguageChoiceMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Citizens' and businesses' sessions end after MOTCUA_CITIZEN_SESSION_IDLE_MINUTES without a request.
    "motcua.portal.middleware_accounts.CitizenSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "motcua.urls"
WSGI_APPLICATION = "motcua.wsgi.application"
ASGI_APPLICATION = "motcua.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "motcua.core.context_processors.site",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'motcua.sqlite3'}",
        conn_max_age=int(os.environ.get("MOTCUA_DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker thread share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Vietnamese first; English available.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["motcua.formats"]
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("MOTCUA_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
# Browsers and proxies keep static files a day; pages link the site's own files with a ?v=<content hash>
# ({% asset %} in portal/templatetags/assets.py), so a changed style sheet is fetched at once.
WHITENOISE_MAX_AGE = 0 if DEBUG else int(os.environ.get("MOTCUA_STATIC_MAX_AGE", 24 * 3600))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MOTCUA_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("MOTCUA_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

EMAIL_BACKEND = os.environ.get("MOTCUA_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("MOTCUA_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("MOTCUA_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MOTCUA_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MOTCUA_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("MOTCUA_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("MOTCUA_EMAIL_FROM", "motcua <no-reply@localhost>")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("MOTCUA_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGIN_URL = "/dang-nhap/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "motcua.core.logging.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("MOTCUA_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The province this installation serves (shown in page headers and on forms).
MOTCUA_PROVINCE_NAME = os.environ.get("MOTCUA_PROVINCE_NAME", "")
MOTCUA_API_PAGE_SIZE_MAX = 100

# Notifications outbox (docs/notifications.md). SMS provider: "log" (embedded default: a log line with the
# phone masked), "http" (JSON to MOTCUA_SMS_URL, e.g. the sandbox of motcua.sandbox.sms) or a dotted class path.
MOTCUA_SMS_PROVIDER = os.environ.get("MOTCUA_SMS_PROVIDER", "log")
MOTCUA_SMS_URL = os.environ.get("MOTCUA_SMS_URL", "")
MOTCUA_SMS_API_KEY = os.environ.get("MOTCUA_SMS_API_KEY", "")
MOTCUA_SMS_API_KEY_HEADER = os.environ.get("MOTCUA_SMS_API_KEY_HEADER", "X-API-Key")
MOTCUA_SMS_SENDER = os.environ.get("MOTCUA_SMS_SENDER", "MOTCUA")
# Send SMS without Vietnamese diacritics (160 characters per part instead of 70).
MOTCUA_SMS_ASCII = env_bool("MOTCUA_SMS_ASCII", False)
# Outbox worker: attempts before a message becomes a dead letter; backoff base × 2^(attempt-1), ±20 %, capped.
# The defaults keep retrying for about three hours.
MOTCUA_WORKER_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_WORKER_MAX_ATTEMPTS", "10"))
MOTCUA_WORKER_BACKOFF_SECONDS = float(os.environ.get("MOTCUA_WORKER_BACKOFF_SECONDS", "30"))
MOTCUA_WORKER_BACKOFF_MAX_SECONDS = float(os.environ.get("MOTCUA_WORKER_BACKOFF_MAX_SECONDS", "3600"))
MOTCUA_WORKER_POLL_SECONDS = float(os.environ.get("MOTCUA_WORKER_POLL_SECONDS", "2"))
MOTCUA_WORKER_BATCH_SIZE = int(os.environ.get("MOTCUA_WORKER_BATCH_SIZE", "20"))
# A message claimed longer ago than this (its worker died mid-send) goes back to the queue.
MOTCUA_WORKER_CLAIM_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_WORKER_CLAIM_TIMEOUT_SECONDS", "300"))
MOTCUA_WORKER_SEND_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_WORKER_SEND_TIMEOUT_SECONDS", "15"))
# Run the worker as a thread inside the web process (the embedded default); false when `motcua worker` runs.
MOTCUA_WORKER_IN_PROCESS = env_bool("MOTCUA_WORKER_IN_PROCESS", True)

# Citizen and business accounts (docs/accounts.md).
# Idle time after which a citizen's or business's session ends (staff sessions are set apart).
MOTCUA_CITIZEN_SESSION_IDLE_MINUTES = int(os.environ.get("MOTCUA_CITIZEN_SESSION_IDLE_MINUTES", "30"))
# One-time codes (registration, password reset, contact check): life, wrong entries, resend cooldown, sends.
MOTCUA_CODE_TTL_MINUTES = int(os.environ.get("MOTCUA_CODE_TTL_MINUTES", "10"))
MOTCUA_CODE_MAX_ATTEMPTS = int(os.environ.get("MOTCUA_CODE_MAX_ATTEMPTS", "5"))
MOTCUA_CODE_RESEND_SECONDS = int(os.environ.get("MOTCUA_CODE_RESEND_SECONDS", "60"))
MOTCUA_CODE_MAX_SENDS = int(os.environ.get("MOTCUA_CODE_MAX_SENDS", "5"))
# Codes sent per hour to one phone / e-mail, and from one IP address.
MOTCUA_CODE_SENDS_PER_RECIPIENT_HOUR = int(os.environ.get("MOTCUA_CODE_SENDS_PER_RECIPIENT_HOUR", "5"))
MOTCUA_CODE_SENDS_PER_ADDRESS_HOUR = int(os.environ.get("MOTCUA_CODE_SENDS_PER_ADDRESS_HOUR", "20"))
# Failed sign-ins allowed per account and per IP address within the window before sign-in pauses.
MOTCUA_SIGN_IN_WINDOW_MINUTES = int(os.environ.get("MOTCUA_SIGN_IN_WINDOW_MINUTES", "15"))
MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT = int(os.environ.get("MOTCUA_SIGN_IN_MAX_FAILURES_PER_ACCOUNT", "5"))
MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("MOTCUA_SIGN_IN_MAX_FAILURES_PER_ADDRESS", "30"))
# The request header holding the client's IP address behind a reverse proxy (e.g. HTTP_X_REAL_IP); empty
# uses REMOTE_ADDR. Only set it when the proxy overwrites that header.
MOTCUA_CLIENT_IP_HEADER = os.environ.get("MOTCUA_CLIENT_IP_HEADER", "")

# Sign-in with the national public-service portal / VNeID (OpenID Connect, authorization code + PKCE).
# The defaults point at the sandbox provider: `python -m motcua.sandbox.oidc --port 8090`.
MOTCUA_OIDC_ENABLED = env_bool("MOTCUA_OIDC_ENABLED", True)
MOTCUA_OIDC_DISCOVERY_URL = os.environ.get(
    "MOTCUA_OIDC_DISCOVERY_URL", "http://127.0.0.1:8090/.well-known/openid-configuration"
)
# Expected issuer; empty trusts the discovery document's own "issuer".
MOTCUA_OIDC_ISSUER = os.environ.get("MOTCUA_OIDC_ISSUER", "")
MOTCUA_OIDC_CLIENT_ID = os.environ.get("MOTCUA_OIDC_CLIENT_ID", "motcua-sandbox")
# Never logged. The default is the sandbox's; production must set its own.
MOTCUA_OIDC_CLIENT_SECRET = os.environ.get("MOTCUA_OIDC_CLIENT_SECRET", "sandbox-secret")
MOTCUA_OIDC_SCOPES = os.environ.get("MOTCUA_OIDC_SCOPES", "openid profile email phone address")
# Where the provider sends the browser back; empty = SITE_URL + the callback path.
MOTCUA_OIDC_REDIRECT_URI = os.environ.get("MOTCUA_OIDC_REDIRECT_URI", "")
MOTCUA_OIDC_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_OIDC_TIMEOUT_SECONDS", "10"))
# Also end the session at the provider on sign-out (RP-initiated logout), when it offers end_session.
MOTCUA_OIDC_LOGOUT_AT_PROVIDER = env_bool("MOTCUA_OIDC_LOGOUT_AT_PROVIDER", True)

# Payments (docs/payments.md): providers, sandbox payment server, jobs.
# Online providers offered to citizens, first = default: "paygov" (DVCQG payment platform), "vnpay".
MOTCUA_PAYMENT_PROVIDERS = os.environ.get("MOTCUA_PAYMENT_PROVIDERS", "paygov,vnpay")
# The defaults point at the sandbox payment server that `motcua up` starts on 127.0.0.1:8091.
MOTCUA_PAYGOV_URL = os.environ.get("MOTCUA_PAYGOV_URL", "http://127.0.0.1:8091/paygov/api")
MOTCUA_PAYGOV_LISTING_URL = os.environ.get(
    "MOTCUA_PAYGOV_LISTING_URL", "http://127.0.0.1:8091/paygov/doi-soat"
)
MOTCUA_PAYGOV_PARTNER_CODE = os.environ.get("MOTCUA_PAYGOV_PARTNER_CODE", "MOTCUA")
# Never logged. The defaults are the sandbox's; production must set its own.
MOTCUA_PAYGOV_TOKEN = os.environ.get("MOTCUA_PAYGOV_TOKEN", "sandbox-paygov-token")
MOTCUA_PAYGOV_SECRET = os.environ.get("MOTCUA_PAYGOV_SECRET", "sandbox-paygov-secret")
MOTCUA_VNPAY_PAYMENT_URL = os.environ.get(
    "MOTCUA_VNPAY_PAYMENT_URL", "http://127.0.0.1:8091/vnpay/paymentv2/vpcpay.html"
)
MOTCUA_VNPAY_API_URL = os.environ.get(
    "MOTCUA_VNPAY_API_URL", "http://127.0.0.1:8091/vnpay/merchant_webapi/api/transaction"
)
MOTCUA_VNPAY_LISTING_URL = os.environ.get("MOTCUA_VNPAY_LISTING_URL", "http://127.0.0.1:8091/vnpay/doi-soat")
MOTCUA_VNPAY_TMN_CODE = os.environ.get("MOTCUA_VNPAY_TMN_CODE", "MOTCUA01")
MOTCUA_VNPAY_HASH_SECRET = os.environ.get("MOTCUA_VNPAY_HASH_SECRET", "sandbox-vnpay-secret")
# Beneficiary account sent with PayGov INIT (TKThuHuong, MaNHThuHuong, TenTKThuHuong).
MOTCUA_PAYMENT_BENEFICIARY_ACCOUNT = os.environ.get("MOTCUA_PAYMENT_BENEFICIARY_ACCOUNT", "0000000000000")
MOTCUA_PAYMENT_BENEFICIARY_BANK = os.environ.get("MOTCUA_PAYMENT_BENEFICIARY_BANK", "KBNN")
MOTCUA_PAYMENT_BENEFICIARY_NAME = os.environ.get(
    "MOTCUA_PAYMENT_BENEFICIARY_NAME", "Tài khoản thu phí, lệ phí"
)
# Where the provider sends the citizen's browser back; empty = SITE_URL + "/thanh-toan/ket-qua/".
MOTCUA_PAYMENT_RETURN_URL = os.environ.get("MOTCUA_PAYMENT_RETURN_URL", "")
MOTCUA_PAYMENT_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_PAYMENT_TIMEOUT_SECONDS", "10"))
# A payment page expires after this many minutes (vnp_ExpireDate); the provider then reports it failed.
MOTCUA_PAYMENT_EXPIRE_MINUTES = int(os.environ.get("MOTCUA_PAYMENT_EXPIRE_MINUTES", "15"))
# Jobs run by the worker: query transactions still pending after QUERY_AFTER seconds, every QUERY_EVERY
# seconds; reconcile the previous day once a day after RECONCILE_HOUR (local time). 0 turns a job off.
MOTCUA_PAYMENT_QUERY_AFTER_SECONDS = float(os.environ.get("MOTCUA_PAYMENT_QUERY_AFTER_SECONDS", "120"))
MOTCUA_PAYMENT_QUERY_EVERY_SECONDS = float(os.environ.get("MOTCUA_PAYMENT_QUERY_EVERY_SECONDS", "300"))
MOTCUA_PAYMENT_RECONCILE_EVERY_SECONDS = float(
    os.environ.get("MOTCUA_PAYMENT_RECONCILE_EVERY_SECONDS", "3600")
)
MOTCUA_PAYMENT_RECONCILE_HOUR = int(os.environ.get("MOTCUA_PAYMENT_RECONCILE_HOUR", "2"))
# `motcua up` serves the sandbox payment server when the provider URLs point at 127.0.0.1:8091.
MOTCUA_PAYMENT_SANDBOX_PORT = int(os.environ.get("MOTCUA_PAYMENT_SANDBOX_PORT", "8091"))

# Postal service (docs/postal.md): provider, sandbox post server, jobs.
# Provider: "sandbox" (the embedded default: `motcua up` serves the sandbox operator on 127.0.0.1 at the port
# of MOTCUA_POSTAL_URL), "vnpost" (the same VNPost-style JSON protocol at the provincial contract's address),
# or "" (off: orders wait in the queue).
MOTCUA_POSTAL_PROVIDER = os.environ.get("MOTCUA_POSTAL_PROVIDER", "sandbox")
MOTCUA_POSTAL_URL = os.environ.get("MOTCUA_POSTAL_URL", "http://127.0.0.1:8092").rstrip("/")
# Never logged. The defaults are the sandbox's; production must set its own.
MOTCUA_POSTAL_API_KEY = os.environ.get("MOTCUA_POSTAL_API_KEY", "sandbox-postal-key")
MOTCUA_POSTAL_WEBHOOK_SECRET = os.environ.get("MOTCUA_POSTAL_WEBHOOK_SECRET", "sandbox-postal-secret")
MOTCUA_POSTAL_PARTNER_CODE = os.environ.get("MOTCUA_POSTAL_PARTNER_CODE", "MOTCUA")
# Where the operator sends tracking webhooks; empty = SITE_URL + "/api/v1/postal/webhook".
MOTCUA_POSTAL_WEBHOOK_URL = os.environ.get("MOTCUA_POSTAL_WEBHOOK_URL", "")
# A webhook whose timestamp is further than this from our clock is refused (replay window).
MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS = int(os.environ.get("MOTCUA_POSTAL_WEBHOOK_WINDOW_SECONDS", "300"))
MOTCUA_POSTAL_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_POSTAL_TIMEOUT_SECONDS", "10"))
# The send job: how often it runs, how many requests per run, and the backoff while the operator is down
# (base × 2^(attempt-1), ±20 %, capped; an operator that is down is retried without end).
MOTCUA_POSTAL_SEND_EVERY_SECONDS = float(os.environ.get("MOTCUA_POSTAL_SEND_EVERY_SECONDS", "5"))
MOTCUA_POSTAL_BATCH_SIZE = int(os.environ.get("MOTCUA_POSTAL_BATCH_SIZE", "50"))
MOTCUA_POSTAL_BACKOFF_SECONDS = float(os.environ.get("MOTCUA_POSTAL_BACKOFF_SECONDS", "10"))
MOTCUA_POSTAL_BACKOFF_MAX_SECONDS = float(os.environ.get("MOTCUA_POSTAL_BACKOFF_MAX_SECONDS", "600"))
# A request being sent longer ago than this (its worker died) goes back to the queue.
MOTCUA_POSTAL_CLAIM_TIMEOUT_SECONDS = float(os.environ.get("MOTCUA_POSTAL_CLAIM_TIMEOUT_SECONDS", "120"))
# The tracking job asks the operator about sent shipments with no news for this long (a lost webhook).
MOTCUA_POSTAL_TRACKING_EVERY_SECONDS = float(os.environ.get("MOTCUA_POSTAL_TRACKING_EVERY_SECONDS", "900"))
MOTCUA_POSTAL_TRACKING_QUIET_HOURS = float(os.environ.get("MOTCUA_POSTAL_TRACKING_QUIET_HOURS", "6"))
