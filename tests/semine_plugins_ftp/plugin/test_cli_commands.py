"""The command line as a user drives it, against the SFTP server and the sandbox.

``run`` is tested as a real process with real signals; the others through
click's runner (same code, faster).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import IO, Any

import pytest
from click.testing import CliRunner

from semine_plugins.cli import cli
from semine_plugins.integrations import render_integration
from semine_plugins.sandbox import sample_document

IMPORTS = "/api/v1.0/organizations/"  # every POST under it is an import


def invoke(world: Any, *args: str, env: dict[str, str] | None = None) -> Any:
    if not world.config.exists():
        world.runner()  # writes the configuration file once; commands may add to it
    return CliRunner().invoke(cli, ["--config", str(world.config), *args], env=env)


class Lines:
    """Reads a process's stream on a thread, so a test can wait for a line with a bound."""

    def __init__(self, stream: IO[str]) -> None:
        self._q: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._q.put(line)
        self._q.put(None)

    def until(self, predicate: Any, timeout: float = 60) -> Any:
        """Return the first JSON line satisfying ``predicate``."""
        while True:
            line = self._q.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the process ended; it printed: {self.seen}")
            self.seen.append(line)
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if predicate(data):
                return data


@pytest.fixture
def run_process(world: Any) -> Iterator[Any]:
    procs: list[tuple[subprocess.Popen[str], Lines]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], Lines]:
        world.runner()
        proc = subprocess.Popen(
            [sys.executable, "-m", "semine_plugins", "--config", str(world.config), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines = Lines(proc.stdout)  # type: ignore[arg-type]
        procs.append((proc, lines))
        return proc, lines

    yield start
    for proc, lines in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        lines.thread.join()
        proc.stdout.close()  # type: ignore[union-attr]
        proc.stderr.close()  # type: ignore[union-attr]


def imported(report: dict[str, Any]) -> bool:
    return report["action"] == "receive" and report["counts"]["imported"] > 0


# ---------------------------------------------------------------- send / receive


def test_receive_reports_a_table_and_exits_1_when_a_file_failed(world):
    world.put("good.xml", sample_document("G-1"))
    world.put("bad.xml", b"<Invoice>not UBL</Invoice>")
    result = invoke(world, "receive", "acme")
    assert result.exit_code == 1
    assert "IMPORTED" in result.output
    assert "FAILED" in result.output
    assert "receive acme: 1 imported, 1 failed" in result.output


def test_receive_json_and_the_history_it_leaves(world):
    world.put("good.xml", sample_document("G-1"))
    result = invoke(world, "receive", "acme", "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["imported"] == 1
    assert report["outcomes"][0]["path"] == "/invoices/processed/good.xml"
    history = invoke(world, "history", "acme", "--format", "json")
    (run,) = json.loads(history.output)["runs"]
    assert run["action"] == "receive"
    assert run["ok"] is True
    assert run["counts"] == {"imported": 1}
    table = invoke(world, "history", "acme")
    assert "1 imported" in table.output


def test_history_records_runs_that_could_not_start(world):
    world.configure(password="wrong")
    result = invoke(world, "receive", "acme")
    assert result.exit_code == 1
    (run,) = json.loads(invoke(world, "history", "acme", "--format", "json").output)["runs"]
    assert run["ok"] is False
    assert "password" in run["error"] or "authentication" in run["error"].lower()
    assert "wrong" not in json.dumps(run)


def test_history_of_an_unknown_integration_is_a_usage_error(world):
    result = invoke(world, "history", "nope")
    assert result.exit_code == 2
    assert "no integration named 'nope'" in result.output


# ---------------------------------------------------------------- run


def test_run_picks_up_files_that_arrive_and_stops_cleanly_on_sigterm(world, run_process):
    proc, out = run_process("run", "acme", "--interval", "1", "--format", "json")
    out.until(lambda r: r["action"] == "receive")  # the first cycle ran: folder empty
    world.put("arrived.xml", sample_document("A-1"))
    report = out.until(imported)
    assert report["outcomes"][0]["name"] == "arrived.xml"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    assert "finishing the files in hand" in proc.stderr.read()  # type: ignore[union-attr]
    assert world.files("invoices/processed") == ["arrived.xml"]
    assert len(world.admin.received()) == 1


def test_sigterm_during_an_import_finishes_that_file_then_exits_0(world, run_process):
    world.put("slow.xml", sample_document("S-1"))
    world.admin.add_fault(method="POST", path=IMPORTS, delay_seconds=3)
    proc, _ = run_process("run", "acme", "--interval", "1", "--format", "json")
    world.admin.wait_for_calls("POST", IMPORTS, timeout=60)  # the import is in flight
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    # The file in hand was finished: imported once and moved, not abandoned half-way.
    assert len(world.admin.received()) == 1
    assert world.files("invoices/processed") == ["slow.xml"]
    assert world.files() == []


def test_one_failing_integration_does_not_stop_the_others(world, run_process):
    world.put("good.xml", sample_document("G-1"))
    world.runner()
    broken = {**world.settings, "password": "wrong-password"}
    with world.config.open("a", encoding="utf-8") as fh:
        fh.write(
            "\n"
            + render_integration(
                "broken",
                plugin="ftp",
                semine_url=world.sandbox.url,
                settings=broken,
                **world.semine,
            )
        )
    world.runner = lambda: None  # keep the two-integration file as written
    proc, out = run_process("run", "--cycles", "1", "--interval", "1", "--format", "json")
    report = out.until(imported)
    assert report["integration"] == "acme"
    assert proc.wait(timeout=60) == 1  # a bounded run reports the failure
    assert "broken" in proc.stderr.read()  # type: ignore[union-attr]
    assert world.files("invoices/processed") == ["good.xml"]


def test_run_with_a_bad_configuration_exits_2_before_starting(world):
    world.configure(port=70000)
    result = invoke(world, "run", "acme", "--cycles", "1")
    assert result.exit_code == 2
    assert "port" in result.output


# ---------------------------------------------------------------- integrations add


def _add_args(world: Any, name: str = "shop") -> list[str]:
    return [
        "integrations",
        "add",
        name,
        "--plugin",
        "ftp",
        "--semine-url",
        world.sandbox.url,
        "--semine-email",
        world.semine["semine_email"],
        "--semine-password-env",
        "SHOP_SEMINE_PASSWORD",
        "--set",
        f"host={world.sftp.host}",
        "--set",
        f"port={world.sftp.port}",
        "--set",
        "username=semine",
        "--secret-env",
        "password=SHOP_FTP_PASSWORD",
        "--set",
        "folder=/invoices",
        "--set",
        "success_folder=/invoices/processed",
    ]


def test_add_with_flags_writes_references_and_runs_test_connection(world):
    env = {
        "SHOP_SEMINE_PASSWORD": world.semine["semine_password"],
        "SHOP_FTP_PASSWORD": world.settings["password"],
    }
    result = invoke(world, *_add_args(world), "--test", "--format", "json", env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["integration"] == "shop"
    assert data["test_connection"]["ok"] is True
    text = world.config.read_text().split("[integrations.shop]")[1]
    assert 'password = { env = "SHOP_FTP_PASSWORD" }' in text
    assert 'semine_password = { env = "SHOP_SEMINE_PASSWORD" }' in text
    assert world.settings["password"] not in text
    listed = invoke(world, "integrations", "list", "--format", "json")
    assert [i["name"] for i in json.loads(listed.output)["integrations"]] == ["acme", "shop"]


def test_add_names_every_missing_answer_at_once(world):
    result = invoke(world, "integrations", "add", "x", "--plugin", "ftp", "--no-input")
    assert result.exit_code == 2
    for gap in ("--semine-url", "--semine-email", "--set host=", "--set folder="):
        assert gap in result.output


def test_add_refuses_a_secret_value_unless_asked_to_store_it(world):
    args = [*_add_args(world), "--set", "password=hunter2"]
    args.remove("--secret-env")
    args.remove("password=SHOP_FTP_PASSWORD")
    refused = invoke(world, *args, "--no-test", env={"SHOP_SEMINE_PASSWORD": "x"})
    assert refused.exit_code == 2
    assert "--secret-env password=VAR" in refused.output
    assert "hunter2" not in refused.output
    assert "[integrations.shop]" not in world.config.read_text()
    stored = invoke(world, *args, "--store-secrets", "--no-test")
    assert stored.exit_code == 0, stored.output
    assert 'password = "hunter2"' in world.config.read_text()
    assert oct(world.config.stat().st_mode & 0o777) == "0o600"


def test_add_rejects_bad_values_and_existing_names_with_exit_2(world):
    bad = invoke(world, *_add_args(world), "--set", "port=70000", "--no-test")
    assert bad.exit_code == 2
    assert "'port'" in bad.output
    clash = invoke(world, *_add_args(world, "acme"), "--no-test")
    assert clash.exit_code == 2
    assert "already has an integration named 'acme'" in clash.output
    unknown = invoke(world, "integrations", "add", "y", "--plugin", "nosuch", "--no-input")
    assert unknown.exit_code == 2
    assert "nosuch" in unknown.output


def test_add_interactive_form_in_a_terminal(world, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    config = tmp_path / "new.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEW_")}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "semine_plugins", "--config", str(config), "integrations", "add"],
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect_exact("Integration Name*")
        child.sendline("new")
        if child.expect([r"Plugin\*.*:", r"Plugin: ftp"]) == 0:
            child.sendline("ftp")
        child.expect_exact("SEMINE API URL*")
        child.sendline(world.sandbox.url)
        child.expect_exact("[password] or a personal access [token]")
        child.sendline("")
        child.expect_exact("Semine Email*")
        child.sendline(world.semine["semine_email"])
        child.expect_exact("Semine Password*: keep it in an [env] variable")
        child.sendline("")
        child.expect_exact("environment variable [NEW_SEMINE_PASSWORD]")
        child.sendline("")
        child.expect_exact("NEW_SEMINE_PASSWORD is not set")
        child.sendline(world.semine["semine_password"])
        child.expect_exact("Host*")
        child.sendline(world.sftp.host)
        child.expect_exact("Ftp username*")
        child.sendline("semine")
        child.expect(r"Set Ftp password\*.*\[Y/n\]")
        child.sendline("")
        child.expect_exact("Ftp password*: keep it in")
        child.sendline("")
        child.expect_exact("environment variable [NEW_FTP_PASSWORD]")
        child.sendline("")
        child.expect_exact("NEW_FTP_PASSWORD is not set")
        child.sendline(world.settings["password"])
        child.expect_exact("Ftp folder*")
        child.sendline("/invoices")
        child.expect_exact("Ftp port* [22]")
        child.sendline(str(world.sftp.port))
        child.expect_exact("Success folder")
        child.sendline("/invoices/processed")
        child.expect_exact("Failure folder")
        child.sendline("")
        child.expect_exact("Ignore root folder files")
        child.sendline("")
        child.expect_exact("Set advanced fields too")
        child.sendline("n")
        child.expect_exact("Run Test Connection now?")
        child.sendline("")
        child.expect_exact("test-connection new: all checks passed")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0, child.before
    text = config.read_text()
    assert 'password = { env = "NEW_FTP_PASSWORD" }' in text
    assert world.settings["password"] not in text
    assert world.semine["semine_password"] not in text
    # The typed secrets were never echoed to the terminal.
    assert world.settings["password"] not in (child.before or "")


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("command", ["send", "receive", "test-connection", "history"])
def test_commands_on_a_missing_config_file_exit_2_without_a_traceback(tmp_path, command):
    missing = tmp_path / "nope.toml"
    result = CliRunner().invoke(cli, ["--config", str(missing), command, "acme"])
    assert result.exit_code == 2
    assert f"configuration file {missing} does not exist" in result.output
    assert "Traceback" not in result.output


def test_a_config_error_names_file_integration_and_field(world):
    world.configure(port="twenty-two", folder=None)
    result = invoke(world, "send", "acme")
    assert result.exit_code == 2
    assert str(world.config) in result.output
    assert "'acme'" in result.output
    assert "'port'" in result.output
    assert "'folder'" in result.output


def test_config_path_from_the_environment(world):
    world.runner()
    result = CliRunner().invoke(
        cli, ["integrations", "list"], env={"SEMINE_PLUGINS_CONFIG": str(world.config)}
    )
    assert result.exit_code == 0
    assert "acme" in result.output


def test_json_logs_carry_the_integration_and_file_and_no_secret(world):
    world.put("good.xml", sample_document("G-1"))
    world.put("bad.xml", b"<Invoice>not UBL</Invoice>")
    world.runner()
    args = ["-v", "--log-format", "json", "receive", "acme", "--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-m", "semine_plugins", "--config", str(world.config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
    assert records, proc.stderr
    by_file = {r.get("file"): r for r in records if r.get("file")}
    assert {"good.xml", "bad.xml"} <= set(by_file)
    assert all(r.get("integration") == "acme" for r in by_file.values())
    for secret in (world.settings["password"], world.semine["semine_password"]):
        assert secret not in proc.stderr
        assert secret not in proc.stdout
