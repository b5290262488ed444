"""Side-by-side benchmarks of the Ftp plugin against the tools users would otherwise pick.

Run as root (it starts OpenSSH's sshd and adds the user ``semine-bench``)::

    python benchmarks/run.py            # the full run (about 7 minutes)
    python benchmarks/run.py --quick    # a smoke run, N = 200
    nox -s bench -- --quick

Everything runs on this machine: a real sshd on loopback, the SEMINE sandbox
in a process of its own, and for the 20 ms scenarios a latency proxy
(``latency_proxy.py``, 10 ms each way) in front of sshd. Each measured client
is a process of its own, timed from start to exit, its peak RSS measured by
GNU time (so the sandbox, sshd and the proxy are not counted). Results go to
``benchmarks/results/`` as JSON and Markdown; the table is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_validate  # noqa: E402
from sshd import USER, Server, free_port, running_sshd, wait_banner  # noqa: E402

from semine_plugins.sandbox import SandboxAdmin, SandboxClient, sample_detail  # noqa: E402

EMAIL = "bench@acme.no"
SEMINE_PASSWORD = "bench-pass-1"  # noqa: S105 - the sandbox's own user
OURS = "this project"
MORE_CONNECTIONS = 32  # the largest 'connections' setting
SFTP = "OpenSSH sftp"
RCLONE = "rclone --transfers 16"
RCLONE_NO_HASH = "rclone, no hash check"  # --transfers 16 --sftp-disable-hashcheck
LOOP = "sequential fsspec loop"
Row = dict[str, Any]


# ---------------------------------------------------------------- measuring


def measure(cmd: list[str], *, env: dict[str, str] | None = None, log: Path) -> tuple[float, float]:
    """Run ``cmd`` to completion; return (seconds, peak RSS in MB).

    GNU time runs it, so the peak RSS is the command's own (a child forked from
    this large process would report this process's pages as its peak).
    """
    usage, errors = log.with_suffix(".rss"), log.with_suffix(".err")
    with log.open("wb") as out, errors.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", str(usage), *cmd],
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        text = log.read_text()[-2000:] + errors.read_text()[-2000:]
        raise RuntimeError(f"{cmd[0]} exited {proc.returncode}:\n{text}")
    return seconds, int(usage.read_text().split()[-1]) / 1024


def row(
    scenario: str, rtt: int, n: int, tool: str, *, seconds: float, rss: float, **extra: Any
) -> Row:
    result = {
        "scenario": scenario,
        "rtt_ms": rtt,
        "n": n,
        "tool": tool,
        "seconds": round(seconds, 3),
        "files_per_s": round(n / seconds, 1) if seconds else None,
        "peak_rss_mb": round(rss, 1),
        **extra,
    }
    print(
        f"  {scenario:<8} {rtt:>3} ms  N={n:<7} {tool:<24} {seconds:8.2f} s "
        f"{result['files_per_s']!s:>9} files/s  {rss:6.1f} MB",
        flush=True,
    )
    return result


# ---------------------------------------------------------------- the world


def invoice_template() -> bytes:
    """A ten-line EHF/Peppol invoice (about 19 KB) with a placeholder for its number."""
    data = bench_validate.make(10)
    assert b"<cbc:ID>INV-2026-1001</cbc:ID>" in data
    return data.replace(b"<cbc:ID>INV-2026-1001</cbc:ID>", b"<cbc:ID>{number}</cbc:ID>", 1)


class World:
    """sshd, the sandbox, proxies, and the folders on the server's disk."""

    def __init__(
        self, stack: ExitStack, tmp: Path, connections: int, profile: Path | None = None
    ) -> None:
        self.stack = stack
        self.profile = profile
        self.tmp = tmp
        self.connections = connections
        self.server: Server = stack.enter_context(running_sshd())
        self.ports = {0: self.server.port}
        self.baselines = True  # False: this project's rows only (quick before/after runs)
        self.url, self.client, self.admin = self._sandbox()
        self.template = invoice_template()
        self.counter = 0
        self.obscured = subprocess.run(
            ["rclone", "obscure", "-"],
            input=self.server.password,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def _sandbox(self) -> tuple[str, SandboxClient, SandboxAdmin]:
        port = free_port()
        log = (self.tmp / "sandbox.log").open("wb")
        self.stack.callback(log.close)
        cmd = [sys.executable, "-m", "semine_plugins", "sandbox", "--port", str(port)]
        proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        self.stack.callback(proc.wait, 15)
        self.stack.callback(proc.terminate)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/openapi.json", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.1)  # uvicorn binds shortly after the process starts
        admin = self.stack.enter_context(SandboxAdmin(url))
        (client,) = admin.setup(
            users=[{"email": EMAIL, "password": SEMINE_PASSWORD}],
            organizations=[
                {
                    "name": "Acme",
                    "clients": [{"name": "Acme AS", "organizationNumber": "912345678"}],
                }
            ],
        )
        return url, client, admin

    def port(self, rtt: int) -> int:
        """The port to reach sshd at with ``rtt`` ms round trip (a proxy started on demand)."""
        if rtt not in self.ports:
            port = free_port()
            cmd = [
                sys.executable,
                str(HERE / "latency_proxy.py"),
                "--port",
                str(port),
                "--target",
                f"127.0.0.1:{self.server.port}",
                "--delay-ms",
                str(rtt / 2),
            ]
            proc = subprocess.Popen(cmd)
            self.stack.callback(proc.wait, 15)
            self.stack.callback(proc.terminate)
            wait_banner(port, proc, "the latency proxy")
            self.server.trust(port)
            self.ports[rtt] = port
        return self.ports[rtt]

    # ---- files on the server's disk

    def folder(self, name: str) -> Path:
        path = self.server.home / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(mode=0o755)
        shutil.chown(path, USER, USER)
        return path

    def populate(self, name: str, n: int, *, xml: bool = True) -> Path:
        """A folder with ``n`` distinct invoices (or ``n`` small non-XML files), settled."""
        path = self.folder(name)
        old = time.time() - 3600
        for i in range(n):
            self.counter += 1
            if xml:
                file = path / f"inv-{self.counter:07d}.xml"
                file.write_bytes(self.template.replace(b"{number}", b"B-%d" % self.counter))
            else:
                file = path / f"scan-{i:07d}.pdf"
                file.write_bytes(b"%PDF-1.4 not an invoice\n")
            os.chown(file, *_ids())
            os.utime(file, (old, old))
        return path

    def local(self, name: str) -> Path:
        path = self.tmp / name
        if path.exists():
            shutil.rmtree(path)
        path.mkdir()
        return path

    # ---- this project

    def config(self, name: str, folder: Path, rtt: int) -> Path:
        path = self.tmp / f"{name}.toml"
        path.write_text(
            f"""\
[integrations.acme]
plugin = "ftp"
semine_url = "{self.url}"
semine_email = "{EMAIL}"
semine_password = "{SEMINE_PASSWORD}"
[integrations.acme.settings]
host = "127.0.0.1"
port = {self.port(rtt)}
username = "{USER}"
password = "{self.server.password}"
folder = "{folder}"
success_folder = "{folder}/processed"
failure_folder = "{folder}/failed"
connections = {self.connections}
"""
        )
        return path

    def ours(self, action: str, name: str, folder: Path, rtt: int) -> tuple[float, float, Any]:
        """Run ``semine-plugins <action>`` as a user would; return time, RSS and the report."""
        env = dict(os.environ, SEMINE_PLUGINS_DATA_DIR=str(self.local(f"{name}-state")))
        log = self.tmp / f"{name}.json"
        cmd = [sys.executable, "-m", "semine_plugins", "--quiet"]
        cmd += ["--config", str(self.config(name, folder, rtt)), action, "acme", "--format", "json"]
        if self.profile is not None:  # every thread's stacks, sampled (times are then inflated)
            self.profile.mkdir(parents=True, exist_ok=True)
            out = self.profile / f"{name}.folded"
            cmd = [
                "py-spy",
                "record",
                "--gil",
                "-r",
                "250",
                "-f",
                "raw",
                "-o",
                str(out),
                "--",
                *cmd,
            ]
        seconds, rss = measure(cmd, env=env, log=log)
        # py-spy writes its own "py-spy> ..." lines to the same stdout
        lines = [ln for ln in log.read_text().splitlines() if not ln.startswith("py-spy> ")]
        return seconds, rss, json.loads("\n".join(lines))

    # ---- the baselines

    def ssh_args(self, rtt: int) -> list[str]:
        return [
            "-q",
            "-i",
            str(self.server.key_file),
            "-o",
            f"UserKnownHostsFile={self.server.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-P",
            str(self.port(rtt)),
        ]

    def sftp(self, name: str, batch: str, rtt: int) -> tuple[float, float]:
        (self.tmp / f"{name}.batch").write_text(batch)
        cmd = ["sftp", *self.ssh_args(rtt), "-b", str(self.tmp / f"{name}.batch")]
        return measure([*cmd, f"{USER}@127.0.0.1"], log=self.tmp / f"{name}.log")

    def rclone(
        self, name: str, source: str, target: Path, rtt: int, *extra: str
    ) -> tuple[float, float]:
        env = dict(
            os.environ,
            RCLONE_CONFIG="/dev/null",
            RCLONE_SFTP_HOST="127.0.0.1",
            RCLONE_SFTP_PORT=str(self.port(rtt)),
            RCLONE_SFTP_USER=USER,
            RCLONE_SFTP_PASS=self.obscured,
            RCLONE_SFTP_KNOWN_HOSTS_FILE=str(self.server.known_hosts),
        )
        cmd = ["rclone", "copy", f":sftp:{source}", str(target), "--transfers", "16", *extra]
        return measure(cmd, env=env, log=self.tmp / f"{name}.log")

    def loop(self, name: str, args: list[str]) -> tuple[float, float]:
        env = dict(os.environ, BENCH_USER=USER, BENCH_PASSWORD=self.server.password)
        cmd = [sys.executable, str(HERE / "seq_loop.py"), *args]
        return measure(cmd, env=env, log=self.tmp / f"{name}.log")


def _ids() -> tuple[int, int]:
    import pwd

    entry = pwd.getpwnam(USER)
    return entry.pw_uid, entry.pw_gid


def _count(folder: Path, suffix: str = ".xml") -> int:
    return sum(1 for p in folder.iterdir() if p.name.endswith(suffix) and p.is_file())


# ---------------------------------------------------------------- scenarios


def baseline(
    scenario: str,
    rtt: int,
    n: int,
    *,
    group: int,
    tool: str,
    target: Path,
    run: Callable[[], tuple[float, float]],
) -> Row:
    """Run a baseline that should leave ``n`` files in ``target``; its row in ``group``."""
    seconds, rss = run()
    if (found := _count(target)) != n:
        raise RuntimeError(f"{tool} left {found} of {n} files")
    return row(scenario, rtt, n, tool, seconds=seconds, rss=rss, group=group)


def receive_ours(w: World, n: int, rtt: int, tag: str) -> tuple[float, float]:
    """This project's receive of ``n`` fresh invoices, checked: each imported once, moved."""
    folder = w.populate(f"recv-{tag}", n)
    before = len(w.admin.received())
    seconds, rss, report = w.ours("receive", f"ours-{tag}", folder, rtt)
    imported = report["counts"].get("imported", 0)
    moved = _count(folder / "processed")
    if imported != n or moved != n or _count(folder) or len(w.admin.received()) - before != n:
        raise RuntimeError(
            f"receive lost or duplicated invoices: {report['counts']}, moved {moved}"
        )
    shutil.rmtree(folder)
    return seconds, rss


def receive(w: World, n: int, rtt: int, slow_n: int) -> Iterator[Row]:
    """Ours (download, validate, import, move) vs the transfer-only baselines."""
    tag = f"r{rtt}-{n}"
    seconds, rss = receive_ours(w, n, rtt, tag)
    yield row("receive", rtt, n, OURS, seconds=seconds, rss=rss, group=n)
    if rtt and w.connections < MORE_CONNECTIONS:
        # Far from the server, more connections pay: the same run with the maximum.
        configured, w.connections = w.connections, MORE_CONNECTIONS
        try:
            seconds, rss = receive_ours(w, n, rtt, f"{tag}-more")
        finally:
            w.connections = configured
        tool = f"{OURS}, {MORE_CONNECTIONS} connections"
        yield row("receive", rtt, n, tool, seconds=seconds, rss=rss, group=n)
    if not w.baselines:
        return

    folder = w.populate(f"recv-{tag}", n)
    target = w.local(f"rclone-{tag}")
    run = partial(w.rclone, f"rclone-{tag}", str(folder), target, rtt)
    yield baseline("receive", rtt, n, group=n, tool=RCLONE, target=target, run=run)
    # rclone by default also checks each file's MD5 (running md5sum over SSH); without:
    target = w.local(f"rclone-{tag}")
    run = partial(w.rclone, f"rclone-{tag}", str(folder), target, rtt, "--sftp-disable-hashcheck")
    yield baseline("receive", rtt, n, group=n, tool=RCLONE_NO_HASH, target=target, run=run)

    # The one-file-at-a-time tools are measured on fewer files when the network is slow.
    m = min(n, slow_n) if rtt else n
    small = w.populate(f"recv-{tag}-seq", m) if m != n else folder
    target = w.local(f"sftp-{tag}")
    run = partial(w.sftp, f"sftp-{tag}", f"get {small}/*.xml {target}/\n", rtt)
    yield baseline("receive", rtt, m, group=n, tool=SFTP, target=target, run=run)
    target = w.local(f"loop-{tag}")
    run = partial(w.loop, f"loop-{tag}", ["get", str(w.port(rtt)), str(small), str(target)])
    yield baseline("receive", rtt, m, group=n, tool=LOOP, target=target, run=run)
    for path in {folder, small, target}:
        shutil.rmtree(path)


def send(w: World, n: int, rtt: int, slow_n: int) -> Iterator[Row]:
    """Ours (fetch, to UBL, validate, upload, mark Posted) vs uploading the same files."""
    tag = f"s{rtt}-{n}"
    for i in range(n):
        w.admin.seed_invoice(w.client, sample_detail(invoiceNumber=f"S-{tag}-{i}"))
    folder = w.folder(f"send-{tag}")
    seconds, rss, report = w.ours("send", f"ours-{tag}", folder, rtt)
    sent = report["counts"].get("sent", 0)
    if sent != n or _count(folder) != n or w.admin.invoices("Posting"):
        raise RuntimeError(f"send lost or duplicated invoices: {report['counts']}")
    yield row("send", rtt, n, OURS, seconds=seconds, rss=rss, group=n)
    if not w.baselines:
        return

    m = min(n, slow_n) if rtt else n
    source = w.local(f"send-src-{tag}")
    for file in sorted(folder.iterdir())[:m]:
        if file.is_file():
            shutil.copy(file, source / file.name)
    target = w.folder(f"send-sftp-{tag}")
    run = partial(w.sftp, f"sftp-put-{tag}", f"put {source}/*.xml {target}/\n", rtt)
    yield baseline("send", rtt, m, group=n, tool=SFTP, target=target, run=run)
    target = w.folder(f"send-loop-{tag}")
    run = partial(w.loop, f"loop-put-{tag}", ["put", str(w.port(rtt)), str(source), str(target)])
    yield baseline("send", rtt, m, group=n, tool=LOOP, target=target, run=run)


def scale(w: World, n: int) -> Iterator[Row]:
    """A main folder of ``n`` files receive must list and skip, in bounded memory."""
    folder = w.populate(f"scale-{n}", n, xml=False)
    seconds, rss, report = w.ours("receive", f"scale-{n}", folder, 0)
    if sum(report["counts"].values()) or _count(folder, ".pdf") != n:
        raise RuntimeError(f"the scale run touched files: {report['counts']}")
    per_file = round(seconds / n * 1e6, 1)
    yield row("scale", 0, n, OURS, seconds=seconds, rss=rss, us_per_file=per_file)
    # For comparison: fsspec's ls, which loads the whole listing at once.
    seconds, rss = w.loop(f"ls-{n}", ["ls", str(w.port(0)), str(folder), "-"])
    per_file = round(seconds / n * 1e6, 1)
    yield row(
        "scale", 0, n, "fsspec ls (whole listing)", seconds=seconds, rss=rss, us_per_file=per_file
    )
    shutil.rmtree(folder)


def validate(repeat: int) -> Iterator[Row]:
    """The UBL parse and validate timings against bare libxml2 (``bench_validate``)."""
    for case in bench_validate.measure(repeat):
        yield {"scenario": "validate", **case}
        ours, lxml = case["ours_ms"], case["lxml_ms"]
        print(f"  validate {case['case']:<24} {ours:.3f} ms vs lxml {lxml:.3f} ms")


# ---------------------------------------------------------------- report


def ratios(rows: list[Row]) -> None:
    """Add ``ours ÷ baseline`` throughput ratios within each (scenario, RTT, N) group."""
    groups: dict[tuple[str, int, int], list[Row]] = {}
    for r in rows:
        if "group" in r:
            groups.setdefault((r["scenario"], r["rtt_ms"], r["group"]), []).append(r)
    for group in groups.values():
        for ours in (r for r in group if r["tool"].startswith(OURS)):
            ours["ratio"] = {
                r["tool"]: round(ours["files_per_s"] / r["files_per_s"], 2)
                for r in group
                if not r["tool"].startswith(OURS)
            }


def markdown(rows: list[Row], meta: dict[str, Any]) -> str:
    lines = [
        f"Run {meta['date']} on {meta['machine']}; this project with {meta['connections']} "
        "SFTP connections.",
        "",
        "| scenario | RTT | N | tool | seconds | files/s | peak RSS MB | this project ÷ tool |",
        "|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        if r["scenario"] == "validate":
            continue
        ratio = ", ".join(f"{k}: {v}x" for k, v in r.get("ratio", {}).items())
        extra = f" ({r['us_per_file']} µs/file)" if "us_per_file" in r else ""
        lines.append(
            f"| {r['scenario']} | {r['rtt_ms']} ms | {r['n']:,} | {r['tool']} | {r['seconds']} "
            f"| {r['files_per_s']}{extra} | {r['peak_rss_mb']} | {ratio} |"
        )
    lines += [
        "",
        "| validate case | this project ms | libxml2 ms | ratio |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {r['case']} | {r['ours_ms']:.3f} | {r['lxml_ms']:.3f} | {r['ratio']:.2f} |"
        for r in rows
        if r["scenario"] == "validate"
    ]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main


@contextmanager
def world(connections: int, profile: Path | None) -> Iterator[World]:
    with ExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="semine-bench-client-"))
        stack.callback(shutil.rmtree, tmp, True)
        yield World(stack, tmp, connections, profile)


