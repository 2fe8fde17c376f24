"""docker-compose.yml is valid and describes the production deployment."""

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
HEARTBEAT_INTERVAL_SECONDS = Settings().heartbeat.interval_seconds


def _compose() -> str:
    binary = shutil.which("docker-compose")
    if binary is None:
        reason = "docker-compose is not installed (Debian package docker-compose)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return binary


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_compose(), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": os.environ["PATH"], **env},
        timeout=60,
        check=False,
    )


SECRETS = {
    "HERALD_JWT_SECRET": "s" * 40,
    "POSTGRES_PASSWORD": "p" * 20,
    "HERALD_RASA_TOKEN": "r" * 24,
}
HERALD_SERVICES = ("api", "worker", "scheduler")
# What an operator sets to reach real providers (see the README's "SMS and email providers").
PROVIDERS = {
    "HERALD_SMS_PROVIDER": "twilio",
    "HERALD_EMAIL_PROVIDER": "sendgrid",
    "HERALD_TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000042",
    "HERALD_TWILIO_AUTH_TOKEN": "twilio-token",
    "HERALD_TWILIO_FROM_NUMBER": "+15005550006",
    "HERALD_TWILIO_MESSAGING_SERVICE_SID": "MG00000000000000000000000000000042",
    "HERALD_SENDGRID_API_KEY": "SG.key",
    "HERALD_SENDGRID_FROM_EMAIL": "noreply@example.com",
    "HERALD_SENDGRID_WEBHOOK_PUBLIC_KEY": "base64-of-the-verification-key",
    "HERALD_PUBLIC_URL": "https://herald.example.com",
    "HERALD_SMTP_URL": "smtp://apikey:secret@smtp.example.com:587",
    "HERALD_SMTP_TLS": "starttls",
    "HERALD_SMTP_FROM_EMAIL": "noreply@example.com",
    "HERALD_LANDBOT_WEBHOOK_TOKEN": "landbot-webhook-token-0123456789",
    "HERALD_LANDBOT_API_TOKEN": "landbot-api-token",
    "HERALD_LANDBOT_API_URL": "https://api.landbot.io",
}
# What the compose file sets when the operator does not: email goes to Mailpit.
MAILPIT_DEFAULTS = {
    "HERALD_EMAIL_PROVIDER": "smtp",
    "HERALD_SMTP_URL": "smtp://mailpit:1025",
    "HERALD_SMTP_TLS": "none",
    "HERALD_SMTP_FROM_EMAIL": "herald@herald.localhost",
}


def _services(env: dict[str, str]) -> dict[str, Any]:
    result = _config(env)
    assert result.returncode == 0, result.stderr
    services: dict[str, Any] = yaml.safe_load(result.stdout)["services"]
    return services


