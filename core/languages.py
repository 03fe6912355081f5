"""The interface's languages: the versions of the page being shown, for the switcher and
the `hreflang` alternates, and the switcher's view, which remembers the choice.

The public pages live under a language prefix (/de/cases/, config/urls.py); the
workspace, the account pages, the admin and the API have one URL each, shown in the
language the visitor chose (the cookie this view sets), else their browser's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse, translate_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import (
    activate,
    get_language,
    get_language_from_path,
    override,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .language_names import language_codes, local_name, unknown_language


@dataclass(frozen=True)
class LanguageVersion:
    code: str
    # The language's name in itself ("Deutsch"), as a reader of it looks for it.
    name: str
    # This page in that language, its query string kept.
    url: str
    # This page in that language, without the query string (for hreflang alternates).
    path: str
    current: bool


def is_language_prefixed(request: HttpRequest) -> bool:
    """Whether the page has a version per language (its path starts with /de/, ...)."""
    return get_language_from_path(request.path_info) is not None


def page_versions(request: HttpRequest) -> list[LanguageVersion]:
    """The page in each language, in the order of settings.LANGUAGES."""
    current = get_language()
    full_path = request.get_full_path()
    return [
        LanguageVersion(
            code=code,
            name=local_name(code),
            url=translate_url(full_path, code),
            path=translate_url(request.path, code),
            current=code == current,
        )
        for code in language_codes()
    ]


def neutral_path(path: str) -> str:
    """A public page's path without its language prefix (/de/cases/x/ → /cases/x/): it
    sends each reader to their own language. The API and the data exports link to pages
    so, being in no language themselves."""
    code = get_language_from_path(path)
    if code is None:
        return path
    return path.removeprefix(f"/{code}") or "/"


def unprefixed_path(request: HttpRequest) -> str:
    """The page's path without its language prefix (the `x-default` alternate)."""
    return neutral_path(request.path)


class ApiLanguageMiddleware:
    """The API's `?lang=`: answers in that language (messages, problem titles, and the
    vocabularies' names and definitions), ahead of `Accept-Language` and the switcher's
    cookie, which LocaleMiddleware reads before it. One URL space: the API has no
    prefix.

    LocaleMiddleware, after it in the response, says the language in Content-Language and
    adds Vary: Accept-Language. An unknown `lang` is a 400 problem naming it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        code = request.GET.get(API_LANGUAGE_PARAMETER)
        # An empty value is no value, as for every other query parameter of the API.
        if not code or not request.path_info.startswith("/api/"):
            return self.get_response(request)
        if code not in language_codes():
            return _unknown_language(code)
        activate(code)
        request.LANGUAGE_CODE = code
        return self.get_response(request)


API_LANGUAGE_PARAMETER = "lang"


def _unknown_language(code: str) -> HttpResponseBase:
    from core.rest import invalid_values_response  # core.rest imports this module

    return invalid_values_response({API_LANGUAGE_PARAMETER: [unknown_language(code)]})


@require_safe
@never_cache
def choose_language(request: HttpRequest, code: str) -> HttpResponseRedirect:
    """The switcher's link: /language/de/?next=/en/cases/%3Fq%3Dx goes to /de/cases/?q=x
    and remembers German for the pages without a prefix (/, the workspace)."""
    if code not in language_codes():
        raise Http404(f"No language {code!r}.")
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = translate_url(next_url, code)
    else:  # none, or another site's: the home page
        with override(code):
            target = reverse("innovation_cases:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]  # "Lax", typed as str
    )
    return response
