"""The shortcuts receive takes for speed keep their promises.

A known Success folder is not asked about again (but is made again when it
was removed meanwhile), a file read at its listed size is still read whole
and still capped, the state store's shared commits keep every change of
every thread, and a pool the server allows fewer connections than it wants
carries on with those it has.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from semine_plugins import TransferError
from semine_plugins.testing.sftp import SFTPServer
from semine_plugins_ftp._remote import (
    FileTooLargeError,
    RemoteFS,
    RemoteNotFoundError,
    SFTPConfig,
    SFTPPool,
)
from semine_plugins_ftp._state import IMPORTED, IMPORTING, StateStore


def _in_threads(worker: Callable[[int], None], count: int) -> list[BaseException]:
    """Run ``worker(0)`` ... ``worker(count - 1)`` each in a thread of its own, all at once;
    return what they raised."""
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            worker(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_second_move_into_a_folder_does_not_ask_about_it_again(
    remote: RemoteFS, sftp_server: SFTPServer
) -> None:
    """After the first move, moving into the same folder is a name check and a rename."""
    sftp_server.write("inbox/a.xml", b"a")
    sftp_server.write("inbox/b.xml", b"b")
    remote.move_unique("/inbox/a.xml", "/archive/2026/done")
    before = len(sftp_server.operations)
    assert remote.move_unique("/inbox/b.xml", "/archive/2026/done") == "/archive/2026/done/b.xml"
    assert sftp_server.operations[before:].count("stat") <= 1
    assert sftp_server.path("archive/2026/done/b.xml").read_bytes() == b"b"


def test_move_makes_a_folder_removed_since_again(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """Someone deleting the Success folder during a run costs nothing: it is made again."""
    sftp_server.write("inbox/a.xml", b"a")
    sftp_server.write("inbox/b.xml", b"b")
    remote.move_unique("/inbox/a.xml", "/done")
    shutil.rmtree(sftp_server.path("done"))
    assert remote.move_unique("/inbox/b.xml", "/done") == "/done/b.xml"
    assert sftp_server.path("done/b.xml").read_bytes() == b"b"
    assert not sftp_server.path("inbox/b.xml").exists()


def test_move_of_a_vanished_file_into_a_known_folder_says_so(
    remote: RemoteFS, sftp_server: SFTPServer
) -> None:
    """A file another reader took is reported missing, also into a folder known to exist."""
    sftp_server.write("inbox/a.xml", b"a")
    remote.move_unique("/inbox/a.xml", "/done")
    with pytest.raises(RemoteNotFoundError, match="no such file"):
        remote.move_unique("/inbox/gone.xml", "/done")
    assert sorted(p.name for p in sftp_server.path("done").iterdir()) == ["a.xml"]


@pytest.mark.parametrize("size", [5, 200_000])
def test_read_at_listed_size_reads_what_is_there_now(
    remote: RemoteFS, sftp_server: SFTPServer, size: int
) -> None:
    """A file that grew since the listing is read whole, so the caller sees the change."""
    data = bytes(i % 251 for i in range(size))
    sftp_server.write("inbox/a.xml", data)
    assert remote.read_capped("/inbox/a.xml", 10**6, size=size) == data
    sftp_server.write("inbox/a.xml", data + b"more")
    assert remote.read_capped("/inbox/a.xml", 10**6, size=size) == data + b"more"


def test_small_file_is_read_with_an_open_and_two_reads(
    remote: RemoteFS, sftp_server: SFTPServer
) -> None:
    """The read, a read that finds the end and the close go out together after the open."""
    data = b"<Invoice/>" * 1000
    sftp_server.write("inbox/a.xml", data)
    before = len(sftp_server.operations)
    assert remote.read_capped("/inbox/a.xml", 10**6, size=len(data)) == data
    assert sftp_server.operations[before:] == ["open", "read", "read"]  # close: not recorded
    # The close's answer is taken by the next request; the connection carries on.
    assert remote.exists("/inbox/a.xml")
    assert remote.read_capped("/inbox/a.xml", 10**6, size=len(data)) == data


@pytest.mark.parametrize(
    ("size", "listed"),
    [
        (0, 0),  # empty: the server answers "end of file"
        (1024, 1024),  # a multiple of 1 KB could be a server's cap: read on to the end
        (20_000, 19_000),  # grew since the listing
        (20_000, 21_000),  # shrank since the listing
        (40_000, 40_000),  # larger than one read
    ],
)
def test_read_at_listed_size_of_any_size_reads_the_whole_file(
    remote: RemoteFS, sftp_server: SFTPServer, size: int, listed: int
) -> None:
    """Whatever the listing said, the bytes returned are the file's, all of them."""
    data = bytes(i % 251 for i in range(size))
    sftp_server.write("inbox/a.xml", data)
    assert remote.read_capped("/inbox/a.xml", 10**6, size=listed) == data


@pytest.mark.parametrize("max_read", [1000, 4096, 16_384])
def test_server_answering_reads_in_pieces_is_read_to_the_end(
    remote: RemoteFS, sftp_server: SFTPServer, max_read: int
) -> None:
    """A server that answers at most ``max_read`` bytes per read still gives the whole file."""
    sftp_server.max_read = max_read
    data = bytes(i % 251 for i in range(20_000))
    sftp_server.write("inbox/a.xml", data)
    assert remote.read_capped("/inbox/a.xml", 10**6, size=len(data)) == data
    assert remote.read_capped("/inbox/a.xml", 10**6, size=max_read) == data


