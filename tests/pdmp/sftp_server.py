"""A real SFTP server on loopback for the upload tests: paramiko's server side (SSH transport,
password authentication, the SFTP subsystem) serving a temporary folder."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from pathlib import Path
from typing import Any

import paramiko

USER, PASSWORD = "pharmacy", "pdmp-upload-secret"


class _Server(paramiko.ServerInterface):
    def check_auth_password(self, username: str, password: str) -> int:
        ok = username == USER and password == PASSWORD
        return paramiko.AUTH_SUCCESSFUL if ok else paramiko.AUTH_FAILED

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_channel_request(self, kind: str, chanid: int) -> int:
        return (paramiko.OPEN_SUCCEEDED if kind == "session"
                else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)


class _Handle(paramiko.SFTPHandle):
    def stat(self) -> Any:
        return paramiko.SFTPAttributes.from_stat(os.fstat(self.filehandle.fileno()))


def _folder_server(root: Path) -> type[paramiko.SFTPServerInterface]:
    class _Folder(paramiko.SFTPServerInterface):
        def _local(self, path: str) -> str:
            return str(root / self.canonicalize(path).lstrip("/"))

        def open(self, path: str, flags: int, attr: Any) -> Any:
            fd = os.open(self._local(path), flags | getattr(os, "O_BINARY", 0), 0o600)
            handle = _Handle(flags)
            handle.filehandle = os.fdopen(fd, "wb" if flags & os.O_WRONLY else "r+b")
            handle.readfile = handle.writefile = handle.filehandle
            return handle

        def stat(self, path: str) -> Any:
            try:
                return paramiko.SFTPAttributes.from_stat(os.stat(self._local(path)))
            except OSError as exc:
                return paramiko.SFTPServer.convert_errno(exc.errno)

        lstat = stat

    return _Folder


class LocalSftpServer:
    """Listens on 127.0.0.1 (a free port) until stopped; files land in ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.host_key = paramiko.RSAKey.generate(2048)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]
        self.transports: list[paramiko.Transport] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def host_key_line(self) -> str:
        return f"{self.host_key.get_name()} {self.host_key.get_base64()}"

    def url(self, password: str = PASSWORD) -> str:
        return f"sftp://{USER}:{password}@127.0.0.1:{self.port}/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(self.host_key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer,
                                            _folder_server(self.root))
            self.transports.append(transport)
            try:
                transport.start_server(server=_Server())
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # wakes the accept() the thread waits in
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        for transport in self.transports:
            transport.close()
        self.thread.join(timeout=5)
