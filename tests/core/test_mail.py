"""The site's mail (core/mail.py): 8bit or base64, never quoted-printable, so that a
link is never cut in two; a subject of one line; an HTML alternative."""

import io

import pytest
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

from core.mail import SiteMail, absolute_url, site_mail, transfer_encoding
from tests.mails import parsed, text_and_html, url_in

URL = "https://atlas.example.eu/account/welcome/MQ/cxyz12-0123456789abcdef0123456789abcdef/"
BODY = f"Sam has invited you, with the role “Officer” in Ghent.\n\n{URL}\n"


def mail_of(body: str) -> SiteMail:
    message = SiteMail("Welcome", body, "atlas@example.eu", ["vera@example.org"])
    message.attach_alternative(f'<p><a href="{URL}">{URL}</a></p>', "text/html")
    return message


def test_a_body_of_short_lines_goes_as_8bit_utf8_with_the_link_whole():
    raw, read = parsed(mail_of(BODY))
    text, html = text_and_html(read)

    assert text["Content-Transfer-Encoding"] == html["Content-Transfer-Encoding"]
    assert text["Content-Transfer-Encoding"] == "8bit"
    assert text.get_content() == BODY
    assert f"\n{URL}\n".encode() in raw
    assert "“Officer”".encode() in raw


def test_the_console_prints_the_link_on_one_line():
    # `make run` prints each mail: the link there is the one people copied.
    out = io.StringIO()
    ConsoleBackend(stream=out).send_messages([mail_of(BODY)])

    printed = out.getvalue()
    assert f"\n{URL}\n" in printed
    # Quoted-printable's mark of a wrapped line (a MIME boundary ends with = too).
    assert not [
        line for line in printed.splitlines() if line.endswith("=") and "/" in line
    ]


def test_a_line_too_long_for_8bit_sends_the_part_as_base64_which_keeps_the_link():
    comment = "Cite the decision of the council " * 40  # 1,320 octets, one line.
    raw, read = parsed(mail_of(f"{comment}\n\n{URL}\n"))
    text, html = text_and_html(read)

    assert text["Content-Transfer-Encoding"] == "base64"
    assert html["Content-Transfer-Encoding"] == "8bit"
    assert text.get_content() == f"{comment}\n\n{URL}\n"
    assert comment.encode() not in raw


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("", "8bit"),
        ("a" * 998, "8bit"),
        ("a" * 999, "base64"),
        # 998 octets in UTF-8: “ and ” take three each.
        ("“" + "a" * 992 + "”", "8bit"),
        ("“" + "a" * 993 + "”", "base64"),
    ],
)
def test_8bit_takes_lines_of_up_to_998_octets(text, encoding):
    assert transfer_encoding(f"{text}\nshort\n") == encoding


def test_a_subject_is_one_line_and_the_html_has_its_language_and_title(
    settings, tmp_path
):
    (tmp_path / "s.txt").write_text("Bus\r\nBcc: x@example.org\n")
    (tmp_path / "t.txt").write_text("Open:\n{{ link }}\n")
    (tmp_path / "h.html").write_text(
        '{% extends "includes/email_base.html" %}'
        '{% block content %}<p><a href="{{ link }}">{{ link }}</a></p>{% endblock %}'
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    message = site_mail(
        to=["vera@example.org"],
        subject_template="s.txt",
        text_template="t.txt",
        html_template="h.html",
        context={"link": URL},
    )

    assert message.subject == "Bus Bcc: x@example.org"
    _raw, read = parsed(message)
    assert read["Bcc"] is None
    assert url_in(message, r"https://atlas\S+") == URL
    html = text_and_html(read)[1].get_content()
    assert '<html lang="en">' in html
    assert "<title>Bus Bcc: x@example.org</title>" in html


def test_a_url_without_a_request_is_under_site_url(settings, rf):
    settings.SITE_URL = "https://atlas.example.eu"

    assert absolute_url("/workspace/") == "https://atlas.example.eu/workspace/"
    assert absolute_url("/workspace/", rf.get("/")) == "http://testserver/workspace/"
