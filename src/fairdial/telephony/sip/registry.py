"""The SIP calls PJSUA2 holds for one channel, by dial key: placed, received, joined and freed.

Everything here runs on PJSUA2's thread (see `endpoint`). An ended call's bridge port is
silenced and unlinked at once, but freed only `PORT_GRACE_S` later: the conference bridge's
clock thread may still be inside one of its callbacks, and a port freed under it crashes the
process. Before the library goes, every port is silenced first, then everything is freed.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import NamedTuple

import pjsua2 as pj

from fairdial.telephony.sip.call import CallWatcher, SipCall
from fairdial.telephony.sip.endpoint import SipEndpoint
from fairdial.telephony.sip.media import BridgePort

PORT_GRACE_S = 2.0  # far longer than the bridge's 20 ms tick
PJ_ETOOMANY = 70010  # pj/errno.h, PJ_ERRNO_START_STATUS + 10: PJSUA's call table is full
BUSY_HERE = 486  # RFC 3261 §21.4.24: no line for the call; here, the channel is closing
DECLINE = 603  # RFC 3261 §21.6.2: the callee does not take the call; here, nobody would run it


class NotSent(NamedTuple):
    """PJSUA refused to send the INVITE: `status` is its error code, `reason` its message."""

    status: int
    reason: str


class CallRegistry:
    """The channel's `SipCall`s, by dial key; only ever touched on PJSUA2's thread."""

    def __init__(self, endpoint: SipEndpoint) -> None:
        self._endpoint = endpoint
        self._calls: dict[str, SipCall] = {}
        # Bridge ports of ended calls, silenced, with when they were retired.
        self._retired: deque[tuple[float, BridgePort]] = deque()

    def place(self, key: str, watcher: CallWatcher, uri: str) -> str | NotSent:
        """The INVITE's Call-ID, or why PJSUA sent nothing (its call table full, the URI bad).

        PJSUA reports a failure to build or send the INVITE by raising from `makeCall`; a
        later failure (no route, no reply) comes as a final response. No exception raised here
        may hold the call: its frame would keep it alive past the library, and PJSUA2 objects
        freed after `libDestroy` crash the process.
        """
        call = SipCall(self._account(), watcher, self._release(key))
        self._calls[key] = call
        try:
            call.makeCall(uri, pj.CallOpParam(True))
        except pj.Error as error:
            self._calls.pop(key, None)
            return NotSent(error.status, error.reason)
        call_id = call.getInfo().callIdString
        watcher.call_id = call_id
        return call_id

    def receive(self, key: str, watcher: CallWatcher, pj_call_id: int) -> str:
        """Take up an inbound INVITE (PJSUA's call index); returns its Call-ID."""
        call = SipCall(self._account(), watcher, self._release(key), pj_call_id)
        self._calls[key] = call
        watcher.call_id = call.getInfo().callIdString
        return watcher.call_id

    def answer(self, key: str) -> None:
        call = self._calls.get(key)
        if call is not None:
            call.answer(status(200))

    def reject(self, key: str, status_code: int) -> None:
        call = self._calls.get(key)
        if call is not None:
            call.hangup(status(status_code))

    def end(self, key: str) -> None:
        call = self._calls.get(key)
        if call is None:
            return
        call.canceled = True  # ended before an answer, it reads as withdrawn, not refused
        # Status 0 lets PJSIP pick: CANCEL before an answer, BYE after (RFC 3261 §9, §15).
        call.hangup(pj.CallOpParam(True))

    def send_dtmf(self, key: str, digits: str) -> None:
        self._calls[key].dialDtmf(digits)

    def refer(self, key: str, target_uri: str) -> None:
        self._calls[key].xfer(target_uri, pj.CallOpParam(True))

    def join(self, key: str, other_key: str) -> bool:
        """Connect two answered calls' audio to each other, taking our ports out of both.

        False when either call is gone already; nothing is changed then.
        """
        call, other = self._calls.get(key), self._calls.get(other_key)
        if call is None or other is None or call.ended or other.ended:
            return False
        for port in call.join(other):
            self._retire(port)
        return True

    def forget_all(self) -> None:
        """Before the user agent is destroyed: silence every port first, then free it all."""
        for call in self._calls.values():
            call.part()
            port = call.disconnect_audio()
            if port is not None:
                self._retired.append((time.monotonic(), port))
        self._calls.clear()
        while self._retired:
            self._retired.popleft()[1].destroy()

    def _account(self) -> pj.Account:
        account = self._endpoint.account
        assert account is not None
        return account

    def _release(self, key: str) -> Callable[[SipCall], None]:
        def release(call: SipCall) -> None:
            def free() -> None:
                port = call.disconnect_audio()
                if port is not None:
                    self._retire(port)
                self._calls.pop(key, None)

            self._endpoint.after_poll(free)

        return release

    def _retire(self, port: BridgePort) -> None:
        """Keep a silenced port a while before freeing it: see `SipCall.disconnect_audio`."""
        now = time.monotonic()
        while self._retired and now - self._retired[0][0] > PORT_GRACE_S:
            self._retired.popleft()[1].destroy()
        self._retired.append((now, port))


def status(status_code: int) -> pj.CallOpParam:
    """Call operation parameters that answer or end a received INVITE with `status_code`."""
    prm = pj.CallOpParam(True)
    prm.statusCode = status_code
    return prm