def test_read_at_listed_size_is_still_capped(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A file grown past the cap since the listing is refused while reading."""
    sftp_server.write("inbox/a.xml", b"x" * 100)
    with pytest.raises(FileTooLargeError, match="more than the maximum of 50"):
        remote.read_capped("/inbox/a.xml", 50, size=10)


def test_state_changes_of_many_threads_are_all_kept(tmp_path: Path) -> None:
    """Threads writing at once each see their own changes, and all of them are on disk."""
    path = tmp_path / "state.sqlite3"
    store = StateStore(path)

    def worker(t: int) -> None:
        for i in range(40):
            name = f"{t}-{i}.xml"
            store.put("/in", name, size=i, mtime=1, state=IMPORTING, sha256="s")
            store.put("/in", name, size=i, mtime=1, state=IMPORTED, invoice_id=f"{t}{i}")
            seen = store.get("/in", name)
            assert seen is not None
            assert (seen.state, seen.invoice_id) == (IMPORTED, f"{t}{i}")
            if i % 2:
                store.forget("/in", name)
                assert store.get("/in", name) is None

    errors = _in_threads(worker, 12)
    assert errors == []
    store.close()
    with StateStore(path) as again:
        for t in range(12):
            for i in range(40):
                st = again.get("/in", f"{t}-{i}.xml")
                if i % 2:
                    assert st is None
                else:
                    assert st is not None
                    assert st.invoice_id == f"{t}{i}"


def test_a_failed_state_write_is_raised(tmp_path: Path) -> None:
    """A change that cannot be stored is an error, never silently dropped."""
    store = StateStore(tmp_path / "state.sqlite3")
    store.close()
    with pytest.raises(Exception, match=r"closed|could not be written"):
        store.put("/in", "a.xml", size=1, mtime=1, state=IMPORTING)


class _Gate:
    """A TCP forwarder to the SFTP server that lets ``limit`` connections through.

    Further connections are closed at once, as a server with a limit on
    connections per user (or sshd over ``MaxStartups``) does.
    """

    def __init__(self, target: tuple[str, int], limit: int) -> None:
        self.target = target
        self.limit = limit
        self.passed = 0
        self.refused = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.passed >= self.limit:
                self.refused += 1
                client.close()
                continue
            self.passed += 1
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._copy, args=(a, b), daemon=True).start()

    @staticmethod
    def _copy(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._listener.close()
        for sock in self._sockets:
            sock.close()


def test_pool_carries_on_with_the_connections_the_server_allows(
    make_config: Callable[..., SFTPConfig], sftp_server: SFTPServer
) -> None:
    """A server refusing a third connection slows a pool of six down; nothing fails."""
    for i in range(12):
        sftp_server.write(f"inbox/{i}.xml", f"<Invoice>{i}</Invoice>".encode())
    gate = _Gate((sftp_server.host, sftp_server.port), limit=2)
    read: dict[str, bytes] = {}
    try:
        with SFTPPool(make_config(host="127.0.0.1", port=gate.port), size=6) as pool:

            def worker(i: int) -> None:
                with pool.connection() as fs:
                    read[f"{i}.xml"] = fs.read_capped(f"/inbox/{i}.xml", 1000)

            errors = _in_threads(worker, 12)
    finally:
        gate.close()
    if errors:
        raise errors[0]
    assert read == {f"{i}.xml": f"<Invoice>{i}</Invoice>".encode() for i in range(12)}
    assert gate.passed == 2
    assert gate.refused >= 1


def test_pool_without_any_connection_reports_the_refusal(
    make_config: Callable[..., SFTPConfig], sftp_server: SFTPServer
) -> None:
    """When not even the first connection gets through, the error says so."""
    gate = _Gate((sftp_server.host, sftp_server.port), limit=0)
    try:
        with (
            SFTPPool(make_config(host="127.0.0.1", port=gate.port), size=3) as pool,
            pytest.raises(TransferError),
            pool.connection(),
        ):
            pass
    finally:
        gate.close()


@pytest.mark.parametrize("replaces", [False, True])
def test_rename_probe_tells_the_servers_apart_and_leaves_nothing(
    remote: RemoteFS, sftp_server: SFTPServer, replaces: bool
) -> None:
    """The probe finds whether a plain rename replaces a file, with two temporary files
    that are gone afterwards."""
    sftp_server.rename_replaces = replaces
    sftp_server.mkdir("done")
    assert remote.rename_replaces("/done") is replaces
    assert list(sftp_server.path("done").iterdir()) == []


@pytest.mark.parametrize("replaces", [False, True])
def test_move_without_looking_first_still_never_overwrites(
    remote: RemoteFS, sftp_server: SFTPServer, replaces: bool
) -> None:
    """On a server keeping to the protocol a move skips asking whether the name is free,
    and a taken name still gets the next free one; on one whose rename replaces files,
    the plugin keeps asking first (``look_first``), and nothing is overwritten either."""
    sftp_server.rename_replaces = replaces
    sftp_server.write("done/a.xml", b"old")
    sftp_server.write("inbox/a.xml", b"new")
    sftp_server.write("inbox/b.xml", b"b")
    look_first = remote.rename_replaces("/done")
    assert remote.move_unique("/inbox/a.xml", "/done", look_first=look_first) == "/done/a (1).xml"
    before = len(sftp_server.operations)
    assert remote.move_unique("/inbox/b.xml", "/done", look_first=look_first) == "/done/b.xml"
    assert sftp_server.operations[before:] == (["stat", "rename"] if replaces else ["rename"])
    assert sftp_server.path("done/a.xml").read_bytes() == b"old"
    assert sftp_server.path("done/a (1).xml").read_bytes() == b"new"
