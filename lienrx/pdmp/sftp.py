"""Put a PDMP file on the state's SFTP server (paramiko), checking the server's host key.

The destination is one URL, ``sftp://user[:password]@host[:port]/folder``; the server's
public key (``ssh-ed25519 AAAA…``, as in ``known_hosts`` without the host name) must be
configured beside it: an unknown or changed key refuses the upload.
"""

from __future__ import annotations

import base64
import binascii
import io
import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import paramiko

TIMEOUT_SECONDS = 30


class UploadFailed(RuntimeError):
    """The file could not be delivered; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Destination:
    """Where the files go, parsed from the configured URL and host key."""

    host: str
    port: int
    username: str
    password: str | None
    folder: str
    host_key: paramiko.PKey

    @classmethod
    def parse(cls, url: str, host_key: str) -> Destination:
        """Read ``sftp://user[:password]@host[:port]/folder`` and the server's public key."""
        parts = urlsplit(url)
        if parts.scheme != "sftp" or not parts.hostname or not parts.username:
            raise UploadFailed("the SFTP URL must look like sftp://user@host[:port]/folder")
        try:
            kind, blob = host_key.split()[:2]
            key = paramiko.PKey.from_type_string(kind, base64.b64decode(blob, validate=True))
        except (ValueError, binascii.Error, paramiko.SSHException) as exc:
            raise UploadFailed("the SFTP host key is not an OpenSSH public key line") from exc
        return cls(parts.hostname, parts.port or 22, unquote(parts.username),
                   unquote(parts.password) if parts.password else None,
                   unquote(parts.path) or "/", key)


def upload(destination: Destination, filename: str, content: str) -> str:
    """Deliver ``content`` as ``filename`` in the destination folder; return its remote path."""
    remote = posixpath.join(destination.folder, filename)
    client = paramiko.SSHClient()
    client.get_host_keys().add(_known_name(destination), destination.host_key.get_name(),
                               destination.host_key)
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(destination.host, port=destination.port, username=destination.username,
                       password=destination.password, timeout=TIMEOUT_SECONDS,
                       banner_timeout=TIMEOUT_SECONDS, auth_timeout=TIMEOUT_SECONDS,
                       allow_agent=False, look_for_keys=destination.password is None)
        with client.open_sftp() as channel:
            channel.putfo(io.BytesIO(content.encode()), remote, confirm=True)
    except (OSError, paramiko.SSHException) as exc:
        raise UploadFailed(f"{type(exc).__name__}: {exc}") from exc
    finally:
        client.close()
    return remote


def _known_name(destination: Destination) -> str:
    return (destination.host if destination.port == 22
            else f"[{destination.host}]:{destination.port}")
