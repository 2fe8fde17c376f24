"""Topic keys and names, the ids of one call, and channel overrides."""

import pytest

from domain.errors import FieldErrors, InvalidInput, InvalidValue
from domain.preferences import Channel
from domain.topics import channel_override, subscriber_ids, topic_key, topic_name


@pytest.mark.parametrize("key", ["a", "orders.shipped", "crm:leads_new-1", "x" * 100])
def test_keys_of_the_allowed_characters_pass(key: str) -> None:
    assert topic_key(key) == key


@pytest.mark.parametrize("key", ["", "Orders", "a b", "a/b", "é", "x" * 101])
def test_other_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidValue, match="a-z, 0-9"):
        topic_key(key)


def test_names_are_trimmed_and_bounded() -> None:
    assert topic_name("  Shipped  ") == "Shipped"
    for bad in ["   ", "x" * 201, "a\nb"]:
        with pytest.raises(InvalidValue):
            topic_name(bad)


def test_an_override_is_distinct_channels_in_a_fixed_order() -> None:
    assert channel_override(["sms", "email"]) == (Channel.EMAIL, Channel.SMS)
    for bad in [[], ["fax"], ["sms", "SMS"]]:
        with pytest.raises(InvalidValue):
            channel_override(bad)


def test_ids_sent_twice_count_once_in_the_order_first_sent() -> None:
    errors = FieldErrors()
    assert subscriber_ids(["b", "a", "b"], errors) == ["b", "a"]
    errors.raise_if_any()


def test_ids_are_1_to_1000_each_an_external_id() -> None:
    for count in (0, 1001):
        errors = FieldErrors()
        subscriber_ids(["a"] * count, errors)
        with pytest.raises(InvalidInput) as refused:
            errors.raise_if_any()
        assert [e.field for e in refused.value.errors] == ["recipients"]
    errors = FieldErrors()
    subscriber_ids(["ok", "a/b", "x" * 129], errors)
    with pytest.raises(InvalidInput) as refused:
        errors.raise_if_any()
    assert [e.field for e in refused.value.errors] == ["recipients[1]", "recipients[2]"]
