import asyncio
import stat

import numpy as np

from fairdial.voice.audio.g711 import ulaw_encode
from fairdial.voice.recording import RecordingTransport, read_stereo_wav, write_stereo_wav


class _Line:
    """Five inbound frames: silence, a loud borrower frame, then silence."""

    def __init__(self) -> None:
        self.frames = [np.zeros(160, np.int16)] * 2 + [np.full(160, 8000, np.int16)]
        self.frames += [np.zeros(160, np.int16)] * 2
        self.sent: list[bytes] = []
        self.closed = False

    async def receive(self):
        return ulaw_encode(self.frames.pop(0)) if self.frames else None

    async def send(self, frame):
        self.sent.append(frame)

    async def clear(self):
        pass

    async def close(self):
        self.closed = True


def test_both_sides_land_on_the_inbound_frame_clock(tmp_path):
    async def call():
        line = _Line()
        recording = RecordingTransport(line)
        await recording.receive()
        # Two bot frames sent while one frame has arrived: the second follows the first.
        await recording.send(ulaw_encode(np.full(160, -6000, np.int16)))
        await recording.send(ulaw_encode(np.full(160, -6000, np.int16)))
        while await recording.receive() is not None:
            pass
        return line, recording

    line, recording = asyncio.run(call())
    assert len(line.sent) == 2
    left, right = recording.stereo()
    assert len(left) == len(right) == 5 * 160
    assert np.all(left[320:480] > 7000) and not left[:320].any() and not left[480:].any()
    assert np.all(right[160:480] < -5000) and not right[:160].any() and not right[480:].any()

    rate, left_back, right_back = read_stereo_wav(recording.write(tmp_path / "call.wav"))
    assert rate == 8000
    assert np.array_equal(left_back, left) and np.array_equal(right_back, right)


def test_the_shorter_side_is_padded_with_silence(tmp_path):
    path = write_stereo_wav(tmp_path / "a.wav", np.ones(10, np.int16), np.ones(4, np.int16))
    rate, left, right = read_stereo_wav(path)
    assert (rate, len(left), len(right)) == (8000, 10, 10)
    assert right.tolist() == [1, 1, 1, 1, 0, 0, 0, 0, 0, 0]


def test_recordings_are_owner_only_in_an_owner_only_folder(tmp_path):
    folder = tmp_path / "calls"
    path = write_stereo_wav(folder / "a.wav", np.ones(10, np.int16), np.ones(10, np.int16))
    old = folder / "b.wav"
    old.write_bytes(b"")
    old.chmod(0o644)
    write_stereo_wav(old, np.ones(10, np.int16), np.ones(10, np.int16))

    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(old.stat().st_mode) == 0o600  # rewritten, and closed to others
    assert read_stereo_wav(old)[1].tolist() == [1] * 10


def test_a_call_with_no_audio_writes_no_file(tmp_path):
    async def unanswered_voicemail():
        line = _Line()
        line.frames = []  # the line closes before a single frame passes either way
        recording = RecordingTransport(line)
        assert await recording.receive() is None
        return recording

    recording = asyncio.run(unanswered_voicemail())

    assert recording.write(tmp_path / "calls" / "silent.wav") is None
    assert not (tmp_path / "calls").exists()
