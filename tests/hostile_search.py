"""Hostile search text, and the rule every search parameter must keep with it.

The rule (issue 14, #4): whatever text a visitor types, a search answers 200, or 400
with an error that names the parameter; never 500, and never a download that looks
complete but is not. The corpus knows nothing of how the search works (today a
PostgreSQL tsquery, or word-by-word on SQLite), so that it can be turned on any query
parser that replaces it: `HOSTILE_SEARCH_TEXTS` are the fixed cases, every one seen to
break a parser somewhere, and `hostile_search_text()` generates more of the same kinds.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any
from xml.etree import ElementTree

from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from hypothesis import strategies as st

# What query languages treat as syntax: websearch's and tsquery's operators, quotes,
# grouping, field and prefix markers, escapes (tsquery, tantivy, Lucene, FTS5 alike).
OPERATOR_CHARACTERS = "-\"()|&!:*\\'<>+~^[]{}/?"
OPERATOR_WORDS = ["OR", "or", "AND", "and", "NOT", "not", "NEAR", "TO"]
OPERATOR_TOKENS = [
    *OPERATOR_CHARACTERS,
    *OPERATOR_WORDS,
    '-"',
    '"-"',
    "<->",
    "<2>",
    ":*",
    "!!",
    "&&",
    "||",
    "title:",
    "a:b:c",
    "-(",
    "*:*",
]

# Every one of these is a reproduction: PostgreSQL's websearch_to_tsquery raised
# "tsquery stack too small" on the first three, and tantivy's parse_query raises on
# many of the others (docs: /work/shared/LIBRARIES.md, "parse_query is not for raw
# user text").
HOSTILE_SEARCH_TEXTS: list[str] = [
    "-" * 33,
    "-" * 100,
    "- " * 40,
    "-" * 200,
    "-" * 201,
    "-" * 16 + " " + "-" * 16 + " " + "-" * 16,
    "-" * 40 + "harbour",
    "harbour " + "-" * 40,
    "harbour -" + "-" * 40 + "kiosk",
    "-a" * 66,
    "a-" * 66,
    "--harbour",
    "- -- --- ---- ----- ------",
    *(character * 40 for character in "\"()|&!:*\\'<>"),
    *((character + " ") * 40 for character in "\"()|&!:*\\'"),
    "OR",
    "OR " * 40,
    "AND " * 40,
    "NOT " * 40,
    "or or or",
    "harbour OR",
    "OR harbour",
    "harbour OR OR kiosk",
    "harbour OR -kiosk",
    "-harbour OR -kiosk",
    "harbour OR " * 16 + "kiosk",
    '"',
    '""',
    '"""',
    '"unclosed phrase',
    'harbour "',
    '"a" "b',
    '-"',
    '-""',
    '"-"',
    '-"' * 40,
    '"' + "-" * 40 + '"',
    '"' + "- " * 40 + '"',
    "(((((((((((((((((((((((((((((((((((harbour",
    "harbour)))))))))))))))))))))))))))))))))))",
    "!" * 33 + "harbour",
    "a & b | !c :* '",
    "&|!():*'\\",
    "'a' <-> 'b'",
    "a <2> b",
    "<->" * 30,
    "a:* & b:*",
    ":*" * 50,
    "*" * 100,
    "a* " * 40,
    "title:",
    "title:harbour",
    "a:b:c",
    "*:*",
    "\\" * 50,
    "\\'",
    "''''",
    "'; DROP TABLE innovation_cases_casestudy; --",
    "<script>alert(1)</script>",
    "%",
    "%%%%",
    "_",
    "\\%",
    "\x00",
    "harbour\x00",
    "\x01\x02\x03\x7f",
    "\t\n\r\x0b\x0c",
    "😀 ∑ ² ß İ",
    "Malmö Zürich ﬁnance",
    "שלום عالم",
    "e\u0301" * 50,
    "\u200b" * 50,
    "\ufeff" * 20,
    "\u2028\u2029",
    "－" * 40,  # fullwidth hyphen-minus
    "–" * 40,  # en dash
    "−" * 40,  # minus sign
    "x" * 200,
    "x" * 201,
    "x" * 10_000,
    "word " * 40,
    "a " * 100,
    " ".join(f"w{n}" for n in range(40)),
    " ".join(f"-w{n}" for n in range(40)),
    " ".join(f'"w{n}"' for n in range(40)),
]


