import numpy as np
import pytest

from fairdial.voice.audio.pcm import Framer, StreamResampler, frame_samples, resample


def sine(frequency: float, rate: int, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (np.sin(2 * np.pi * frequency * t) * 10000).astype(np.int16)


def peak_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm))))
    return float(np.argmax(spectrum) * rate / len(pcm))


@pytest.mark.parametrize(
    ("source", "target"), [(8000, 16000), (16000, 8000), (22050, 8000), (24000, 8000)]
)
def test_resampling_keeps_length_and_pitch(source, target):
    out = resample(sine(1000, source), source, target)
    assert out.dtype == np.int16
    assert len(out) == target
    assert peak_hz(out, target) == pytest.approx(1000, abs=2)


def test_stream_resampler_matches_one_shot_length():
    signal = sine(440, 22050, 2.0)
    stream = StreamResampler(22050, 8000)
    parts = [stream.push(signal[i : i + 1000]) for i in range(0, len(signal), 1000)]
    parts.append(stream.push(np.zeros(0, dtype=np.int16), last=True))
    assert abs(sum(len(p) for p in parts) - 16000) <= 1


def test_unsupported_rate_is_refused():
    with pytest.raises(ValueError, match="44100"):
        resample(sine(440, 8000), 44100, 8000)


def test_framer_cuts_20ms_frames_and_pads_the_tail():
    assert frame_samples(8000) == 160 and frame_samples(16000) == 320
    framer = Framer()
    frames = framer.push(np.ones(400, dtype=np.int16))
    assert [len(f) for f in frames] == [160, 160]
    tail = framer.flush()
    assert len(tail) == 1 and tail[0][:80].tolist() == [1] * 80 and not tail[0][80:].any()
    assert framer.flush() == []
