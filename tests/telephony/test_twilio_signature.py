import asyncio
import base64
import hashlib
import hmac
from urllib.parse import urlencode

import httpx
from starlette.applications import Starlette
from starlette.routing import Route

from fairdial.telephony.events import CallEvent, CallEventKind
from fairdial.telephony.twilio.signature import compute_signature, is_valid_signature
from fairdial.telephony.twilio.status import StatusCallbackEndpoint
from tests.telephony.servers import serving

# The worked example of Twilio's security documentation.
DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_TOKEN = "12345"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
DOC_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
TOKEN = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def by_the_documented_steps(token: str, url: str, params: dict[str, str]) -> str:
    data = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def test_the_documented_example_signs_to_the_documented_value() -> None:
    assert by_the_documented_steps(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert compute_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS) == DOC_SIGNATURE
    assert is_valid_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, DOC_SIGNATURE)


def test_any_change_breaks_the_signature() -> None:
    assert not is_valid_signature("54321", DOC_URL, DOC_PARAMS, DOC_SIGNATURE)
    assert not is_valid_signature(DOC_TOKEN, DOC_URL + "&baz=3", DOC_PARAMS, DOC_SIGNATURE)
    assert not is_valid_signature(DOC_TOKEN, DOC_URL, {**DOC_PARAMS, "Digits": "9"}, DOC_SIGNATURE)
    assert not is_valid_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, None)
    assert not is_valid_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, "")


def test_the_default_port_may_be_spelled_out_or_not() -> None:
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    signed_with_port = compute_signature(DOC_TOKEN, with_port, DOC_PARAMS)
    assert is_valid_signature(DOC_TOKEN, DOC_URL, DOC_PARAMS, signed_with_port)
    assert is_valid_signature(DOC_TOKEN, with_port, DOC_PARAMS, DOC_SIGNATURE)
    other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2"
    assert not is_valid_signature(DOC_TOKEN, other_port, DOC_PARAMS, DOC_SIGNATURE)


def test_repeated_fields_are_signed_value_by_value_in_order() -> None:
    pairs = [
        ("StatusCallbackEvent", "ringing"),
        ("CallSid", "CA1"),
        ("StatusCallbackEvent", "answered"),
    ]
    data = "https://h.example.org/cbCallSidCA1StatusCallbackEventansweredStatusCallbackEventringing"
    expected = base64.b64encode(hmac.new(b"t", data.encode(), hashlib.sha1).digest()).decode()
    assert compute_signature("t", "https://h.example.org/cb", pairs) == expected


def test_the_status_endpoint_rejects_forged_posts_and_accepts_signed_ones() -> None:
    received: list[tuple[CallEvent, dict[str, str]]] = []
    public = "https://calls.example.org"
    endpoint = StatusCallbackEndpoint(TOKEN, lambda e, q: received.append((e, dict(q))), public)
    app = Starlette(routes=[Route("/twilio/status", endpoint.handle, methods=["POST"])])
    params = {
        "AccountSid": "AC0123456789abcdef0123456789abcdef",
        "CallSid": "CA9c4b0a6ff4a64d1a8cd0a59d2a3b0e11",
        "CallStatus": "busy",
        "CallerCountry": "",
        "SequenceNumber": "2",
    }
    # Twilio signs the URL it was given, not the one this server sees behind its proxy.
    signature = compute_signature(TOKEN, f"{public}/twilio/status?dial=k-1", params)

    async def scenario() -> list[int]:
        async with serving(app) as url, httpx.AsyncClient() as client:
            codes = []
            for header in ({"X-Twilio-Signature": signature}, {"X-Twilio-Signature": "AAAA"}, {}):
                response = await client.post(
                    f"{url}/twilio/status?dial=k-1",
                    content=urlencode(params),
                    headers={"Content-Type": "application/x-www-form-urlencoded", **header},
                )
                codes.append(response.status_code)
            return codes

    assert asyncio.run(scenario()) == [204, 403, 403]
    assert received == [
        (CallEvent(CallEventKind.BUSY, "CA9c4b0a6ff4a64d1a8cd0a59d2a3b0e11"), {"dial": "k-1"})
    ]
