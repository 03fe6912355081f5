"""The site's languages (settings.LANGUAGES): their codes and names, for pages and
messages.

Apart from core/languages.py (the switcher and the API's `?lang=`), so that a model may
name a language without importing the request machinery.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

# Where Django's own name of a language in itself is not the one its readers use.
LOCAL_NAMES = {"sk": "Slovenčina"}


def language_codes() -> list[str]:
    """The site's languages' codes, in the order of settings.LANGUAGES."""
    return [code for code, _name in settings.LANGUAGES]


def unknown_language(value: object) -> str:
    """What a value that names none of the site's languages is told."""
    return _("“%(value)s” is not one of the languages: %(languages)s.") % {
        "value": str(value)[:50],
        "languages": ", ".join(language_codes()),
    }


def language_name(code: str) -> str:
    """The language's name in the active language ("Italian"; "Italienisch" in German)."""
    return str(dict(settings.LANGUAGES)[code])


def local_name(code: str) -> str:
    """The language's name in itself ("Italiano"), as a reader of it looks for it."""
    return LOCAL_NAMES.get(code) or get_language_info(code)["name_local"]
