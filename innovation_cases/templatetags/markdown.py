from django import template
from django.utils.safestring import SafeString, mark_safe

from innovation_cases.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    # render_markdown sanitises with an allow-list, so the result is safe to mark.
    return mark_safe(render_markdown(text))  # noqa: S308  # nosec B308, B703
