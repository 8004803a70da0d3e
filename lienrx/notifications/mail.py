"""Send one e-mail through the SMTP server named by ``LIENRX_SMTP_URL`` (the standard library's
smtplib), and say why a send failed in words that hold no address and no message text."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

SCHEMES = {"smtp": 25, "smtp+starttls": 587}  # scheme -> its usual port
TIMEOUT_SECONDS = 20  # below the first retry's wait, so a hung server never overlaps a retry


class MailSettingError(ValueError):
    """An SMTP URL or sender address that cannot be used; the message says what to set."""


class SendFailed(Exception):  # noqa: N818 - reads as what happened
    """A message the server did not take; ``reason`` is safe to store and log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to hand mail over: host, port, STARTTLS or not, and the login if any."""

    host: str
    port: int
    starttls: bool
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str) -> SmtpServer:
    """``smtp://user:pass@host:port`` or ``smtp+starttls://…`` → the server to use."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        port, parts = None, None
    if (parts is None or parts.scheme not in SCHEMES or not parts.hostname
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise MailSettingError("LIENRX_SMTP_URL must look like smtp://user:password@host:port "
                               "or smtp+starttls://user:password@host:587")
    return SmtpServer(host=parts.hostname, port=port or SCHEMES[parts.scheme],
                      starttls=parts.scheme == "smtp+starttls",
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None)


def check_sender(address: str) -> str:
    """The sender address as given, or refuse one without a mailbox in it."""
    _name, mailbox = parseaddr(address)
    if "@" not in mailbox or any(c in address for c in "\r\n"):
        raise MailSettingError("LIENRX_MAIL_FROM must be an e-mail address such as "
                               "LienRx <notifications@pharmacy.example>")
    return address


def send(server: SmtpServer, message: EmailMessage) -> None:
    """Hand ``message`` to the server; raise :class:`SendFailed` when it is not taken."""
    try:
        with smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_SECONDS) as smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.username:
                smtp.login(server.username, server.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        # the server's replies quote the refused addresses: keep only their codes
        codes = sorted({code for code, _text in exc.recipients.values()})
        raise SendFailed(f"SMTP server refused the recipient ({_codes(codes)})") from None
    except smtplib.SMTPAuthenticationError as exc:
        raise SendFailed(f"SMTP server refused the login ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"SMTP server refused the message ({exc.smtp_code})") from None
    except smtplib.SMTPException as exc:
        raise SendFailed(f"SMTP exchange failed ({type(exc).__name__})") from None
    except ssl.SSLError as exc:
        raise SendFailed(f"STARTTLS failed ({type(exc).__name__})") from None
    except OSError as exc:
        raise SendFailed(f"SMTP server unreachable ({type(exc).__name__})") from None


def _codes(codes: list[int]) -> str:
    return ", ".join(str(code) for code in codes)
