"""The IntentClassifier contract over the local classifier and RasaIntentClassifier
against a stub speaking Rasa's `/model/parse` wire format; then what only Rasa can do
wrong: low confidence, a refused token (401), 500, a timeout, an answer that is not
JSON. Each failure falls back to the local classifier, logs it and counts it."""

from collections.abc import AsyncIterator

import pytest

from adapters.local.intents import LocalIntentClassifier, training_file
from adapters.rasa.intents import RasaIntentClassifier
from application.ports.subscriptions import IntentClassifier
from domain.subscriptions import Intent
from tests.support.logs import captured_logs
from tests.support.stubs import rasa
from tests.support.stubs.fixtures import RunningStub
from tests.support.stubs.server import Scripted

LOCAL = LocalIntentClassifier.from_nlu_file(training_file())


class CountingMetrics:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def classifier_fell_back(self, reason: str) -> None:
        self.reasons.append(reason)


def rasa_classifier(
    stub: RunningStub[rasa.RasaStub], metrics: CountingMetrics, token: str = rasa.TOKEN
) -> RasaIntentClassifier:
    return RasaIntentClassifier(stub.url, token, LOCAL, metrics, threshold=0.6, timeout_seconds=0.5)


@pytest.fixture(params=["local", "rasa"])
async def classifier(
    request: pytest.FixtureRequest, rasa_stub: RunningStub[rasa.RasaStub]
) -> AsyncIterator[IntentClassifier]:
    if request.param == "local":
        yield LOCAL
        return
    made = rasa_classifier(rasa_stub, CountingMetrics())
    yield made
    await made.aclose()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("yes", Intent.AFFIRM),
        ("no", Intent.DENY),
        ("please stop texting me", Intent.STOP),
        ("start", Intent.START),
        ("who is this?", Intent.HELP),
    ],
)
async def test_clear_replies(classifier: IntentClassifier, text: str, intent: Intent) -> None:
    reading = await classifier.classify(text)
    assert reading.intent is intent
    assert 0.6 <= reading.confidence <= 1.0
    assert reading.ranking[0][0] is intent
    confidences = [c for _, c in reading.ranking]
    assert confidences == sorted(confidences, reverse=True)


async def test_what_no_intent_fits_is_other(classifier: IntentClassifier) -> None:
    assert (await classifier.classify("zzzz qqqq")).intent is Intent.OTHER


async def test_rasa_answers_as_rasa_with_the_token(rasa_stub: RunningStub[rasa.RasaStub]) -> None:
    metrics = CountingMetrics()
    made = rasa_classifier(rasa_stub, metrics)
    reading = await made.classify("sure, why not")
    await made.aclose()
    assert (reading.intent, reading.confidence, reading.classifier) == (Intent.AFFIRM, 0.91, "rasa")
    assert rasa_stub.app.messages == ["sure, why not"]
    assert metrics.reasons == []


async def test_low_confidence_is_other(rasa_stub: RunningStub[rasa.RasaStub]) -> None:
    made = rasa_classifier(rasa_stub, CountingMetrics())
    reading = await made.classify("hmm maybe")
    await made.aclose()
    assert (reading.intent, reading.confidence, reading.classifier) == (Intent.OTHER, 0.31, "rasa")
    assert reading.ranking[0] == (Intent.AFFIRM, 0.31)


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (None, "unauthorized"),
        (Scripted(500, b'{"status": "failure", "code": 500}'), "unavailable"),
        (Scripted(200, b"<html>not rasa</html>"), "bad_answer"),
        (Scripted(200, b'{"intent": {"name": "affirm"}}'), "bad_answer"),
        ("slow", "timeout"),
    ],
)
async def test_failures_fall_back_to_the_local_classifier(
    rasa_stub: RunningStub[rasa.RasaStub], script: Scripted | str | None, reason: str
) -> None:
    metrics = CountingMetrics()
    text = "please stop texting me"
    token = rasa.TOKEN
    if script is None:
        token = "wrong"
    elif isinstance(script, Scripted):
        rasa_stub.app.script(text, script)
    else:
        text = rasa.SLOW
    made = rasa_classifier(rasa_stub, metrics, token=token)
    with captured_logs() as logs:
        reading = await made.classify(text)
    await made.aclose()
    assert reading.classifier == "local"
    assert reading == LOCAL.read(text)
    assert metrics.reasons == [reason]
    [line] = [r for r in logs.records() if "fell back" in r.get("message", "")]
    assert line["reason"] == reason
    assert rasa.TOKEN not in logs.getvalue()  # the token never reaches a log


async def test_an_unreachable_rasa_falls_back() -> None:
    metrics = CountingMetrics()
    # Port 9 (discard) on 127.0.0.1: nothing listens, the connection is refused.
    made = RasaIntentClassifier("http://127.0.0.1:9", None, LOCAL, metrics, timeout_seconds=0.5)
    reading = await made.classify("yes")
    await made.aclose()
    assert (reading.intent, reading.classifier) == (Intent.AFFIRM, "local")
    assert metrics.reasons == ["unavailable"]
