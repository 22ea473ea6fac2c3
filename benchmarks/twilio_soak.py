"""Soak: many simulated calls through the Twilio adapter on loopback, then count what leaked.

A local Twilio REST fake takes the calls; for each one a Media Streams peer replays the
documented messages (connected, start, 20 ms media, stop) over a real WebSocket while a
`VoiceSession` with instant fake engines listens to a short "hello" and answers. One call in
every hundred raises mid-conversation to show it touches no other call. Prints calls
completed, duration, asyncio tasks left, sockets and RSS before and after.

    python benchmarks/twilio_soak.py --calls 200 --concurrency 50
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import numpy as np
from websockets.exceptions import ConnectionClosed

from fairdial.server.supervisor import CallSupervisor
from fairdial.telephony.base import BotUtterance, DialRequest
from fairdial.telephony.events import AnsweredCall
from fairdial.telephony.twilio import TwilioChannel, TwilioCredentials, TwilioRestClient
from fairdial.telephony.twilio.signature import compute_signature
from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.engines import FakeSpeechToText, FakeTextToSpeech
from fairdial.voice.session import VoiceSession
from fairdial.voice.vad import EnergyVad

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local fakes live in tests/

from tests.telephony.fake_twilio_rest import ACCOUNT_SID, AUTH_TOKEN, FakeTwilioRest
from tests.telephony.servers import base_url, bound_socket, serving
from tests.telephony.twilio_peer import TwilioPeer

SILENCE = b"\xff" * 160
_t = np.arange(160) / 8000
SPEECH = ulaw_encode((np.sin(2 * np.pi * 300 * _t) * 8000).astype(np.int16))


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own descriptor is gone by now
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


class Soak:
    def __init__(self, channel: TwilioChannel, fake: FakeTwilioRest, http: httpx.AsyncClient):
        self.channel = channel
        self.fake = fake
        self.http = http
        self.supervisor = CallSupervisor(max_call_s=20.0)
        self.placed: dict[str, asyncio.Future] = {}  # type: ignore[type-arg]
        self.completed = 0

    async def route_placed(self) -> None:
        while True:
            call = await self.fake.placed.get()
            self.placed[call.field("To")].set_result(call)

    def session_for(self, call: AnsweredCall) -> VoiceSession:
        session = VoiceSession(
            call.transport,
            FakeSpeechToText(["hello?"]),
            FakeTextToSpeech(seconds_per_char=0.02),
            language="en-US",
            vad=EnergyVad(),
            call_ref=call.call_id,
        )
        session.answered = call  # type: ignore[attr-defined]
        return session

    async def call(self, index: int) -> None:
        number = f"+1415555{index:04d}"  # +15005550001 is the fake's invalid number
        self.placed[number] = asyncio.get_running_loop().create_future()
        dialling = asyncio.create_task(
            self.channel.dial(DialRequest(f"A{index}#1", f"A{index}", number, "en-US", None))
        )  # type: ignore[arg-type]
        placed = await self.placed[number]
        del self.placed[number]
        await self.status(placed, "in-progress")
        twiml = placed.field("Twiml")
        url = re.search(r'<Stream url="([^"]+)"', twiml).group(1)  # type: ignore[union-attr]
        parameters = dict(re.findall(r'<Parameter name="([^"]+)" value="([^"]+)"/>', twiml))
        peer = await TwilioPeer.open(url, call_sid=placed.sid)
        await peer.begin(parameters)
        far_end = asyncio.create_task(self.far_end(peer))
        outcome = await dialling
        session = outcome.session
        answered: AnsweredCall = session.answered  # type: ignore[union-attr]

        async def hang_up() -> None:
            await session.hangup()  # type: ignore[union-attr]
            await answered.hang_up()

        await self.supervisor.run(placed.sid, self.converse(session, index), hang_up)
        await far_end
        await peer.socket.close()
        await self.status(placed, "completed")
        if self.fake.calls[placed.sid].status == "completed":
            self.completed += 1

    async def converse(self, session: VoiceSession, index: int) -> None:
        heard = await session.listen(timeout_s=3.0)
        if index % 100 == 7:
            raise RuntimeError("a deliberate crash in one call")
        await session.say(BotUtterance("Hi, goodbye." if heard else "Bye.", "close"))

    async def far_end(self, peer: TwilioPeer) -> None:
        async def drain() -> None:
            with contextlib.suppress(ConnectionClosed):
                while True:
                    await peer.socket.recv()

        reader = asyncio.create_task(drain())
        frames = [SILENCE] * 10 + [SPEECH] * 25 + [SILENCE] * 400
        with contextlib.suppress(ConnectionClosed):
            for frame in frames:
                if reader.done():
                    break
                await peer.media(frame)
                await asyncio.sleep(0.02)
            await peer.stop()
        await reader

    async def status(self, placed, status: str) -> None:  # type: ignore[no-untyped-def]
        params = {"AccountSid": ACCOUNT_SID, "CallSid": placed.sid, "CallStatus": status}
        url = placed.field("StatusCallback")
        signature = compute_signature(AUTH_TOKEN, url, params)
        await self.http.post(
            url,
            content=urlencode(params),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            },
        )


async def soak(calls: int, concurrency: int, warmup: int) -> dict[str, float]:
    fake = FakeTwilioRest()
    channel_socket = bound_socket()
    async with serving(fake.app()) as rest_url, httpx.AsyncClient() as http:
        rest = TwilioRestClient(TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN), base_url=rest_url)
        holder: dict[str, Soak] = {}
        channel = TwilioChannel(
            rest,
            from_number="+15005550009",
            public_url=base_url(channel_socket),
            session_factory=lambda call: holder["soak"].session_for(call),
            ring_timeout_s=5,
            answer_grace_s=1.0,
        )
        async with serving(channel.app(), channel_socket):
            run = Soak(channel, fake, http)
            holder["soak"] = run
            router = asyncio.create_task(run.route_placed())
            limit = asyncio.Semaphore(concurrency)

            async def one(index: int) -> None:
                async with limit:
                    await run.call(index)

            await asyncio.gather(*(one(9000 + i) for i in range(warmup)))
            gc.collect()
            tasks_before = len(asyncio.all_tasks())
            sockets_before, rss_before = open_sockets(), rss_mb()
            run.completed = 0
            failed_before = run.supervisor.failed
            started = time.perf_counter()
            await asyncio.gather(*(one(i) for i in range(calls)))
            duration = time.perf_counter() - started
            await asyncio.sleep(0.2)
            gc.collect()
            leaked = len(asyncio.all_tasks()) - tasks_before
            sockets_after, rss_after = open_sockets(), rss_mb()
            router.cancel()
            pending = channel.pending_dials
        await rest.aclose()
    return {
        "calls": calls,
        "concurrency": concurrency,
        "completed_on_carrier": run.completed,
        "conversations_ok": run.supervisor.completed - warmup,
        "conversations_failed": run.supervisor.failed - failed_before,
        "duration_s": round(duration, 2),
        "leaked_tasks": leaked,
        "pending_dials": pending,
        "sockets_before": sockets_before,
        "sockets_after": sockets_after,
        "rss_before_mb": round(rss_before, 1),
        "rss_after_mb": round(rss_after, 1),
        "rss_growth_pct": round(100 * (rss_after - rss_before) / rss_before, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    figures = asyncio.run(soak(args.calls, args.concurrency, args.warmup))
    for key, value in figures.items():
        print(f"{key:22} {value}")
    ok = figures["leaked_tasks"] == 0 and figures["rss_growth_pct"] < 10
    ok = ok and figures["completed_on_carrier"] == args.calls
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
