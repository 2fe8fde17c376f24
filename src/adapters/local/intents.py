"""`LocalIntentClassifier`: the embedded default's intent classifier and the Rasa
adapter's fallback, learnt from the Rasa project's own training file
(`rasa/data/nlu.yml`), so there is one list of examples.

Multinomial naive Bayes over words and word pairs (lower case, accents folded), with
uniform priors; a message that is one of the examples (after folding) is that example's
intent outright, so every training example is classified as trained. A few dozen
features per message: microseconds, no model file, no training step at start worth
the name."""

import itertools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib.resources import files
from pathlib import Path

import yaml

from application.ports.subscriptions import Classification
from domain.subscriptions import Intent

NAME = "local"
# Below this posterior the message is `other`: too close to call.
MIN_CONFIDENCE = 0.5
_SMOOTHING = 0.5
_NOT_WORD = re.compile(r"[^a-z0-9']+")
_EXAMPLE = re.compile(r"^\s*-\s+(.*?)\s*$")


def fold(text: str) -> str:
    """Lower case, accents removed, only letters, digits and apostrophes, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", bare).split())


def features(folded: str) -> list[str]:
    words = folded.split()
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def training_file() -> Path:
    """The Rasa project's `data/nlu.yml`: packaged beside this module in the wheel,
    else (a source checkout) in the repository's `rasa/` folder."""
    packaged = Path(str(files(__package__ or "adapters.local") / "nlu.yml"))
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[3] / "rasa" / "data" / "nlu.yml"


def read_nlu(path: Path) -> dict[Intent, list[str]]:
    """The examples of each intent in a Rasa NLU training file (YAML, `nlu:` entries
    with `intent` and `examples` as a `- ` list); intents Herald does not know are
    refused, so the file and the port cannot drift apart."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples: dict[Intent, list[str]] = {}
    for entry in document.get("nlu", []):
        if "intent" not in entry:
            continue  # synonyms, regexes, lookups: not examples
        intent = Intent(entry["intent"])
        for line in str(entry.get("examples", "")).splitlines():
            if match := _EXAMPLE.match(line):
                examples.setdefault(intent, []).append(match.group(1))
    return examples


class LocalIntentClassifier:
    def __init__(self, examples: Mapping[Intent, Sequence[str]]) -> None:
        self._intents = [i for i in Intent if examples.get(i)]
        if not self._intents:
            raise ValueError("the classifier needs examples")
        self._exact: dict[str, Intent] = {}
        counts = {i: Counter[str]() for i in self._intents}
        for intent, texts in examples.items():
            for text in texts:
                folded = fold(text)
                self._exact.setdefault(folded, intent)
                counts[intent].update(features(folded))
        vocabulary = set().union(*counts.values())
        size = len(vocabulary)
        # log P(feature | intent), with add-k smoothing; unseen features are skipped.
        self._log_p: dict[str, list[float]] = {}
        totals = [sum(counts[i].values()) + _SMOOTHING * size for i in self._intents]
        for feature in vocabulary:
            self._log_p[feature] = [
                math.log((counts[i][feature] + _SMOOTHING) / total)
                for i, total in zip(self._intents, totals, strict=True)
            ]

    @classmethod
    def from_nlu_file(cls, path: Path) -> "LocalIntentClassifier":
        return cls(read_nlu(path))

    def read(self, text: str) -> Classification:
        folded = fold(text)
        if (known := self._exact.get(folded)) is not None:
            return Classification(known, 1.0, NAME, ((known, 1.0),))
        scores = [0.0] * len(self._intents)
        seen = False
        for feature in features(folded):
            if (log_p := self._log_p.get(feature)) is not None:
                seen = True
                scores = [s + p for s, p in zip(scores, log_p, strict=True)]
        if not seen:
            return Classification(Intent.OTHER, 1.0, NAME, ((Intent.OTHER, 1.0),))
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        ranking = sorted(
            ((i, w / total) for i, w in zip(self._intents, weights, strict=True)),
            key=lambda pair: -pair[1],
        )
        best, confidence = ranking[0]
        if confidence < MIN_CONFIDENCE:
            best = Intent.OTHER
        return Classification(best, confidence, NAME, tuple(ranking))

    async def classify(self, text: str) -> Classification:
        return self.read(text)
