"""The Ftp Plugin's settings: the seed's fields, plus advanced ones with safe defaults."""

from __future__ import annotations

from pathlib import Path

import attrs

from semine_plugins import Secret, setting

__all__ = ["FtpSettings"]


@attrs.frozen(kw_only=True)
class FtpSettings:
    """Settings of one Ftp Plugin integration (keys as in the configuration file)."""

    host: str = setting(
        label="Host",
        required=True,
        description="Hostname or IP address of the SFTP server",
        examples=("sftp.example.no",),
    )
    username: str = setting(
        label="Ftp username",
        required=True,
        description="Username used to authenticate with the SFTP server",
    )
    password: Secret | None = setting(
        label="Ftp password",
        required=True,
        secret=True,
        required_unless="private_key_file",
        description=(
            "Password used to authenticate with the SFTP server "
            "(may be left empty when a private key is configured)"
        ),
    )
    folder: str = setting(
        label="Ftp folder",
        required=True,
        description="Main folder used to read and write invoice files",
        examples=("/invoices",),
    )
    port: int = setting(
        label="Ftp port",
        required=True,
        default=22,
        minimum=1,
        maximum=65535,
        description="Port used for SFTP connection (default is 22)",
    )
    success_folder: str | None = setting(
        label="Success folder",
        description=(
            "Files are moved here after successful processing. "
            "If not configured, files are deleted after processing"
        ),
    )
    failure_folder: str | None = setting(
        label="Failure folder",
        description=(
            "Files that fail processing are moved here. "
            "If not configured, files remain in the original folder"
        ),
    )
    ignore_root_folder_files: bool = setting(
        label="Ignore root folder files",
        default=False,
        description=(
            'If enabled, warnings about files located in the root folder ("/") will be suppressed'
        ),
    )
    # ---- advanced fields, safe defaults --------------------------------
    host_key_fingerprint: str | None = setting(
        label="Host key fingerprint",
        advanced=True,
        description=(
            "Pin the server's host key (SHA256:... as ssh-keygen -lf shows it). "
            "Without a pin or known_hosts file the first key seen is trusted and recorded"
        ),
    )
    known_hosts_file: Path | None = setting(
        label="Known hosts file",
        advanced=True,
        description="An OpenSSH known_hosts file to verify the server's host key against",
    )
    private_key_file: Path | None = setting(
        label="Private key file",
        advanced=True,
        description=(
            "An SSH private key (OpenSSH or PEM format) to log in with instead of a password"
        ),
    )
    private_key_passphrase: Secret | None = setting(
        label="Private key passphrase",
        advanced=True,
        secret=True,
        description="Passphrase of the private key, if it has one",
    )
    connect_timeout: float = setting(
        label="Connect timeout",
        advanced=True,
        default=15.0,
        minimum=1,
        maximum=300,
        description="Seconds to wait for the TCP connection and SSH handshake",
    )
    operation_timeout: float = setting(
        label="Operation timeout",
        advanced=True,
        default=60.0,
        minimum=1,
        maximum=3600,
        description="Seconds to wait for any single SFTP operation before giving up",
    )
    stable_seconds: float = setting(
        label="Stable-file age",
        advanced=True,
        default=2.0,
        minimum=0,
        maximum=3600,
        description=(
            "A file is read only once its size and modification time have not changed "
            "for this many seconds (so files still being written are left alone)"
        ),
    )
    max_file_size: int = setting(
        label="Maximum file size",
        advanced=True,
        default=20_000_000,
        minimum=1,
        description="Files larger than this many bytes are not imported (they are reported failed)",
    )
    connections: int = setting(
        label="Parallel connections",
        advanced=True,
        default=8,
        minimum=1,
        maximum=32,
        description="How many SFTP connections to use in parallel for send and receive",
    )
    max_attempts: int = setting(
        label="Maximum attempts",
        advanced=True,
        default=5,
        minimum=1,
        maximum=100,
        description=(
            "A file that fails for a passing reason (network, SEMINE unavailable) is retried "
            "on later runs; after this many attempts it is treated as failed"
        ),
    )
    state_path: Path | None = setting(
        label="State database",
        advanced=True,
        description=(
            "Where this integration keeps per-file state and host key pins "
            "(default: a SQLite file in the user's data folder)"
        ),
    )
