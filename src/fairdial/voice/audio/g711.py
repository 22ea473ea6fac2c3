"""G.711 mu-law and A-law, the two codecs of the public telephone network (ITU-T G.711, 1988).

Both map 16-bit linear PCM to 8-bit codes by segment (exponent) and 4-bit step (mantissa). The
tables are built once from the standard's segment rules and applied with numpy indexing, so a
20 ms frame costs one array lookup.
"""

from __future__ import annotations

import numpy as np

_ULAW_BIAS = 0x84  # 132 on 16 bits (33 on the 14 bits mu-law quantises): sets the segment bit
_ULAW_CLIP = 8159  # largest 14-bit magnitude that still fits after the bias

# A-law segment end points on the 13-bit magnitude (G.711 table 1a).
_ALAW_SEGMENT_ENDS = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def _ulaw_decode_table() -> np.ndarray:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent = (code >> 4) & 0x07
    magnitude = (((code & 0x0F) << 3) + _ULAW_BIAS) << exponent
    value = np.where(code & 0x80, _ULAW_BIAS - magnitude, magnitude - _ULAW_BIAS)
    return value.astype(np.int16)


def _ulaw_encode_table() -> np.ndarray:
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 2  # mu-law works on 14 bits
    sign = np.where(pcm < 0, 0x80, 0x00)
    magnitude = np.minimum(np.abs(pcm), _ULAW_CLIP) + (_ULAW_BIAS >> 2)
    # The segment is the position of the top set bit above bit 5 (the bias guarantees bit 5).
    exponent = np.floor(np.log2(magnitude)).astype(np.int32) - 5
    mantissa = (magnitude >> (exponent + 1)) & 0x0F
    # A clipped magnitude lands one past the last segment; it takes the last segment's top step.
    mantissa = np.where(exponent > 7, 0x0F, mantissa)
    exponent = np.minimum(exponent, 7)
    code = ~(sign | (exponent << 4) | mantissa) & 0xFF
    return _by_uint16(code.astype(np.uint8))


def _alaw_decode_table() -> np.ndarray:
    code = np.arange(256, dtype=np.int32) ^ 0x55  # even bits are inverted on the line
    segment = (code >> 4) & 0x07
    step = (code & 0x0F) << 4
    magnitude = np.where(segment == 0, step + 8, (step + 0x108) << np.maximum(segment - 1, 0))
    return np.where(code & 0x80, magnitude, -magnitude).astype(np.int16)


def _alaw_encode_table() -> np.ndarray:
    pcm = np.arange(-32768, 32768, dtype=np.int32) >> 3  # A-law works on 13 bits
    mask = np.where(pcm >= 0, 0xD5, 0x55)
    magnitude = np.where(pcm >= 0, pcm, -pcm - 1)
    segment = np.searchsorted(_ALAW_SEGMENT_ENDS, magnitude)
    shift = np.where(segment < 2, 1, segment)
    code = (np.minimum(segment, 7) << 4) | ((magnitude >> shift) & 0x0F)
    code = np.where(segment >= 8, 0x7F, code) ^ mask
    return _by_uint16(code.astype(np.uint8))


def _by_uint16(codes_from_min: np.ndarray) -> np.ndarray:
    """Reorder a table indexed from -32768 so int16 samples viewed as uint16 index it."""
    return np.roll(codes_from_min, -32768)


_ULAW_DECODE = _ulaw_decode_table()
_ULAW_ENCODE = _ulaw_encode_table()
_ALAW_DECODE = _alaw_decode_table()
_ALAW_ENCODE = _alaw_encode_table()


def ulaw_encode(pcm: np.ndarray) -> bytes:
    """int16 samples to mu-law bytes."""
    return _ULAW_ENCODE[np.asarray(pcm, dtype=np.int16).view(np.uint16)].tobytes()


def ulaw_decode(data: bytes) -> np.ndarray:
    """mu-law bytes to int16 samples."""
    return _ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)]


def alaw_encode(pcm: np.ndarray) -> bytes:
    """int16 samples to A-law bytes."""
    return _ALAW_ENCODE[np.asarray(pcm, dtype=np.int16).view(np.uint16)].tobytes()


def alaw_decode(data: bytes) -> np.ndarray:
    """A-law bytes to int16 samples."""
    return _ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)]
