"""The workspace's spreadsheet import (docs/import.md): download a template, upload a
filled one, see what it would do, confirm. The rules are workspace/importing.py's;
reading and writing files is workspace/spreadsheets.py's.

The uploaded file waits on the server (ImportUpload: its uploader's only, for an hour)
between the preview and the confirmation, which reads it again and validates every row
against the database as it is then: a record changed since the preview is not
overwritten, the new preview is shown instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from accounts.two_factor import second_factor_required
from cities.models import City

from . import spreadsheets
from .cases import diff_rows
from .importing import (
    IMPORT_KINDS,
    FileProblem,
    ImportKind,
    Row,
    Stale,
    check_headers,
    fingerprints,
    import_rows,
    notes,
    preview_rows,
)
from .models import ImportUpload

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NOTES_HEADERS = ["column", "value", "meaning"]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in spreadsheet (CSV or XLSX)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "Up to %(size)s and %(rows)d rows. Nothing is saved until you confirm."
        ) % {
            "size": filesizeformat(spreadsheets.MAX_UPLOAD_BYTES),
            "rows": spreadsheets.MAX_ROWS,
        }


def _kind(key: str) -> ImportKind:
    try:
        return IMPORT_KINDS[key]
    except KeyError:
        raise Http404(_("No such kind of record.")) from None


def read_upload(kind: ImportKind, name: str, content: bytes) -> spreadsheets.Table:
    """The file's rows; FileRefused if the file or its columns are not read."""
    table = spreadsheets.read(name, content, sheet=kind.key)
    try:
        check_headers(kind, table.headers)
    except FileProblem as error:
        raise spreadsheets.FileRefused(str(error)) from None
    return table


# --- Templates ----------------------------------------------------------------------------


def template_file(kind: ImportKind, user: Any, fmt: str, city: City | None) -> bytes:
    """The kind's template: its columns (with the city's records, if a city is
    given), and for XLSX a second sheet of notes (what each column takes, the values
    a column allows and what they mean)."""
    columns = kind.columns()
    rows = []
    if city is not None:
        rows = [
            [kind.cells_of(record)[column] for column in columns]
            for record in kind.records(city)
        ]
    sheets: list[tuple[str, list[str], Any]] = [(kind.key, columns, rows)]
    if fmt == "notes":
        return spreadsheets.write("csv", [("notes", NOTES_HEADERS, notes(kind, user))])
    sheets.append(("notes", NOTES_HEADERS, notes(kind, user)))
    return spreadsheets.write(fmt, sheets)


