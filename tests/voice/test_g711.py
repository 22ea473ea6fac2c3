import warnings

import numpy as np
import pytest

from fairdial.voice.audio.g711 import alaw_decode, alaw_encode, ulaw_decode, ulaw_encode

ALL_CODES = bytes(range(256))
ALL_SAMPLES = np.arange(-32768, 32768, dtype=np.int16)


def test_ulaw_known_code_points():
    # G.711 table 2: 0xFF and 0x7F are +0 and -0, 0x80 and 0x00 the loudest steps.
    assert ulaw_decode(bytes([0xFF, 0x7F, 0x80, 0x00])).tolist() == [0, 0, 32124, -32124]
    assert ulaw_encode(np.array([0, 32767, -32768], dtype=np.int16)) == bytes([0xFF, 0x80, 0x00])
    assert ulaw_decode(bytes([0xFE, 0xEF, 0xDF])).tolist() == [8, 132, 396]


def test_alaw_known_code_points():
    # G.711 table 1: even bits inverted, so the smallest steps are 0xD5 and 0x55.
    assert alaw_decode(bytes([0xD5, 0x55, 0xAA, 0x2A])).tolist() == [8, -8, 32256, -32256]
    assert alaw_encode(np.array([0, -1, 32767, -32768], dtype=np.int16)) == bytes(
        [0xD5, 0x55, 0xAA, 0x2A]
    )


def test_every_code_survives_decode_then_encode():
    ulaw = np.frombuffer(ulaw_encode(ulaw_decode(ALL_CODES)), dtype=np.uint8)
    expected = np.arange(256)
    expected[0x7F] = 0xFF  # -0 decodes to 0, which encodes as +0
    assert ulaw.tolist() == expected.tolist()
    assert alaw_encode(alaw_decode(ALL_CODES)) == ALL_CODES


def test_round_trip_error_stays_within_one_step():
    samples = ALL_SAMPLES.astype(np.int32)
    quiet = np.abs(samples) < 256
    for encode, decode in ((ulaw_encode, ulaw_decode), (alaw_encode, alaw_decode)):
        error = np.abs(decode(encode(ALL_SAMPLES)).astype(np.int32) - samples)
        assert error[quiet].max() <= 16  # the smallest steps: 8 (mu-law) and 16 (A-law)
        assert error.max() <= 1024  # the largest step of either law


def test_tables_match_the_reference_codec():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    raw = ALL_SAMPLES.tobytes()
    assert ulaw_encode(ALL_SAMPLES) == audioop.lin2ulaw(raw, 2)
    assert alaw_encode(ALL_SAMPLES) == audioop.lin2alaw(raw, 2)
    assert ulaw_decode(ALL_CODES).tobytes() == audioop.ulaw2lin(ALL_CODES, 2)
    assert alaw_decode(ALL_CODES).tobytes() == audioop.alaw2lin(ALL_CODES, 2)
