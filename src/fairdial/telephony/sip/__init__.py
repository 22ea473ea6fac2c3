"""SIP: a PJSUA2 user agent that dials over a trunk or a registrar, audio over RTP (G.711)."""

from fairdial.telephony.sip.channel import SessionFactory, SipChannel
from fairdial.telephony.sip.config import G711_CODECS, SipConfig, SipConfigError
from fairdial.telephony.sip.endpoint import SipError
from fairdial.telephony.sip.media import SipAudio
from fairdial.telephony.sip.progress import ended_event, provisional_event

__all__ = [
    "G711_CODECS",
    "SessionFactory",
    "SipAudio",
    "SipChannel",
    "SipConfig",
    "SipConfigError",
    "SipError",
    "ended_event",
    "provisional_event",
]
