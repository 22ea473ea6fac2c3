import pytest

from fairdial.reporting.kpi import kpis
from fairdial.reporting.latency import latency_figures, percentile, stored_turns
from fairdial.voice.metrics import TurnMetrics


def _turn(total, end_of_turn, asr, decision, tts):
    return TurnMetrics(end_of_turn, asr, decision, tts, total).as_dict()


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 21)]
    assert percentile(values, 0.5) == 10.0
    assert percentile(values, 0.95) == 19.0
    assert percentile([3.0], 0.95) == 3.0


def test_figures_from_turns_as_the_records_keep_them():
    # As stored on a conversation: TurnMetrics.as_dict() per turn, seconds.
    turns = [
        _turn(2.0, 0.6, 1.0, 0.02, 0.36),
        _turn(3.0, 1.2, 1.2, 0.0, 0.58),
        _turn(2.5, 0.6, 1.4, 0.04, 0.44),
        _turn(4.1, 1.2, 2.4, 0.02, 0.46),
    ]
    figures = latency_figures(turns)
    assert figures["voice_turns"] == 4
    assert figures["voice_response_ms"] == {"median": 2500, "p95": 4100}
    assert figures["voice_end_of_turn_ms"] == {"median": 600, "p95": 1200}
    assert figures["voice_asr_ms"] == {"median": 1200, "p95": 2400}
    assert figures["voice_decision_ms"] == {"median": 20, "p95": 40}
    assert figures["voice_tts_first_chunk_ms"] == {"median": 440, "p95": 580}


def test_no_voice_turns_no_figures(sqlite_store):
    assert latency_figures([]) == {}
    with sqlite_store.session() as session:
        assert stored_turns(session) == []
        figures = kpis(session)
    assert not any(key.startswith("voice_") for key in figures)


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_percentile_bounds(share):
    assert percentile([5.0, 1.0, 3.0], share) == (1.0 if share == 0.0 else 5.0)