@never_cache
@login_required
def import_template(request: HttpRequest, kind_key: str, fmt: str) -> HttpResponse:
    """The template to fill in (?city=<slug>: filled in with that city's records)."""
    kind = _kind(kind_key)
    city = None
    if request.GET.get("city"):
        city = get_object_or_404(
            City.objects.editable_by(request.user), slug=request.GET["city"]
        )
    content = template_file(kind, request.user, fmt, city)
    name = f"{kind.key}-{slugify(city.slug) if city else 'template'}"
    if fmt == "notes":
        name, fmt = f"{kind.key}-notes", "csv"
    response = HttpResponse(content, content_type=spreadsheets.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


# --- Upload, preview, confirmation --------------------------------------------------------


def _start_context(kind: ImportKind, request: HttpRequest, form: UploadForm) -> dict:
    return {
        "kind": kind,
        "kinds": IMPORT_KINDS.values(),
        "form": form,
        "cities": City.objects.editable_by(request.user).order_by("name"),
        "max_rows": spreadsheets.MAX_ROWS,
        "separator": spreadsheets.LIST_SEPARATOR,
    }


@never_cache
@login_required
@second_factor_required
def import_start(request: HttpRequest, kind_key: str) -> HttpResponse:
    """The templates to download, and the upload of a filled one (POST), which is
    read and kept for its preview; a file that cannot be read is refused, with why."""
    kind = _kind(kind_key)
    if not City.objects.editable_by(request.user).exists():
        raise Http404(_("You are not an officer of any city."))
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            upload = form.cleaned_data["file"]
            # Read no further than the limit: read() refuses what is over it.
            content = upload.read(spreadsheets.MAX_UPLOAD_BYTES + 1)
            try:
                read_upload(kind, upload.name, content)
            except spreadsheets.FileRefused as error:
                form.add_error("file", str(error))
            else:
                ImportUpload.objects.expired().delete()
                stored = ImportUpload.objects.create(
                    user=cast("User", request.user),  # login_required
                    kind=kind.key,
                    file_name=upload.name[:255],
                    content=content,
                )
                return redirect("workspace:import_preview", pk=stored.pk)
    return render(
        request,
        "workspace/import_upload.html",
        _start_context(kind, request, form),
        status=status,
    )


def _counts(rows: list[Row]) -> dict[str, int]:
    counts = dict.fromkeys(["create", "update", "unchanged", "error"], 0)
    for row in rows:
        counts[row.action] += 1
    counts["errors"] = sum(len(row.errors) for row in rows)
    return counts


def _render_preview(
    request: HttpRequest,
    upload: ImportUpload,
    kind: ImportKind,
    table: spreadsheets.Table,
    rows: list[Row],
    status: int = 200,
    stale: bool = False,
) -> HttpResponse:
    columns = list(table.headers)
    for row in rows:
        row.diff = diff_rows(row.changes, kind.model) if row.changes else []
        values = {cell["column"]: cell for cell in row.cells}
        row.row_cells = [
            values.get(column, {"column": column, "value": "", "error": ""})
            for column in columns
        ]
    context = {
        "upload": upload,
        "kind": kind,
        "columns": columns,
        "rows": rows,
        "counts": _counts(rows),
        "stale": stale,
        "has_formulas": any(row.notes for row in rows),
        "importable": any(
            row.is_valid and row.action in ("create", "update") for row in rows
        ),
    }
    return render(request, "workspace/import_preview.html", context, status=status)


@never_cache
@login_required
@second_factor_required
def import_preview(request: HttpRequest, pk: str) -> HttpResponse:
    """What the uploaded file would do (GET), and doing it (POST, the confirmation)."""
    upload = get_object_or_404(ImportUpload.objects.of(request.user), pk=pk)
    if upload.confirmed_at is not None:
        return redirect("workspace:import_summary", pk=upload.pk)
    kind = _kind(upload.kind)
    table = read_upload(kind, upload.file_name, bytes(upload.content))
    if request.method == "POST":
        try:
            with transaction.atomic():
                rows, done = import_rows(
                    kind, request.user, table, expected=upload.fingerprints
                )
                upload.summary = {"done": done, "counts": _counts(rows)}
                upload.confirmed_at = timezone.now()
                upload.content = b""
                upload.save()
        except Stale as stale:
            upload.fingerprints = fingerprints(stale.rows)
            upload.save(update_fields=["fingerprints"])
            return _render_preview(
                request, upload, kind, table, stale.rows, status=409, stale=True
            )
        return redirect("workspace:import_summary", pk=upload.pk)
    rows = preview_rows(kind, request.user, table)
    upload.fingerprints = fingerprints(rows)
    upload.save(update_fields=["fingerprints"])
    return _render_preview(request, upload, kind, table, rows)


@never_cache
@login_required
def import_summary(request: HttpRequest, pk: str) -> HttpResponse:
    """What a confirmed import did, with links to the records."""
    upload = get_object_or_404(
        ImportUpload.objects.of(request.user).filter(confirmed_at__isnull=False), pk=pk
    )
    kind = _kind(upload.kind)
    summary = upload.summary or {}
    context = {
        "upload": upload,
        "kind": kind,
        "done": summary.get("done", []),
        "counts": summary.get("counts", {}),
    }
    return render(request, "workspace/import_summary.html", context)
