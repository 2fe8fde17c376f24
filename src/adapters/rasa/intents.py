"""`RasaIntentClassifier`: Rasa's HTTP API, `POST {url}/model/parse {"text"}` with its
token auth (`?token=`), answering `intent.name`, `intent.confidence` and
`intent_ranking`. Below the confidence threshold the intent is `other`; an intent Herald
does not know (Rasa's own `nlu_fallback`) is `other` too.

When Rasa is down, slow, refuses the token or answers what is not its wire format, the
fallback classifier (the local one) answers instead: the failure is logged, counted and
shown, as the conversation records which classifier answered. aiohttp rather than
httpx: httpx logs every request's URL, and Rasa's token travels in the query string."""

import logging

import aiohttp
import msgspec

from application.ports.subscriptions import Classification, FallbackMetrics, IntentClassifier
from domain.subscriptions import Intent

NAME = "rasa"
PARSE_PATH = "/model/parse"
log = logging.getLogger("herald.subscriptions")


class _Ranked(msgspec.Struct):
    name: str
    confidence: float


class _Parsed(msgspec.Struct):
    """What Herald reads of Rasa's answer (it has more: entities, tokens...)."""

    intent: _Ranked
    intent_ranking: list[_Ranked] = []


_decoder = msgspec.json.Decoder(_Parsed)


def _intent(name: str) -> Intent:
    try:
        return Intent(name)
    except ValueError:
        return Intent.OTHER


class RasaIntentClassifier:
    def __init__(
        self,
        url: str,
        token: str | None,
        fallback: IntentClassifier,
        metrics: FallbackMetrics,
        *,
        threshold: float = 0.6,
        timeout_seconds: float = 2.0,
    ) -> None:
        self._url = url.rstrip("/") + PARSE_PATH
        self._params = {"token": token} if token else {}
        self._fallback = fallback
        self._metrics = metrics
        self._threshold = threshold
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._session: aiohttp.ClientSession | None = None

    async def classify(self, text: str) -> Classification:
        if self._session is None:  # made in the event loop that uses it
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(
                self._url, params=self._params, json={"text": text}
            ) as response:
                status, content = response.status, await response.read()
        except TimeoutError:
            return await self._fall_back(text, "timeout", "Rasa took too long")
        except aiohttp.ClientError as exc:
            return await self._fall_back(text, "unavailable", f"Rasa unreachable: {exc!r}"[:200])
        if status in (401, 403):
            return await self._fall_back(text, "unauthorized", "Rasa refused the token")
        if not 200 <= status < 300:
            return await self._fall_back(text, "unavailable", f"Rasa answered {status}")
        try:
            parsed = _decoder.decode(content)
        except msgspec.DecodeError as exc:
            return await self._fall_back(text, "bad_answer", f"Rasa's answer: {exc}"[:200])
        ranking = tuple((_intent(r.name), r.confidence) for r in parsed.intent_ranking)
        intent, confidence = _intent(parsed.intent.name), parsed.intent.confidence
        if confidence < self._threshold:
            intent = Intent.OTHER
        return Classification(intent, confidence, NAME, ranking or ((intent, confidence),))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _fall_back(self, text: str, reason: str, detail: str) -> Classification:
        log.warning(
            "intent classifier fell back to the local one",
            extra={"reason": reason, "detail": detail},
        )
        self._metrics.classifier_fell_back(reason)
        return await self._fallback.classify(text)
