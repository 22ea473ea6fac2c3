"""`fairdial serve`: run the telephony endpoints described by one YAML file (docs/serve.md)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from pathlib import Path
from typing import Annotated

import typer

from fairdial.cli import app
from fairdial.cli.common import console, fail
from fairdial.server.config import ServeConfig, ServeConfigError, load_config

logger = logging.getLogger("fairdial.server")


@app.command("serve")
def serve_command(
    config_path: Annotated[Path, typer.Option("--config", "-c", help="The serve YAML file.")],
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Validate the file and the environment it names, then exit without serving.",
        ),
    ] = False,
) -> None:
    """Serve Twilio webhooks and media streams, the AudioSocket listener and SIP until stopped."""
    try:
        config = load_config(config_path)
        config.check_environment()
    except ServeConfigError as error:
        raise fail(f"{config_path}: {error}") from error
    if check:
        console.print(f"{config_path}: ok", highlight=False)
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # httpx logs every request's URL at INFO, and a URL may carry a borrower's phone number.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(_serve(config))


async def _serve(config: ServeConfig) -> None:
    from fairdial.server.engines import build_server

    server = build_server(config)
    await server.start()
    listening = [f"serving on {server.http_url}"]
    if server.audiosocket_address is not None:
        listening.append(f"audiosocket on {server.audiosocket_address}")
    if server.sip is not None:
        listening.append(f"sip on {server.sip.local_address}")
    console.print(", ".join(listening), highlight=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    await server.stop()