def test_compose_config_is_valid() -> None:
    services = _services(SECRETS)
    assert {"postgres", "redis", "migrate", "api", "worker", "scheduler"} <= set(services)
    assert services["scheduler"]["command"] == ["herald", "scheduler"]
    env = services["api"]["environment"]
    assert env["HERALD_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["HERALD_BROKER_URL"].startswith("redis://")


def test_compose_refuses_to_run_without_secrets() -> None:
    result = _config({})
    assert result.returncode != 0
    assert "HERALD_JWT_SECRET" in result.stderr or "POSTGRES_PASSWORD" in result.stderr


def test_each_long_running_service_has_a_healthcheck_of_its_own() -> None:
    services = _services(SECRETS)
    api = services["api"]["healthcheck"]["test"]
    assert api[:2] == ["CMD", "python"]
    assert "http://127.0.0.1:8000/health/live" in api[-1]
    assert services["migrate"]["healthcheck"]["test"] == ["NONE"]  # a one-off job
    for name in ("worker", "scheduler"):
        service = services[name]
        beat = service["environment"]["HERALD_HEARTBEAT_FILE"]
        check = service["healthcheck"]["test"]
        assert check[:4] == ["CMD", "python", "-m", "entrypoints.heartbeat"]
        assert check[check.index("--heartbeat") + 1] == beat
        assert float(check[check.index("--max-age") + 1]) >= 3 * HEARTBEAT_INTERVAL_SECONDS
    assert "HERALD_HEARTBEAT_FILE" not in services["api"]["environment"]


def test_provider_settings_reach_the_herald_containers() -> None:
    services = _services({**SECRETS, **PROVIDERS})
    for name in HERALD_SERVICES:
        environment = services[name]["environment"]
        assert {key: environment.get(key) for key in PROVIDERS} == PROVIDERS, name


def test_unset_provider_settings_stay_unset() -> None:
    """Passed on by name only (null here): a variable the operator did not set is not set in
    the container either, rather than an empty string that Herald would read as a value."""
    services = _services(SECRETS)
    for name in HERALD_SERVICES:
        environment = services[name]["environment"]
        unset = {
            key: environment[key]
            for key in PROVIDERS
            if key != "HERALD_PUBLIC_URL" and key not in MAILPIT_DEFAULTS
        }
        assert set(unset.values()) == {None}, name


def test_rasa_serves_its_api_with_a_token_and_herald_points_at_it() -> None:
    services = _services(SECRETS)
    rasa = services["rasa"]
    assert rasa["image"].startswith("rasa/rasa:3.")
    script = " ".join(rasa["command"])
    assert "rasa train nlu" in script
    assert "rasa run --enable-api --auth-token" in script
    assert rasa["environment"]["RASA_TOKEN"] == SECRETS["HERALD_RASA_TOKEN"]
    # The short form (compose v1) or the long one (v2): the training data goes in.
    sources = [v.split(":")[0] if isinstance(v, str) else v["source"] for v in rasa["volumes"]]
    assert str(ROOT / "rasa" / "data") in sources
    for name in HERALD_SERVICES:
        environment = services[name]["environment"]
        assert environment["HERALD_INTENT_CLASSIFIER"] == "rasa"
        assert environment["HERALD_RASA_URL"] == "http://rasa:5005"
        assert environment["HERALD_RASA_TOKEN"] == SECRETS["HERALD_RASA_TOKEN"]
    passed = services["api"]["environment"]
    rasa_names = ("HERALD_INTENT_CLASSIFIER", "HERALD_RASA_URL", "HERALD_RASA_TOKEN")
    settings = Settings.from_names(
        {n.removeprefix("HERALD_").lower(): passed[n] for n in rasa_names}
    )
    settings.subscriptions.validate()  # what compose passes is a valid configuration


def test_compose_refuses_to_run_without_a_rasa_token() -> None:
    result = _config({k: v for k, v in SECRETS.items() if k != "HERALD_RASA_TOKEN"})
    assert result.returncode != 0
    assert "HERALD_RASA_TOKEN" in result.stderr


def test_by_default_email_goes_to_mailpit_and_is_shown_on_port_8025() -> None:
    services = _services(SECRETS)
    for name in HERALD_SERVICES:
        environment = services[name]["environment"]
        assert {key: environment[key] for key in MAILPIT_DEFAULTS} == MAILPIT_DEFAULTS, name
    mailpit = services["mailpit"]
    assert mailpit["image"].startswith("axllent/mailpit:")
    assert [(p["published"], p["target"]) for p in mailpit["ports"]] == [(8025, 8025)]
    assert mailpit["healthcheck"]["test"] == ["CMD", "/mailpit", "readyz"]
    assert "mailpit" in services["worker"]["depends_on"]  # the worker sends the email
    # What the compose file sets is a complete, valid SMTP configuration.
    smtp = Settings.from_names(
        {key.removeprefix("HERALD_").lower(): value for key, value in MAILPIT_DEFAULTS.items()}
    )
    smtp.validate()
    assert (smtp.smtp.server.host, smtp.smtp.server.port) == ("mailpit", 1025)
