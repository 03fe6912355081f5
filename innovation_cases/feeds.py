from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.utils.xmlutils import SimplerXMLGenerator

from .engine import search as engine
from .exports import LICENCE_URL
from .filters import CaseStudyFilter
from .models import CaseStudy
from .views import invalid_filters_response

# The characters XML 1.0 cannot carry. Officers' text may hold them (the API takes
# any text), and writing one made the whole feed a 500; they are invisible anyway.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("", value)


class AtlasAtomFeed(Atom1Feed):
    """Atom 1.0 with the summary as text, and a link to the content's licence."""

    def add_root_elements(self, handler: SimplerXMLGenerator) -> None:
        super().add_root_elements(handler)
        handler.addQuickElement("link", "", {"rel": "license", "href": LICENCE_URL})

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        # An entry in another language than the feed's (an untranslated case's
        # original) says so, as RFC 4287 allows on any element.
        attributes = super().item_attributes(item)
        if item.get("language"):
            attributes["xml:lang"] = item["language"]
        return attributes

    def add_item_elements(self, handler: SimplerXMLGenerator, item: Any) -> None:
        # Django writes a description as <summary type="html">, telling feed readers
        # to render it. A summary is plain text, which the case page escapes: as text,
        # readers show it as written, and nothing in it can be markup.
        super().add_item_elements(handler, {**item, "description": None})
        handler.addQuickElement("summary", item["description"], {"type": "text"})


class CaseFeed(Feed):
    """Newly published cases, as Atom; the case list's filters apply here too.

    One instance serves every request (and every thread of a worker), so nothing of
    a request is kept on it: what the methods need travels on the filterset.
    """

    feed_type = AtlasAtomFeed
    title = _("Public Innovation Atlas: newly published cases")
    subtitle = _(
        "Case studies of public-sector innovation in European city governments."
    )
    feed_copyright = _(
        "The Atlas's content is published under the Creative Commons Attribution 4.0 "
        "licence (CC BY 4.0): cite the Atlas and the sources each case lists."
    )
    limit = 50

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        filterset = CaseStudyFilter(
            request.GET, queryset=CaseStudy.objects.published(), request=request
        )
        if not filterset.is_valid():
            return invalid_filters_response(filterset)
        return super().__call__(request, *args, filterset=filterset, **kwargs)

    def get_object(
        self, request: HttpRequest, *, filterset: CaseStudyFilter
    ) -> CaseStudyFilter:
        return filterset

    def link(self, filterset: CaseStudyFilter) -> str:
        query = filterset.request.GET.urlencode()
        return reverse("innovation_cases:case_list") + (f"?{query}" if query else "")

    def feed_url(self, filterset: CaseStudyFilter) -> str:
        # rel="self" is the address the feed was read at, its filters included.
        return filterset.request.get_full_path()

    def author_name(self) -> str:
        # RFC 4287 §4.1.1: a feed without an author needs one on every entry.
        return settings.SITE_NAME

    def author_link(self, filterset: CaseStudyFilter) -> str:
        return filterset.request.build_absolute_uri(reverse("innovation_cases:home"))

    def items(self, filterset: CaseStudyFilter) -> list[CaseStudy]:
        # The search engine's answer, newest publications first whatever the list's
        # own sort order; the rows from the database.
        text, filters, _ordering = engine.question_from_filterset(filterset)
        found = engine.search(
            text,
            filters,
            "newest",
            limit=self.limit,
            with_facets=False,
            with_snippets=False,
        )
        return engine.rows(found.ids)

    # Each entry's id is Django's default, the case's address in the feed's language
    # (item_link): a published case keeps its slug (revisions cannot change it), so the
    # id is the same in every fetch of a feed, and each language's entry is its own.

    # Each entry in the feed's language (its address's prefix) where the case has a
    # translation into it, else in the case's original language, which it names.

    def item_title(self, case: CaseStudy) -> str:
        text = case.in_language(get_language())
        return xml_text(f"{text.title} ({case.city.name})")

    def item_description(self, case: CaseStudy) -> str:
        return xml_text(case.in_language(get_language()).summary.text)

    def item_extra_kwargs(self, case: CaseStudy) -> dict[str, Any]:
        return {"language": case.in_language(get_language()).language}

    def item_pubdate(self, case: CaseStudy) -> datetime | None:
        return case.published_at

    def item_updateddate(self, case: CaseStudy) -> datetime:
        return case.updated_at
