"""The {% scroll_region %} tag: the focusable, named box every table scrolls in."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Engine, Template, TemplateSyntaxError

TABLE = (
    "{% load scroll_region %}{% scroll_region as caption_id %}"
    '<table><caption id="{{ caption_id }}">{{ caption }}</caption></table>'
    "{% endscroll_region %}"
)


def test_a_table_is_wrapped_in_a_focusable_region_named_by_its_caption() -> None:
    html = Template(TABLE).render(Context({"caption": "Review log"}))

    assert html == (
        '<div class="scroll-region" role="region" tabindex="0" '
        'aria-labelledby="table-caption-1">'
        '<p class="scroll-hint" aria-hidden="true" hidden>'
        "Scroll sideways to see the whole table</p><table>"
        '<caption id="table-caption-1">Review log</caption></table></div>'
    )


def test_each_table_of_a_page_gets_its_own_caption_id_across_includes() -> None:
    # The lab table is included once per team on a city's page, so the ids must not
    # restart in each include.
    engine = Engine(
        loaders=[("django.template.loaders.locmem.Loader", {"table.html": TABLE})],
        libraries={"scroll_region": "innovation_cases.templatetags.scroll_region"},
    )
    page = engine.from_string(
        '{% for caption in captions %}{% include "table.html" %}{% endfor %}'
    )

    html = page.render(Context({"captions": ["Labs of A", "Labs of B", "Labs of C"]}))

    labelled = re.findall(r'aria-labelledby="([^"]+)"', html)
    captions = re.findall(r'<caption id="([^"]+)"', html)
    assert (
        labelled
        == captions
        == ["table-caption-1", "table-caption-2", "table-caption-3"]
    )


def test_the_tag_without_a_name_for_the_caption_id_says_how_to_use_it() -> None:
    with pytest.raises(TemplateSyntaxError, match="as caption_id"):
        Template("{% load scroll_region %}{% scroll_region %}{% endscroll_region %}")
