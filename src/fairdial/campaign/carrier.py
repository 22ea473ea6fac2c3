"""A campaign through a real carrier: the server's endpoints up, today's accounts dialled live.

The server (built from the serve YAML by `fairdial.server.engines.build_server`) owns the
carrier's channel and the web endpoints the carrier calls back; the campaign dials through
the channel the server offers under the carrier's name (`server.twilio`, `server.sip`), on the
machine's clock. Both channels await the production session factory, which screens every answer
for a machine before the session exists.

A SIP user agent holds at most `sip.max_calls` calls at once, and a dial beyond them waits for
a line: the call would go out later than the moment its contact-hours decision was made. So a
SIP campaign is refused more lines than that.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

from fairdial.campaign.lock import campaign_lock
from fairdial.campaign.runner import (
    CampaignError,
    Progress,
    RunOptions,
    RunSummary,
    run_campaign_async,
)
from fairdial.store import Store
from fairdial.telephony.base import Channel

if TYPE_CHECKING:
    from fairdial.server.config import ServeConfig

CARRIERS = ("twilio", "sip")


class CarrierServer(Protocol):
    """What a campaign needs of the server; its channels are attributes named by carrier."""

    config: ServeConfig

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def check_carrier(carrier: str) -> None:
    if carrier not in CARRIERS:
        known = ", ".join(CARRIERS)
        raise CampaignError(f"carrier {carrier!r} is not supported for campaigns (known: {known})")


def line_limit(config: ServeConfig, carrier: str) -> int | None:
    """The most calls `carrier` carries at once as the serve file sets it up; None: no limit."""
    if carrier == "sip" and config.sip is not None:
        return config.sip.max_calls
    return None


def check_lines(config: ServeConfig, carrier: str, lines: int) -> None:
    """Refuse more campaign lines than the carrier carries calls at once."""
    limit = line_limit(config, carrier)
    if limit is not None and lines > limit:
        raise CampaignError(
            f"{lines} lines, but sip.max_calls is {limit}: the SIP user agent carries at most "
            f"{limit} calls at once"
        )


def carrier_channel(server: CarrierServer, carrier: str) -> Channel:
    """The started server's channel for `carrier`."""
    check_carrier(carrier)
    channel: Channel | None = getattr(server, carrier, None)
    if channel is None:
        raise CampaignError(f"{carrier}: the serve configuration has no {carrier} section")
    return channel


async def run_through_carrier(
    store: Store,
    server: CarrierServer,
    carrier: str,
    options: RunOptions,
    progress: Progress | None = None,
    stop: asyncio.Event | None = None,
) -> RunSummary:
    """Start `server`, call today's accounts through its `carrier` in real time, stop it.

    Holds the store's campaign lock throughout. Setting `stop` lets calls in progress finish
    and starts no new one; however the run ends, the server stops and hangs up what is left.
    """
    check_carrier(carrier)
    check_lines(server.config, carrier, options.settings.lines)
    with campaign_lock(store):
        await server.start()
        try:
            channel = carrier_channel(server, carrier)
            live = replace(options, real_time=True, channel=lambda _lookup, _seed: channel)
            return await run_campaign_async(store, live, progress, stop)
        finally:
            await server.stop()
