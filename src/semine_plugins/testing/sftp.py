"""An in-process SFTP server for tests and the ``demo`` command.

:class:`SFTPServer` runs an asyncssh server on its own event loop in a
background thread, listening on ``127.0.0.1`` on a free port. It serves one
local folder (:attr:`SFTPServer.root`) as the client's ``/``: ``..`` cannot
climb above it and symlinks cannot point out of it. It can behave like the
servers found in the wild (a read-only ``/``, no ``posix-rename`` extension,
reads answered in small pieces, a plain rename that replaces files, a changed
host key) and can inject faults (failed writes, dropped connections,
operations that never answer)::

    with SFTPServer(users={"alice": "secret"}) as server:
        server.mkdir("invoices")
        ...  # connect to server.host, server.port as alice
        server.fail_writes(1)  # the next write answers "No space left on device"

:meth:`SFTPServer.start` returns once the server listens; :meth:`SFTPServer.stop`
closes every connection and the loop, leaving no thread or socket behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, TypeVar, cast

import asyncssh

__all__ = ["FaultKind", "SFTPServer"]

T = TypeVar("T")

#: What an injected fault does: answer with an SFTP failure ("disk full"),
#: answer "permission denied", drop the whole SSH connection, or never answer
#: (until the server stops).
FaultKind = Literal["failure", "permission", "drop", "stall"]

_WRITE_FLAGS = asyncssh.FXF_WRITE | asyncssh.FXF_CREAT | asyncssh.FXF_TRUNC | asyncssh.FXF_APPEND


class _Fault:
    __slots__ = ("count", "kind", "op")

    def __init__(self, op: str, kind: FaultKind, count: int) -> None:
        self.op = op
        self.kind = kind
        self.count = count


class _State:
    """What every connection shares with the :class:`SFTPServer` (guarded by a lock)."""

    def __init__(self, root: Path) -> None:
        self.lock = threading.Lock()
        self.root = os.fsencode(os.path.realpath(root))
        self.users: dict[str, tuple[str | None, list[asyncssh.SSHKey]]] = {}
        self.read_only_root = False
        self.posix_rename = True
        self.max_read: int | None = None
        self.rename_replaces = False
        self.faults: list[_Fault] = []
        self.connections: set[asyncssh.SSHServerConnection] = set()
        self.stalled = 0
        self.operations: list[str] = []

    def take_fault(self, op: str) -> FaultKind | None:
        with self.lock:
            self.operations.append(op)
            for fault in self.faults:
                if fault.op == op:
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault.kind
        return None


class _SSHServer(asyncssh.SSHServer):
    def __init__(self, state: _State) -> None:
        self._state = state
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        with self._state.lock:
            self._state.connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        with self._state.lock:
            if self._conn is not None:
                self._state.connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        with self._state.lock:
            user = self._state.users.get(username)
        return user is not None and user[0] is not None and user[0] == password

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        with self._state.lock:
            user = self._state.users.get(username)
        if user is None:
            return False
        return any(k.public_data == key.public_data for k in user[1])


class _SFTPHandler(asyncssh.SFTPServer):
    """Serves :attr:`_State.root` with confinement, a read-only root and faults."""

    def __init__(self, chan: asyncssh.SSHServerChannel[bytes], state: _State) -> None:
        self._state = state
        super().__init__(chan, chroot=state.root)

    # ---- confinement ------------------------------------------------------

    def map_path(self, path: bytes) -> bytes:
        mapped = super().map_path(path)
        root = self._state.root
        # Resolve the parent (so a symlink named by the path itself can be
        # listed or removed) and refuse anything that lands outside the root.
        parent = os.path.realpath(os.path.dirname(mapped))
        real = os.path.realpath(mapped)
        for candidate in (parent, real):
            if candidate != root and not candidate.startswith(root + b"/"):
                raise asyncssh.SFTPNoSuchFile("No such file")
        return mapped

    def _in_root(self, path: bytes) -> bool:
        mapped = super().map_path(path)
        return os.path.dirname(mapped.rstrip(b"/")) == self._state.root

    def _guard_root(self, *paths: bytes) -> None:
        if self._state.read_only_root and any(self._in_root(p) for p in paths):
            raise asyncssh.SFTPPermissionDenied("Permission denied")

    async def _fault(self, op: str) -> None:
        kind = self._state.take_fault(op)
        if kind is None:
            return
        if kind == "failure":
            raise asyncssh.SFTPFailure("No space left on device")
        if kind == "permission":
            raise asyncssh.SFTPPermissionDenied("Permission denied")
        if kind == "drop":
            self.connection.abort()
            raise asyncssh.SFTPConnectionLost("Connection dropped")
        # "stall": wait until the connection goes away (the server stops or
        # the client gives up and disconnects).
        with self._state.lock:
            self._state.stalled += 1
        await self.channel.wait_closed()
        raise asyncssh.SFTPConnectionLost("Connection closed")

    # ---- operations -------------------------------------------------------

    async def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & _WRITE_FLAGS:
            self._guard_root(path)
        await self._fault("open")
        return super().open(path, pflags, attrs)

    async def read(self, file_obj: object, offset: int, size: int) -> bytes:
        await self._fault("read")
        if self._state.max_read is not None:
            size = min(size, self._state.max_read)
        return cast(bytes, super().read(file_obj, offset, size))

    async def write(self, file_obj: object, offset: int, data: bytes) -> int:
        await self._fault("write")
        return cast(int, super().write(file_obj, offset, data))

    async def stat(self, path: bytes) -> Any:
        await self._fault("stat")
        return super().stat(path)

    async def lstat(self, path: bytes) -> Any:
        await self._fault("stat")
        return super().lstat(path)

    async def remove(self, path: bytes) -> None:
        self._guard_root(path)
        await self._fault("remove")
        super().remove(path)

    async def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self._guard_root(path)
        await self._fault("mkdir")
        super().mkdir(path, attrs)

    async def rmdir(self, path: bytes) -> None:
        self._guard_root(path)
        await self._fault("rmdir")
        super().rmdir(path)

    async def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        self._guard_root(path)
        super().setstat(path, attrs)

    async def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        self._guard_root(newpath)
        super().symlink(oldpath, newpath)

    async def link(self, oldpath: bytes, newpath: bytes) -> None:
        self._guard_root(newpath)
        super().link(oldpath, newpath)

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        self._guard_root(oldpath, newpath)
        await self._fault("rename")
        if self._state.rename_replaces:
            super().posix_rename(oldpath, newpath)  # like some servers: replaces
            return
        # Like OpenSSH: plain SFTP rename never replaces an existing name.
        if os.path.lexists(self.map_path(newpath)):
            raise asyncssh.SFTPFailure("Failure")
        super().rename(oldpath, newpath)

    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        if not self._state.posix_rename:
            raise asyncssh.SFTPOpUnsupported("Operation unsupported")
        self._guard_root(oldpath, newpath)
        await self._fault("rename")
        super().posix_rename(oldpath, newpath)

    async def scandir(self, path: bytes) -> Any:
        await self._fault("listdir")
        async for name in super().scandir(path):
            yield name


class SFTPServer:
    """An SFTP server in a background thread, serving :attr:`root` on ``127.0.0.1``.

    :param root: the folder served as ``/``; a fresh temporary folder (removed
        on :meth:`stop`) when not given.
    :param users: user name → password (``None`` for key-only users).
    :param authorized_keys: user name → public keys (OpenSSH one-line format,
        or asyncssh keys) the user may log in with.
    :param read_only_root: refuse to create, remove or rename entries directly
        in ``/`` (subfolders stay writable), as many hosted servers do.
    :param posix_rename: answer the ``posix-rename@openssh.com`` extension;
        ``False`` emulates servers that only have plain (non-replacing) rename.
    :param host_key_algorithm: the host key type, ``ssh-ed25519`` by default.
    :param extra_host_key_algorithms: further host keys of these types
        (``ssh-rsa``, ``ecdsa-sha2-nistp256``, ...), as most real servers have
        several; each client negotiates one of them.
    """

    def __init__(
        self,
        *,
        root: str | os.PathLike[str] | None = None,
        users: Mapping[str, str | None] | None = None,
        authorized_keys: Mapping[str, str | asyncssh.SSHKey] | None = None,
        read_only_root: bool = False,
        posix_rename: bool = True,
        host_key_algorithm: str = "ssh-ed25519",
        extra_host_key_algorithms: Sequence[str] = (),
    ) -> None:
        self._own_root = root is None
        self.root = Path(tempfile.mkdtemp(prefix="sftp-root-") if root is None else root)
        self._state = _State(self.root)
        self._state.read_only_root = read_only_root
        self._state.posix_rename = posix_rename
        self._algorithm = host_key_algorithm
        self._host_key = asyncssh.generate_private_key(host_key_algorithm)
        self._extra_keys = [asyncssh.generate_private_key(a) for a in extra_host_key_algorithms]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._acceptor: asyncssh.SSHAcceptor | None = None
        self.host = "127.0.0.1"
        self.port = 0
        for name, password in (users or {}).items():
            self.add_user(name, password=password)
        for name, key in (authorized_keys or {}).items():
            self.add_user(name, public_key=key)

    def __repr__(self) -> str:
        return f"<SFTPServer {self.host}:{self.port} root={str(self.root)!r}>"

    # ---- configuration ----------------------------------------------------

    def add_user(
        self,
        name: str,
        password: str | None = None,
        public_key: str | asyncssh.SSHKey | None = None,
    ) -> None:
        """Add a user, or add a password or key to an existing one."""
        key = asyncssh.import_public_key(public_key) if isinstance(public_key, str) else public_key
        with self._state.lock:
            old_password, keys = self._state.users.get(name, (None, []))
            if key is not None:
                keys = [*keys, key]
            self._state.users[name] = (password if password is not None else old_password, keys)

    @property
    def read_only_root(self) -> bool:
        """Whether ``/`` itself refuses new, removed or renamed entries."""
        return self._state.read_only_root

    @read_only_root.setter
    def read_only_root(self, value: bool) -> None:
        self._state.read_only_root = value

    @property
    def posix_rename(self) -> bool:
        """Whether the ``posix-rename@openssh.com`` extension is answered."""
        return self._state.posix_rename

    @posix_rename.setter
    def posix_rename(self, value: bool) -> None:
        self._state.posix_rename = value

    @property
    def max_read(self) -> int | None:
        """The most bytes one read answers with (None: all asked for, up to the end).

        Some servers answer every read with at most a fixed amount, e.g. 16 KB,
        so a client must go on reading until the end of the file.
        """
        return self._state.max_read

    @max_read.setter
    def max_read(self, value: int | None) -> None:
        self._state.max_read = value

    @property
    def rename_replaces(self) -> bool:
        """Whether a plain SFTP rename replaces an existing file.

        The protocol (and OpenSSH) say it fails instead; some servers replace.
        """
        return self._state.rename_replaces

    @rename_replaces.setter
    def rename_replaces(self, value: bool) -> None:
        self._state.rename_replaces = value

    @property
    def host_key_fingerprint(self) -> str:
        """The host key's fingerprint, ``SHA256:...`` as ``ssh-keygen -lf`` shows it."""
        return str(self._host_key.get_fingerprint("sha256"))

    @property
    def host_public_key(self) -> str:
        """The host key in OpenSSH public key format (``ssh-ed25519 AAAA...``)."""
        return bytes(self._host_key.export_public_key("openssh")).decode().strip()

    @property
    def host_key_fingerprints(self) -> dict[str, str]:
        """Every host key's fingerprint by key type (``{"ssh-rsa": "SHA256:...", ...}``)."""
        keys = [self._host_key, *self._extra_keys]
        return {k.get_algorithm(): str(k.get_fingerprint("sha256")) for k in keys}

    def known_hosts_line(self) -> str:
        """A ``known_hosts`` line for this server (``[127.0.0.1]:PORT ssh-ed25519 ...``)."""
        return f"[{self.host}]:{self.port} {self.host_public_key}"

    def replace_host_key(self) -> str:
        """Switch to a freshly generated host key; return its fingerprint.

        Connections made afterwards see the new key, as after a server
        reinstall (or a man in the middle).
        """
        self._host_key = asyncssh.generate_private_key(self._algorithm)
        if self._acceptor is not None:
            self._call(self._update_keys)
        return self.host_key_fingerprint

    async def _update_keys(self) -> None:
        if self._acceptor is not None:
            self._acceptor.update(server_host_keys=[self._host_key, *self._extra_keys])

    # ---- fault injection --------------------------------------------------

    def inject(self, op: str, kind: FaultKind, count: int = 1) -> None:
        """Make the next ``count`` operations ``op`` fail as ``kind``.

        ``op`` is one of ``open``, ``read``, ``write``, ``stat`` (stat and
        lstat), ``remove``, ``mkdir``, ``rmdir``, ``rename`` (both kinds),
        ``listdir``.
        """
        with self._state.lock:
            self._state.faults.append(_Fault(op, kind, count))

    def fail_writes(self, count: int = 1) -> None:
        """Answer the next ``count`` writes with an SFTP failure (a full disk)."""
        self.inject("write", "failure", count)

    def drop_connection_on(self, op: str) -> None:
        """Drop the SSH connection when the next operation ``op`` arrives."""
        self.inject(op, "drop")

    def stall_on(self, op: str) -> None:
        """Never answer the next operation ``op`` (until the client disconnects)."""
        self.inject(op, "stall")

    def clear_faults(self) -> None:
        """Forget every fault not yet triggered."""
        with self._state.lock:
            self._state.faults.clear()

    @property
    def operations(self) -> list[str]:
        """The operations seen so far, in order (a copy)."""
        with self._state.lock:
            return list(self._state.operations)

    @property
    def connection_count(self) -> int:
        """How many SSH connections are open right now."""
        with self._state.lock:
            return len(self._state.connections)

    # ---- local helpers ----------------------------------------------------

    def path(self, remote: str) -> Path:
        """The local path behind the remote path ``remote``."""
        return self.root / remote.lstrip("/")

    def mkdir(self, remote: str) -> Path:
        """Create the remote folder ``remote`` (and its parents); return its local path."""
        p = self.path(remote)
        p.mkdir(parents=True, exist_ok=True)
        return p

    def write(self, remote: str, data: bytes) -> Path:
        """Create the remote file ``remote`` with ``data``; return its local path."""
        p = self.path(remote)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        return p

    # ---- life cycle -------------------------------------------------------

    def start(self) -> SFTPServer:
        """Start listening; return once the server accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the server is already running")
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="sftp-server", daemon=True)
        self._thread.start()
        ready.wait()
        try:
            self._call(self._listen)
        except BaseException:
            self._stop_loop()
            raise
        return self

    async def _listen(self) -> None:
        state = self._state
        self._acceptor = await asyncssh.listen(
            self.host,
            0,
            server_host_keys=[self._host_key, *self._extra_keys],
            server_factory=lambda: _SSHServer(state),
            sftp_factory=lambda chan: _SFTPHandler(chan, state),
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            allow_pty=False,
            login_timeout=30,
        )
        self.port = int(self._acceptor.sockets[0].getsockname()[1])

    def disconnect_all(self) -> None:
        """Close every open client connection (the server keeps listening)."""
        self._call(self._close_connections)

    async def _close_connections(self) -> None:
        with self._state.lock:
            conns = list(self._state.connections)
        for conn in conns:
            conn.close()
        for conn in conns:
            await conn.wait_closed()

    async def _shutdown(self) -> None:
        if self._acceptor is not None:
            self._acceptor.close()
            await self._acceptor.wait_closed()
            self._acceptor = None
        await self._close_connections()

    def stop(self) -> None:
        """Close every connection and the listener, and stop the thread."""
        try:
            if self._thread is not None:
                self._call(self._shutdown)
        finally:
            self._stop_loop()
            if self._own_root:
                shutil.rmtree(self.root, ignore_errors=True)

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        self._loop = self._thread = None

    def _call(self, func: Callable[[], Coroutine[Any, Any, T]]) -> T:
        if self._loop is None:
            raise RuntimeError("the server is not running; call start() first")
        return asyncio.run_coroutine_threadsafe(func(), self._loop).result(timeout=60)

    def __enter__(self) -> SFTPServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
