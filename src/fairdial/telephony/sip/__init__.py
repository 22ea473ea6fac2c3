"""SIP: a PJSUA2 user agent that dials over a trunk or a registrar, and takes inbound calls;
audio over RTP (G.711)."""

from fairdial.telephony.sip.channel import InboundHandler, SessionFactory, SipChannel
from fairdial.telephony.sip.config import (
    CALL_TABLE_SIZE,
    G711_CODECS,
    SipConfig,
    SipConfigError,
)
from fairdial.telephony.sip.endpoint import NoFreeLine, SipError
from fairdial.telephony.sip.media import SipAudio
from fairdial.telephony.sip.progress import ended_event, provisional_event

__all__ = [
    "CALL_TABLE_SIZE",
    "G711_CODECS",
    "InboundHandler",
    "NoFreeLine",
    "SessionFactory",
    "SipAudio",
    "SipChannel",
    "SipConfig",
    "SipConfigError",
    "SipError",
    "ended_event",
    "provisional_event",
]
