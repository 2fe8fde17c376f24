"""The local intent classifier: it learns from the Rasa project's own nlu.yml, classifies
every training example as trained, reads held-out realistic replies at least as well as
a keyword list would. Its speed (under 200 µs a message) is measured by
`bench/intent_classifier.py`, not here: a timed test fails on a busy machine."""

from pathlib import Path

import pytest

from adapters.local.intents import LocalIntentClassifier, fold, read_nlu, training_file
from domain.subscriptions import Intent

NLU = training_file()
# Replies people send, none of them a training example (checked below).
HELD_OUT: list[tuple[str, Intent]] = [
    ("Yesss!", Intent.AFFIRM),
    ("yes pls", Intent.AFFIRM),
    ("Ok sure thing", Intent.AFFIRM),
    ("YES I WANT IT", Intent.AFFIRM),
    ("Sure, sign me up!", Intent.AFFIRM),
    ("Claro que sí", Intent.AFFIRM),
    ("Si claro", Intent.AFFIRM),
    ("yes confirm", Intent.AFFIRM),
    ("nope, not interested", Intent.DENY),
    ("no, wrong number", Intent.DENY),
    ("no gracias amigo", Intent.DENY),
    ("no thanks, wrong person", Intent.DENY),
    ("Stop, thanks a lot", Intent.STOP),
    ("please stop texting me now", Intent.STOP),
    ("quit texting me", Intent.STOP),
    ("Can you stop", Intent.STOP),
    ("stop it please", Intent.STOP),
    ("remove me please", Intent.STOP),
    ("stop sending me these", Intent.STOP),
    ("who is this please?", Intent.HELP),
    ("help please", Intent.HELP),
    ("I need info", Intent.HELP),
    ("huh?", Intent.OTHER),
    ("Thanks a lot!", Intent.OTHER),
    ("k", Intent.OTHER),
]
# What a keyword list does: the first word that is a keyword decides.
KEYWORDS = {
    "yes": Intent.AFFIRM,
    "si": Intent.AFFIRM,
    "no": Intent.DENY,
    "stop": Intent.STOP,
    "start": Intent.START,
    "help": Intent.HELP,
    "info": Intent.HELP,
}


def keyword_list(text: str) -> Intent:
    return next((KEYWORDS[w] for w in fold(text).split() if w in KEYWORDS), Intent.OTHER)


@pytest.fixture(scope="module")
def local() -> LocalIntentClassifier:
    return LocalIntentClassifier.from_nlu_file(NLU)


def test_the_training_file_is_the_rasa_projects() -> None:
    assert Path(__file__).resolve().parents[2] / "rasa" / "data" / "nlu.yml" == NLU
    examples = read_nlu(NLU)
    assert set(examples) == set(Intent)
    assert "sí" in examples[Intent.AFFIRM]  # Spanish too


def test_every_training_example_is_classified_as_trained(local: LocalIntentClassifier) -> None:
    wrong = [
        (text, intent, local.read(text).intent)
        for intent, texts in read_nlu(NLU).items()
        for text in texts
        if local.read(text).intent is not intent
    ]
    assert wrong == []


def test_held_out_replies_beat_a_keyword_list(local: LocalIntentClassifier) -> None:
    trained = {fold(t) for texts in read_nlu(NLU).values() for t in texts}
    assert not [t for t, _ in HELD_OUT if fold(t) in trained], "held-out replies must be new"
    ours = sum(local.read(t).intent is i for t, i in HELD_OUT)
    baseline = sum(keyword_list(t) is i for t, i in HELD_OUT)
    assert ours >= baseline
    assert ours >= 0.9 * len(HELD_OUT), [(t, i, local.read(t)) for t, i in HELD_OUT]


def test_an_answer_ranks_every_intent_and_says_who_answered(local: LocalIntentClassifier) -> None:
    reading = local.read("ok cool, sign me up")
    assert reading.classifier == "local"
    assert reading.ranking[0][0] is reading.intent
    assert abs(sum(c for _, c in reading.ranking) - 1.0) < 1e-9
    assert local.read("zzzz qqqq").intent is Intent.OTHER  # nothing known in it
