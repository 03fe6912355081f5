"""Amounts as each language's readers write them (core/templatetags/money.py)."""

from decimal import Decimal

import pytest
from django.utils.translation import override

from core.templatetags.money import money

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "€1,500,000"),
        ("de", f"1.500.000{NBSP}€"),
        ("it", f"1.500.000{NBSP}€"),
        ("fr", f"1{NNBSP}500{NNBSP}000{NBSP}€"),
        ("sk", f"1{NBSP}500{NBSP}000{NBSP}€"),
    ],
)
def test_a_whole_amount_is_written_as_its_readers_expect(lang, expected):
    with override(lang):
        assert money(Decimal("1500000.00"), "EUR") == expected


def test_cents_are_kept_and_the_currency_is_never_converted():
    with override("de"):
        assert money(Decimal("1234.5"), "CHF") == f"1.234,50{NBSP}CHF"
        assert money(None, "EUR") == ""


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "€1,500,000"), ("de", f"1.500.000{NBSP}€"), ("sk", f"1{NBSP}500{NBSP}000")],
)
def test_the_team_page_shows_its_fund_in_the_pages_language(
    client, demo, lang, expected
):
    page = client.get(f"/{lang}/teams/imco-vienna/").content.decode()
    assert expected in page
