"""The SFTP server as the Ftp Plugin sees it: verified connections and safe file operations.

Built on fsspec's ``SFTPFileSystem`` (paramiko underneath) without inheriting
its unsafe defaults:

* the host key is verified (:mod:`semine_plugins_ftp._hostkeys`) instead of
  paramiko's ``AutoAddPolicy``;
* uploads go to a temporary dot-name in the same folder and are renamed onto
  the final name, so a reader never sees a partial file;
* renames work on servers without the ``posix-rename@openssh.com`` extension;
* every step has a timeout, and nothing picks up the operator's own SSH keys
  or agent.

Every failure is raised as a :class:`~semine_plugins.TransferError` subclass
whose message says what happened and what to do; no message, ``repr`` or log
line contains a password or passphrase::

    TransferError (OSError)
    ├── HostKeyError                           unknown or changed host key
    ├── RemotePathError (ValueError)           an unsafe remote file name
    ├── ConnectError (ConnectionError)        DNS failure, refused, unreachable
    ├── LoginError                   the server refused the login
    ├── TransferTimeoutError (TimeoutError)         the server did not answer in time
    ├── ConnectionLostError (ConnectionError)       the connection broke mid-way
    ├── RemoteNotFoundError (FileNotFoundError)     no such file or folder
    ├── RemotePermissionError (PermissionError)
    ├── RemoteFileExistsError (FileExistsError)     the target name is taken
    ├── FileTooLargeError                           a file exceeds the size cap
    └── RemoteOperationError                        the server answered "failure"
        └── DiskFullError                           ... while storing data

Paths are absolute POSIX paths as the server shows them (``/invoices/1.xml``).
A :class:`RemoteFS` is one connection and is not thread-safe; use one per
thread, or an :class:`SFTPPool`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import posixpath
import queue
import secrets
import socket
import stat as stat_module
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn, Self

import attrs
import paramiko
from fsspec.implementations.sftp import SFTPFileSystem
from paramiko import sftp as _sftp
from paramiko.sftp_attr import SFTPAttributes as _SFTPAttributes
from paramiko.ssh_exception import IncompatiblePeer

from semine_plugins import Secret, TransferError
from semine_plugins_ftp._hostkeys import HostKeyError, HostKeyPolicy, HostKeyTrust, fingerprint

__all__ = [
    "ConnectError",
    "ConnectionLostError",
    "Connector",
    "DiskFullError",
    "FileTooLargeError",
    "HostKeyError",
    "LoginError",
    "RemoteEntry",
    "RemoteFS",
    "RemoteFileExistsError",
    "RemoteNotFoundError",
    "RemoteOperationError",
    "RemotePathError",
    "RemotePermissionError",
    "SFTPConfig",
    "SFTPPool",
    "TransferTimeoutError",
    "check_name",
    "connect",
]

logger = logging.getLogger("semine_plugins_ftp.remote")

#: How many alternative names :meth:`RemoteFS.move_unique` tries before giving up.
MAX_UNIQUE_ATTEMPTS = 100
_WHOLE_READ_MAX = 32768  # files up to this size are read in two round trips
# _read_whole speaks SFTP through these paramiko methods; without them it is skipped.
_PIPELINED_READS = all(
    hasattr(paramiko.SFTPClient, n)
    for n in ("_request", "_async_request", "_read_response", "_convert_status")
)


class RemotePathError(TransferError, ValueError):
    """A remote name is unsafe (it could escape its folder or mislead) or impossible."""


class ConnectError(TransferError, ConnectionError):
    """No connection: the host name does not resolve, or the port refuses or is unreachable."""


class LoginError(TransferError):
    """The server refused the user name, password or key."""


class TransferTimeoutError(TransferError, TimeoutError):
    """The server did not answer within the configured timeout."""


class ConnectionLostError(TransferError, ConnectionError):
    """The connection broke during an operation; it may be retried on a new connection."""


class RemoteNotFoundError(TransferError, FileNotFoundError):
    """The remote file or folder does not exist."""


class RemotePermissionError(TransferError, PermissionError):
    """The server refused the operation on this path for this user."""


class RemoteFileExistsError(TransferError, FileExistsError):
    """The target name is already taken and may not be overwritten."""


class FileTooLargeError(TransferError):
    """A remote file is larger than the configured maximum; it was not read."""


class RemoteOperationError(TransferError):
    """The server answered with a generic SFTP failure."""


class DiskFullError(RemoteOperationError):
    """The server failed to store data (most often a full disk or quota)."""


# ---------------------------------------------------------------- names


def check_name(name: str) -> str:
    r"""Return ``name`` if it is a safe single remote file name; raise otherwise.

    Refused: empty names, ``.`` and ``..``, names containing ``/`` or ``\\``,
    NUL or other control characters (including Unicode line and format
    separators), names starting with ``-`` (read as options by shell tools on
    the server side), names starting with ``.`` (hidden, and reserved for
    this plugin's temporary files), names with leading or trailing spaces,
    and names longer than 255 bytes in UTF-8.

    :raises RemotePathError: the name is unsafe; the message says why.
    """
    why: str | None = None
    if not name:
        why = "it is empty"
    elif name in {".", ".."}:
        why = "it names a folder, not a file"
    elif "/" in name or "\\" in name:
        why = "it contains a path separator ('/' or '\\')"
    elif any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in name):
        why = "it contains a control character"
    elif name.startswith("-"):
        why = "it starts with '-'"
    elif name.startswith("."):
        why = "it starts with '.' (hidden files are reserved for temporary uploads)"
    elif name != name.strip():
        why = "it starts or ends with white space"
    elif len(name.encode("utf-8")) > 255:
        why = "it is longer than 255 bytes"
    if why is not None:
        raise RemotePathError(f"refusing remote file name {name!r}: {why}")
    return name


def _join(folder: str, name: str) -> str:
    return posixpath.join(folder or "/", name)


# ---------------------------------------------------------------- configuration


@attrs.frozen(kw_only=True)
class SFTPConfig:
    """Everything needed to open a connection (secrets stay :class:`Secret`)."""

    host: str
    port: int = 22
    username: str
    password: Secret | None = None
    private_key_file: Path | None = None
    private_key_passphrase: Secret | None = None
    host_keys: HostKeyPolicy = attrs.field(factory=HostKeyPolicy)
    connect_timeout: float = 15.0
    operation_timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any, *, pin_store: Any = None) -> SFTPConfig:
        """Build from :class:`~semine_plugins_ftp.FtpSettings` and the integration's pin store."""
        return cls(
            host=settings.host,
            port=settings.port,
            username=settings.username,
            password=settings.password,
            private_key_file=settings.private_key_file,
            private_key_passphrase=settings.private_key_passphrase,
            host_keys=HostKeyPolicy(
                pinned=settings.host_key_fingerprint,
                known_hosts_file=settings.known_hosts_file,
                pin_store=pin_store,
            ),
            connect_timeout=settings.connect_timeout,
            operation_timeout=settings.operation_timeout,
        )


@attrs.frozen
class RemoteEntry:
    """One entry of a remote folder."""

    name: str
    size: int
    mtime: float
    is_file: bool
    is_dir: bool


# ---------------------------------------------------------------- fsspec


class _SFTPFileSystem(SFTPFileSystem):  # type: ignore[misc]
    """fsspec's SFTPFileSystem over an already verified connection.

    Never connects by itself (its own ``_connect`` would accept any host
    key), is never cached (each instance is one connection), and its ``mv``
    falls back to plain rename when the server lacks posix-rename.
    """

    protocol = ("semine-sftp",)  # not "sftp": keeps fsspec config from injecting options
    cachable = False

    def __init__(self, sftp: paramiko.SFTPClient, host: str) -> None:
        super(SFTPFileSystem, self).__init__()
        self.host = host
        self.temppath = "/"
        self.ssh_kwargs: dict[str, Any] = {}
        self.client = None
        self.ftp = sftp

    def _connect(self) -> NoReturn:
        raise TransferError("reconnecting is done by semine_plugins_ftp, not fsspec")

    def mv(self, old: str, new: str, **kwargs: Any) -> None:
        try:
            self.ftp.posix_rename(old, new)
        except OSError as exc:
            if not _unsupported(exc):
                raise
            self.ftp.rename(old, new)


def _unsupported(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno is None and "unsupported" in str(exc).lower()


# ---------------------------------------------------------------- errors


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


class _Errors:
    """Maps paramiko/socket errors to :class:`TransferError` subclasses, with context."""

    def __init__(self, config: SFTPConfig) -> None:
        self.where = f"{config.username}@{config.host}:{config.port}"
        self.user = config.username
        self.timeout = config.operation_timeout

    def map(self, exc: BaseException, action: str, path: str, *, writing: bool) -> TransferError:
        if isinstance(exc, TransferError):
            return exc
        what = f"{action} {path!r} on {self.where}"
        if any(isinstance(e, TimeoutError) for e in _chain(exc)):
            return TransferTimeoutError(
                f"{what}: the server did not answer within {self.timeout:g} s; "
                "it may be overloaded or the network slow: try again later, or raise "
                "'operation_timeout'"
            )
        if isinstance(exc, FileNotFoundError) or getattr(exc, "errno", None) == errno.ENOENT:
            return RemoteNotFoundError(
                f"{what}: no such file or folder; check the folder settings and that the "
                "folder exists on the server"
            )
        if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
            return RemotePermissionError(
                f"{what}: permission denied; ask the server's administrator to give user "
                f"{self.user!r} {'write' if writing else 'read'} access to {path!r}"
            )
        if isinstance(exc, (EOFError, paramiko.SSHException, ConnectionError)) or (
            isinstance(exc, OSError) and exc.errno is not None
        ):
            return ConnectionLostError(
                f"{what}: the connection was lost ({type(exc).__name__}: {exc}); "
                "the operation may be retried"
            )
        text = str(exc) or type(exc).__name__
        if writing:
            return DiskFullError(
                f"{what}: the server failed to store the data ({text}); its disk or the "
                f"user's quota is probably full: ask the server's administrator"
            )
        return RemoteOperationError(f"{what}: the server refused the operation ({text})")


# ---------------------------------------------------------------- connecting


def _open_socket(config: SFTPConfig) -> socket.socket:
    where = f"{config.host}:{config.port}"
    try:
        sock = socket.create_connection((config.host, config.port), timeout=config.connect_timeout)
    except socket.gaierror as exc:
        raise ConnectError(
            f"cannot find the SFTP server {config.host!r}: the name does not resolve "
            f"({exc.strerror}); check the 'host' setting"
        ) from exc
    except ConnectionRefusedError as exc:
        raise ConnectError(
            f"the SFTP server {where} refused the connection: nothing listens on port "
            f"{config.port}; check the 'host' and 'port' settings and that the server runs"
        ) from exc
    except TimeoutError as exc:
        raise TransferTimeoutError(
            f"no answer from {where} within {config.connect_timeout:g} s while connecting; "
            "check the host, port and any firewall in between"
        ) from exc
    except OSError as exc:
        raise ConnectError(
            f"cannot connect to {where} ({exc.strerror or exc}); check the 'host' and "
            "'port' settings and the network"
        ) from exc
    # paramiko writes each SSH packet with one sendall, and SFTP waits for an answer
    # to every request: Nagle's algorithm would hold a request back behind an
    # unacknowledged one (a window adjustment) until the server's delayed ACK, 40 ms.
    with contextlib.suppress(OSError):  # not a TCP socket (never, but harmless)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _load_key(config: SFTPConfig) -> paramiko.PKey:
    path = config.private_key_file
    if path is None:  # pragma: no cover - callers check
        raise LoginError("no private key file configured")
    secret = config.private_key_passphrase
    passphrase = secret.reveal().encode() if secret else None
    try:
        # paramiko's stub says str, but cryptography underneath wants bytes.
        return paramiko.PKey.from_path(path, password=passphrase)  # type: ignore[arg-type]
    except (paramiko.PasswordRequiredException, TypeError):
        # paramiko lets cryptography's TypeError("Key is password-protected...")
        # through for encrypted OpenSSH-format keys opened without a passphrase.
        raise LoginError(
            f"the private key {str(path)!r} is encrypted; set 'private_key_passphrase'"
        ) from None
    except (paramiko.SSHException, ValueError) as exc:
        raise LoginError(
            f"cannot load the private key {str(path)!r}: wrong passphrase, or not an "
            f"OpenSSH/PEM private key ({type(exc).__name__})"
        ) from None
    except OSError as exc:
        raise LoginError(
            f"cannot read the private key {str(path)!r} ({exc.strerror or exc}); check "
            "'private_key_file'"
        ) from None


#: Host key types by family, the order in which other keys are looked for
#: when the negotiated one is not the pinned one (RSA before the rarer
#: ECDSA curves). One family is one key on the server.
_KEY_FAMILIES: tuple[tuple[str, ...], ...] = (
    ("ssh-ed25519",),
    ("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"),
    ("ecdsa-sha2-nistp256",),
    ("ecdsa-sha2-nistp384",),
    ("ecdsa-sha2-nistp521",),
)

#: The key family that matched a pin on a server, so that the next connection
#: to it (a pool opens several) negotiates that key first. Only a preference:
#: every connection still verifies the key.
_MATCHED_FAMILY: dict[tuple[str, int, str], tuple[str, ...]] = {}
_MATCHED_LOCK = threading.Lock()


def _family(key_type: str) -> tuple[str, ...]:
    base = key_type.removesuffix("-cert-v01@openssh.com")
    return next((f for f in _KEY_FAMILIES if base in f), (base,))


class _Closing:
    """``with`` support for the classes below: leaving the block calls ``close()``."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Connector(_Closing):
    """Opens one verified SFTP connection, one step at a time.

    :func:`connect` runs every step; Test Connection runs them one by one to
    time and report each. A step needs the ones before it::

        with Connector(config) as steps:
            steps.resolve()  # optional: the addresses the host name has
            steps.open_socket()
            steps.handshake()  # SSH handshake and host key verification
            steps.login()
            remote = steps.open_sftp()  # the RemoteFS owns the connection now

    Leaving the block (or :meth:`close`) closes whatever the steps opened,
    unless :meth:`open_sftp` handed it over to a :class:`RemoteFS`.

    :ivar host_key: the server's verified host key (after :meth:`handshake`).
    :ivar host_key_trust: why it was accepted (after :meth:`handshake`).
    """

    def __init__(self, config: SFTPConfig) -> None:
        self.config = config
        self.where = f"{config.host}:{config.port}"
        self.host_key: paramiko.PKey | None = None
        self.host_key_trust: HostKeyTrust | None = None
        self._sock: socket.socket | None = None
        self._transport: paramiko.Transport | None = None
        self._handed_over = False

    def __repr__(self) -> str:
        return f"<Connector {self.config.username}@{self.where}>"

    @property
    def host_key_fingerprint(self) -> str:
        """The verified host key's fingerprint, ``SHA256:...``."""
        return fingerprint(self._verified()[0])

    def close(self) -> None:
        """Close the SSH connection and socket, unless a :class:`RemoteFS` owns them."""
        if self._handed_over:
            return
        if self._transport is not None:
            self._transport.close()
        if self._sock is not None:
            self._sock.close()
        self._transport = self._sock = None

    # ---- steps ------------------------------------------------------------

    def resolve(self) -> list[str]:
        """Return the addresses the host name resolves to (sorted).

        :raises ConnectError: the name does not resolve.
        """
        host, port = self.config.host, self.config.port
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ConnectError(f"{host!r} does not resolve ({exc.strerror})") from None
        return sorted({str(info[4][0]) for info in infos})

    def open_socket(self) -> None:
        """Open the TCP connection.

        :raises ConnectError: the name does not resolve, or the port refuses or is unreachable.
        :raises TransferTimeoutError: no answer within ``connect_timeout``.
        """
        self.close()
        self._sock = _open_socket(self.config)

    def handshake(self) -> HostKeyTrust:
        """Run the SSH handshake and accept the server's host key, or refuse it.

        A server usually has several host keys (ed25519, RSA, ECDSA) and shows
        one per connection. When the key it shows is not the pinned (or on
        first use recorded) one, the handshake is repeated asking for each of
        its other key types, and the key the pin names is accepted; only when
        none matches is the connection refused. With a known_hosts file, the
        key types it lists for the host are asked for first.

        :returns: why the key was accepted.
        :raises HostKeyError: the key is unknown or changed (the message shows
            the fingerprints seen and the one expected).
        :raises ConnectError: not an SSH server, or no common algorithms.
        :raises TransferTimeoutError: the handshake took longer than ``connect_timeout``.
        """
        policy, host, port = self.config.host_keys, self.config.host, self.config.port
        wanted = policy.wanted_fingerprint(host, port)
        preferred = list(policy.preferred_key_types(host, port))
        if wanted is not None:
            with _MATCHED_LOCK:
                preferred = list(_MATCHED_FAMILY.get((host, port, wanted), ())) + preferred
        key = self._negotiate(preferred, only=False)
        if key is None:  # pragma: no cover - only=False always negotiates
            raise TransferError("no host key type to negotiate")
        try:
            trust = policy.verify(host, port, key)
        except HostKeyError:
            if wanted is None:
                raise
            found, others = self._find_key(wanted, tried=_family(key.get_name()))
            if found is None:
                policy.verify(host, port, key, others=others)  # raises, naming every key
                raise  # pragma: no cover - verify raised above
            key, trust = found, policy.verify(host, port, found)
            with _MATCHED_LOCK:
                _MATCHED_FAMILY[(host, port, wanted)] = _family(found.get_name())
        self.host_key, self.host_key_trust = key, trust
        return trust

    def login(self) -> None:
        """Authenticate with the private key and/or the password.

        :raises LoginError: the server refused every configured credential.
        :raises TransferTimeoutError: no answer within ``connect_timeout``.
        """
        self._verified()
        _authenticate(self._active(), self.config)

    def open_sftp(self) -> RemoteFS:
        """Start the SFTP session; the returned :class:`RemoteFS` owns the connection."""
        key, trust = self._verified()
        transport = self._active()
        sftp = _open_sftp(transport, self.config)
        self._handed_over = True
        return RemoteFS(
            self.config, transport, sftp, host_key_fingerprint=fingerprint(key), trust=trust
        )

    # ---- internals --------------------------------------------------------

    def _active(self) -> paramiko.Transport:
        if self._transport is None:
            raise TransferError("the SSH handshake has not been done yet")
        return self._transport

    def _verified(self) -> tuple[paramiko.PKey, HostKeyTrust]:
        if self.host_key is None or self.host_key_trust is None:
            raise TransferError("the SSH handshake and host key check have not been done yet")
        return self.host_key, self.host_key_trust

    def _negotiate(self, key_types: list[str], *, only: bool) -> paramiko.PKey | None:
        """Handshake on the open socket asking for ``key_types`` first (or ``only`` them).

        ``None``: ``only`` was asked and this client supports none of ``key_types``.
        """
        if self._sock is None:
            raise TransferError("the TCP connection has not been opened yet")
        if self._transport is not None:
            self._transport.close()
        transport = self._transport = paramiko.Transport(self._sock)
        transport.banner_timeout = self.config.connect_timeout
        transport.handshake_timeout = self.config.connect_timeout
        transport.auth_timeout = self.config.connect_timeout
        transport.channel_timeout = self.config.connect_timeout
        options = transport.get_security_options()
        available = list(options.key_types)
        wanted = [v for name in key_types for v in _family(name) if v in available]
        wanted = list(dict.fromkeys(wanted))
        if only:
            if not wanted:
                return None
            options.key_types = wanted
        elif wanted:
            options.key_types = wanted + [k for k in available if k not in wanted]
        _handshake(transport, self.config)
        return transport.get_remote_server_key()

    def _find_key(
        self, wanted: str, *, tried: tuple[str, ...]
    ) -> tuple[paramiko.PKey | None, list[paramiko.PKey]]:
        """Ask for each other key family on a new connection until one has ``wanted``."""
        others: list[paramiko.PKey] = []
        for family in _KEY_FAMILIES:
            if family == tried:
                continue
            self.open_socket()
            try:
                key = self._negotiate(list(family), only=True)
            except ConnectError as exc:
                if not isinstance(exc.__cause__, IncompatiblePeer):
                    raise
                continue  # the server has no key of this family
            if key is None:
                continue  # this client cannot ask for this family
            if fingerprint(key) == wanted:
                return key, others
            others.append(key)
        return None, others


def _handshake(transport: paramiko.Transport, config: SFTPConfig) -> None:
    where = f"{config.host}:{config.port}"
    try:
        transport.start_client(timeout=config.connect_timeout)
        transport.get_remote_server_key()  # raises when the handshake did not finish
    except (paramiko.SSHException, EOFError, OSError) as exc:
        if any(isinstance(e, TimeoutError) for e in _chain(exc)) or transport.is_active():
            raise TransferTimeoutError(
                f"{where} accepted the connection but did not complete the SSH handshake "
                f"within {config.connect_timeout:g} s; is it an SFTP server? Check the port"
            ) from exc
        raise ConnectError(
            f"SSH handshake with {where} failed ({exc}); check that the host and port "
            "are those of an SFTP server"
        ) from exc


def _authenticate(transport: paramiko.Transport, config: SFTPConfig) -> None:
    user = config.username
    where = f"{config.host}:{config.port}"
    refusals: list[str] = []
    try:
        if config.private_key_file is not None:
            try:
                transport.auth_publickey(user, _load_key(config))
            except paramiko.AuthenticationException:
                refusals.append(f"key {str(config.private_key_file)!r}")
        if not transport.is_authenticated() and config.password is not None:
            try:
                transport.auth_password(user, config.password.reveal())
            except paramiko.AuthenticationException:
                refusals.append("password")
    except paramiko.SSHException as exc:
        if any(isinstance(e, TimeoutError) for e in _chain(exc)) or "timeout" in str(exc).lower():
            raise TransferTimeoutError(
                f"{where} did not answer the login of {user!r} within {config.connect_timeout:g} s"
            ) from None
        raise ConnectionLostError(f"the connection to {where} broke during login ({exc})") from None
    if not transport.is_authenticated():
        tried = " and ".join(refusals) or "no password or key configured"
        raise LoginError(
            f"the SFTP server {where} refused the login of user {user!r} ({tried}); "
            "check the user name and the password or private key"
        )


def _open_sftp(transport: paramiko.Transport, config: SFTPConfig) -> paramiko.SFTPClient:
    try:
        sftp = paramiko.SFTPClient.from_transport(transport)
    except (paramiko.SSHException, OSError, EOFError) as exc:
        raise _Errors(config).map(exc, "opening the SFTP session", "/", writing=False) from exc
    channel = sftp.get_channel() if sftp is not None else None
    if sftp is None or channel is None:  # pragma: no cover - only on a closed transport
        raise ConnectionLostError(f"{config.host}:{config.port} closed the SFTP session")
    channel.settimeout(config.operation_timeout)
    return sftp


def connect(config: SFTPConfig) -> RemoteFS:
    """Open one verified, authenticated SFTP connection (every :class:`Connector` step).

    :raises ConnectError: the host does not resolve or the port refuses.
    :raises TransferTimeoutError: a step took longer than ``connect_timeout``.
    :raises HostKeyError: the host key is unknown or changed.
    :raises LoginError: the login was refused.
    """
    with Connector(config) as steps:
        steps.open_socket()
        steps.handshake()
        steps.login()
        return steps.open_sftp()


# ---------------------------------------------------------------- operations


class _Answers:
    """Collects the answers to requests sent at once on one paramiko SFTP client.

    paramiko hands an answer to the object registered with its request (in
    whatever order the server answers), through ``_async_response``.
    """

    def __init__(self, sftp: Any) -> None:
        self._sftp = sftp
        self._got: dict[int, tuple[int, paramiko.Message]] = {}

    def _async_response(self, kind: int, msg: paramiko.Message, num: int) -> None:
        self._got[num] = (kind, msg)

    def data(self, num: int) -> bytes:
        """Wait for the answer to read request ``num``; b"" at the end of the file."""
        while num not in self._got:
            self._sftp._read_response()
        kind, msg = self._got.pop(num)
        if kind == _sftp.CMD_STATUS:
            try:
                self._sftp._convert_status(msg)
            except EOFError:
                return b""
        if kind != _sftp.CMD_DATA:
            raise paramiko.SFTPError("Expected data")
        data: bytes = msg.get_string()
        return data


class RemoteFS(_Closing):
    """One SFTP connection and the operations the Ftp Plugin needs.

    Not thread-safe: one thread at a time. Use as a context manager, or call
    :meth:`close`. After a :class:`ConnectionLostError` or :class:`TransferTimeoutError`
    the connection is :attr:`broken` and should be replaced.

    :ivar fs: the fsspec filesystem over this connection, for code that
        speaks fsspec (``fs.open``, ``fs.ls``, ...); its errors are not mapped.
    :ivar host_key_fingerprint: the server's host key, ``SHA256:...``.
    :ivar host_key_trust: why the host key was accepted.
    """

    def __init__(
        self,
        config: SFTPConfig,
        transport: paramiko.Transport,
        sftp: paramiko.SFTPClient,
        *,
        host_key_fingerprint: str,
        trust: HostKeyTrust,
    ) -> None:
        self._config = config
        self._transport = transport
        self._sftp = sftp
        self._errors = _Errors(config)
        self.fs = _SFTPFileSystem(sftp, config.host)
        self.host_key_fingerprint = host_key_fingerprint
        self.host_key_trust = trust
        self.broken = False
        self._posix_rename: bool | None = None
        self._folders: set[str] = set()  # made or found by makedirs on this connection

    def __repr__(self) -> str:
        return f"<RemoteFS {self._errors.where}{' broken' if self.broken else ''}>"

    def close(self) -> None:
        """Close the SFTP session and the SSH connection (idempotent)."""
        with contextlib.suppress(Exception):
            self._sftp.close()
        with contextlib.suppress(Exception):
            self._transport.close()
        self.broken = True

    @contextlib.contextmanager
    def _mapped(self, action: str, path: str, *, writing: bool = False) -> Iterator[None]:
        try:
            yield
        except TransferError:
            raise
        except (OSError, EOFError, paramiko.SSHException) as exc:
            mapped = self._errors.map(exc, action, path, writing=writing)
            if isinstance(mapped, (ConnectionLostError, TransferTimeoutError)):
                self.broken = True
            raise mapped from exc

    # ---- inspection -------------------------------------------------------

    def stat(self, path: str) -> paramiko.SFTPAttributes:
        """Return the attributes of ``path`` (following symlinks)."""
        with self._mapped("reading the attributes of", path):
            return self._sftp.stat(path)

    def exists(self, path: str) -> bool:
        """Whether ``path`` exists (other errors, unlike fsspec's, are raised)."""
        try:
            self.stat(path)
        except RemoteNotFoundError:
            return False
        return True

    def isdir(self, path: str) -> bool:
        """Whether ``path`` is an existing folder."""
        try:
            mode = self.stat(path).st_mode
        except RemoteNotFoundError:
            return False
        return mode is not None and stat_module.S_ISDIR(mode)

    def listdir(self, folder: str) -> Iterator[RemoteEntry]:
        """Yield the entries of ``folder`` as the server sends them, a batch at a time.

        Huge folders are never loaded at once; consume the iterator fully
        before using this connection for anything else.
        """
        with self._mapped("listing", folder):
            for attrs_ in self._sftp.listdir_iter(folder):
                mode = attrs_.st_mode or 0
                yield RemoteEntry(
                    name=attrs_.filename,
                    size=attrs_.st_size or 0,
                    mtime=float(attrs_.st_mtime or 0),
                    is_file=stat_module.S_ISREG(mode),
                    is_dir=stat_module.S_ISDIR(mode),
                )

    # ---- changes ----------------------------------------------------------

    def makedirs(self, folder: str) -> None:
        """Create ``folder`` and its missing parents (existing ones are fine).

        A folder this connection already made or found is not asked about again.
        """
        if folder in self._folders:
            return
        parts = [p for p in folder.split("/") if p]
        current = "/" if folder.startswith("/") else ""
        for part in parts:
            current = posixpath.join(current, part) if current else part
            if self.isdir(current):
                continue
            try:
                with self._mapped("creating the folder", current, writing=True):
                    self._sftp.mkdir(current)
            except TransferError:
                if not self.isdir(current):  # created meanwhile by someone else is fine
                    raise
        self._folders.add(folder)

    def remove(self, path: str) -> None:
        """Remove the file ``path``."""
        with self._mapped("removing", path, writing=True):
            self._sftp.remove(path)

    def _rename(self, src: str, dst: str, *, replace: bool) -> None:
        """Rename; ``replace=False`` never overwrites (plain SFTP rename)."""
        if replace and self._posix_rename is not False:
            try:
                with self._mapped(f"renaming {src!r} to", dst, writing=True):
                    self._sftp.posix_rename(src, dst)
            except RemoteOperationError as exc:
                if not _unsupported(exc.__cause__ or exc):
                    raise
                self._posix_rename = False
            else:
                self._posix_rename = True
                return
        if replace and self.exists(dst):
            # No posix-rename: the old file goes first (a short window without it).
            self.remove(dst)
        try:
            with self._mapped(f"renaming {src!r} to", dst, writing=True):
                self._sftp.rename(src, dst)
        except RemoteOperationError as exc:
            if self.exists(dst):
                raise RemoteFileExistsError(
                    f"cannot rename {src!r} to {dst!r} on {self._errors.where}: the name is taken"
                ) from exc
            raise

    @property
    def has_posix_rename(self) -> bool | None:
        """Whether the server answered posix-rename (``None``: not tried yet)."""
        return self._posix_rename

    def upload_atomic(self, folder: str, name: str, data: bytes, *, overwrite: bool = False) -> str:
        """Store ``data`` as ``folder/name``, all or nothing; return the final path.

        The data goes to ``.name.<random>.part`` in the same folder first and
        is then renamed onto ``name``, so the file appears complete or not
        at all. Without ``overwrite`` a plain (never replacing) rename is
        used; with it, posix-rename, or on servers without it, remove then
        rename. The temporary file is removed on any failure.

        :raises RemotePathError: ``name`` is unsafe (see :func:`check_name`).
        :raises RemoteFileExistsError: ``name`` exists and ``overwrite`` is false.
        """
        check_name(name)
        final = _join(folder, name)
        if not overwrite and self.exists(final):
            raise RemoteFileExistsError(
                f"{final!r} already exists on {self._errors.where}; not overwriting it"
            )
        temp = _join(folder, f".{name}.{secrets.token_hex(6)}.part")
        try:
            self._write_temp(temp, final, data)
            self._rename(temp, final, replace=overwrite)
        except BaseException:
            self._discard(temp)
            raise
        logger.debug("uploaded %s (%d bytes)", final, len(data))
        return final

    def _write_temp(self, temp: str, final: str, data: bytes) -> None:
        with (
            self._mapped("uploading", temp, writing=True),
            self._sftp.open(temp, "wxb") as handle,
        ):
            # Not pipelined: paramiko drops the errors of pipelined writes
            # (and of CLOSE) silently, which would rename a truncated file.
            handle.write(data)
        with self._mapped("checking the upload of", temp, writing=True):
            stored = self._sftp.stat(temp).st_size
        if stored != len(data):
            raise DiskFullError(
                f"uploading {final!r} on {self._errors.where}: the server stored {stored} "
                f"of {len(data)} bytes; its disk or the user's quota is probably full"
            )

    def _discard(self, path: str) -> None:
        if self.broken:
            return
        with contextlib.suppress(Exception):
            self._sftp.remove(path)

    def read_capped(self, path: str, max_size: int, *, size: int | None = None) -> bytes:
        """Return the content of ``path``, refusing files larger than ``max_size`` bytes.

        :param size: the size a listing just showed, if known (saves asking the
            server again; the cap is still enforced while reading).
        :raises FileTooLargeError: the file is larger (checked before reading, and
            again while reading in case it grows).
        """
        with self._mapped("reading", path):
            if size is None:
                size = self._sftp.stat(path).st_size or 0
            if size <= max_size:
                whole = self._read_whole(path, size)
                if whole is not None:
                    return whole
                with self._sftp.open(path, "rb") as handle:
                    if size > handle.MAX_REQUEST_SIZE:
                        # Every read request at once; a small file is one request anyway,
                        # and paramiko's prefetch costs a thread per file.
                        handle.prefetch(size)
                    data = handle.read(max_size + 1)
                if len(data) <= max_size:
                    return data
                size = len(data)
        raise FileTooLargeError(
            f"{path!r} on {self._errors.where} is {size} bytes, more than the maximum of "
            f"{max_size}; it was not read (raise 'max_file_size' to accept it)"
        )

    def _read_whole(self, path: str, size: int) -> bytes | None:
        """Read a small file in two round trips, or return None to read it the long way.

        paramiko's file object needs four (open, read, a read that finds the
        end, close). Here the open is followed by three requests sent at once:
        a read of the ``size`` bytes listed, a read of one byte after them and
        the close. The second read answering "end of file" proves the file
        still ends there, whatever the server's largest read. Anything else
        (the file changed, or the server answers in smaller pieces) returns None.

        This speaks SFTP through paramiko's request methods (``_request``,
        ``_async_request``, ``_read_response``, ``_convert_status``), unchanged
        since paramiko 1.x; without them it returns None and the public file
        object is used.
        """
        sftp: Any = self._sftp
        if size > _WHOLE_READ_MAX or not _PIPELINED_READS:
            return None
        kind, msg = sftp._request(_sftp.CMD_OPEN, path, _sftp.SFTP_FLAG_READ, _SFTPAttributes())
        if kind != _sftp.CMD_HANDLE:
            raise paramiko.SFTPError("Expected handle")
        handle = msg.get_binary()
        answers = _Answers(sftp)
        read = sftp._async_request(answers, _sftp.CMD_READ, handle, _sftp.int64(0), size)
        end = sftp._async_request(answers, _sftp.CMD_READ, handle, _sftp.int64(size), 1)
        # The close's answer is taken (and dropped) by whichever request waits next.
        sftp._async_request(type(None), _sftp.CMD_CLOSE, handle)
        data = answers.data(read) if size else b""
        if len(data) != size:
            return None  # shorter than listed, or a server answering in pieces
        try:
            after = answers.data(end)
        except (OSError, paramiko.SFTPError):
            return None  # a server that refuses reads at the end instead of saying "end"
        return None if after else data  # grown since the listing

    def move_unique(
        self, src: str, dst_folder: str, *, name: str | None = None, look_first: bool = True
    ) -> str:
        """Move ``src`` into ``dst_folder`` without ever overwriting; return the new path.

        The file keeps its name (or takes ``name``); when that is taken, the
        first free one of ``stem (1).ext`` ... ``stem (99).ext`` is used. The
        folder is created when missing. Uses plain SFTP rename, which the
        protocol says never replaces an existing file, so it works without
        posix-rename.

        :param look_first: ask whether each name is free before renaming onto
            it, for servers whose plain rename replaces files anyway. Pass
            False only for a folder :meth:`rename_replaces` found safe: a
            taken name then costs a round trip, a free one saves one.
        :raises RemoteFileExistsError: every candidate name is taken.
        """
        target = check_name(name if name is not None else posixpath.basename(src))
        known = dst_folder in self._folders
        self.makedirs(dst_folder)
        stem, dot, ext = target.rpartition(".")
        if not stem:
            stem, dot, ext = target, "", ""
        for attempt in range(MAX_UNIQUE_ATTEMPTS):
            candidate = target if attempt == 0 else f"{stem} ({attempt}){dot}{ext}"
            dst = _join(dst_folder, candidate)
            if look_first and self.exists(dst):
                continue
            try:
                try:
                    self._rename(src, dst, replace=False)
                except RemoteNotFoundError:
                    if not known:
                        raise
                    # The folder was found earlier on this connection; it may have been
                    # removed since: make it again and retry once.
                    known = False
                    self._folders.discard(dst_folder)
                    self.makedirs(dst_folder)
                    self._rename(src, dst, replace=False)
            except RemoteFileExistsError:
                continue  # taken between the check and the rename
            return dst
        raise RemoteFileExistsError(
            f"cannot move {src!r} into {dst_folder!r} on {self._errors.where}: {target!r} and "
            f"{MAX_UNIQUE_ATTEMPTS - 1} numbered variants are all taken; clean up the folder"
        )

    def rename_replaces(self, folder: str) -> bool:
        """Whether a plain rename in ``folder`` replaces an existing file.

        SFTP's plain rename must fail when the new name exists (OpenSSH's
        does), but some servers replace the file. Two temporary files are
        made, one is renamed onto the other, and both are removed again.

        :raises TransferError: the folder does not take the temporary files.
        """
        first = _join(folder, f".semine-probe.{secrets.token_hex(6)}")
        second = _join(folder, f".semine-probe.{secrets.token_hex(6)}")
        try:
            self._create(first, b"first\n")
            self._create(second, b"second\n")
            try:
                self._rename(first, second, replace=False)
            except RemoteFileExistsError:
                return False
            return True
        finally:
            self._discard(first)
            self._discard(second)

    def _create(self, path: str, data: bytes) -> None:
        """Write a new small file (failing when ``path`` exists) in place."""
        with (
            self._mapped("writing a test file", path, writing=True),
            self._sftp.open(path, "wxb") as handle,
        ):
            handle.write(data)

    def write_probe(self, folder: str) -> None:
        """Prove that ``folder`` accepts uploads: create, rename and delete a temporary file.

        Leaves nothing behind, even when a step fails.
        """
        token = secrets.token_hex(6)
        temp = _join(folder, f".semine-probe.{token}.part")
        final = _join(folder, f".semine-probe.{token}")
        try:
            self._create(temp, b"semine-plugins write probe\n")
            self._rename(temp, final, replace=False)
            self.remove(final)
        finally:
            self._discard(temp)
            self._discard(final)


# ---------------------------------------------------------------- pool

#: How many connections a pool opens at the same time. OpenSSH's sshd drops
#: connections that have not logged in yet beyond ``MaxStartups`` (10 by
#: default) at random, so a large pool opens its connections a few at a time.
MAX_OPENING = 4


class SFTPPool(_Closing):
    """Up to ``size`` connections shared by threads; each borrower gets its own.

    Connections are opened lazily (at most :data:`MAX_OPENING` at once) and
    reused; a :attr:`RemoteFS.broken` one is closed instead of returned. When
    the server refuses a further connection while others are open (a limit
    on connections per user, say), the borrower waits for one of those
    instead of failing. Thread-safe::

        with SFTPPool(config, size=4) as pool, pool.connection() as remote:
            remote.upload_atomic("/out", "1.xml", data)
    """

    def __init__(self, config: SFTPConfig, size: int = 4) -> None:
        if size < 1:
            raise ValueError("an SFTP pool needs at least one connection")
        self._config = config
        self._size = size
        self._idle: queue.LifoQueue[RemoteFS] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._opening = threading.BoundedSemaphore(MAX_OPENING)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a connection returned or failed
        self._open = 0  # connections open now, idle or borrowed
        self._pending = 0  # connections being opened
        self._closed = False

    @property
    def size(self) -> int:
        """The maximum number of simultaneous connections."""
        return self._size

    @contextlib.contextmanager
    def connection(self, timeout: float | None = None) -> Iterator[RemoteFS]:
        """Borrow a connection (waiting at most ``timeout`` s for a free one)."""
        if self._closed:
            raise TransferError("the SFTP connection pool is closed")
        # Semaphore.acquire takes None, not -1, for no time limit.
        if not self._slots.acquire(timeout=timeout):
            raise TransferTimeoutError(f"no free SFTP connection within {timeout:g} s")
        remote: RemoteFS | None = None
        try:
            try:
                remote = self._idle.get_nowait()
            except queue.Empty:
                remote = self._open_one()
            yield remote
        finally:
            if remote is not None:
                with self._lock:
                    keep = not remote.broken and not self._closed
                    if keep:
                        self._idle.put(remote)
                    else:
                        self._open -= 1
                    self._changed.notify_all()
                if not keep:
                    remote.close()
            self._slots.release()

    def _open_one(self) -> RemoteFS:
        """Open a connection; when the server refuses one more, wait for an open one."""
        with self._lock:
            self._pending += 1
        try:
            with self._opening:
                remote = connect(self._config)
        except TransferError as exc:
            with self._lock:
                self._pending -= 1
                self._changed.notify_all()
            return self._wait_for_idle(exc)
        with self._lock:
            self._pending -= 1
            self._open += 1
        return remote

    def _wait_for_idle(self, refused: TransferError) -> RemoteFS:
        """Borrow a connection another thread returns; raise ``refused`` when none will."""
        deadline = time.monotonic() + self._config.operation_timeout
        with self._changed:
            while True:
                try:
                    remote = self._idle.get_nowait()
                except queue.Empty:
                    pass
                else:
                    logger.debug("no further SFTP connection (%s); sharing the open ones", refused)
                    return remote
                left = deadline - time.monotonic()
                if (not self._open and not self._pending) or left <= 0:
                    raise refused
                self._changed.wait(left)

    def close(self) -> None:
        """Close every idle connection; borrowed ones are closed when returned."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    self._idle.get_nowait().close()
                except queue.Empty:
                    break
