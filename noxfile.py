"""Every task a developer runs: ``nox`` runs the default sessions (the whole suite)."""

from __future__ import annotations

import os
import shutil

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "interop", "example", "lint", "typecheck", "docs"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PROJECT = "-e.[sandbox,rules]"


def _install(session: nox.Session, *groups: str) -> None:
    deps = [d for g in groups for d in nox.project.dependency_groups(PYPROJECT, g)]
    session.install(PROJECT, *deps)


@nox.session
def tests(session: nox.Session) -> None:
    """The fast suite: an in-process SFTP server and the SEMINE sandbox on loopback."""
    _install(session, "test")
    session.run("pytest", "-m", "not interop", *session.posargs)


@nox.session
def interop(session: nox.Session) -> None:
    """The interop suite against a real OpenSSH sshd (needs root and openssh-server)."""
    if shutil.which("sshd") is None and not os.path.exists("/usr/sbin/sshd"):
        session.error(
            "OpenSSH's sshd is not installed; install it with `apt-get install openssh-server` "
            "(the interop suite runs sshd on loopback and needs root to add test users)"
        )
    _install(session, "test")
    session.run("pytest", "-m", "interop", "tests/interop", *session.posargs)


@nox.session
def example(session: nox.Session) -> None:
    """The example third-party plugin (examples/semine-plugins-folder), installed and tested.

    Its own venv: its entry point would otherwise sit beside the main suite's test plugins.
    """
    session.install(PROJECT)
    # A second step, so the semine-plugins just installed satisfies the example's requirement.
    session.install("./examples/semine-plugins-folder[test]", "mypy>=1.10")
    session.run("mypy", "--strict", "examples/semine-plugins-folder/src")  # typed as users see it
    session.run("semine-plugins", "plugins", "list")
    session.run("pytest", "examples/semine-plugins-folder", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff: lint rules and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Mypy, strict, on src/."""
    _install(session, "typecheck")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built strictly (a broken link or reference fails) into site/."""
    _install(session, "docs")
    session.run(
        "mkdocs",
        "build",
        "--strict",
        "--site-dir",
        "site",
        *session.posargs,
        env={"NO_MKDOCS_2_WARNING": "1"},  # the theme's end-of-life banner; not a build problem
    )


@nox.session
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks against sftp, rclone and a plain loop (root; not a default).

    ``nox -s bench -- --quick`` for a short run; see docs/performance.md.
    """
    _install(session, "bench")
    session.run("python", "benchmarks/run.py", *session.posargs)
