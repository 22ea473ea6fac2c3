"""The intent classifier: trained from the versioned data at first use, then cached.

Training takes a few seconds, so the fitted model is kept in memory and pickled under the user's
cache folder, keyed by a hash of the training data, the scikit-learn version, the text's normal
form and the source of the hand rules and features; a change to any of them retrains instead of
loading a stale model.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import random
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from fairdial.conversation import negation, rules
from fairdial.conversation.nlu import features
from fairdial.conversation.nlu.dataset import TRAIN_PATH, Example, read_examples
from fairdial.conversation.nlu.fast import FastScorer
from fairdial.conversation.text import NORMAL_FORM, normalise

logger = logging.getLogger(__name__)

VALIDATION_SHARE = 0.2
_SEED = 20260311
_THRESHOLDS = [round(0.05 * step, 2) for step in range(2, 15)]


_MEMO_SIZE = 8192


@dataclass(frozen=True)
class Classifier:
    features: FeatureUnion
    model: LogisticRegression
    threshold: float  # below this top probability the turn is `unclear`

    def probabilities(self, normal: str) -> dict[str, float]:
        """Probability per intent for one normalised turn."""
        return dict(_probabilities(self, normal))

    def reference_probabilities(self, normal: str) -> dict[str, float]:
        """The same probabilities through scikit-learn's own transform and predict_proba."""
        row = self.model.predict_proba(self.features.transform([features.prepare(normal)]))[0]
        return dict(zip(self.model.classes_, row.tolist(), strict=True))

    @functools.cached_property
    def _scorer(self) -> FastScorer:
        return FastScorer(self.features, self.model)

    def _compute(self, normal: str) -> tuple[tuple[str, float], ...]:
        row = self._scorer.probabilities(features.prepare(normal))
        return tuple(zip(self._scorer.classes, row.tolist(), strict=True))


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _probabilities(classifier: Classifier, normal: str) -> tuple[tuple[str, float], ...]:
    # Short turns recur across calls ("好", "yes", "喂？", "可以分期嗎"); vectorising one turn
    # costs about a millisecond, so the answers for recent turns are remembered.
    return classifier._compute(normal)


def _fit(examples: list[Example]) -> tuple[FeatureUnion, LogisticRegression]:
    texts = [features.prepare(normalise(example.text)) for example in examples]
    union = features.build()
    matrix = union.fit_transform(texts)
    # saga with a loose tolerance fits in well under a second; the classes are far apart enough
    # that tighter convergence changes no prediction. Balanced weights keep rare intents
    # such as distress from being outvoted by promises.
    model = LogisticRegression(
        C=10.0, solver="saga", tol=1e-3, max_iter=300, class_weight="balanced", random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(matrix, [example.intent for example in examples])
    return union, model


def tune_threshold(top: list[tuple[str, float]], gold: list[str]) -> float:
    """The confidence floor that makes the most turns right when low ones become `unclear`.

    Ties go to the higher floor: asking again costs less than acting on a wrong guess.
    """
    best, best_right = _THRESHOLDS[0], -1
    for threshold in _THRESHOLDS:
        right = sum(
            (label if confidence >= threshold else "unclear") == truth
            for (label, confidence), truth in zip(top, gold, strict=True)
        )
        if right >= best_right:
            best, best_right = threshold, right
    return best


def train(examples: list[Example]) -> Classifier:
    """Tune the floor on a held-back share of the examples, then fit on all of them."""
    shuffled = examples[:]
    random.Random(_SEED).shuffle(shuffled)
    cut = int(len(shuffled) * (1 - VALIDATION_SHARE))
    fitted, held = shuffled[:cut], shuffled[cut:]
    union, model = _fit(fitted)
    matrix = union.transform([features.prepare(normalise(example.text)) for example in held])
    probabilities = model.predict_proba(matrix)
    top = [
        (str(model.classes_[index]), float(row[index]))
        for row, index in zip(probabilities, np.argmax(probabilities, axis=1), strict=True)
    ]
    threshold = tune_threshold(top, [example.intent for example in held])

    union, model = _fit(examples)
    logger.debug("nlu classifier trained", extra={"examples": len(examples), "floor": threshold})
    return Classifier(union, model, threshold)


def _rule_sources() -> bytes:
    return b"".join(
        Path(module.__file__ or "").read_bytes() for module in (rules, negation, features)
    )


def _cache_path(data: bytes) -> Path | None:
    if os.environ.get("FAIRDIAL_NLU_CACHE") == "off":
        return None
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    # The training text is read through `normalise`, and the hand rules are features: a new
    # normal form or a changed rule needs a new model too.
    stamp = f"{sklearn.__version__}/{NORMAL_FORM}".encode()
    key = hashlib.sha256(data + stamp + _rule_sources()).hexdigest()[:16]
    return Path(root) / "fairdial" / f"nlu-{key}.pickle"


def _load_or_train(path: Path) -> Classifier:
    data = path.read_bytes()
    cached = _cache_path(data) if path == TRAIN_PATH else None
    if cached and cached.exists():
        try:
            with open(cached, "rb") as handle:
                classifier = pickle.load(handle)  # written by this function, never downloaded
            if isinstance(classifier, Classifier):
                return classifier
        except (OSError, pickle.UnpicklingError, AttributeError, EOFError):
            logger.warning("nlu model cache unreadable, retraining")

    classifier = train(read_examples(path, need_today=False))
    if cached:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_suffix(f".{os.getpid()}.tmp")
            with open(partial, "wb") as handle:
                pickle.dump(classifier, handle)
            partial.replace(cached)  # atomic, so a parallel process never reads half a file
        except OSError:
            logger.warning("nlu model cache not writable, keeping the model in memory only")
    return classifier


_lock = threading.Lock()
_loaded: dict[Path, Classifier] = {}


def load(path: Path = TRAIN_PATH) -> Classifier:
    """The classifier trained on `path`, trained once per process or read from the cache."""
    with _lock:
        if path not in _loaded:
            _loaded[path] = _load_or_train(path)
        return _loaded[path]
