"""The proxy of docker-compose.yml (deploy/Caddyfile, run by Debian's caddy) in front of
the site served by gunicorn as the Dockerfile runs it: TLS terminated with a certificate
of Caddy's local authority, every response compressed, the scheme passed on so that the
site (which redirects plain HTTP and sets secure cookies) sees HTTPS, and a case image
that Django allows sent by Caddy from the media directory, with Django's Cache-Control.

Marked `live`: CI runs it in its SQLite pass only (apt's caddy, .ci/run).
"""

from __future__ import annotations

import gzip
import http.client
import json
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import live
from tests.live import ROOT, Gunicorn

CADDY = shutil.which("caddy")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        CADDY is None, reason="caddy is not installed (apt-get install caddy)"
    ),
    pytest.mark.skipif(
        bool(live.static_files_unavailable_reason()),
        reason=str(live.static_files_unavailable_reason()),
    ),
]

# A published case with an image, a draft with another, a dozen more published cases,
# and the search index built.
SEED = """
import json
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0, skip_checks=True)
from PIL import Image
from innovation_cases import images
from tests.factories import CaseStudyFactory, CityFactory
city = CityFactory(name="Ghent", slug="ghent", country="BE")
public = images.store(Image.new("RGB", (900, 500), (200, 30, 30)))
draft = images.store(Image.new("RGB", (900, 500), (30, 30, 200)))
CaseStudyFactory(city=city, slug="budget", title="Participatory budget",
                 published=True, image=public, image_alt="A meeting")
CaseStudyFactory(city=city, slug="benches", title="Street benches", image=draft,
                 image_alt="A bench")
# Enough for every list to outgrow the proxy's minimum length for compression (512 B).
CaseStudyFactory.create_batch(12, city=city, published=True)
call_command("search_index", "sync", verbosity=0)
print(json.dumps({"public": public, "draft": draft}))
"""


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.body).decode()
        return self.body.decode()


@dataclass
class Proxy:
    port: int
    http_port: int
    trusted: ssl.SSLContext
    media: Path
    images: dict[str, str]

    def get(self, path: str, **headers: str) -> Answer:
        connection = http.client.HTTPSConnection(
            "localhost", self.port, context=self.trusted, timeout=30
        )
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return Answer(
                response.status,
                {name.lower(): value for name, value in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()


@pytest.fixture(scope="module")
def proxy() -> Iterator[Proxy]:
    assert CADDY is not None
    directory = Path(tempfile.mkdtemp(prefix="atlas-proxy-"))
    media = directory / "protected-media"
    environment = live.site_environment(
        directory,
        database_url=f"sqlite:///{directory / 'db.sqlite3'}",
        MEDIA_ROOT=str(media),
        MEDIA_ACCEL_REDIRECT="/protected-media/",
        # What docker-compose.yml sets on its web replicas behind the proxy.
        SECURE_COOKIES="true",
        SECURE_SSL_REDIRECT="true",
        TRUST_X_FORWARDED_PROTO="true",
        TRUSTED_PROXY_COUNT="1",
    )
    seeded = json.loads(live.django_shell(environment, SEED).strip().splitlines()[-1])
    https_port, http_port = live.free_port(), live.free_port()
    caddy_log = directory / "caddy.log"
    try:
        with Gunicorn(environment, directory / "gunicorn.log", workers=1) as site:
            with open(caddy_log, "ab") as output:
                caddy = subprocess.Popen(  # noqa: S603 -- Debian's caddy, our config
                    [
                        CADDY,
                        "run",
                        "--adapter",
                        "caddyfile",
                        "--config",
                        str(ROOT / "deploy" / "Caddyfile"),
                    ],
                    env={
                        "PATH": "/usr/bin:/bin",
                        "HOME": str(directory),
                        "XDG_DATA_HOME": str(directory / "data"),
                        "XDG_CONFIG_HOME": str(directory / "config"),
                        "SITE_ADDRESS": "localhost",
                        "CADDY_HTTPS_PORT": str(https_port),
                        "CADDY_HTTP_PORT": str(http_port),
                        "CADDY_ADMIN": f"127.0.0.1:{live.free_port()}",
                        "UPSTREAM_NAME": "127.0.0.1",
                        "UPSTREAM_PORT": str(site.port),
                        "PROTECTED_MEDIA_PARENT": str(directory),
                    },
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            try:
                root = directory / "data/caddy/pki/authorities/local/root.crt"
                live.wait_until(
                    lambda: root.exists() and live.listening(https_port),
                    what="caddy",
                    alive=lambda: (
                        None
                        if caddy.poll() is None
                        else caddy_log.read_text(errors="replace")[-3000:]
                    ),
                )
                trusted = ssl.create_default_context(cafile=str(root))
                yield Proxy(https_port, http_port, trusted, media, seeded)
            finally:
                caddy.terminate()
                caddy.wait(timeout=30)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_the_proxy_terminates_tls_and_the_site_sees_https(proxy: Proxy) -> None:
    # Verified against Caddy's local authority: a real certificate for the name.
    answer = proxy.get("/en/cases/")
    # The site redirects plain HTTP (SECURE_SSL_REDIRECT): a 200 says it saw https.
    assert answer.status == 200, answer.body[:500]
    assert "Participatory budget" in answer.text()


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/en/cases/", "text/html"),
        ("/api/v1/cases/", "application/json"),
        ("/en/cases/export.csv", "text/csv"),
        ("/en/cases/feed.atom", "xml"),
    ],
)
def test_html_json_csv_and_the_feed_are_compressed(
    proxy: Proxy, path: str, kind: str
) -> None:
    answer = proxy.get(path, **{"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert kind in answer.headers["content-type"]
    assert answer.headers.get("content-encoding") == "gzip"
    assert "Participatory budget" in answer.text()
    # Uncompressed for a client that does not ask.
    plain = proxy.get(path)
    assert "content-encoding" not in plain.headers
    assert "Participatory budget" in plain.body.decode()


def test_a_published_image_is_sent_by_the_proxy_with_the_sites_cache_control(
    proxy: Proxy,
) -> None:
    name = proxy.images["public"]
    answer = proxy.get(f"/media/{name}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "image/webp"
    assert answer.headers["cache-control"] == "public, max-age=86400"
    assert "x-accel-redirect" not in answer.headers
    assert answer.body == (proxy.media / name).read_bytes()


def test_a_drafts_image_and_the_internal_location_stay_closed(proxy: Proxy) -> None:
    draft = proxy.images["draft"]
    assert proxy.get(f"/media/{draft}").status == 404
    # The location the proxy reads from is not reachable from outside.
    for name in (draft, proxy.images["public"]):
        answer = proxy.get(f"/protected-media/{name}")
        assert answer.status == 404
        assert "image" not in answer.headers.get("content-type", "")
