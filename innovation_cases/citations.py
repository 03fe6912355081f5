"""How a published case is cited: one `Citation`, read by the case page's "Cite this
case" block and written out as BibTeX, RIS and CSL-JSON (the downloads at
/cases/<slug>/cite.bib, cite.ris and cite.json).

The author is the city government whose case it is, a corporate author; the publisher
is the Atlas. The year is that of the case's first publication (`published_at`, set
once, when a reviewer publishes the case); the URL is the language-neutral address of
the case's page, which opens it in each reader's language (core/languages.py); the
title and summary are those the reader of the page's language is shown.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from .models import CaseStudy

# Each format's file: its extension (the URL's and the file name's) and content type.
CONTENT_TYPES = {
    "bib": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "json": "application/vnd.citationstyles.csl+json; charset=utf-8",
}


@dataclass(frozen=True)
class Citation:
    key: str  # the BibTeX key and CSL id: "atlas-" and the case's slug
    author: str  # a corporate author: the city government
    title: str
    summary: str
    language: str  # of the title and summary
    publisher: str
    published: datetime.date  # first published in the Atlas
    updated: datetime.date
    url: str
    accessed: datetime.date

    @property
    def year(self) -> int:
        return self.published.year


def case_citation(
    case: CaseStudy,
    *,
    language: str,
    url: str,
    accessed: datetime.date | None = None,
) -> Citation:
    """The citation of the published `case` as read in `language`, at the absolute
    `url`, accessed on `accessed` (today, in the site's time zone, if not given)."""
    text = case.in_language(language)
    published_at = case.published_at or case.updated_at
    return Citation(
        key=f"atlas-{case.slug}",
        author=gettext("City of %(city)s") % {"city": case.city.name},
        title=" ".join(text.title.text.split()),
        summary=" ".join(text.summary.text.split()),
        language=text.title.language,
        publisher=gettext("Public Innovation Atlas"),
        published=timezone.localdate(published_at),
        updated=timezone.localdate(case.updated_at),
        url=url,
        accessed=accessed or timezone.localdate(),
    )


# --- BibTeX ------------------------------------------------------------------------------

# The characters BibTeX (and LaTeX after it) read as markup, as LaTeX writes them as
# text. One pass (str.translate), so that a replacement is never escaped again.
_BIBTEX_ESCAPES = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "%": r"\%",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def bibtex_escape(value: str) -> str:
    return value.translate(_BIBTEX_ESCAPES)


def bibtex(citation: Citation) -> str:
    """A @misc entry (biblatex reads its url and urldate; classic BibTeX shows the
    note). The author in double braces: a corporate author, not a first and last
    name. The URL as written: biblatex and the url package read the field verbatim."""
    fields = [
        ("author", "{" + bibtex_escape(citation.author) + "}"),
        ("title", bibtex_escape(citation.title)),
        ("year", str(citation.year)),
        ("date", citation.published.isoformat()),
        ("publisher", bibtex_escape(citation.publisher)),
        ("howpublished", bibtex_escape(citation.publisher)),
        ("url", citation.url),
        ("urldate", citation.accessed.isoformat()),
        (
            "note",
            bibtex_escape(
                gettext("Accessed %(date)s") % {"date": citation.accessed.isoformat()}
            ),
        ),
        ("language", citation.language),
        ("abstract", bibtex_escape(citation.summary)),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{citation.key},\n{body}\n}}\n"


# --- RIS ---------------------------------------------------------------------------------


def _ris_date(date: datetime.date) -> str:
    return date.strftime("%Y/%m/%d")


def ris(citation: Citation) -> str:
    """An ELEC (web page) record: "TY  - " lines, each ended with CRLF, as the format
    asks; a value never spans lines."""
    lines = [
        ("TY", "ELEC"),
        ("AU", citation.author),
        ("TI", citation.title),
        ("PY", str(citation.year)),
        ("DA", _ris_date(citation.published)),
        ("PB", citation.publisher),
        ("UR", citation.url),
        ("Y2", _ris_date(citation.accessed)),
        ("LA", citation.language),
        ("AB", citation.summary),
        ("ID", citation.key),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {' '.join(value.split())}\r\n" for tag, value in lines)


# --- CSL-JSON ----------------------------------------------------------------------------


def _date_parts(date: datetime.date) -> dict[str, Any]:
    return {"date-parts": [[date.year, date.month, date.day]]}


def csl_item(citation: Citation) -> dict[str, Any]:
    return {
        "id": citation.key,
        "type": "webpage",
        "title": citation.title,
        "author": [{"literal": citation.author}],
        "container-title": citation.publisher,
        "publisher": citation.publisher,
        "issued": _date_parts(citation.published),
        "accessed": _date_parts(citation.accessed),
        "URL": citation.url,
        "language": citation.language,
        "abstract": citation.summary,
    }


def csl_json(citation: Citation) -> str:
    """CSL-JSON: an array of items, here one."""
    return json.dumps([csl_item(citation)], ensure_ascii=False, indent=2) + "\n"


WRITERS = {"bib": bibtex, "ris": ris, "json": csl_json}
