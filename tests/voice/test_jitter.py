from fairdial.voice.audio.jitter import JitterBuffer, unwrap_sequence


def frame(n: int) -> bytes:
    return bytes([n % 256]) * 160


def drain(buffer: JitterBuffer, pops: int) -> list[bytes | None]:
    return [buffer.pop() for _ in range(pops)]


def test_out_of_order_frames_come_out_in_order():
    buffer = JitterBuffer(depth=3)
    for seq in (10, 12, 11, 13):
        buffer.push(seq, frame(seq))
    assert drain(buffer, 4) == [frame(10), frame(11), frame(12), frame(13)]
    assert buffer.stats.lost == 0


def test_missing_frame_becomes_silence_and_is_counted():
    buffer = JitterBuffer(depth=2)
    for seq in (1, 2, 4, 5):
        buffer.push(seq, frame(seq))
    out = drain(buffer, 4)
    assert out[2] == b"\xff" * 160
    assert out[3] == frame(4)
    assert buffer.stats.lost == 1


def test_late_and_duplicate_frames_are_dropped():
    buffer = JitterBuffer(depth=1)
    buffer.push(1, frame(1))
    buffer.push(3, frame(3))
    assert drain(buffer, 2) == [frame(1), b"\xff" * 160]  # 2 never came in time
    buffer.push(2, frame(2))
    buffer.push(3, frame(3))
    assert buffer.stats.late == 1 and buffer.stats.duplicates == 1
    assert buffer.pop() == frame(3)


def test_waits_for_depth_then_reports_underrun():
    buffer = JitterBuffer(depth=3)
    buffer.push(0, frame(0))
    buffer.push(1, frame(1))
    assert buffer.pop() is None
    buffer.push(2, frame(2))
    assert drain(buffer, 4) == [frame(0), frame(1), frame(2), None]
    assert buffer.stats.underruns == 1


def test_rtp_sequence_wraps():
    highest = None
    unwrapped = []
    for seq16 in (65534, 65535, 0, 1):
        highest = unwrap_sequence(seq16, highest)
        unwrapped.append(highest)
    assert unwrapped == [65534, 65535, 65536, 65537]
    assert unwrap_sequence(65535, 65537) == 65535  # a late frame from before the wrap
