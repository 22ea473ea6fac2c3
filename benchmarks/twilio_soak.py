"""Soak: many simulated calls through the Twilio adapter on loopback, then count what leaked.

A local Twilio REST fake takes the calls; for each one a Media Streams peer replays the
documented messages (connected, start, 20 ms media, stop) over a real WebSocket while a
`VoiceSession` with instant fake engines listens to a short "hello" and answers. One call in
every hundred raises mid-conversation to show it touches no other call.

Calls run in waves of `--concurrency`, after one warm-up wave at that concurrency. After each
wave the collector runs and RSS, the Python heap (tracemalloc), tasks and sockets are read; the
verdict compares the first measured wave with the last, so the allocator's high-water mark at
full concurrency is not mistaken for a leak. `--top N` prints the heap's largest growths.

    python benchmarks/twilio_soak.py --calls 200 --concurrency 50
    python benchmarks/twilio_soak.py --calls 400 --top 10
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
import tracemalloc
from dataclasses import dataclass
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
        self.unanswered = 0

    def tally(self) -> dict[str, int]:
        """Running totals; a wave's figures are the difference of two tallies."""
        return {
            "on_carrier": self.completed,
            "ok": self.supervisor.completed,
            "failed": self.supervisor.failed,
            "timed_out": self.supervisor.timed_out,
            "unanswered": self.unanswered,
        }

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
        # A dial that fails before Twilio has the call (a refused request) never places it.
        await asyncio.wait({self.placed[number], dialling}, return_when=asyncio.FIRST_COMPLETED)
        if not self.placed[number].done():
            del self.placed[number]
            await dialling  # raises the dial's own error
        placed = self.placed.pop(number).result()
        await self.status(placed, "in-progress")
        twiml = placed.field("Twiml")
        url = re.search(r'<Stream url="([^"]+)"', twiml).group(1)  # type: ignore[union-attr]
        parameters = dict(re.findall(r'<Parameter name="([^"]+)" value="([^"]+)"/>', twiml))
        peer = await TwilioPeer.open(url, call_sid=placed.sid)
        await peer.begin(parameters)
        far_end = asyncio.create_task(self.far_end(peer))
        outcome = await dialling
        session = outcome.session
        if session is None:
            # The channel gave up before the stream arrived (a loop too loaded to answer in
            # time): a call like any other unanswered one, counted so the tally still adds up.
            self.unanswered += 1
            far_end.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await far_end
            await peer.socket.close()
            await self.status(placed, "completed")
            return

        answered: AnsweredCall = session.answered  # type: ignore[attr-defined]

        async def hang_up() -> None:
            await session.hangup()  # type: ignore[union-attr]
            await answered.hang_up()

        await self.supervisor.run(placed.sid, self.converse(session, index), hang_up)
        await far_end
        await peer.socket.close()
        await self.status(placed, "completed")
        record = self.fake.calls[placed.sid]
        if record.status == "completed":
            self.completed += 1
        # The fake keeps every call it placed (its sids count them); its forms and hang-up log
        # are test bookkeeping, dropped so the soak measures the adapter's memory, not the fake's.
        record.form.clear()
        self.fake.hang_ups.clear()

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


@dataclass
class Wave:
    calls: int
    rss_mb: float
    heap_mb: float
    tasks: int
    sockets: int
    snapshot: tracemalloc.Snapshot | None = None


def measure(calls: int, *, snapshot: bool) -> Wave:
    # Freed objects go back to the heap before anything is read, so a wave is judged by what
    # outlived it rather than by garbage the collector had not reached yet.
    gc.collect()
    traced, _ = tracemalloc.get_traced_memory()
    return Wave(
        calls=calls,
        rss_mb=rss_mb(),
        heap_mb=traced / 2**20,
        tasks=len(asyncio.all_tasks()),
        sockets=open_sockets(),
        snapshot=tracemalloc.take_snapshot() if snapshot else None,
    )


