"""A campaign through a real carrier: the server's endpoints up, today's accounts dialled live.

The server (built from the serve YAML by `fairdial.server.engines.build_server`) owns the
carrier's channel and the web endpoints the carrier calls back; the campaign dials through
the channel the server offers under the carrier's name, on the machine's clock.

Limitations: only Twilio is dialled yet. A carrier joins by being listed in `CARRIERS` once
the server offers its channel under that name (a `SipChannel` as `server.sip`), and once that
channel awaits a session factory that is a coroutine function, as `TwilioChannel` does: the
production factory screens every answer for a machine before the session exists.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Protocol

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

CARRIERS = ("twilio",)


class CarrierServer(Protocol):
    """What a campaign needs of the server; its channels are attributes named by carrier."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def check_carrier(carrier: str) -> None:
    if carrier not in CARRIERS:
        known = ", ".join(CARRIERS)
        raise CampaignError(f"carrier {carrier!r} is not supported for campaigns (known: {known})")


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
    with campaign_lock(store):
        await server.start()
        try:
            channel = carrier_channel(server, carrier)
            live = replace(options, real_time=True, channel=lambda _lookup, _seed: channel)
            return await run_campaign_async(store, live, progress, stop)
        finally:
            await server.stop()
