"""{{ amount|money:currency }}: an amount as readers of the page's language write it.

EUR 1,500,000 is "€1,500,000" in English, "1.500.000 €" in German and Italian and
"1 500 000 €" in French and Slovak (CLDR's currency formats, through Babel). Whole
amounts show no cents. Each amount keeps its own currency: nothing is converted or summed.
"""

from __future__ import annotations

from decimal import Decimal

from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount: Decimal | int | float | None, currency: str) -> str:
    if amount is None:
        return ""
    try:
        locale = Locale.parse(to_locale(get_language() or "en"))
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en")
    pattern = locale.currency_formats["standard"].pattern
    value = Decimal(amount)
    if value == value.to_integral_value():
        pattern = pattern.replace(".00", "")
    return format_currency(
        value, currency, format=pattern, locale=locale, currency_digits=False
    )
