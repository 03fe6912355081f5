"""What the import's tests share: the cities and people of the workspace's tests, and
files built in the test (CSV text, XLSX workbooks)."""

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.innovation_cases.conftest import as_, people  # noqa: F401  # fixtures


def csv_file(rows, *, delimiter=",", bom=False, encoding="utf-8", name="cases.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    text = ("\ufeff" if bom else "") + buffer.getvalue()
    return SimpleUploadedFile(name, text.encode(encoding), "text/csv")


def xlsx_bytes(rows, title="cases"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_file(rows, name="cases.xlsx"):
    return SimpleUploadedFile(name, xlsx_bytes(rows), "application/octet-stream")


@pytest.fixture
def officer_a(people, as_):  # noqa: F811  # the fixtures imported above
    as_(people["officer_a"])
    return people["officer_a"]
