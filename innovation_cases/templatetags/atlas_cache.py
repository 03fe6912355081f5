"""`{% remember "name" value ... %}...{% endremember %}`: a fragment kept until published
content changes.

The fragment is rendered once for its name and the values given, then taken from
`config.cache.remember()` (the data cache, under the generation of the page cache, and
per language) on every page that shows it: a case's card is the same on the case list,
the home page and a city's page. The values must name everything the fragment shows
that is not published content (a search's snippet, say). Where nothing can be remembered (a
signed-in user, no shared cache), or a value is missing from the context (give it a
`|default:""` if missing means something), the fragment is simply rendered.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.utils.safestring import mark_safe

from config.cache import remember, remembering

register = template.Library()


class RememberNode(template.Node):
    def __init__(self, nodelist: NodeList, vary_on: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.vary_on = vary_on

    def render(self, context: Any) -> str:
        if not remembering():
            return self.nodelist.render(context)
        values = [
            value.resolve(context, ignore_failures=True) for value in self.vary_on
        ]
        if any(value is None for value in values):
            # A value that is not there names nothing: never share a fragment on it.
            return self.nodelist.render(context)
        parts = ("fragment", *map(str, values))
        html = remember(parts, lambda: str(self.nodelist.render(context)))
        # It was rendered by the template engine, with its autoescaping.
        return mark_safe(html)  # noqa: S308


@register.tag("remember")
def do_remember(parser: Parser, token: Token) -> RememberNode:
    bits = token.split_contents()[1:]
    if not bits:
        raise template.TemplateSyntaxError(
            "'remember' needs a fragment name, e.g. {% remember \"case-card\" case.pk %}"
        )
    nodelist = parser.parse(("endremember",))
    parser.delete_first_token()
    return RememberNode(nodelist, [parser.compile_filter(bit) for bit in bits])
