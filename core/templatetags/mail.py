"""{{ text|quoted }}: `text` as a quoted block of a plain-text mail (core/mail.py), each
line begun with "> ", as mail readers show a quotation."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def quoted(text: str) -> str:
    # Not marked safe: where autoescaping is on (an HTML mail), the text is escaped.
    return "\n".join(f"> {line}".rstrip() for line in str(text).splitlines())
