"""A local stand-in for Twilio's Calls resource: create, list, hang up, Twilio's own errors, and
a front that drops connections the way a network does."""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
INVALID_NUMBER = "+15005550001"  # the fake refuses this one as Twilio refuses a bad number


@dataclass
class PlacedCall:
    sid: str
    form: list[tuple[str, str]]
    status: str = "queued"
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    def field(self, name: str) -> str:
        return next(value for key, value in self.form if key == name)

    def fields(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


@dataclass
class FakeTwilioRest:
    calls: dict[str, PlacedCall] = field(default_factory=dict)
    placed: asyncio.Queue[PlacedCall] = field(default_factory=asyncio.Queue)
    hang_ups: list[str] = field(default_factory=list)
    # Answer the next creates with a 500 after placing the call, as an overloaded edge may.
    fail_after_placing: int = 0

    def app(self) -> Starlette:
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls"
        return Starlette(
            routes=[
                Route(f"{base}.json", self.create, methods=["POST"]),
                Route(f"{base}.json", self.list_calls, methods=["GET"]),
                Route(base + "/{sid}.json", self.update, methods=["POST"]),
            ]
        )

    async def create(self, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _error(401, 20003, "Authenticate")
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        if dict(form).get("To") == INVALID_NUMBER:
            return _error(
                400, 21211, f"The 'To' number {INVALID_NUMBER} is not a valid phone number."
            )

        call = PlacedCall(f"CA{len(self.calls) + 1:032x}", form)
        self.calls[call.sid] = call
        await self.placed.put(call)
        if self.fail_after_placing:
            self.fail_after_placing -= 1
            return _error(500, 20500, "Internal Server Error")
        return JSONResponse({"sid": call.sid, "status": call.status}, status_code=201)

    async def list_calls(self, request: Request) -> JSONResponse:
        """Newest first, filtered by To and From as Twilio's list is."""
        if not _authorized(request):
            return _error(401, 20003, "Authenticate")
        wanted = {
            key: request.query_params[key] for key in ("To", "From") if key in request.query_params
        }
        page_size = int(request.query_params.get("PageSize", "50"))
        calls = [
            call
            for call in sorted(self.calls.values(), key=lambda c: c.created, reverse=True)
            if all(call.field(key) == value for key, value in wanted.items())
        ]
        return JSONResponse({"calls": [_resource(call) for call in calls[:page_size]]})

    async def update(self, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _error(401, 20003, "Authenticate")
        call = self.calls.get(request.path_params["sid"])
        if call is None:
            return _error(404, 20404, "The requested resource was not found")
        form = dict(parse_qsl((await request.body()).decode()))
        self.hang_ups.append(call.sid)
        if call.status in {"completed", "busy", "failed", "no-answer", "canceled"}:
            return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        call.status = form.get("Status", call.status)
        return JSONResponse({"sid": call.sid, "status": call.status})


def _resource(call: PlacedCall) -> dict[str, str]:
    return {
        "sid": call.sid,
        "to": call.field("To"),
        "from": call.field("From"),
        "direction": "outbound-api",
        "status": call.status,
        "date_created": format_datetime(call.created, usegmt=True),
    }


def _authorized(request: Request) -> bool:
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {expected}"


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return JSONResponse(body, status_code=status)


class DroppingFront:
    """A loopback HTTP front for the fake that drops chosen requests as a broken network does.

    Each request takes the next action from `actions` ("forward" once they run out):
    "forward" relays it and the answer; "drop_after" relays it, then closes the connection
    without the answer (the request reached Twilio, the answer was lost); "drop_before" closes
    the connection having read the request (a keep-alive connection the server just closed).
    """

    def __init__(self, backend_url: str, actions: list[str]) -> None:
        backend = urlsplit(backend_url)
        self._backend = (backend.hostname or "127.0.0.1", backend.port or 80)
        self._actions = list(actions)
        self.connections = 0
        self.requests: list[str] = []  # request lines, in order

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[str]:
        server = await asyncio.start_server(self._connected, "127.0.0.1", 0)
        host, port = server.sockets[0].getsockname()[:2]
        try:
            yield f"http://{host}:{port}"
        finally:
            server.close()
            await server.wait_closed()

    async def _connected(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (request := await _read_http_message(reader)) is not None:
                self.requests.append(request.split(b"\r\n", 1)[0].decode())
                action = self._actions.pop(0) if self._actions else "forward"
                if action == "drop_before":
                    break
                answer = await self._relay(request)
                if action == "drop_after":
                    break
                writer.write(answer)
                await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _relay(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection(*self._backend)
        try:
            writer.write(request)
            await writer.drain()
            answer = await _read_http_message(reader)
        finally:
            writer.close()
            await writer.wait_closed()
        if answer is None:
            raise ConnectionError("the fake closed without answering")
        return answer


async def _read_http_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 request or response with a Content-Length body; None at end of stream."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return head + await reader.readexactly(length)
