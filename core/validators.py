"""Validators shared by the models, the forms, the admin and the API.

A rule written here once is enforced everywhere a value can be written: the model
field carries the validator, so ModelForms (the admin, the workspace) run it in
full_clean(), DRF's ModelSerializer copies it onto the API's field, and
drf-spectacular reads its pattern into the OpenAPI schema. The few plain forms that
write such a value pass the same validator explicitly.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# --- Web addresses ---------------------------------------------------------------------
#
# What a link to a document or a website may be: an absolute http or https URI in the
# sense of RFC 3986, whose host is a domain name. Only the characters RFC 3986 allows,
# so that the schema's `format: uri` holds for every stored value and no quote or angle
# bracket ever reaches an HTML attribute, a feed or an export. A host that is a domain
# name (ASCII, as RFC 3986 requires; internationalised names in their xn-- form) with a
# top-level domain of two letters or more, the way Django's URLValidator, which the
# URL fields also run, reads one. No user name or password, and no IP address or
# "localhost": these are links for the public.
#
# The pattern is written in the subset of regular expressions that Python and
# ECMA-262 (JSON Schema's `pattern`) read alike, because the OpenAPI schema publishes
# it as it is.

# RFC 3986 section 3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
_PCHAR = r"(?:[a-zA-Z0-9._~!$&'()*+,;=:@-]|%[0-9a-fA-F]{2})"
# A label of a domain name (RFC 1034 section 3.1): letters, digits and inner hyphens.
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
# A top-level domain, as Django's DomainNameValidator has it (ASCII only).
_TLD = r"(?:[a-zA-Z][a-zA-Z-]{0,61}[a-zA-Z]|xn--[a-zA-Z0-9]{1,59})"

WEB_URL_PATTERN = (
    r"^https?://"
    rf"(?:{_LABEL}\.)+{_TLD}\.?"  # host
    r"(?::[0-9]{1,5})?"  # port
    rf"(?:/(?:{_PCHAR}|/)*)?"  # path (RFC 3986: path-abempty)
    rf"(?:\?(?:{_PCHAR}|[/?])*)?"  # query
    rf"(?:#(?:{_PCHAR}|[/?])*)?"  # fragment
    r"\Z"
)

# Every character RFC 3986 allows somewhere in a URI (section 2): unreserved, reserved
# and "%". Anything else must be percent-encoded.
_URI_CHARACTERS = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    "-._~:/?#[]@!$&'()*+,;=%"
)
_AUTHORITY = re.compile(r"^https?://([^/?#]*)")


@deconstructible
class WebUrlValidator(RegexValidator):
    """A public web address: http or https, a domain name, RFC 3986 characters only.

    The pattern (WEB_URL_PATTERN) decides; the checks before it only find the message
    that says best what is wrong. A RegexValidator, so that drf-spectacular puts the
    pattern into the schema; not a URLValidator, which DRF's ModelSerializer would
    drop in favour of its own.
    """

    regex = WEB_URL_PATTERN
    message = _("Enter a web address such as https://www.example.org/report.pdf.")
    # Not "invalid": a form field would put its own message ("Enter a valid URL.") in
    # place of the one that says what is wrong.
    code = "not_a_web_address"

    def __call__(self, value: Any) -> None:
        if not isinstance(value, str):
            raise ValidationError(self.message, code=self.code)
        if not value.startswith(("http://", "https://")):
            raise ValidationError(
                _("Start the web address with https:// (or http://)."),
                code=self.code,
            )
        for position, character in enumerate(value, start=1):
            if character not in _URI_CHARACTERS:
                raise ValidationError(
                    _(
                        "A web address cannot contain “%(character)s” (character "
                        "%(position)d): write it percent-encoded, as %(encoded)s, "
                        "or remove it."
                    ),
                    code=self.code,
                    params={
                        "character": (
                            character
                            if character.isprintable()
                            else ascii(character)[1:-1]
                        ),
                        "position": position,
                        "encoded": quote(character, safe=""),
                    },
                )
        if re.search(r"%(?![0-9a-fA-F]{2})", value):
            raise ValidationError(
                _(
                    "In a web address, “%” begins a percent-encoded character such as "
                    "%20; write a “%” itself as %25."
                ),
                code=self.code,
            )
        authority = _AUTHORITY.match(value)
        host = authority.group(1) if authority else ""
        if not re.fullmatch(
            rf"(?:{_LABEL}\.)+{_TLD}\.?(?::[0-9]{{1,5}})?", host, re.ASCII
        ):
            raise ValidationError(
                _(
                    "After https:// give the site's domain name, such as "
                    "www.example.org (no user name or password, and no IP address)."
                ),
                code=self.code,
            )
        super().__call__(value)


validate_web_url = WebUrlValidator()
