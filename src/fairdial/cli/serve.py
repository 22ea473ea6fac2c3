"""`fairdial serve`: run the telephony endpoints described by one YAML file (docs/serve.md)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import signal
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from fairdial.cli import app
from fairdial.cli.common import console, fail, store_from_options

# The server and its web stack load when `fairdial serve` runs, not for `fairdial --help`.
if TYPE_CHECKING:
    from fairdial.server.config import ServeConfig
    from fairdial.store import Store

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
    from fairdial.config import DatabaseUrlError, check_database_url
    from fairdial.server.config import ServeConfigError, load_config

    try:
        config = load_config(config_path)
        config.check_environment()
    except ServeConfigError as error:
        raise fail(f"{config_path}: {error}") from error
    if config.database_url is not None:
        try:
            check_database_url(config.database_url, persistent=True)
        except DatabaseUrlError as error:
            raise fail(f"{config_path}: database_url: {error}") from None
    if check:
        console.print(f"{config_path}: ok", highlight=False)
        return
    try:
        _check_listeners_free(config)
    except ServeConfigError as error:
        raise fail(f"{config_path}: {error}") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # httpx logs every request's URL at INFO, and a URL may carry a borrower's phone number.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Opened before serving, so that a store that cannot be opened is one line naming the key.
    home = Path(config.home) if config.home else None
    names = ("database_url", "home")
    with store_from_options(
        config.database_url, home, names=names, where=f"{config_path}: "
    ) as store:
        asyncio.run(_serve(config, store))


async def _serve(config: ServeConfig, store: Store) -> None:
    from fairdial.server.engines import build_server

    server = build_server(config, store=store)
    try:
        await server.start()
    except OSError as error:
        # A port taken between the check above and the bind.
        raise fail(f"cannot start serving: {error}") from None
    except _sip_errors() as error:
        raise fail(f"cannot start serving: {_sip_key(error)}: {error}") from None
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


def _sip_errors() -> tuple[type[Exception], ...]:
    """What the SIP user agent raises when it cannot start; nothing without the sip extra."""
    try:
        from fairdial.telephony.sip import SipError
    except ImportError:
        return ()
    return (SipError,)


def _sip_key(error: Exception) -> str:
    """The `sip` key a failed start points at: the registrar, a taken port, or the section."""
    text = str(error)
    if "registrar" in text or "registration" in text:
        return "sip.registrar"
    if "already in use" in text:
        return "sip.port"
    return "sip"


def _check_listeners_free(config: ServeConfig) -> None:
    """Bind and release each TCP address serve listens on, so a taken port is reported by its
    key and address instead of surfacing from deep inside the server's start."""
    # The web app binds an IPv4 socket; the AudioSocket listener takes whatever the host is.
    listeners = [("http", config.http.host, config.http.port, socket.AF_INET)]
    if config.audiosocket is not None:
        audiosocket = config.audiosocket
        listeners.append(("audiosocket", audiosocket.host, audiosocket.port, socket.AF_UNSPEC))
    for section, host, port, family in listeners:
        _probe(section, host, port, family)  # port 0 still tries the host


def _probe(section: str, host: str, port: int, family: socket.AddressFamily) -> None:
    from fairdial.server.config import ServeConfigError

    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    try:
        candidates = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise ServeConfigError(
            f"{section}.host: cannot resolve {host!r} ({error.strerror})"
        ) from None
    found, kind, proto, _, sockaddr = candidates[0]
    with socket.socket(found, kind, proto) as probe:
        # The server sets this too: without it a port closed moments ago would read as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise ServeConfigError(
                    f"{section}.port: {address} is already in use; stop what listens there "
                    f"or choose another {section}.port"
                ) from None
            raise ServeConfigError(
                f"{section}.host: cannot listen on {address} ({error.strerror})"
            ) from None
