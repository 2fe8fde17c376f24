"""Templates' own rules: keys, locales and the variant a locale picks, SMS segments."""

from datetime import UTC, datetime

import pytest

from domain.errors import InvalidValue
from domain.templates import (
    EmailPart,
    SmsPart,
    SmsSegments,
    Template,
    Variant,
    locale,
    locale_chain,
    sms_segments,
    template_key,
    variable_name,
)

NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", SmsSegments("GSM-7", 0, 0)),
        ("Hello", SmsSegments("GSM-7", 1, 5)),
        ("a" * 160, SmsSegments("GSM-7", 1, 160)),
        ("a" * 161, SmsSegments("GSM-7", 2, 161)),
        ("a" * 306, SmsSegments("GSM-7", 2, 306)),
        ("a" * 307, SmsSegments("GSM-7", 3, 307)),
        ("café à 5€", SmsSegments("GSM-7", 1, 10)),  # é, à in the basic set; € escaped
        ("€" * 80, SmsSegments("GSM-7", 1, 160)),
        ("{}" * 41, SmsSegments("GSM-7", 2, 164)),
        # 152 + an escape pair does not fit in 153: the pair starts the next part.
        ("a" * 152 + "€" + "a" * 152, SmsSegments("GSM-7", 3, 306)),
        ("ç", SmsSegments("UCS-2", 1, 1)),  # only the capital Ç is GSM-7
        ("a" * 70, SmsSegments("GSM-7", 1, 70)),
        ("a" * 69 + "ç", SmsSegments("UCS-2", 1, 70)),
        ("a" * 70 + "ç", SmsSegments("UCS-2", 2, 71)),
        ("Hello 👋", SmsSegments("UCS-2", 1, 8)),  # an emoji is two UTF-16 units
        ("👋" * 35, SmsSegments("UCS-2", 1, 70)),
        ("👋" * 36, SmsSegments("UCS-2", 2, 72)),
        ("日" * 134, SmsSegments("UCS-2", 2, 134)),
        ("日" * 135, SmsSegments("UCS-2", 3, 135)),
        ("a" * 66 + "👋" + "a" * 67, SmsSegments("UCS-2", 3, 135)),  # no pair is split
    ],
)
def test_sms_segments(text: str, expected: SmsSegments) -> None:
    assert sms_segments(text) == expected


def test_the_escape_character_itself_is_not_gsm_text() -> None:
    assert sms_segments("\x1b").encoding == "UCS-2"


@pytest.mark.parametrize("raw", ["welcome", "sign-in.code", "a:b_c-1", "x" * 100])
def test_template_keys(raw: str) -> None:
    assert template_key(raw) == raw


@pytest.mark.parametrize("raw", ["", "Welcome", "with space", "x" * 101, "a/b", "é", "a\x00"])
def test_bad_template_keys(raw: str) -> None:
    with pytest.raises(InvalidValue):
        template_key(raw)


@pytest.mark.parametrize(
    ("raw", "spelled"),
    [("en", "en"), ("PT-br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419")],
)
def test_locales_are_spelled_one_way(raw: str, spelled: str) -> None:
    assert locale(raw) == spelled


@pytest.mark.parametrize("raw", ["", "e", "english!", "pt_BR", "1a", "pt-" + "x" * 9])
def test_bad_locales(raw: str) -> None:
    with pytest.raises(InvalidValue):
        locale(raw)


def test_variable_names() -> None:
    assert variable_name("first_name") == "first_name"
    for bad in ("recipient", "1st", "a-b", "", "x" * 65):
        with pytest.raises(InvalidValue):
            variable_name(bad)


def test_locale_chain() -> None:
    assert locale_chain("pt-br") == ["pt-BR", "pt"]
    assert locale_chain("pt") == ["pt"]
    assert locale_chain(None) == []
    assert locale_chain("not a locale") == []


def _template(**locales: Variant) -> Template:
    default = Variant(SmsPart("Hi"), EmailPart("Hello", "Hello"))
    return Template("t", "", (), default, NOW, NOW, locales)


def test_variant_exact_then_language_then_default() -> None:
    pt = Variant(SmsPart("Olá"), None)
    pt_br = Variant(SmsPart("Oi"), None)
    template = _template(**{"pt": pt, "pt-BR": pt_br})
    assert template.variant_for("pt-BR", "sms") == ("pt-BR", pt_br)
    assert template.variant_for("pt-PT", "sms") == ("pt", pt)
    assert template.variant_for("de", "sms") == (None, template.default)
    assert template.variant_for(None, "sms") == (None, template.default)


def test_a_variant_without_the_channel_is_passed_over() -> None:
    pt_br = Variant(SmsPart("Oi"), None)
    pt = Variant(None, EmailPart("Olá", "Olá"))
    template = _template(**{"pt": pt, "pt-BR": pt_br})
    assert template.variant_for("pt-BR", "email") == ("pt", pt)
    assert _template(**{"pt-BR": pt_br}).variant_for("pt-BR", "email")[0] is None
