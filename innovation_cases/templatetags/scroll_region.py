"""`{% scroll_region as caption_id %}<table>…<caption id="{{ caption_id }}">…{% endscroll_region %}`:
the box a table scrolls sideways in, when it is wider than a phone.

WCAG 1.4.10 lets a data table scroll sideways rather than reflow, but then a keyboard
must be able to scroll it (2.1.1; axe's scrollable-region-focusable). So the box takes
focus, and it is a region named after the table's caption, so that a screen reader says
what the focused box holds. The site's tables all use this tag: the pattern lives here.

A table that does not fit shows that it scrolls: shadows at the edge it continues past
(site.css, without JavaScript), and a line above it, "Scroll sideways to see the whole
table", that static/js/scroll-regions.js shows only while the table is wider than its
box. The line is hidden from screen readers, which read the table whole.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import NodeList, Parser, Token
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

# The number of regions rendered so far, kept in the render context's bottom layer,
# which the page's every template and include share: the captions' ids are unique in
# the page, and the same on every rendering of it.
_COUNTER = "scroll_region_count"


class ScrollRegionNode(template.Node):
    def __init__(self, nodelist: NodeList, name: str) -> None:
        self.nodelist = nodelist
        self.name = name

    def render(self, context: Any) -> SafeString:
        shared = context.render_context.dicts[0]
        shared[_COUNTER] = shared.get(_COUNTER, 0) + 1
        caption_id = f"table-caption-{shared[_COUNTER]}"
        with context.push({self.name: caption_id}):
            table = self.nodelist.render(context)
        return format_html(
            '<div class="scroll-region" role="region" tabindex="0" '
            'aria-labelledby="{}"><p class="scroll-hint" aria-hidden="true" hidden>'
            "{}</p>{}</div>",
            caption_id,
            gettext("Scroll sideways to see the whole table"),
            table,
        )


@register.tag
def scroll_region(parser: Parser, token: Token) -> ScrollRegionNode:
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError(
            f"Use {{% {bits[0]} as caption_id %}}, and give the table's caption that "
            "id: the region is named after it."
        )
    nodelist = parser.parse(("endscroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode(nodelist, bits[2])
