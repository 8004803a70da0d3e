"""Configuration from the environment. Production refuses to start without its secrets."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lienrx.cases.rules import US_STATES
from lienrx.core import clock, crypto
from lienrx.core.identifiers import dea_shape_valid, npi_valid
from lienrx.core.money import to_cents
from lienrx.notifications import mail

log = logging.getLogger("lienrx.config")

REQUIRED_SECRETS = ("SECRET_KEY", "LIENRX_DATA_KEYS", "LIENRX_SIGNING_KEY")
# Who the pharmacy is and where people reach it: printed on labels, letters and the POGOS
# (its links), so production must be told; development and tests use the defaults below.
REQUIRED_IN_PRODUCTION = ("LIENRX_PUBLIC_URL", "LIENRX_PHARMACY_NAME", "LIENRX_PHARMACY_ADDRESS",
                          "LIENRX_PHARMACY_PHONE", "LIENRX_PHARMACY_NPI", "LIENRX_PHARMACY_DEA")
# Optional settings read from the environment as they are, or as positive whole numbers.
# How letters to law firms are signed and what they print (see lienrx/settlement/letters.py).
LETTER_SETTINGS = ("LIENRX_LETTER_SIGNATORY", "LIENRX_LETTER_SIGNATORY_TITLE", "LIENRX_REMIT_TO",
                   "LIENRX_LETTER_FOOTER", "LIENRX_W9_PATH")
TEXT_SETTINGS = (*REQUIRED_IN_PRODUCTION, "LIENRX_TIMEZONE", "LIENRX_PHARMACY_STATE",
                 "LIENRX_PHARMACY_NCPDP", "LIENRX_PDMP_SFTP_URL", "LIENRX_PDMP_SFTP_HOST_KEY",
                 *LETTER_SETTINGS, "LIENRX_SMTP_URL", "LIENRX_MAIL_FROM")
# The old name of LIENRX_PHARMACY_STATE, still read (with a warning) so existing
# deployments keep their home state; LIENRX_PHARMACY_STATE wins when both are set.
DEPRECATED_ALIASES = {"LIENRX_DEFAULT_STATE": "LIENRX_PHARMACY_STATE"}
WHOLE_NUMBER_SETTINGS = ("LIENRX_PAYOFF_VALID_DAYS", "LIENRX_QUIET_LIEN_DAYS",
                         "LIENRX_LATE_ENTRY_DAYS", "IDLE_TIMEOUT_MINUTES", "TOKEN_TTL_HOURS",
                         "LIENRX_QUEUE_REFRESH_SECONDS")
DEV_KEYS_FILE = "dev-keys.json"


class ConfigError(RuntimeError):
    """The configuration cannot run the application; the message says what to set."""


class BaseConfig:
    """Settings shared by every environment."""

    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {"pool_pre_ping": True}
    SQLITE_IMMEDIATE_OUTSIDE_REQUESTS = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - werkzeug: scrypt, N=2^15, r=8, p=1
    IDLE_TIMEOUT_MINUTES = 15
    TOKEN_TTL_HOURS = 12
    LOGIN_RATE_LIMIT = "10 per minute"  # failed sign-ins per address, /login and /auth/token
    # Failed sign-ins per account, from any address: after this many, exponential backoff
    LOGIN_ACCOUNT_FREE_FAILURES = 5
    LOGIN_ACCOUNT_MAX_BACKOFF_SECONDS = 15 * 60
    LOGIN_ACCOUNT_WINDOW_SECONDS = 24 * 3600  # failures older than this are forgotten
    LIENRX_TRUSTED_PROXIES = 0  # proxy hops in front of the app whose X-Forwarded-* to trust
    RATELIMIT_STORAGE_URI = "lienrx+db://"  # shared by all workers; REDIS_URL replaces it
    RATELIMIT_HEADERS_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # A case document may hold 10 MB (SPEC §7.8); a request may hold one with its form fields
    # and multipart headers. Text form fields stay capped by Flask's MAX_FORM_MEMORY_SIZE.
    LIENRX_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
    MAX_CONTENT_LENGTH = LIENRX_DOCUMENT_MAX_BYTES + 256 * 1024
    JSON_SORT_KEYS = False
    API_TITLE = "LienRx API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    LIENRX_PHARMACY_NAME = "LienRx Compounding Pharmacy"
    LIENRX_PHARMACY_ADDRESS: str | None = None  # printed on labels when set
    LIENRX_PHARMACY_PHONE: str | None = None
    LIENRX_PHARMACY_NPI: str | None = None
    LIENRX_PHARMACY_DEA: str | None = None
    LIENRX_PHARMACY_NCPDP: str | None = None  # PHA02 of PDMP files, when the pharmacy has one
    LIENRX_PDMP_SFTP_URL: str | None = None  # sftp://user:password@host:port/folder (optional)
    LIENRX_PDMP_SFTP_HOST_KEY: str | None = None  # the SFTP server's public key line
    LIENRX_SMTP_URL: str | None = None  # smtp(+starttls)://user:password@host:port (optional)
    LIENRX_MAIL_FROM: str | None = None  # the sender of notification e-mails (with the URL)
    LIENRX_PUBLIC_URL = "http://localhost:8000"  # `lienrx serve`; production must set it
    LIENRX_TIMEZONE = clock.DEFAULT_TIMEZONE  # the pharmacy's local date is "today" everywhere
    LIENRX_PHARMACY_STATE = "TN"  # whose prescription and scheduling rules apply
    LIENRX_PAYOFF_VALID_DAYS = 30
    LIENRX_QUIET_LIEN_DAYS = 45  # the portal flags an active lien with no fill for this long
    LIENRX_CONFIRM_CHARGE_ABOVE = 100_000  # cents: the dispense page asks to confirm above it
    LIENRX_LATE_ENTRY_DAYS = 7  # how many days back a pharmacist may date a late-entered fill
    LIENRX_QUEUE_REFRESH_SECONDS = 60  # how often the work queue page refreshes its list
    # Letters to law firms (payoff statements, release and closing letters)
    LIENRX_LETTER_SIGNATORY: str | None = None  # the name in the signature block, when set
    LIENRX_LETTER_SIGNATORY_TITLE = "Lien Billing Department"
    LIENRX_REMIT_TO: str | None = None  # lines of the remit-to block; default name + address
    LIENRX_LETTER_FOOTER: str | None = None  # a line at the foot of every letter page
    LIENRX_W9_PATH: str | None = None  # the pharmacy's Form W-9 (a PDF) firms may download


class DevelopmentConfig(BaseConfig):
    """Local use: missing keys are generated into the instance folder."""

    LIENRX_ENV = "development"


class ProductionConfig(BaseConfig):
    """Production: secure cookies, every secret from the environment."""

    LIENRX_ENV = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True


class TestingConfig(BaseConfig):
    """The test suite: fixed throwaway keys, CSRF left on."""

    LIENRX_ENV = "testing"
    TESTING = True
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105 - fast hashes for test accounts only
    # Test code reads between requests in a long-lived app context; a read there must not
    # take SQLite's write lock and stall the requests it makes.
    SQLITE_IMMEDIATE_OUTSIDE_REQUESTS = False


CONFIGS = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "testing": TestingConfig,
}


def database_url(raw: str | None, instance_path: str) -> str:
    """The SQLAlchemy URL; plain postgresql:// URLs get the psycopg 3 driver."""
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'lienrx.db'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


