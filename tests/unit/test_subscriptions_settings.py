"""The subscription settings: their checks, and the classifier they choose."""

import pytest

from adapters.local.intents import LocalIntentClassifier
from adapters.rasa.intents import RasaIntentClassifier
from application.ports.subscriptions import IntentClassifier
from application.subscriptions.config import SubscriptionRules
from entrypoints.ioc import make_container
from entrypoints.settings import Settings, SettingsError
from tests.conftest import make_settings
from tests.support.container import UNUSED_DATABASE


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"subscription_update_offsets": "15,x"}, "HERALD_SUBSCRIPTION_UPDATE_OFFSETS"),
        ({"subscription_update_offsets": "0,35"}, "positive"),
        ({"subscription_update_offsets": ""}, "1 to 10"),
        ({"sms_program_name": " "}, "HERALD_SMS_PROGRAM_NAME"),
        ({"sms_help_contact": ""}, "HERALD_SMS_HELP_CONTACT"),
        ({"subscription_confirm_ttl_seconds": "10"}, "at least 60"),
        ({"subscription_limit_per_phone_day": "0"}, "at least 1"),
        ({"intent_classifier": "rasa"}, "needs HERALD_RASA_URL"),
        ({"rasa_url": "rasa:5005"}, "http://"),
        ({"rasa_confidence_threshold": "1.5"}, "between 0 and 1"),
        ({"rasa_timeout_seconds": "0"}, "HERALD_RASA_TIMEOUT_SECONDS"),
    ],
)
def test_bad_values_are_refused_naming_the_setting(values: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_names(values).subscriptions.validate()


async def test_the_rules_come_from_the_settings() -> None:
    container = make_container(
        make_settings(
            UNUSED_DATABASE, subscription_update_offsets="1.5, 3", sms_program_name=" News "
        )
    )
    rules = await container.get(SubscriptionRules)
    assert rules.program == "News"
    assert [o.total_seconds() for o in rules.update_offsets] == [1.5, 3.0]
    assert rules.frequency == "2 msgs per subscription"
    assert rules.provider_handles_opt_out is False  # the console sender answers no STOP
    assert isinstance(await container.get(IntentClassifier), LocalIntentClassifier)
    await container.close()


async def test_rasa_is_chosen_by_its_setting() -> None:
    settings = make_settings(
        UNUSED_DATABASE, intent_classifier="rasa", rasa_url="http://127.0.0.1:5005"
    )
    container = make_container(settings)
    assert isinstance(await container.get(IntentClassifier), RasaIntentClassifier)
    await container.close()