def plan(args: argparse.Namespace) -> list[tuple[str, Callable[[World], Iterator[Row]]]]:
    if args.quick:
        n_recv, n_send, n_scale, slow = [200], 200, 5_000, 100
    else:
        n_recv, n_send, n_scale, slow = [1_000, 10_000], 1_000, 100_000, 200
    n_recv = args.n or n_recv
    steps: list[tuple[str, Callable[[World], Iterator[Row]]]] = []
    for rtt in args.rtt:
        for n in n_recv:
            if rtt and n > 1_000 and not args.slow:
                continue  # 10,000 files at 20 ms: --slow
            steps.append(("receive", lambda w, n=n, rtt=rtt: receive(w, n, rtt, slow)))
    for rtt in args.rtt:
        steps.append(("send", lambda w, rtt=rtt: send(w, n_send, rtt, slow)))
    steps.append(("scale", lambda w: scale(w, n_scale)))
    steps.append(("validate", lambda w: validate(20 if args.quick else 200)))
    return [s for s in steps if not args.only or s[0] in args.only]


def main() -> None:
    parser = argparse.ArgumentParser(description="Side-by-side benchmarks (run as root).")
    parser.add_argument("--quick", action="store_true", help="a smoke run with N = 200")
    parser.add_argument("--slow", action="store_true", help="also receive 10,000 at 20 ms")
    parser.add_argument("--only", nargs="*", help="receive, send, scale, validate")
    parser.add_argument("--connections", type=int, default=16, help="this project's connections")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample this project's runs with py-spy into this folder (threads holding the GIL)",
    )
    parser.add_argument("--n", type=int, nargs="*", help="receive sizes instead of the defaults")
    parser.add_argument(
        "--ours-only", action="store_true", help="skip the baselines (before/after comparisons)"
    )
    parser.add_argument(
        "--rtt", type=int, nargs="*", default=[0, 20], choices=[0, 20], help="round-trip times"
    )
    args = parser.parse_args()
    meta = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
        ),
        "connections": args.connections,
        "quick": args.quick,
    }
    rows: list[Row] = []
    started = time.perf_counter()
    with world(args.connections, args.profile) as w:
        w.baselines = not args.ours_only
        for name, step in plan(args):
            print(f"{name}:", flush=True)
            rows.extend(step(w))
    ratios(rows)
    meta["total_seconds"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "quick" if args.quick else "full"
    (args.out / f"{stem}.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    text = markdown(rows, meta)
    (args.out / f"{stem}.md").write_text(text)
    print()
    print(text)
    print(f"total {meta['total_seconds']} s; written to {args.out}/{stem}.json and .md")


if __name__ == "__main__":
    main()
