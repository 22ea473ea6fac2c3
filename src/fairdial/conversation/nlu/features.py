"""What the classifier sees: character n-grams for Chinese, words for English, rule hits."""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import FunctionTransformer

from fairdial.conversation import rules
from fairdial.conversation.nlu.dataset import INTENTS

_DIGITS = re.compile(r"\d")


def prepare(normal: str) -> str:
    """Digits fold to 0: '3000' and '5000' say the same thing about intent."""
    return _DIGITS.sub("0", normal)


def rule_hits(texts: list[str]) -> sparse.csr_matrix:
    """One column per intent: the weight of its strongest hand rule, 0 when none matches."""
    rows = np.zeros((len(texts), len(INTENTS)))
    for row, text in enumerate(texts):
        for intent, weight in rules.scores(text).items():
            rows[row, INTENTS.index(intent)] = weight
    return sparse.csr_matrix(rows)


def build() -> FeatureUnion:
    # Chinese has no spaces, so characters carry the meaning; char_wb keeps English words whole
    # at the edges, and the word block adds English phrases such as "call back".
    return FeatureUnion(
        [
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, dtype=np.float32
                ),
            ),
            (
                "words",
                TfidfVectorizer(
                    analyzer="word",
                    token_pattern=r"[a-z][a-z']*",
                    ngram_range=(1, 2),
                    sublinear_tf=True,
                    dtype=np.float32,
                ),
            ),
            ("rules", FunctionTransformer(rule_hits, accept_sparse=True)),
        ]
    )
