import asyncio

from fairdial.telephony.marks import PlaybackMarks


def test_marks_settle_once_as_played_or_unplayed() -> None:
    async def scenario() -> tuple[PlaybackMarks, list[bool]]:
        marks = PlaybackMarks()
        for name in ("s1", "s2", "s3"):
            marks.expect(name)
        waiting = [asyncio.ensure_future(marks.wait(name)) for name in ("s1", "s2", "s3")]
        assert marks.settle("s1", played=True)
        assert not marks.settle("s1", played=False)  # settled already: stays played
        assert not marks.settle("unknown", played=True)
        marks.settle_all_unplayed()  # the call ended with s2 and s3 still queued
        return marks, list(await asyncio.gather(*waiting))

    marks, results = asyncio.run(scenario())
    assert results == [True, False, False]
    assert marks.played == ["s1"]
    assert marks.unplayed == ["s2", "s3"]
    assert marks.pending() == []
    assert asyncio.run(marks.wait("s1")) is True  # asked after it settled
    assert asyncio.run(marks.wait("s2")) is False
