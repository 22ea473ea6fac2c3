"""Twilio: calls placed over REST, audio over Media Streams, signed status callbacks."""

from fairdial.telephony.twilio.channel import SessionFactory, TwilioChannel
from fairdial.telephony.twilio.media_stream import MediaStreamError, StreamStart, TwilioMediaStream
from fairdial.telephony.twilio.rest import (
    TwilioConfigError,
    TwilioCredentials,
    TwilioError,
    TwilioRestClient,
)
from fairdial.telephony.twilio.signature import compute_signature, is_valid_signature
from fairdial.telephony.twilio.status import parse_status, status_result

__all__ = [
    "MediaStreamError",
    "SessionFactory",
    "StreamStart",
    "TwilioChannel",
    "TwilioConfigError",
    "TwilioCredentials",
    "TwilioError",
    "TwilioMediaStream",
    "TwilioRestClient",
    "compute_signature",
    "is_valid_signature",
    "parse_status",
    "status_result",
]
