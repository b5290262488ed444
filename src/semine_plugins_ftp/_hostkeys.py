"""Host key verification: a pinned fingerprint, a known_hosts file, or trust on first use.

The server's host key is the only thing that tells the real server from a
man in the middle, so a key is accepted only when one of these says so:

1. a pinned fingerprint (``SHA256:...`` as ``ssh-keygen -lf`` prints it);
2. an OpenSSH ``known_hosts`` file that lists the host (``[host]:port`` for
   ports other than 22, hashed names included);
3. otherwise trust on first use: the first key seen is recorded in a
   :class:`PinStore`, and every later connection must present the same key.

When a pin or a known_hosts file is configured, a key that is not listed is
refused; a changed key is refused in every mode, with both fingerprints and
what to do in the message. Nothing is ever accepted silently.

A server usually has several host keys (ed25519, RSA, ECDSA) and shows one
per connection; the connection code (:class:`semine_plugins_ftp._remote.Connector`)
asks for the others when the one shown is not the pinned or recorded key, and
for the types a known_hosts file lists first.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import attrs
import paramiko

from semine_plugins import TransferError

__all__ = [
    "HostKeyError",
    "HostKeyPolicy",
    "HostKeyTrust",
    "InMemoryPinStore",
    "PinStore",
    "fingerprint",
]


class HostKeyError(TransferError):
    """The server's host key is unknown or has changed: the connection was refused."""


class PinStore(Protocol):
    """Where trust-on-first-use fingerprints are kept between runs.

    The plugin wires this to its state database; :class:`InMemoryPinStore`
    serves tests.
    """

    def get(self, host: str, port: int) -> str | None:
        """Return the recorded fingerprint for ``host:port``, or ``None``."""
        ...

    def set(self, host: str, port: int, fingerprint: str) -> None:
        """Record ``fingerprint`` as the trusted key of ``host:port``."""
        ...


class InMemoryPinStore:
    """A :class:`PinStore` in a dictionary (thread-safe; forgotten on exit)."""

    def __init__(self) -> None:
        self._pins: dict[tuple[str, int], str] = {}
        self._lock = threading.Lock()

    def get(self, host: str, port: int) -> str | None:
        """Return the recorded fingerprint for ``host:port``, or ``None``."""
        with self._lock:
            return self._pins.get((host.lower(), port))

    def set(self, host: str, port: int, fingerprint: str) -> None:
        """Record ``fingerprint`` as the trusted key of ``host:port``."""
        with self._lock:
            self._pins[(host.lower(), port)] = fingerprint


class HostKeyTrust(enum.Enum):
    """Why a host key was accepted."""

    PINNED = "matches the pinned fingerprint"
    KNOWN_HOSTS = "listed in the known_hosts file"
    RECORDED = "matches the fingerprint recorded on first use"
    FIRST_USE = "seen for the first time, trusted and recorded"


