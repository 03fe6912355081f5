"""`{% demo_sources as sources %}`: the sources of the demo content, for the about page.

The about page is innovation_cases', a layer below the demo content, which it cannot
import: the list comes in through this tag.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..content import ABOUT_SOURCES

register = template.Library()


@register.simple_tag
def demo_sources() -> list[dict[str, Any]]:
    return ABOUT_SOURCES
