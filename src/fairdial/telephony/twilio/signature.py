"""Twilio's request signature: proof that a webhook came from Twilio and was not altered.

Twilio signs each webhook with the account's auth token: HMAC-SHA1 over the full URL it called
(scheme, host, path and query) followed by every POST parameter, sorted by name, written as
name then value with nothing between; the base64 digest travels in `X-Twilio-Signature`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

SIGNATURE_HEADER = "X-Twilio-Signature"

Params = Mapping[str, str] | Iterable[tuple[str, str]]


def compute_signature(auth_token: str, url: str, params: Params) -> str:
    """The signature Twilio sends for a POST of `params` to `url`."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    # A repeated field (StatusCallbackEvent) is signed once per value, values in sorted order.
    pairs.sort()
    payload = url + "".join(name + value for name, value in pairs)
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def is_valid_signature(auth_token: str, url: str, params: Params, signature: str | None) -> bool:
    """True when `signature` matches `url` as given, or the same URL with/without its port."""
    if not signature or not auth_token:
        return False

    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    for candidate in _url_variants(url):
        expected = compute_signature(auth_token, candidate, pairs)
        if hmac.compare_digest(expected, signature):
            return True
    return False


def _url_variants(url: str) -> list[str]:
    # Twilio has signed with the default port spelled out (":443") for some webhooks and
    # without it for others, so a URL is tried both ways, as Twilio's own libraries do.
    parts = urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    if default_port is None or parts.hostname is None:
        return [url]

    host = parts.hostname
    if parts.port is None:
        other = f"{host}:{default_port}"
    elif parts.port == default_port:
        other = host
    else:
        return [url]
    return [url, urlunsplit(parts._replace(netloc=_with_userinfo(parts.netloc, other)))]


def _with_userinfo(netloc: str, hostport: str) -> str:
    userinfo, at, _ = netloc.rpartition("@")
    return f"{userinfo}{at}{hostport}"