async def soak(calls: int, concurrency: int, top: int) -> dict[str, float]:
    fake = FakeTwilioRest()
    channel_socket = bound_socket()
    # httpx keeps idle connections exactly as long as uvicorn does (5 s), so a post can race
    # the server's close and fail with ReadError; both clients let theirs expire first.
    limits = httpx.Limits(keepalive_expiry=1.0)
    async with (
        serving(fake.app()) as rest_url,
        httpx.AsyncClient(limits=limits) as http,
        httpx.AsyncClient(limits=limits) as rest_http,
    ):
        credentials = TwilioCredentials(ACCOUNT_SID, AUTH_TOKEN)
        rest = TwilioRestClient(credentials, base_url=rest_url, http=rest_http)
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

            # One full wave at the target concurrency first: the allocator, uvicorn's and
            # httpx's pools and the lazily built caches reach their working size here, and
            # that first-use growth is not what a soak is looking for.
            await asyncio.gather(*(one(9000 + i) for i in range(concurrency)))
            before = run.tally()
            await asyncio.sleep(0.2)  # uvicorn finishes closing the wave's last sockets
            waves = [measure(0, snapshot=False)]
            started = time.perf_counter()
            for first in range(0, calls, concurrency):
                batch = range(first, min(first + concurrency, calls))
                await asyncio.gather(*(one(i) for i in batch))
                await asyncio.sleep(0.2)
                waves.append(measure(batch.stop, snapshot=top > 0))
                # Only the base and the latest are compared; older snapshots would weigh on RSS.
                if len(waves) > 3:
                    waves[-2].snapshot = None
                print(
                    f"wave {len(waves) - 1:3}  calls {batch.stop:5}  "
                    f"rss {waves[-1].rss_mb:6.1f} MB  heap {waves[-1].heap_mb:6.2f} MB  "
                    f"tasks {waves[-1].tasks}  sockets {waves[-1].sockets}",
                    file=sys.stderr,
                )
            duration = time.perf_counter() - started
            after = run.tally()
            router.cancel()
            pending = channel.pending_dials
        await rest.aclose()

    # The first measured wave still settles (buffers sized by the warm-up's peak, the first
    # crash's traceback objects); growth from the second wave on is what would keep going.
    base = waves[1] if len(waves) > 2 else waves[0]
    top = top if base.snapshot is not None else 0
    last = waves[-1]
    if top:
        print_growth(base, last, top)
    tally = {key: after[key] - before[key] for key in after}
    return {
        "calls": calls,
        "concurrency": concurrency,
        "waves": len(waves) - 1,
        **tally,
        "duration_s": round(duration, 2),
        "leaked_tasks": last.tasks - waves[0].tasks,
        "pending_dials": pending,
        "sockets_before": waves[0].sockets,
        "sockets_after": last.sockets,
        "rss_warm_mb": round(waves[0].rss_mb, 1),
        "rss_base_mb": round(base.rss_mb, 1),
        "rss_last_mb": round(last.rss_mb, 1),
        "rss_growth_pct": round(100 * (last.rss_mb - base.rss_mb) / base.rss_mb, 1),
        "heap_base_mb": round(base.heap_mb, 2),
        "heap_last_mb": round(last.heap_mb, 2),
        "heap_growth_kb_per_100_calls": round(
            1024 * (last.heap_mb - base.heap_mb) * 100 / max(last.calls - base.calls, 1), 1
        ),
    }


def print_growth(base: Wave, last: Wave, top: int) -> None:
    assert base.snapshot is not None and last.snapshot is not None
    differences = last.snapshot.compare_to(base.snapshot, "traceback")
    print(f"top heap growth, calls {base.calls} -> {last.calls}:", file=sys.stderr)
    for difference in differences[:top]:
        print(
            f"  {difference.size_diff / 1024:+9.1f} KiB {difference.count_diff:+7} blocks",
            file=sys.stderr,
        )
        for line in difference.traceback.format()[-6:]:
            print(f"      {line}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument(
        "--top", type=int, default=0, help="print the N largest heap growths by traceback"
    )
    parser.add_argument("--frames", type=int, default=12, help="traceback depth for --top")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    # One frame is enough to count the heap; deep tracebacks cost time, so only for --top.
    tracemalloc.start(args.frames if args.top else 1)
    figures = asyncio.run(soak(args.calls, args.concurrency, args.top))
    for key, value in figures.items():
        print(f"{key:30} {value}")
    ok = figures["leaked_tasks"] == 0 and figures["rss_growth_pct"] < 10
    # Every call ends on the carrier, and every answered one is a conversation that ended.
    ok = ok and figures["on_carrier"] == args.calls and figures["unanswered"] == 0
    ok = ok and figures["ok"] + figures["failed"] + figures["timed_out"] == args.calls
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
