"""File operations: atomic upload, moves without overwriting, listing, size cap, faults."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from semine_plugins.testing.sftp import SFTPServer
from semine_plugins_ftp._remote import (
    ConnectionLostError,
    DiskFullError,
    FileTooLargeError,
    RemoteFileExistsError,
    RemoteFS,
    RemoteNotFoundError,
    RemotePathError,
    RemotePermissionError,
    SFTPConfig,
    TransferTimeoutError,
    check_name,
    connect,
)


def names(server: SFTPServer, folder: str) -> list[str]:
    return sorted(p.name for p in server.path(folder).iterdir())


def test_upload_atomic_writes_final_name_only(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """The uploaded file appears under its final name with nothing else left behind."""
    assert remote.upload_atomic("/inbox", "12345.xml", b"<Invoice/>") == "/inbox/12345.xml"
    assert names(sftp_server, "inbox") == ["12345.xml"]
    assert sftp_server.path("inbox/12345.xml").read_bytes() == b"<Invoice/>"


def test_upload_refuses_existing_name_unless_overwrite(
    remote: RemoteFS, sftp_server: SFTPServer
) -> None:
    """An existing file is kept unless overwrite is asked for."""
    sftp_server.write("inbox/1.xml", b"old")
    with pytest.raises(RemoteFileExistsError, match="not overwriting"):
        remote.upload_atomic("/inbox", "1.xml", b"new")
    assert sftp_server.path("inbox/1.xml").read_bytes() == b"old"
    remote.upload_atomic("/inbox", "1.xml", b"new", overwrite=True)
    assert sftp_server.path("inbox/1.xml").read_bytes() == b"new"
    assert names(sftp_server, "inbox") == ["1.xml"]


def test_failed_write_leaves_no_partial_file(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A write the server fails (disk full) leaves neither the file nor its temporary."""
    sftp_server.fail_writes(1)
    with pytest.raises(DiskFullError, match="full"):
        remote.upload_atomic("/inbox", "big.xml", b"x" * 100_000)
    assert names(sftp_server, "inbox") == []
    remote.upload_atomic("/inbox", "big.xml", b"x" * 100_000)  # the connection still works
    assert names(sftp_server, "inbox") == ["big.xml"]


