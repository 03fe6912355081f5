"""`{{ data|json_ld }}`: a page's structured data as a JSON-LD script element.

The JSON is escaped for a <script> as Django's json_script escapes it (<, > and & as
\\u escapes), so that no text in it, an officer's "</script>" included, can end the
element or open another; json_script itself writes type="application/json", which
search engines do not read as linked data."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld_text(data: Any) -> str:
    """`data` as JSON that is safe inside a <script> element."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)
    return text.translate(_SCRIPT_ESCAPES)


@register.filter
def json_ld(data: Any) -> SafeString:
    if not data:
        return SafeString("")
    element = f'<script type="application/ld+json">{json_ld_text(data)}</script>'
    # Safe: json_ld_text escaped every character that could end the element.
    return mark_safe(element)  # noqa: S308  # nosec B308, B703
