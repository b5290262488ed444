"""The baseline a user would write: one fsspec SFTP connection, one file after another.

``python benchmarks/seq_loop.py get PORT REMOTE_FOLDER LOCAL_FOLDER`` downloads
every ``*.xml`` file; ``put PORT LOCAL_FOLDER REMOTE_FOLDER`` uploads every
file; ``ls PORT REMOTE_FOLDER -`` lists a folder the fsspec way (all at once).
The user and password come from ``BENCH_USER`` / ``BENCH_PASSWORD``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import fsspec


def main() -> None:
    action, port, source, target = sys.argv[1:5]
    fs = fsspec.filesystem(
        "sftp",
        host="127.0.0.1",
        port=int(port),
        username=os.environ["BENCH_USER"],
        password=os.environ["BENCH_PASSWORD"],
        look_for_keys=False,
        allow_agent=False,
        skip_instance_cache=True,
    )
    if action == "ls":
        print(len(fs.ls(source, detail=True)))
    elif action == "get":
        for path in fs.ls(source, detail=False):
            if path.endswith(".xml"):
                Path(target, path.rsplit("/", 1)[-1]).write_bytes(fs.cat_file(path))
    else:
        for local in sorted(Path(source).iterdir()):
            fs.put_file(str(local), f"{target}/{local.name}")


if __name__ == "__main__":
    main()
