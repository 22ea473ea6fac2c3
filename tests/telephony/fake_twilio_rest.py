"""A local stand-in for Twilio's Calls resource: create, hang up, and Twilio's own errors."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

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

    def field(self, name: str) -> str:
        return next(value for key, value in self.form if key == name)

    def fields(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


@dataclass
class FakeTwilioRest:
    calls: dict[str, PlacedCall] = field(default_factory=dict)
    placed: asyncio.Queue[PlacedCall] = field(default_factory=asyncio.Queue)
    hang_ups: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        base = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Calls"
        return Starlette(
            routes=[
                Route(f"{base}.json", self.create, methods=["POST"]),
                Route(base + "/{sid}.json", self.update, methods=["POST"]),
            ]
        )

    async def create(self, request: Request) -> JSONResponse:
        if not _authorized(request):
            return _error(401, 20003, "Authenticate")
        form = parse_qsl((await request.body()).decode(), keep_blank_values=True)
        if dict(form).get("To") == INVALID_NUMBER:
            return _error(400, 21211, "Invalid 'To' Phone Number")

        call = PlacedCall(f"CA{len(self.calls) + 1:032x}", form)
        self.calls[call.sid] = call
        await self.placed.put(call)
        return JSONResponse({"sid": call.sid, "status": call.status}, status_code=201)

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


def _authorized(request: Request) -> bool:
    expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    return request.headers.get("authorization") == f"Basic {expected}"


def _error(status: int, code: int, message: str) -> JSONResponse:
    body = {"code": code, "message": message, "more_info": "", "status": status}
    return JSONResponse(body, status_code=status)
