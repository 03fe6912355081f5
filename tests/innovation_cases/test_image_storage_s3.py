"""Case images kept in S3-compatible object storage (django-storages, MEDIA_S3_BUCKET):
stored, checked and served exactly as from local files, from a private bucket. The
bucket is moto's in-process S3."""

import io
from collections.abc import Iterator

import boto3
import pytest
from django.core.files.storage import default_storage
from moto import mock_aws
from PIL import Image

from innovation_cases import images
from innovation_cases.models import CaseStudy
from tests.innovation_cases.conftest import case_in

pytestmark = pytest.mark.django_db

S = CaseStudy.Status
BUCKET = "atlas-media"


@pytest.fixture
def bucket(settings) -> Iterator[object]:
    with mock_aws():
        s3 = boto3.client("s3", region_name="eu-central-1")
        s3.create_bucket(
            Bucket=BUCKET,
            CreateBucketConfiguration={"LocationConstraint": "eu-central-1"},
        )
        # What config/settings.py makes of MEDIA_S3_BUCKET and the rest.
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "eu-central-1",
                    "access_key": "testing",
                    "secret_key": "testing",
                    "default_acl": "private",
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }
        yield s3


def uploaded() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (900, 500), (30, 90, 160)).save(buffer, "PNG")
    buffer.seek(0)
    return images.process_upload(buffer)


def stored_bytes(s3, name: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=name)["Body"].read()


def test_an_upload_is_stored_in_the_bucket_privately_and_nowhere_else(bucket, settings):
    name = uploaded()
    keys = {item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]}
    assert keys == {rendition.name for rendition in images.renditions(name)}
    for key in keys:
        grants = bucket.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        assert all("AllUsers" not in str(grant["Grantee"]) for grant in grants)
    assert not (settings.MEDIA_ROOT / "cases").exists()


def test_a_published_case_image_is_streamed_from_the_bucket_with_its_etag(
    bucket, client, people
):
    case = case_in(people["city_a"], S.PUBLISHED, image=uploaded(), image_alt="A lab")
    for rendition in images.renditions(case.image.name):
        response = client.get(rendition.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert "public" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == stored_bytes(
            bucket, rendition.name
        )
        again = client.get(rendition.url, HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304


def test_an_unpublished_case_image_in_the_bucket_is_for_its_city_only(
    bucket, client, people
):
    draft = case_in(people["city_a"], S.DRAFT, image=uploaded(), image_alt="A lab")
    url = images.renditions(draft.image.name)[0].url

    hidden = client.get(url)
    assert hidden.status_code == 404
    assert "no-store" in hidden["Cache-Control"]

    client.force_login(people["officer_a"])
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]

    client.force_login(people["officer_b"])
    assert client.get(url).status_code == 404


def test_a_missing_rendition_is_made_again_from_the_bucket(bucket):
    name = uploaded()
    smallest = images.renditions(name)[0].name
    default_storage.delete(smallest)

    assert images.complete_stored_renditions() == [smallest]
    assert default_storage.exists(smallest)
    assert images.complete_stored_renditions() == []


def test_s3_storage_with_an_accelerating_web_server_is_refused(monkeypatch):
    import importlib

    import config.settings

    monkeypatch.setenv("MEDIA_S3_BUCKET", BUCKET)
    monkeypatch.setenv("MEDIA_ACCEL_REDIRECT", "/protected-media/")
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="MEDIA_ACCEL_REDIRECT"):
        importlib.reload(config.settings)
    monkeypatch.delenv("MEDIA_ACCEL_REDIRECT")
    reloaded = importlib.reload(config.settings)
    assert reloaded.STORAGES["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert reloaded.STORAGES["default"]["OPTIONS"]["bucket_name"] == BUCKET
    monkeypatch.delenv("MEDIA_S3_BUCKET")
    importlib.reload(config.settings)
