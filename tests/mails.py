"""What the tests of every mail check (core/mail.py): the mail as it goes out has no
quoted-printable part, and its link is whole, on a line of its own, in the text part
and in the HTML part."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit


def parsed(message: Any) -> tuple[bytes, EmailMessage]:
    """The mail's bytes as a backend sends them, and those bytes read back."""
    raw = message.message().as_bytes()
    assert b"quoted-printable" not in raw.lower(), raw.decode(errors="replace")
    read = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(read, EmailMessage)
    return raw, read


def text_and_html(read: EmailMessage) -> tuple[Any, Any]:
    text, html = read.get_body(("plain",)), read.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    return text, html


def url_in(message: Any, pattern: str) -> str:
    """The one URL in `message` that matches `pattern` (a regular expression for the
    whole URL), once it is checked to be whole: on a line of its own in the text part
    (and in the raw bytes, when the part is 8bit), and as a link in the HTML part."""
    raw, read = parsed(message)
    text, html = text_and_html(read)
    urls = re.findall(rf"^{pattern}$", text.get_content(), flags=re.MULTILINE)
    assert len(urls) == 1, text.get_content()
    [url] = urls
    assert f'<a href="{url}">' in html.get_content(), html.get_content()
    for part, line in ((text, b"\n%s\n"), (html, b'<a href="%s">')):
        assert part["Content-Transfer-Encoding"] in ("8bit", "base64")
        if part["Content-Transfer-Encoding"] == "8bit":
            assert line % url.encode() in raw
    return url


def path_of(url: str) -> str:
    return urlsplit(url).path
