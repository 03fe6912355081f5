"""{% page_versions as versions %} and {% default_language_path as path %}: the switcher's
links and the hreflang alternates of base.html (core/languages.py)."""

from django import template
from django.http import HttpRequest

from core import languages

register = template.Library()


@register.simple_tag(takes_context=True)
def page_versions(context: template.Context) -> list[languages.LanguageVersion]:
    request: HttpRequest | None = context.get("request")
    return languages.page_versions(request) if request is not None else []


@register.simple_tag(takes_context=True)
def language_prefixed(context: template.Context) -> bool:
    request: HttpRequest | None = context.get("request")
    return request is not None and languages.is_language_prefixed(request)


@register.simple_tag(takes_context=True)
def default_language_path(context: template.Context) -> str:
    request: HttpRequest | None = context.get("request")
    return languages.unprefixed_path(request) if request is not None else "/"
