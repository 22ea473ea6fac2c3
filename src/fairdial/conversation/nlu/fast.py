"""Scoring one turn without scikit-learn's per-call machinery.

`FeatureUnion.transform` and `predict_proba` validate and convert their inputs on every call,
which costs about a millisecond for a single short turn. The fitted model is linear, so the same
probabilities come from the vectorisers' vocabularies and weights directly: count the n-grams,
apply sublinear tf, idf and the l2 norm per block, add the rule hits, take the dot product with
the coefficients and a softmax. A test checks the result against scikit-learn's own.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion

from fairdial.conversation import rules
from fairdial.conversation.nlu.dataset import INTENTS


class _Block:
    """One tf-idf vectoriser of the union, with its column offset in the joined features."""

    def __init__(self, vectorizer: TfidfVectorizer, offset: int) -> None:
        self.analyze: Callable[[str], list[str]] = vectorizer.build_analyzer()
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_
        self.offset = offset

    def weights(self, text: str) -> list[tuple[int, float]]:
        counts = Counter(
            index for index in map(self.vocabulary.get, self.analyze(text)) if index is not None
        )
        values = [(i, (1.0 + math.log(n)) * float(self.idf[i])) for i, n in counts.items()]
        norm = math.sqrt(sum(value * value for _, value in values))
        if norm == 0.0:
            return []
        return [(self.offset + i, value / norm) for i, value in values]


class FastScorer:
    """Class probabilities of a fitted union + multinomial logistic regression, for one text."""

    def __init__(self, union: FeatureUnion, model: LogisticRegression) -> None:
        blocks = dict(union.transformer_list)
        chars, words = blocks["chars"], blocks["words"]
        self._blocks = [
            _Block(chars, 0),
            _Block(words, len(chars.vocabulary_)),
        ]
        self._rule_offset = len(chars.vocabulary_) + len(words.vocabulary_)
        # One row per feature, so a turn's score is the sum of a few rows.
        self._rows = np.ascontiguousarray(model.coef_.T, dtype=np.float64)
        self._intercept = model.intercept_.astype(np.float64)
        self.classes: list[str] = [str(label) for label in model.classes_]

    def probabilities(self, prepared: str) -> np.ndarray:
        scores = self._intercept.copy()
        for block in self._blocks:
            for column, value in block.weights(prepared):
                scores += value * self._rows[column]
        for intent, weight in rules.scores(prepared).items():
            scores += weight * self._rows[self._rule_offset + INTENTS.index(intent)]
        scores -= scores.max()
        exp = np.exp(scores)
        return exp / exp.sum()
