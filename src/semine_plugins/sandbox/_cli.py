"""``semine-plugins sandbox``: run the SEMINE sandbox as an HTTP server."""

from __future__ import annotations

import click

from semine_plugins.sandbox._server import serve_forever


@click.command(name="sandbox")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--db",
    default=":memory:",
    show_default=True,
    help="SQLite file that keeps the sandbox's state (:memory: keeps nothing).",
)
def sandbox(host: str, port: int, db: str) -> None:
    """Run a local SEMINE sandbox that implements the API contract.

    Prints the URL it listens on; stops on Ctrl+C (SIGINT) or SIGTERM.
    """

    def started(url: str) -> None:
        click.echo(f"SEMINE sandbox listening on {url}", err=False)
        click.echo(f"OpenAPI document: {url}/openapi.json")

    try:
        serve_forever(host=host, port=port, db=db, on_started=started)
    except RuntimeError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("SEMINE sandbox stopped")