def hostile_search_text() -> st.SearchStrategy[str]:
    """Operator-only strings, long runs of one character, OR/AND/NOT sequences,
    unbalanced quotes, unicode and over-long text, mixed with ordinary words."""
    word = st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True)
    token = st.one_of(st.sampled_from(OPERATOR_TOKENS), word)
    return st.one_of(
        st.sampled_from(HOSTILE_SEARCH_TEXTS),
        # A run of one operator character.
        st.builds(
            lambda character, n: character * n,
            st.sampled_from(OPERATOR_CHARACTERS),
            st.integers(1, 250),
        ),
        # An operator (or a word) repeated, spaced or not.
        st.builds(
            lambda item, n, separator: separator.join([item] * n),
            token,
            st.integers(1, 120),
            st.sampled_from([" ", "", "  ", "\t"]),
        ),
        # Operators only, in any order.
        st.text(alphabet=OPERATOR_CHARACTERS + " ORANDT", max_size=250),
        # Words and operators mixed.
        st.lists(token, max_size=80).map(" ".join),
        st.lists(token, max_size=80).map("".join),
        # Anything, unicode included.
        st.text(max_size=260),
    )


# Where the site takes search text: (path, parameter). The case list, its exports and
# its feed take `q` (and `search`, the API's name for it, which the exports and the API
# also take); cities and teams take `search` in the API. The list's own `search` is
# left out only to keep the run short: it is the same filter as its `q`.
SEARCH_PARAMETERS: list[tuple[str, str]] = [
    ("/en/cases/", "q"),
    ("/api/v1/cases/", "q"),
    ("/api/v1/cases/", "search"),
    ("/en/cases/export.csv", "q"),
    ("/en/cases/export.csv", "search"),
    ("/en/cases/export.json", "q"),
    ("/en/cases/export.json", "search"),
    ("/en/cases/feed.atom", "q"),
    ("/api/v1/cities/", "search"),
    ("/api/v1/teams/", "search"),
]


def body_of(response: HttpResponseBase) -> bytes:
    """The whole body, a streamed one included (reading it runs what it defers)."""
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]  # streaming: a StreamingHttpResponse
    return response.content  # type: ignore[attr-defined]  # not streaming: an HttpResponse


def names_parameter(response: HttpResponseBase, body: bytes, parameter: str) -> bool:
    """Whether an error response says which parameter was wrong."""
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        errors = json.loads(body).get("errors", {})
        return parameter in errors
    text = body.decode("utf-8", "replace")
    if "html" in content_type:
        # An error summary's item for the parameter: the case list's names the field
        # as its form labels it (<li id="q-error"><a href="#id_q"><strong>Search the
        # cases</strong></a>: …), the city list's by its name ("<strong>search</strong>").
        return (
            f'<li id="{parameter}-error">' in text
            or f"<strong>{parameter}</strong>" in text
        )
    return re.search(rf"(?<!\w){re.escape(parameter)}(?!\w)", text) is not None


def assert_search_answers(
    client: Client, path: str, parameter: str, text: str
) -> HttpResponseBase:
    """Search `path` for `text` as `parameter`: a 200 with a well-formed body, or a 400
    that names `parameter`. A server error raises (the test client re-raises it)."""
    # A savepoint per request, so that a failed statement on PostgreSQL fails this
    # request only, not every later one in the test's transaction (and so that
    # hypothesis shrinks towards the text that really fails).
    with transaction.atomic():
        response = client.get(path, {parameter: text})
        body = body_of(response)
    shown = f"{path}?{parameter}={text[:80]!r}"
    assert response.status_code in (200, 400), (shown, response.status_code)
    if response.status_code == 400:
        assert names_parameter(response, body, parameter), (shown, body[:500])
        return response
    well_formed(path, body, shown)
    return response


def well_formed(path: str, body: bytes, shown: str) -> Any:
    """The body of a 200 parses as what `path` serves, whole."""
    if path.endswith(".json") or path.startswith("/api/"):
        return json.loads(body)
    if path.endswith(".csv"):
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows and rows[0][0] == "slug", (shown, body[:200])
        return rows
    if path.endswith(".atom"):
        # Our own output, parsed to check that it is whole.
        return ElementTree.fromstring(body)  # noqa: S314
    assert body.rstrip().endswith(b"</html>"), shown
    return body
