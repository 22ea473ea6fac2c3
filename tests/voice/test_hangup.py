import asyncio

from fairdial.telephony.base import BotUtterance
from fairdial.voice.loopback import Reply

from .support import make_session

SPEECH = BotUtterance("Thank you for your time today. " * 6, "closing")


def test_far_end_hang_up_mid_speech_ends_every_task():
    async def call():
        before = asyncio.all_tasks()
        session, transport, _ = make_session([], hang_up_at=1.5)
        await session.say(SPEECH)
        assert session.hung_up
        assert await session.listen() is None
        await session.hangup()
        return session, transport, asyncio.all_tasks() - before

    session, transport, left = asyncio.run(call())
    assert left == set()
    assert transport.closed
    assert 1.3 <= len(transport.sent_at) * 0.02 <= 1.6
    assert session.transcript[0].interrupted
    assert session.pacer.pending == 0


def test_bot_hang_up_mid_speech_ends_every_task():
    async def call():
        before = asyncio.all_tasks()
        session, transport, clock = make_session([Reply([0.3], at=0.5)], hang_up_after_s=None)
        speaking = asyncio.create_task(session.say(SPEECH))
        await clock.sleep(1.0)
        await session.hangup()
        await speaking
        return session, transport, asyncio.all_tasks() - before

    session, transport, left = asyncio.run(call())
    assert left == set()
    assert session.hung_up and transport.closed
    assert session.transcript[0].interrupted


def test_silence_past_the_timeout_returns_none():
    async def call():
        session, _, _ = make_session([], hang_up_after_s=None)
        heard = await session.listen(timeout_s=2.0)
        waited = session.frame_time
        await session.hangup()
        return heard, waited

    heard, waited = asyncio.run(call())
    assert heard is None
    assert abs(waited - 2.0) < 0.05


def test_hang_up_while_the_turn_is_being_transcribed_ends_the_listen_quietly():
    async def call():
        before = asyncio.all_tasks()
        # Speech 0.5-1.5 s; the transcript asked for at 1.7 s takes 2 s; the line drops at 2.5 s.
        session, _, _ = make_session(
            [Reply([1.0], at=0.5)],
            ["I can pay on Friday"],
            stt_delay_s=2.0,
            hang_up_at=2.5,
            partial_transcripts=True,
        )
        heard = await session.listen()
        await session.hangup()
        return session, heard, asyncio.all_tasks() - before

    session, heard, left = asyncio.run(call())
    assert heard is None
    assert session.hung_up
    assert left == set()
