import json
from collections import Counter
from pathlib import Path

import pytest

from fairdial.conversation.nlu import classifier
from fairdial.conversation.nlu.dataset import (
    INTENTS,
    LANGS,
    TRAIN_PATH,
    DatasetError,
    read_examples,
)
from fairdial.conversation.text import normalise

HELDOUT = Path(__file__).parents[2] / "eval" / "nlu" / "heldout.jsonl"


def test_training_set_covers_every_intent_in_every_language():
    examples = read_examples(TRAIN_PATH, need_today=False)
    counts = Counter((example.lang, example.intent) for example in examples)
    assert 1500 <= len(examples) <= 3000
    for lang in LANGS:
        for intent in INTENTS:
            assert counts[(lang, intent)] >= 8, (lang, intent)


def _trigrams(text: str) -> set[str]:
    return {text[index : index + 3] for index in range(len(text) - 2)}


def test_heldout_lines_are_not_in_training():
    # Same normal form is a copy; for lines of six characters or more, sharing 60% of
    # character trigrams is a near copy. Shorter lines (好, no) can only be checked exactly.
    train = {normalise(example.text) for example in read_examples(TRAIN_PATH, need_today=False)}
    long_train = [_trigrams(text) for text in train if len(text) >= 6]
    for example in read_examples(HELDOUT):
        text = normalise(example.text)
        assert text not in train, example.text
        if len(text) < 6:
            continue
        grams = _trigrams(text)
        overlap = max(len(grams & other) / len(grams | other) for other in long_train)
        assert overlap < 0.6, example.text


def test_heldout_size_per_language():
    counts = Counter(example.lang for example in read_examples(HELDOUT))
    assert sum(counts.values()) >= 600
    assert all(counts[lang] >= 180 for lang in LANGS)
    assert {example.intent for example in read_examples(HELDOUT)} == set(INTENTS)


def test_the_floor_prefers_asking_again_on_a_tie():
    top = [("promise_to_pay", 0.9), ("refuse", 0.3), ("callback", 0.5)]
    gold = ["promise_to_pay", "unclear", "callback"]
    assert classifier.tune_threshold(top, gold) == 0.5


def test_the_floor_keeps_confident_answers():
    top = [("promise_to_pay", 0.9), ("refuse", 0.8)]
    assert classifier.tune_threshold(top, ["promise_to_pay", "refuse"]) == 0.7


def test_a_changed_hand_rule_needs_a_new_model(monkeypatch, tmp_path):
    # Rule hits are features: a model fitted with the old rules would weigh the new hits wrongly.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("FAIRDIAL_NLU_CACHE", raising=False)
    before = classifier._cache_path(b"same data")
    monkeypatch.setattr(classifier, "_rule_sources", lambda: b"other rules")
    after = classifier._cache_path(b"same data")
    assert before is not None and after is not None
    assert before.parent == after.parent == tmp_path / "fairdial"
    assert before != after


def test_model_is_trained_once_and_reused():
    assert classifier.load() is classifier.load()
    assert 0.1 <= classifier.load().threshold <= 0.7


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "line 1: not JSON"),
        ('{"text": "好", "lang": "fr-FR", "today": "2026-03-11", "intent": "affirm"}', "lang"),
        ('{"text": "好", "lang": "zh-TW", "today": "2026-03-11", "intent": "maybe"}', "intent"),
        ('{"text": "好", "lang": "zh-TW", "today": "March", "intent": "affirm"}', "today"),
        ('{"text": "", "lang": "zh-TW", "today": "2026-03-11", "intent": "affirm"}', "text"),
    ],
)
def test_bad_lines_name_their_number(tmp_path, line, message):
    path = tmp_path / "set.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        read_examples(path)


def test_bad_entity_key_is_rejected(tmp_path):
    good = {"text": "好", "lang": "zh-TW", "today": "2026-03-11", "intent": "affirm"}
    path = tmp_path / "set.jsonl"
    lines = [json.dumps(good), json.dumps({**good, "entities": {"colour": "red"}})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="line 2: 'entities'"):
        read_examples(path)


def test_the_fast_scorer_gives_scikit_learns_probabilities():
    model = classifier.load()
    lines = [json.loads(line) for line in HELDOUT.read_text(encoding="utf-8").splitlines()]
    for line in lines[::7]:
        normal = normalise(line["text"])
        fast, reference = model.probabilities(normal), model.reference_probabilities(normal)
        assert fast.keys() == reference.keys()
        assert max(abs(fast[k] - reference[k]) for k in fast) < 1e-5, line["text"]