def fingerprint(key: paramiko.PKey) -> str:
    """Return ``SHA256:<base64>`` of a public key, exactly as ``ssh-keygen -lf`` shows it."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def normalize_fingerprint(value: str) -> str:
    """Return a configured fingerprint in canonical ``SHA256:...`` form.

    Accepts the value with or without the ``SHA256:`` prefix and with or
    without base64 padding; refuses MD5 (``aa:bb:...``) fingerprints.
    """
    text = value.strip()
    if text.upper().startswith("SHA256:"):
        text = text[len("SHA256:") :]
    text = text.rstrip("=")
    if not text or ":" in text or len(text) != 43:
        raise HostKeyError(
            f"host key fingerprint {value!r} is not a SHA256 fingerprint; write it as "
            "ssh-keygen -lf shows it, e.g. SHA256:n4fM0vFj... (43 characters after 'SHA256:')"
        )
    return "SHA256:" + text


def _optional_fingerprint(value: str | None) -> str | None:
    return normalize_fingerprint(value) if value else None


def _known_hosts_name(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


@attrs.frozen(kw_only=True)
class HostKeyPolicy:
    """How to decide whether a server's host key is the right one.

    :ivar pinned: a fingerprint the key must match (``SHA256:...``).
    :ivar known_hosts_file: a known_hosts file that must list the key.
    :ivar pin_store: where trust-on-first-use pins live; used only when
        neither of the above is configured. Without any of the three every
        key is refused (the message shows the key's fingerprint to pin).
    """

    pinned: str | None = attrs.field(default=None, converter=_optional_fingerprint)
    known_hosts_file: Path | None = None
    pin_store: PinStore | None = None

    def preferred_key_types(self, host: str, port: int) -> list[str]:
        """Key types listed for the host in the known_hosts file (to negotiate those first)."""
        if self.known_hosts_file is None:
            return []
        entries = self._known_hosts().lookup(_known_hosts_name(host, port))
        return list(entries.keys()) if entries is not None else []

    def wanted_fingerprint(self, host: str, port: int) -> str | None:
        """The fingerprint the server's key must have: the pin, else the one recorded on first use.

        ``None`` when neither says (known_hosts only, or the first connection):
        then there is no single key to look for among the server's host keys.
        """
        if self.pinned is not None:
            return self.pinned
        if self.known_hosts_file is None and self.pin_store is not None:
            return self.pin_store.get(host, port)
        return None

    def _known_hosts(self) -> paramiko.HostKeys:
        path = self.known_hosts_file
        if path is None:  # pragma: no cover - callers check
            return paramiko.HostKeys()
        try:
            return paramiko.HostKeys(str(path))
        except OSError as exc:
            raise HostKeyError(
                f"cannot read the known_hosts file {str(path)!r} ({exc.strerror or exc}); "
                "check the path in the integration's 'known_hosts_file' setting"
            ) from exc

    def verify(
        self, host: str, port: int, key: paramiko.PKey, *, others: Sequence[paramiko.PKey] = ()
    ) -> HostKeyTrust:
        """Accept ``key`` for ``host:port`` or raise :class:`HostKeyError`.

        :param others: the server's other host keys, already found not to
            match; named in the error message.
        :returns: why the key was accepted (report it: on first use, the
            fingerprint is worth showing to the operator).
        :raises HostKeyError: the key is unknown, changed, or cannot be checked.
        """
        seen = fingerprint(key)
        shown = f"{key.get_name()} {seen}"
        if others:
            listed = ", ".join(f"{k.get_name()} {fingerprint(k)}" for k in others)
            shown += f" (and its other host keys {listed})"
        where = f"{host}:{port}"
        trust: HostKeyTrust | None = None
        if self.pinned is not None:
            if seen != self.pinned:
                raise HostKeyError(
                    f"the host key of {where} does not match the pinned fingerprint: "
                    f"the server showed {shown}, the integration expects "
                    f"{self.pinned}. If the server's key was changed on purpose, ask its "
                    "administrator for the new fingerprint and update 'host_key_fingerprint'; "
                    "otherwise someone may be intercepting the connection: do not connect"
                )
            trust = HostKeyTrust.PINNED
        if self.known_hosts_file is not None:
            self._verify_known_hosts(host, port, key, seen)
            trust = trust or HostKeyTrust.KNOWN_HOSTS
        if trust is not None:
            return trust
        if self.pin_store is None:
            raise HostKeyError(
                f"cannot verify the host key of {where} ({key.get_name()} {seen}): no "
                "fingerprint is pinned, no known_hosts file and no pin store is configured. "
                "Set 'host_key_fingerprint' to the fingerprint the server's administrator "
                "gives you"
            )
        recorded = self.pin_store.get(host, port)
        if recorded is None:
            self.pin_store.set(host, port, seen)
            return HostKeyTrust.FIRST_USE
        if recorded != seen:
            raise HostKeyError(
                f"the host key of {where} has changed: it was {recorded} when first "
                f"trusted, now the server shows {shown}. If the server was "
                "reinstalled or its key replaced on purpose, confirm the new fingerprint with "
                "its administrator and set 'host_key_fingerprint' to it (or forget the "
                "recorded key); otherwise someone may be intercepting the connection: "
                "do not connect"
            )
        return HostKeyTrust.RECORDED

    def _verify_known_hosts(self, host: str, port: int, key: paramiko.PKey, seen: str) -> None:
        name = _known_hosts_name(host, port)
        entries = self._known_hosts().lookup(name)
        path = str(self.known_hosts_file)
        if not entries:
            raise HostKeyError(
                f"the known_hosts file {path!r} has no entry for {name}; the server showed "
                f"{key.get_name()} {seen}. Add the server's key after checking its "
                f"fingerprint with the administrator (ssh-keyscan -p {port} {host} >> {path})"
            )
        listed = [k for k in entries.values() if k.asbytes() == key.asbytes()]
        if not listed:
            expected = ", ".join(f"{k.get_name()} {fingerprint(k)}" for k in entries.values())
            raise HostKeyError(
                f"the host key of {name} does not match the known_hosts file {path!r}: the "
                f"server showed {key.get_name()} {seen}, the file lists {expected}. If the "
                "key was changed on purpose, update the file; otherwise someone may be "
                "intercepting the connection: do not connect"
            )
