"""A case page's description in schema.org's vocabulary, for search engines and other
readers of linked data (written into the page by core's `json_ld` filter).

Built from what the page itself shows, and nothing else: the published case's own
fields (a pending revision is a record of its own, never read here) in the reader's
language, its published image, its sources. The case page answers published cases only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from cities.structured_data import place
from core.languages import neutral_path

from .exports import LICENCE_URL
from .models import CaseStudy, CaseText


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def case_article(
    request: HttpRequest, case: CaseStudy, text: CaseText
) -> dict[str, Any]:
    """The case as a schema.org Article. Its sources and themes are those prefetched by
    the case page's query (CaseDetailView)."""
    page = _absolute(request, request.path)
    article: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Article",
        "@id": page,
        "url": page,
        "mainEntityOfPage": page,
        "name": str(text.title),
        "headline": str(text.title)[:110],
        "description": str(text.summary),
        "inLanguage": text.title.language,
        "about": [
            {
                "@type": "DefinedTerm",
                "name": theme.name,
                "url": _absolute(request, theme.get_absolute_url()),
                "termCode": theme.slug,
            }
            for theme in case.themes.all()
        ],
        "spatialCoverage": place(request, case.city),
        "dateCreated": case.created_at,
        "datePublished": case.published_at,
        "dateModified": case.updated_at,
        "license": LICENCE_URL,
        "isAccessibleForFree": True,
        "publisher": {
            "@type": "Organization",
            "name": settings.OPERATOR_NAME,
            "url": _absolute(request, neutral_path(reverse("innovation_cases:home"))),
        },
        "citation": [
            {
                "@type": "CreativeWork",
                "name": source.title,
                **({"url": source.url} if source.url else {}),
                **({"author": source.authors} if source.authors else {}),
                **({"publisher": source.publisher} if source.publisher else {}),
                **(
                    {"datePublished": source.published_on}
                    if source.published_on
                    else {}
                ),
            }
            for source in case.sources.all()
        ],
    }
    if case.year_started is not None:
        article["temporalCoverage"] = f"{case.year_started}/{case.year_ended or '..'}"
    renditions = case.image_renditions
    if renditions:
        largest = renditions[-1]
        article["image"] = {
            "@type": "ImageObject",
            "contentUrl": _absolute(request, largest.url),
            "width": largest.width,
            "height": largest.height,
            "caption": case.image_alt,
            **({"creditText": case.image_credit} if case.image_credit else {}),
        }
    return article
