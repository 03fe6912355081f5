"""The spreadsheet import in the API: POST a file (multipart, field `file`) to
/api/v1/imports/<kind>/, with ?dry_run=1 for the preview, without it to import. The
rules are the workspace's (workspace/importing.py): the same columns, the same
validation by the editor's forms, the same per-city rule (docs/import.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, parsers, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cities.models import City
from cities.permissions import CityRecordPermission
from core.viewsets import ApiViewMixin

from . import spreadsheets
from .importing import IMPORT_KINDS, import_rows, preview_rows
from .imports import read_upload

# The examples: a preview (POST /api/v1/imports/teams/?dry_run=1) of a file holding the
# demo content's Vienna team as it is, as its city's officer would send it.
_TEAM_ROW = {
    "slug": "imco-vienna",
    "city": "vienna",
    "name": "Innovation Management Coordination Office (IMCO)",
    "kind": "coordination_office",
    "year_established": "",
    "mandate": "Set up by the municipal government with a remit and a budget to "
    "support innovation throughout city hall. Much of its focus has been on creating "
    "a culture that supports and welcomes new ideas.",
    "staff_size": "",
    "website": "",
    "parent": "",
}
_TEAM_CSV = (
    ",".join(_TEAM_ROW)
    + "\n"
    + ",".join(f'"{value}"' if "," in value else value for value in _TEAM_ROW.values())
)
EXAMPLES = [
    OpenApiExample(
        "Preview",
        value={"file": _TEAM_CSV + "\n"},
        summary="A CSV file (teams) holding the demo content's Vienna team",
        media_type="multipart/form-data",
        request_only=True,
    ),
    OpenApiExample(
        "Preview",
        value={
            "kind": "teams",
            "dry_run": True,
            "counts": {"create": 0, "update": 0, "unchanged": 1, "error": 0},
            "rows": [
                {
                    "row": 2,
                    "slug": "imco-vienna",
                    "action": "unchanged",
                    "for_review": False,
                    "values": {**_TEAM_ROW, "city": "Vienna (AT)"},
                    "errors": [],
                    "notes": [],
                    "changes": [],
                }
            ],
            "imported": [],
        },
        summary="The preview (dry_run=1) of that file: the team is as the file has "
        "it, so nothing would change",
        response_only=True,
    ),
]

_error = inline_serializer(
    "ImportError",
    {"column": serializers.CharField(), "message": serializers.CharField()},
)


class ImportView(ApiViewMixin, APIView):
    """Import records from a spreadsheet (CSV or XLSX), or preview the import."""

    parser_classes = [parsers.MultiPartParser]
    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="imports_create",
        examples=EXAMPLES,
        summary="Import records from a spreadsheet",
        description=(
            "The file (CSV or XLSX, at most 2 MB and 1000 rows) in the multipart "
            "field `file`, with the columns of the workspace's template for `kind` "
            "(docs/import.md). With `dry_run=1` nothing is stored: the answer says "
            "what each row would do. Without it, the valid rows are imported in one "
            "transaction (new cases as drafts, a change to a published case as a "
            "revision for review) and the rows with errors are left out. A row that "
            "names a city the user may not write is a 403 for the whole file; a "
            "file that cannot be read is a 400."
        ),
        parameters=[
            OpenApiParameter(
                "kind",
                str,
                OpenApiParameter.PATH,
                enum=list(IMPORT_KINDS),
                description="What the file holds.",
            ),
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                description="1 to preview the import without storing anything.",
            ),
        ],
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        },
        responses=inline_serializer(
            "ImportResult",
            {
                "kind": serializers.CharField(),
                "dry_run": serializers.BooleanField(),
                "counts": serializers.DictField(child=serializers.IntegerField()),
                "rows": inline_serializer(
                    "ImportRow",
                    {
                        "row": serializers.IntegerField(),
                        "slug": serializers.CharField(),
                        "action": serializers.ChoiceField(
                            ["create", "update", "unchanged", "error"]
                        ),
                        "for_review": serializers.BooleanField(
                            help_text="An update of a published case: a revision "
                            "that waits for a reviewer, not a change made at once."
                        ),
                        "values": serializers.DictField(child=serializers.CharField()),
                        "errors": _error.__class__(many=True),
                        "notes": _error.__class__(many=True),
                        "changes": serializers.ListField(child=serializers.DictField()),
                    },
                    many=True,
                ),
                "imported": inline_serializer(
                    "ImportedRecord",
                    {
                        "row": serializers.IntegerField(),
                        "action": serializers.ChoiceField(
                            ["created", "updated", "proposed"]
                        ),
                        "title": serializers.CharField(),
                        "url": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        ),
    )
    def post(self, request: Request, kind: str) -> Response:
        import_kind = IMPORT_KINDS.get(kind)
        if import_kind is None:
            raise exceptions.NotFound()
        upload: Any = request.FILES.get("file")
        if upload is None:
            raise exceptions.ValidationError(
                {"file": [_("Send the spreadsheet in the multipart field “file”.")]}
            )
        content = upload.read(spreadsheets.MAX_UPLOAD_BYTES + 1)
        try:
            table = read_upload(import_kind, upload.name or "", content)
        except spreadsheets.FileRefused as error:
            raise exceptions.ValidationError({"file": [str(error)]}) from None
        self.check_cities(table)
        dry_run = request.query_params.get("dry_run", "") in ("1", "true")
        done: list[dict[str, Any]] = []
        if dry_run:
            rows = preview_rows(import_kind, request.user, table)
        else:
            rows, done = import_rows(import_kind, request.user, table)
        counts = dict.fromkeys(["create", "update", "unchanged", "error"], 0)
        for row in rows:
            counts[row.action] += 1
        return Response(
            {
                "kind": import_kind.key,
                "dry_run": dry_run,
                "counts": counts,
                "rows": [row.as_json() for row in rows],
                "imported": [
                    {**item, "url": request.build_absolute_uri(item["url"])}
                    for item in done
                ],
            }
        )

    def check_cities(self, table: spreadsheets.Table) -> None:
        """403 if a row names a city the user may not write, as any API write to
        another city's records is (cities/viewsets.py)."""
        if "city" not in table.headers:
            return
        at = table.headers.index("city")
        named = {cells[at].strip() for _n, cells in table.rows if at < len(cells)}
        named.discard("")
        existing = set(City.objects.filter(slug__in=named).values_list("pk", flat=True))
        editable = set(
            City.objects.editable_by(self.request.user)
            .filter(pk__in=existing)
            .values_list("pk", flat=True)
        )
        if existing - editable:
            raise exceptions.PermissionDenied(CityRecordPermission.message)