def test_failed_rename_removes_temporary(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """When the final rename fails the temporary file is removed."""
    sftp_server.inject("rename", "permission")
    with pytest.raises(RemotePermissionError, match="'alice' write access"):
        remote.upload_atomic("/inbox", "1.xml", b"data")
    assert names(sftp_server, "inbox") == []


def test_upload_without_posix_rename(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """Servers without posix-rename still get atomic uploads, overwrite included."""
    sftp_server.posix_rename = False
    remote.upload_atomic("/inbox", "1.xml", b"one")
    remote.upload_atomic("/inbox", "1.xml", b"two", overwrite=True)
    assert remote.has_posix_rename is False
    assert sftp_server.path("inbox/1.xml").read_bytes() == b"two"
    assert names(sftp_server, "inbox") == ["1.xml"]


def test_move_unique_never_overwrites(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """Clashing names in the destination get ' (1)', ' (2)' ... and nothing is replaced."""
    sftp_server.posix_rename = False
    sftp_server.write("done/1.xml", b"first")
    sftp_server.write("done/1 (1).xml", b"second")
    sftp_server.write("inbox/1.xml", b"third")
    assert remote.move_unique("/inbox/1.xml", "/done") == "/done/1 (2).xml"
    assert sftp_server.path("done/1.xml").read_bytes() == b"first"
    assert sftp_server.path("done/1 (2).xml").read_bytes() == b"third"
    assert names(sftp_server, "inbox") == []


def test_move_unique_creates_folder_and_renames(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A missing destination folder is created; a new name may be given."""
    sftp_server.write("inbox/a.xml", b"a")
    assert remote.move_unique("/inbox/a.xml", "/archive/2024", name="b.xml") == (
        "/archive/2024/b.xml"
    )
    assert sftp_server.path("archive/2024/b.xml").read_bytes() == b"a"


def test_move_unique_is_bounded(
    remote: RemoteFS, sftp_server: SFTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When every candidate name is taken the move fails instead of looping."""
    import semine_plugins_ftp._remote as module

    monkeypatch.setattr(module, "MAX_UNIQUE_ATTEMPTS", 3)
    for name in ["x.xml", "x (1).xml", "x (2).xml"]:
        sftp_server.write(f"done/{name}", b"")
    sftp_server.write("inbox/x.xml", b"mine")
    with pytest.raises(RemoteFileExistsError, match="all taken"):
        remote.move_unique("/inbox/x.xml", "/done")
    assert sftp_server.path("inbox/x.xml").read_bytes() == b"mine"


def test_move_missing_source(remote: RemoteFS) -> None:
    """Moving a file that is gone says so."""
    with pytest.raises(RemoteNotFoundError, match="no such file"):
        remote.move_unique("/inbox/gone.xml", "/done")


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "a/b", "a\\b", "x\x00y", "x\ny", "-rf", ".hidden", " x.xml", "\u202ex"],
)
def test_check_name_refuses_unsafe_names(name: str) -> None:
    """Names that could escape the folder or mislead are refused."""
    with pytest.raises(RemotePathError, match="refusing remote file name"):
        check_name(name)


def test_check_name_accepts_ordinary_names() -> None:
    """Invoice-like names pass unchanged."""
    for name in ["12345.xml", "faktura 2024-01 (1).xml", "æøå.xml"]:
        assert check_name(name) == name


def test_upload_refuses_unsafe_name(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """An unsafe name is refused before anything is written."""
    with pytest.raises(RemotePathError):
        remote.upload_atomic("/inbox", "../escape.xml", b"x")
    assert names(sftp_server, "inbox") == []


def test_listdir(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """Listing yields names, sizes and kinds of every entry."""
    for i in range(250):
        sftp_server.write(f"inbox/{i}.xml", b"x" * i)
    sftp_server.mkdir("inbox/sub")
    entries = {e.name: e for e in remote.listdir("/inbox")}
    assert len(entries) == 251
    assert entries["42.xml"].size == 42
    assert entries["42.xml"].is_file
    assert entries["sub"].is_dir
    assert not entries["sub"].is_file
    assert entries["42.xml"].mtime > 0


def test_listdir_missing_folder(remote: RemoteFS) -> None:
    """Listing a missing folder names it."""
    with pytest.raises(RemoteNotFoundError, match="'/nope'"):
        list(remote.listdir("/nope"))


def test_read_capped(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """Files up to the cap are read; larger ones are refused without being read."""
    sftp_server.write("inbox/a.xml", b"12345")
    assert remote.read_capped("/inbox/a.xml", 5) == b"12345"
    reads = sftp_server.operations.count("read")
    with pytest.raises(FileTooLargeError, match="more than the maximum of 4"):
        remote.read_capped("/inbox/a.xml", 4)
    assert sftp_server.operations.count("read") == reads


def test_read_only_root(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A server whose "/" is read-only refuses uploads there but not in subfolders."""
    sftp_server.read_only_root = True
    with pytest.raises(RemotePermissionError, match="permission denied"):
        remote.upload_atomic("/", "1.xml", b"x")
    with pytest.raises(RemotePermissionError):
        remote.write_probe("/")
    assert names(sftp_server, "") == ["inbox"]
    remote.write_probe("/inbox")
    remote.upload_atomic("/inbox", "1.xml", b"x")
    remote.makedirs("/inbox/deeper/still")
    assert names(sftp_server, "inbox") == ["1.xml", "deeper"]


def test_write_probe_cleans_up_on_failure(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A failed probe leaves no file behind."""
    sftp_server.inject("rename", "failure")
    with pytest.raises(DiskFullError):
        remote.write_probe("/inbox")
    assert names(sftp_server, "inbox") == []


def test_dropped_connection(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """A connection dropped mid-operation is reported as lost and marked broken."""
    sftp_server.drop_connection_on("stat")
    with pytest.raises(ConnectionLostError, match="connection was lost"):
        remote.exists("/inbox/1.xml")
    assert remote.broken


def test_operation_timeout(make_config: Callable[..., SFTPConfig], sftp_server: SFTPServer) -> None:
    """An operation the server never answers times out instead of hanging."""
    with connect(make_config(operation_timeout=0.5)) as fs:
        sftp_server.stall_on("stat")
        with pytest.raises(TransferTimeoutError, match=r"did not answer within 0\.5 s"):
            fs.stat("/inbox")
        assert fs.broken


def test_server_confines_clients(remote: RemoteFS, sftp_server: SFTPServer) -> None:
    """The test server maps '..' and escaping symlinks inside its root."""
    sftp_server.path("inbox/out").symlink_to("/etc")
    assert {e.name for e in remote.listdir("/../..")} == {"inbox"}
    with pytest.raises(RemoteNotFoundError):
        list(remote.listdir("/inbox/out"))