def private_folder(path: str | Path) -> None:
    """Create a folder the application keeps secrets or the database in, owner-only (0700).

    A folder that already exists is left as its owner made it.
    """
    folder = Path(path)
    if folder.is_dir():
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)  # whatever the umask


def _dev_keys(instance_path: str) -> dict[str, str]:
    """Load, or create once, the development keys kept in the instance folder."""
    path = Path(instance_path) / DEV_KEYS_FILE
    if path.exists():
        return dict(json.loads(path.read_text()))
    keys = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "LIENRX_DATA_KEYS": crypto.new_data_key(),
        "LIENRX_SIGNING_KEY": crypto.new_signing_seed(),
    }
    private_folder(path.parent)
    path.touch(mode=0o600)
    path.write_text(json.dumps(keys, indent=2))
    log.warning("development keys generated into %s; never use them in production", path)
    return keys


def load_settings(instance_path: str, environ: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Collect the settings for one application from the environment and overrides."""
    env = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    name = overrides.pop("LIENRX_ENV", None) or env.get("LIENRX_ENV", "development")
    if name not in CONFIGS:
        raise ConfigError(f"LIENRX_ENV must be one of {', '.join(CONFIGS)}; got {name!r}")
    cls = CONFIGS[name]
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}

    secrets_found = {k: overrides.get(k) or env.get(k) for k in REQUIRED_SECRETS}
    missing = [k for k, v in secrets_found.items() if not v]
    if name == "production":
        missing += [k for k in REQUIRED_IN_PRODUCTION if not (overrides.get(k) or env.get(k))]
        if missing:
            raise ConfigError(
                "LienRx refuses to start in production without "
                + ", ".join(missing) + ". Set them in the environment (see README)."
            )
    if missing:
        generated = _dev_keys(instance_path)
        secrets_found = {k: v or generated[k] for k, v in secrets_found.items()}
    settings.update(secrets_found)

    raw_url = overrides.pop("DATABASE_URL", None) or env.get("DATABASE_URL")
    if not raw_url:
        private_folder(instance_path)  # the default SQLite database lives there
    settings["SQLALCHEMY_DATABASE_URI"] = database_url(raw_url, instance_path)
    settings["RATELIMIT_STORAGE_OPTIONS"] = {"url": settings["SQLALCHEMY_DATABASE_URI"]}
    if env.get("REDIS_URL"):
        settings["RATELIMIT_STORAGE_URI"] = env["REDIS_URL"]
        settings["RATELIMIT_STORAGE_OPTIONS"] = {}
    for old, new in DEPRECATED_ALIASES.items():
        value = overrides.pop(old, None) or env.get(old)
        if value:
            log.warning("%s is deprecated; set %s instead", old, new)
            if not (overrides.get(new) or env.get(new)):
                settings[new] = value
    for key in TEXT_SETTINGS:
        if env.get(key):
            settings[key] = env[key]
    for key in WHOLE_NUMBER_SETTINGS:
        if env.get(key):
            if not env[key].isdigit() or int(env[key]) == 0:
                raise ConfigError(f"{key} must be a positive whole number")
            settings[key] = int(env[key])
    confirm_above = env.get("LIENRX_CONFIRM_CHARGE_ABOVE", "").strip()
    if confirm_above:
        try:
            cents = to_cents(confirm_above.lstrip("$").replace(",", ""))
            if cents < 0:
                raise ValueError("negative")
            settings["LIENRX_CONFIRM_CHARGE_ABOVE"] = cents
        except ValueError:
            raise ConfigError("LIENRX_CONFIRM_CHARGE_ABOVE must be an amount in dollars, "
                              "e.g. 1000.00") from None
    proxies = env.get("LIENRX_TRUSTED_PROXIES", "").strip()
    if proxies:
        if not proxies.isdigit():
            raise ConfigError("LIENRX_TRUSTED_PROXIES must be a whole number of proxy hops "
                              "(0 when clients connect directly)")
        settings["LIENRX_TRUSTED_PROXIES"] = int(proxies)
    settings.update(overrides)
    _check_pharmacy_identity(settings)
    _check_pharmacy_place(settings)
    _check_letters(settings)
    _check_mail(settings)
    return settings


def _check_letters(settings: dict[str, Any]) -> None:
    """Normalise the remit-to block's line breaks; name a W-9 path that is not a readable PDF.

    An environment variable rarely holds a line break, so ``\\n`` (backslash, n) breaks a
    remit-to line too.
    """
    remit = settings.get("LIENRX_REMIT_TO")
    if isinstance(remit, str):
        lines = [line.strip() for line in remit.replace("\\n", "\n").splitlines()]
        settings["LIENRX_REMIT_TO"] = "\n".join(line for line in lines if line) or None
    w9 = settings.get("LIENRX_W9_PATH")
    if not w9:
        settings["LIENRX_W9_PATH"] = None
        return
    try:
        with Path(str(w9)).expanduser().open("rb") as file:
            is_pdf = file.read(5) == b"%PDF-"
    except OSError:
        is_pdf = False
    if not is_pdf:
        raise ConfigError("LIENRX_W9_PATH must name a readable PDF file (the pharmacy's "
                          f"Form W-9); got {w9!r}")


def _check_mail(settings: Mapping[str, Any]) -> None:
    """Name a malformed SMTP URL or sender, or a server configured without a sender."""
    url, sender = settings.get("LIENRX_SMTP_URL"), settings.get("LIENRX_MAIL_FROM")
    try:
        if url:
            mail.parse_smtp_url(str(url))
        if sender:
            mail.check_sender(str(sender))
    except mail.MailSettingError as exc:
        raise ConfigError(str(exc)) from None
    if url and not sender:
        raise ConfigError("LIENRX_MAIL_FROM must be set with LIENRX_SMTP_URL: the address "
                          "notification e-mails come from")


def _check_pharmacy_place(settings: dict[str, Any]) -> None:
    """Name an unknown time zone or state; the state is kept upper-case."""
    zone = str(settings["LIENRX_TIMEZONE"]).strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"LIENRX_TIMEZONE must be an IANA time zone name such as "
                          f"America/Chicago; got {zone!r}") from exc
    settings["LIENRX_TIMEZONE"] = zone
    state = str(settings["LIENRX_PHARMACY_STATE"]).strip().upper()
    if state not in US_STATES:
        raise ConfigError("LIENRX_PHARMACY_STATE must be a two-letter US state such as TN; "
                          f"got {settings['LIENRX_PHARMACY_STATE']!r}")
    settings["LIENRX_PHARMACY_STATE"] = state


def _check_pharmacy_identity(settings: Mapping[str, Any]) -> None:
    """Name a malformed public URL, NPI or DEA number instead of printing it on documents."""
    url = urlsplit(str(settings["LIENRX_PUBLIC_URL"]))
    if url.scheme not in ("http", "https") or not url.netloc or url.query or url.fragment:
        raise ConfigError("LIENRX_PUBLIC_URL must be an http(s) address such as "
                          "https://pharmacy.example.com")
    npi, dea = settings.get("LIENRX_PHARMACY_NPI"), settings.get("LIENRX_PHARMACY_DEA")
    if npi and not npi_valid(str(npi)):
        raise ConfigError("LIENRX_PHARMACY_NPI is not a valid 10-digit NPI")
    if dea and not dea_shape_valid(str(dea)):
        raise ConfigError("LIENRX_PHARMACY_DEA is not a valid DEA registration number")


def build_keyring(settings: Mapping[str, Any]) -> crypto.Keyring:
    """Parse the configured keys once, naming the variable that is malformed."""
    try:
        data_keys = crypto.parse_data_keys(settings["LIENRX_DATA_KEYS"])
        signing_key = crypto.parse_signing_key(settings["LIENRX_SIGNING_KEY"])
    except crypto.KeyConfigError as exc:
        raise ConfigError(str(exc)) from exc
    return crypto.Keyring(
        data_keys=data_keys,
        index_key=crypto.derive_index_key(data_keys),
        signing_key=signing_key,
    )
