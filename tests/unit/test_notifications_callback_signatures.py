"""Webhook signature verifiers: valid, tampered body, wrong signature, wrong URL or key."""

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from adapters.clock import SystemClock
from adapters.sendgrid.signature import SendGridEventVerifier
from adapters.twilio.signature import TwilioSignatureVerifier
from tests.support import webhook_signing as signing
from tests.support.fakes import FakeClock

TOKEN = "twilio-auth-token"
URL = "https://herald.example.com/webhooks/twilio/status"
PARAMS = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": "+15551230000"}


def twilio_signature(url: str = URL, params: dict[str, str] = PARAMS, token: str = TOKEN) -> str:
    return signing.twilio_signature(token, url, params)


def test_twilio_accepts_a_genuine_callback() -> None:
    assert TwilioSignatureVerifier(TOKEN).is_valid(URL, PARAMS, twilio_signature())


def test_twilio_accepts_the_url_with_its_default_port() -> None:
    # Twilio is inconsistent about ports; the SDK checks both forms.
    signature = twilio_signature(url="https://herald.example.com:443/webhooks/twilio/status")
    assert TwilioSignatureVerifier(TOKEN).is_valid(URL, PARAMS, signature)


def test_twilio_refuses_a_tampered_body() -> None:
    tampered = {**PARAMS, "MessageStatus": "failed"}
    assert not TwilioSignatureVerifier(TOKEN).is_valid(URL, tampered, twilio_signature())


def test_twilio_refuses_an_added_parameter() -> None:
    extended = {**PARAMS, "ErrorCode": "30003"}
    assert not TwilioSignatureVerifier(TOKEN).is_valid(URL, extended, twilio_signature())


def test_twilio_refuses_a_signature_made_with_another_token() -> None:
    signature = twilio_signature(token="someone-else")
    assert not TwilioSignatureVerifier(TOKEN).is_valid(URL, PARAMS, signature)


@pytest.mark.parametrize("signature", ["", "not-base64!", "AAAA"])
def test_twilio_refuses_garbage_signatures(signature: str) -> None:
    assert not TwilioSignatureVerifier(TOKEN).is_valid(URL, PARAMS, signature)


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example.com/webhooks/twilio/status",
        "http://herald.example.com/webhooks/twilio/status",
        URL + "?extra=1",
        "https://herald.example.com:notaport/webhooks/twilio/status",
    ],
)
def test_twilio_refuses_the_wrong_url(url: str) -> None:
    assert not TwilioSignatureVerifier(TOKEN).is_valid(url, PARAMS, twilio_signature())


PAYLOAD = (
    b'[{"email":"ann@example.com","event":"delivered","sg_event_id":"ZGVsaXZlcmVk",'
    b'"sg_message_id":"abc.filter001","herald_reference":"0190"}]\r\n'
)
TIMESTAMP = "1795300000"
AT_TIMESTAMP = FakeClock(datetime.fromtimestamp(int(TIMESTAMP), UTC))


@pytest.fixture(scope="module")
def sendgrid_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_key_b64(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def sendgrid_signature(
    key: ec.EllipticCurvePrivateKey, payload: bytes = PAYLOAD, timestamp: str = TIMESTAMP
) -> str:
    signature = key.sign(timestamp.encode() + payload, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(signature).decode()


def test_sendgrid_accepts_a_genuine_event_batch(sendgrid_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, AT_TIMESTAMP)
    assert verifier.is_valid(PAYLOAD, sendgrid_signature(sendgrid_key), TIMESTAMP)


def test_sendgrid_refuses_a_tampered_body(sendgrid_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, AT_TIMESTAMP)
    tampered = PAYLOAD.replace(b"delivered", b"bounce", 1)
    assert not verifier.is_valid(tampered, sendgrid_signature(sendgrid_key), TIMESTAMP)


def test_sendgrid_refuses_another_timestamp(sendgrid_key: ec.EllipticCurvePrivateKey) -> None:
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, AT_TIMESTAMP)
    assert not verifier.is_valid(PAYLOAD, sendgrid_signature(sendgrid_key), "1795300001")


@pytest.mark.parametrize("skew", [timedelta(seconds=301), timedelta(seconds=-301)])
def test_sendgrid_refuses_a_stale_or_future_timestamp(
    sendgrid_key: ec.EllipticCurvePrivateKey, skew: timedelta
) -> None:
    clock = FakeClock(AT_TIMESTAMP.now() + skew)
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, clock)
    assert not verifier.is_valid(PAYLOAD, sendgrid_signature(sendgrid_key), TIMESTAMP)
    clock.current -= skew * 0.5
    assert verifier.is_valid(PAYLOAD, sendgrid_signature(sendgrid_key), TIMESTAMP)


def test_sendgrid_refuses_a_signature_by_another_key(
    sendgrid_key: ec.EllipticCurvePrivateKey,
) -> None:
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, AT_TIMESTAMP)
    other = ec.generate_private_key(ec.SECP256R1())
    assert not verifier.is_valid(PAYLOAD, sendgrid_signature(other), TIMESTAMP)


@pytest.mark.parametrize(
    ("signature", "timestamp"),
    [("", TIMESTAMP), ("@@@", TIMESTAMP), ("AAAA", TIMESTAMP), ("x", "")],
)
def test_sendgrid_refuses_garbage(
    sendgrid_key: ec.EllipticCurvePrivateKey, signature: str, timestamp: str
) -> None:
    verifier = SendGridEventVerifier(public_key_b64(sendgrid_key), 300, AT_TIMESTAMP)
    assert not verifier.is_valid(PAYLOAD, signature, timestamp)


def test_sendgrid_refuses_keys_that_are_not_ec_public_keys() -> None:
    with pytest.raises(ValueError, match="base64 DER"):
        SendGridEventVerifier("not a key", 300, AT_TIMESTAMP)
    with pytest.raises(ValueError, match="elliptic-curve"):
        SendGridEventVerifier(
            public_key_b64(rsa.generate_private_key(65537, 2048)), 300, AT_TIMESTAMP
        )


def test_the_test_signer_produces_what_the_verifier_accepts() -> None:
    signer = signing.SendGridSigner()
    headers = signer.headers(PAYLOAD)
    verifier = SendGridEventVerifier(signer.public_key, 300, SystemClock())
    assert verifier.is_valid(
        PAYLOAD,
        headers["X-Twilio-Email-Event-Webhook-Signature"],
        headers["X-Twilio-Email-Event-Webhook-Timestamp"],
    )
