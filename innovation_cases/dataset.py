"""The dataset on disk: `manage.py export_dataset` writes it, `import_dataset` restores it.

A dataset is a folder:

- `manifest.json`: the format and its version, when it was made, the scope, the
  applied migrations of every app it holds rows of, each model's row count, and the
  size and SHA-256 of every other file;
- `data/<app>.<model>.jsonl`: each model's rows, one JSON object a line, as Django's
  serialization framework writes them (`jsonl`), primary keys included. This is what a
  restore reads;
- `csv/<app>.<model>.csv`: the same rows for people and spreadsheets (the cells
  neutralised against formulas as the public exports are, `exports.csv_cells`);
- `cases.json`, `cases.csv`: the published cases in the very shape of
  `/cases/export.json` and `/cases/export.csv` (`exports.py`);
- `media/`: the bytes of every image a row refers to, under its storage name.

**Which models.** Every model of every installed app, enumerated from the app registry
(the auto-created link tables of many-to-many relations and django-simple-history's
tables included), so that a model or field added later is exported and restored without
anyone adding it here. The exceptions are `EXCLUDED`, each with its reason. The link
tables are rows of their own rather than lists inside their records: a restore inserts
them as they are, with their ids, and no many-to-many signal fires (each would record a
new version in the history).

**Two scopes.** `--all` (for staff) is everything: drafts, revisions, reviews, users
with their password hashes (so that a restored site's staff can log in, and the
history keeps naming who made each change) and their second factors (`--without-passwords`
leaves out both), memberships, API tokens (only their SHA-256 is stored, never a token),
the admin's log and every history row. Without it,
the dataset is what the public sees: `PUBLIC` says which models and which of their
rows, decided once here (a published case is `CaseStudy.objects.published()`); a model
it does not name is left out, and so is every reference to a user account.

**Natural keys** for the rows `migrate` makes in every database (content types and
permissions, `MADE_BY_MIGRATE`): their ids differ between databases, so a reference to
one is written as its natural key and found again by it. Everything else keeps its
primary key, so that foreign keys, history rows, generic relations and URLs line up.

**A restore** goes into an empty database, migrated to the same migrations: it checks
the manifest's version and every file's checksum first, then inserts every row in one
transaction (all or nothing), puts the images in the storage, sets PostgreSQL's
sequences past the restored ids, and journals a change of everything for the search
index (see `import_dataset`). The rows are inserted as they are (`raw`, as `loaddata`
saves them), in batches, without signals: the search index and the page cache are
told once, at the end.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import hashlib
import json
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Final

from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers import deserialize
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.python import Serializer as PythonSerializer
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q, QuerySet
from django.utils import timezone

from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Strategy,
)
from core import page_cache
from core.models import Source
from core.vocabularies import VOCABULARIES

from . import exports
from .engine import search as engine_search
from .engine.schema import SCHEMA_VERSION
from .images import renditions
from .models import (
    RELATION_FIELDS,
    CaseRevision,
    CaseStudy,
    Finding,
    IndexJournalEntry,
    Organisation,
)

FORMAT: Final = "public-innovation-atlas-dataset"
# Raise it when a dataset written now could not be read by the code of before, and
# teach `import_dataset` to read the older versions it still supports.
FORMAT_VERSION: Final = 1
READABLE_VERSIONS: Final = frozenset({1})

MANIFEST: Final = "manifest.json"
# Rows serialized, written and inserted at a time: memory stays flat.
CHUNK: Final = 2000
SCOPE_ALL, SCOPE_PUBLISHED = "all", "published"

# Models a dataset never holds, and why. (A test checks that each still exists.)
EXCLUDED: Final[dict[str, str]] = {
    "sessions.session": "sign-ins, not data: a restored site signs everyone out",
    "axes.accessattempt": "failed sign-ins, for the lock-out: short-lived",
    "axes.accessattemptexpiration": "the lock-out's expiry times: short-lived",
    "axes.accessfailurelog": "failed sign-ins, for the lock-out: short-lived",
    "axes.accesslog": "a sign-in log for the lock-out: short-lived",
    "innovation_cases.indexjournalentry": (
        "the search index's journal: the index is rebuilt from the restored rows"
    ),
    "workspace.importupload": (
        "spreadsheets uploaded for an import's preview: working files that expire "
        "within the hour, and whose imported rows are the records themselves"
    ),
}

# The second factors of the accounts (accounts/two_factor.py): their authenticator keys
# and recovery codes are credentials, as a password hash is. `--all` keeps them, so that
# a restored site's reviewers log in as before; `--without-passwords` leaves them out
# too, and those who must use a second factor set up an authenticator again.
SECOND_FACTORS: Final = (
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
)

# Rows that `migrate` makes in every database, under ids of its own: referred to by
# natural key, matched by it on import (a row the target lacks is added).
MADE_BY_MIGRATE: Final = ("contenttypes.contenttype", "auth.permission")

# Rows a data migration loads into a new database (the vocabularies, 0002 of
# innovation_cases): a database holding only these is still empty, and an import
# replaces them with the dataset's.
REPLACED_ON_IMPORT: Final = tuple(v.model._meta.label_lower for v in VOCABULARIES)


class DatasetError(Exception):
    """What is wrong with a dataset or its target, in words for the operator."""


# --- What is exported -----------------------------------------------------------------


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def exported_models() -> list[type[models.Model]]:
    """Every model whose table the apps' migrations make (managed, not a proxy) but
    those of EXCLUDED: the rows `migrate` makes first (their natural keys are looked
    up while the rest is read), then by label."""
    found = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and _label(model) not in EXCLUDED
    ]
    return sorted(found, key=_load_order)


def _load_order(model: type[models.Model]) -> tuple[int, str]:
    label = _label(model)
    first = len(MADE_BY_MIGRATE)
    return (MADE_BY_MIGRATE.index(label) if label in MADE_BY_MIGRATE else first, label)


def _through(model: type[models.Model], name: str) -> type[models.Model]:
    return getattr(model, name).through


def public_rows() -> dict[type[models.Model], QuerySet[Any]]:
    """The models the public sees, and which of their rows: every city and its
    records, every vocabulary term, organisation and finding; the published cases
    (the one rule, `CaseStudy.objects.published()`) and their links to terms, teams
    and partners; the sources of all of these. Nothing else: no user, membership,
    token, draft, review, revision or history row."""
    published = CaseStudy.objects.published()
    whole: tuple[type[models.Model], ...] = (
        City,
        District,
        InnovationTeam,
        Lab,
        Strategy,
        _through(Strategy, "innovation_types"),
        FundingProgramme,
        Organisation,
        Finding,
        *(v.model for v in VOCABULARIES),
    )
    rows = {model: model._default_manager.all() for model in whole}
    rows[CaseStudy] = published
    for name in RELATION_FIELDS:
        through = _through(CaseStudy, name)
        rows[through] = through._default_manager.filter(casestudy__in=published)
    cited = Q(pk__in=[])
    for model, queryset in list(rows.items()):
        if not model._meta.auto_created:
            content_type = ContentType.objects.get_for_model(model)
            cited |= Q(content_type=content_type, object_id__in=queryset.values("pk"))
    rows[Source] = Source.objects.filter(cited)
    return rows


def _is_user_reference(model_field: models.Field[Any, Any]) -> bool:
    return bool(
        model_field.is_relation
        and model_field.related_model is not None
        and model_field.related_model._meta.label == settings.AUTH_USER_MODEL
    )


def _fields(model: type[models.Model], scope: str) -> list[str]:
    """The fields written of `model`: its own concrete ones (the many-to-many links
    are rows of their own), without references to user accounts when published."""
    return [
        f.name
        for f in model._meta.local_fields
        if not f.primary_key  # written as the row's "pk"
        and not (scope == SCOPE_PUBLISHED and _is_user_reference(f))
    ]


class _Serializer(PythonSerializer):
    """Django's serializer with natural keys for the rows of MADE_BY_MIGRATE only:
    for a user, say, the natural key would be the user name, and the id is kept."""

    def _resolve_natural_key(self, obj: Any) -> Any:
        return obj.natural_key() if _label(type(obj)) in MADE_BY_MIGRATE else None

    def _model_supports_natural_key(self, model: Any) -> bool:
        return _label(model) in MADE_BY_MIGRATE


def _media_names(model: type[models.Model], values: dict[str, Any]) -> list[str]:
    """The stored files a row refers to: its file fields (a historical row's are its
    record's, stored as text), and the image a revision proposes; each case image
    with all its renditions (images.renditions)."""
    record = getattr(model, "instance_type", model)
    names = [
        values.get(f.name) or ""
        for f in record._meta.concrete_fields
        if isinstance(f, models.FileField)
    ]
    if model is CaseRevision:
        proposed = (values.get("data") or {}).get("fields") or {}
        names.append(str(proposed.get("image") or ""))
    return [
        file
        for name in names
        if name
        for file in [r.name for r in renditions(name)] or [name]
    ]


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (it cuts them to
    milliseconds, as ECMAScript's dates have no more): a restore is exact."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, cls=_Encoder)
    return value


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _migrations(app_labels: Iterable[str], using: str) -> dict[str, list[str]]:
    applied = MigrationRecorder(connections[using]).applied_migrations()
    wanted = set(app_labels)
    state: dict[str, list[str]] = {label: [] for label in sorted(wanted)}
    for app_label, name in applied:
        if app_label in wanted:
            state[app_label].append(name)
    return {label: sorted(names) for label, names in state.items()}


@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int]
    media: int
    missing_media: list[str] = field(default_factory=list)


def export(
    directory: Path,
    *,
    everything: bool,
    without_passwords: bool = False,
    site_url: str = "",
    progress: Callable[[str], object] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> ExportResult:
    """Write the dataset to `directory`, which must not exist or be empty. It is
    written beside it first and renamed at the end, so that an export cut short
    never looks like a whole one."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise DatasetError(
            f"{directory} exists and is not an empty folder: choose a new one, so "
            "that no file of another export is taken for part of this one."
        )
    parent = directory.resolve().parent
    if not parent.is_dir():
        raise DatasetError(f"{parent} is not a folder.")
    partial = parent / f".{directory.name}.partial-{secrets.token_hex(4)}"
    partial.mkdir()
    try:
        result = _export_into(
            partial,
            scope=SCOPE_ALL if everything else SCOPE_PUBLISHED,
            without_passwords=without_passwords,
            site_url=site_url,
            progress=progress,
            using=using,
        )
        if directory.exists():
            directory.rmdir()  # empty: checked above
        partial.rename(directory)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    result.path = directory
    return result


@contextlib.contextmanager
def _snapshot(using: str) -> Iterator[None]:
    """One transaction for the whole export, so that its tables agree with each other
    while the site goes on writing: on PostgreSQL a read-only snapshot (REPEATABLE
    READ); SQLite reads one state of the file within a transaction anyway."""
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
        yield


def _export_into(
    root: Path,
    *,
    scope: str,
    without_passwords: bool,
    site_url: str,
    progress: Callable[[str], object] | None,
    using: str,
) -> ExportResult:
    say = progress or (lambda message: None)
    (root / "data").mkdir()
    (root / "csv").mkdir()
    counts: dict[str, int] = {}
    media: set[str] = set()
    with _snapshot(using):
        public = public_rows() if scope == SCOPE_PUBLISHED else {}
        models_written = [
            m
            for m in exported_models()
            if (scope == SCOPE_ALL or m in public)
            and not (without_passwords and _label(m) in SECOND_FACTORS)
        ]
        for model in models_written:
            label = _label(model)
            queryset = public.get(model, model._base_manager.all()).using(using)
            counts[label] = _write_model(
                root,
                model,
                queryset,
                _fields(model, scope),
                media,
                without_passwords=without_passwords,
            )
            say(f"{label}: {counts[label]:,} rows")
        _write_public_cases(root, site_url)
        journal_last = (
            IndexJournalEntry.objects.using(using)
            .order_by("-id")
            .values_list("id", flat=True)
            .first()
        ) or 0
        migrations = _migrations({m._meta.app_label for m in models_written}, using)
    missing = _copy_media(root, sorted(media))
    say(f"media: {len(media) - len(missing):,} files")
    files = {
        path.relative_to(root).as_posix(): {
            "bytes": path.stat().st_size,
            "sha256": _sha256(path),
        }
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "scope": scope,
        "created_at": timezone.now().isoformat(),
        "passwords": scope == SCOPE_ALL and not without_passwords,
        "database_vendor": connections[using].vendor,
        "migrations": migrations,
        "search_schema_version": SCHEMA_VERSION,
        "search_journal_last_id": journal_last,
        "models": {
            label: {"rows": rows, "file": f"data/{label}.jsonl"}
            for label, rows in counts.items()
        },
        "excluded": EXCLUDED,
        "missing_media": missing,
        "files": files,
    }
    (root / MANIFEST).write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return ExportResult(root, counts, len(media) - len(missing), missing)


def _write_model(
    root: Path,
    model: type[models.Model],
    queryset: QuerySet[Any],
    fields: list[str],
    media: set[str],
    *,
    without_passwords: bool,
) -> int:
    """One model's rows, a chunk at a time, in primary key order: as JSON lines for
    the restore and as CSV for people. Returns how many."""
    label = _label(model)
    natural_fks = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is not None
        and _label(f.related_model) in MADE_BY_MIGRATE
        and f.name in fields
    ]
    queryset = queryset.order_by("pk")
    if natural_fks:
        queryset = queryset.select_related(*natural_fks)
    serializer = _Serializer()
    passwords = without_passwords and label == settings.AUTH_USER_MODEL.lower()
    count = 0
    with (
        (root / "data" / f"{label}.jsonl").open("w", encoding="utf-8") as data,
        (root / "csv" / f"{label}.csv").open(
            "w", encoding="utf-8", newline=""
        ) as sheet,
    ):
        sheet.write("\ufeff")  # so that spreadsheet programs read the file as UTF-8
        writer = csv.writer(sheet)
        pk_name = model._meta.pk.name if model._meta.pk else "pk"
        natural_pk = label in MADE_BY_MIGRATE
        writer.writerow(([] if natural_pk else [pk_name]) + fields)
        rows = queryset.iterator(chunk_size=CHUNK)
        while chunk := list(_take(rows, CHUNK)):
            objects = serializer.serialize(
                chunk,
                fields=fields,
                use_natural_foreign_keys=True,
                use_natural_primary_keys=True,
            )
            for obj in objects:
                values = obj["fields"]
                if passwords:
                    values["password"] = make_password(None)
                data.write(json.dumps(obj, cls=_Encoder, ensure_ascii=False) + "\n")
                record = {} if natural_pk else {"pk": obj["pk"]}
                record.update({name: _csv_value(values.get(name)) for name in fields})
                writer.writerow(exports.csv_cells(record))
                media.update(_media_names(model, values))
            count += len(objects)
    return count


def _take(rows: Iterator[Any], n: int) -> Iterator[Any]:
    for _ in range(n):
        try:
            yield next(rows)
        except StopIteration:
            return


def _write_public_cases(root: Path, site_url: str) -> None:
    """The published cases as the site's own exports give them (exports.py), read
    from the search index like those: `cases.json` and `cases.csv`."""
    prefix = exports.case_url_prefix(None, site_url)
    for name, writer in (("json", exports.write_json), ("csv", exports.write_csv)):
        matches = engine_search.matching("", engine_search.Filters(), "newest")
        with (root / f"cases.{name}").open("w", encoding="utf-8", newline="") as out:
            for piece in writer(exports.started(matches, prefix)):
                out.write(piece)


def _copy_media(root: Path, names: list[str]) -> list[str]:
    """Copy each stored file into `media/`; the names of those the storage lacks."""
    missing = []
    for name in names:
        target = root / "media" / _safe_media_name(name)
        try:
            source = default_storage.open(name, "rb")
        except (FileNotFoundError, OSError):
            missing.append(name)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, target.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return missing


def _safe_media_name(name: str) -> PurePosixPath:
    """A storage name as a relative path that stays inside `media/`, or an error."""
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or ".." in path.parts or "\\" in name:
        raise DatasetError(f"{name!r} is not a file name a dataset may hold.")
    return path


# --- The restore -----------------------------------------------------------------------


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise DatasetError(
            f"{path} does not exist: {directory} is not a dataset written by "
            "export_dataset."
        ) from error
    except (OSError, ValueError) as error:
        raise DatasetError(f"{path} cannot be read as JSON: {error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise DatasetError(f"{path} is not the manifest of an Atlas dataset.")
    version = manifest.get("format_version")
    if version not in READABLE_VERSIONS:
        raise DatasetError(
            f"The dataset is of format version {version!r}; this version of the "
            f"Atlas reads version {', '.join(map(str, sorted(READABLE_VERSIONS)))}. "
            "Import it with the release that wrote it, then upgrade."
        )
    return manifest


def verify(directory: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, of its size and SHA-256; and every
    model file it names is listed."""
    problems = []
    files: dict[str, Any] = manifest.get("files") or {}
    for name, expected in files.items():
        if ".." in PurePosixPath(name).parts or PurePosixPath(name).is_absolute():
            problems.append(f"{name}: not a path inside the dataset")
            continue
        path = directory / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif path.stat().st_size != expected.get("bytes"):
            problems.append(
                f"{name}: {path.stat().st_size:,} bytes, the manifest says "
                f"{expected.get('bytes')}"
            )
        elif _sha256(path) != expected.get("sha256"):
            problems.append(f"{name}: its SHA-256 is not the manifest's")
    for label, entry in (manifest.get("models") or {}).items():
        if entry.get("file") not in files:
            problems.append(f"{label}: its file is not listed with a checksum")
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DatasetError(
            "The dataset does not match its manifest, so nothing was imported "
            f"(a damaged or edited copy?):\n  {shown}{more}"
        )


def _check_migrations(manifest: dict[str, Any], using: str) -> None:
    wanted: dict[str, list[str]] = manifest.get("migrations") or {}
    here = _migrations(wanted, using)
    differ = [label for label in sorted(wanted) if sorted(wanted[label]) != here[label]]
    if differ:
        detail = "; ".join(
            f"{label}: the dataset's latest is "
            f"{(sorted(wanted[label]) or ['none'])[-1]}, this database's "
            f"{(here[label] or ['none'])[-1]}"
            for label in differ
        )
        raise DatasetError(
            "The database is not migrated to the dataset's migrations "
            f"({detail}). Import with the release of the Atlas that wrote the "
            "dataset, into a database migrated by it, then upgrade as usual."
        )


def _check_empty(using: str) -> None:
    """The target holds no row of a dataset's model but those migrate makes."""
    filled = []
    for model in exported_models():
        label = _label(model)
        if label in MADE_BY_MIGRATE or label in REPLACED_ON_IMPORT:
            continue
        if model._base_manager.using(using).exists():
            filled.append(label)
    if filled:
        more = f" and {len(filled) - 10} more" if len(filled) > 10 else ""
        raise DatasetError(
            "The database is not empty, so nothing was imported (a restore never "
            f"merges into existing data). Rows found in: {', '.join(filled[:10])}"
            f"{more}. "
            "Restore into a new database: create it, run `manage.py migrate`, then "
            "import."
        )


def _check_media(directory: Path, manifest: dict[str, Any]) -> list[str]:
    """The dataset's media files the storage lacks; an error if the storage holds
    another file under one of their names."""
    wanted = []
    clashes = []
    for name, expected in (manifest.get("files") or {}).items():
        if not name.startswith("media/"):
            continue
        storage_name = name.removeprefix("media/")
        _safe_media_name(storage_name)
        if not default_storage.exists(storage_name):
            wanted.append(storage_name)
            continue
        digest = hashlib.sha256()
        with default_storage.open(storage_name, "rb") as stored:
            for block in iter(lambda: stored.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != expected["sha256"]:
            clashes.append(storage_name)
    if clashes:
        raise DatasetError(
            "The media storage already holds other files under the names of the "
            f"dataset's images ({', '.join(clashes[:5])}"
            f"{', …' if len(clashes) > 5 else ''}), so nothing was imported. "
            "Restore into an empty media storage (MEDIA_ROOT or bucket)."
        )
    return wanted


@dataclass
class ImportResult:
    counts: dict[str, int]
    media: int
    scope: str


class _DryRun(Exception):
    pass


def import_(
    directory: Path,
    *,
    dry_run: bool = False,
    progress: Callable[[str], object] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> ImportResult:
    """Restore the dataset in `directory` into the empty database `using`, all or
    nothing; with `dry_run`, check everything, insert every row, and roll back."""
    say = progress or (lambda message: None)
    manifest = read_manifest(directory)
    verify(directory, manifest)
    say("Checksums verified.")
    _check_migrations(manifest, using)
    entries: dict[str, Any] = manifest.get("models") or {}
    unknown = [label for label in entries if _model(label) is None]
    if unknown:
        raise DatasetError(
            f"The dataset holds models this version does not know: {', '.join(unknown)}."
        )
    _check_empty(using)
    media = _check_media(directory, manifest)
    written: list[str] = []
    counts: dict[str, int] = {}
    try:
        with transaction.atomic(using=using):
            for label in REPLACED_ON_IMPORT:
                if label in entries:
                    _model_or_fail(label)._base_manager.using(using).all().delete()
            for label in sorted(entries, key=_label_load_order):
                entry = entries[label]
                counts[label] = _load(directory / entry["file"], label, using)
                if counts[label] != entry.get("rows"):
                    raise DatasetError(
                        f"{entry['file']} holds {counts[label]:,} rows, the manifest "
                        f"says {entry.get('rows')}."
                    )
                say(f"{label}: {counts[label]:,} rows")
            _after_load([_model_or_fail(label) for label in entries], manifest, using)
            if dry_run:
                raise _DryRun
            for name in media:
                _restore_file(directory, name, written)
            transaction.on_commit(page_cache.bump, using=using)
    except _DryRun:
        pass
    except BaseException:
        for name in written:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        raise
    return ImportResult(counts, 0 if dry_run else len(written), manifest["scope"])


def _label_load_order(label: str) -> tuple[int, str]:
    return _load_order(_model_or_fail(label))


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _model_or_fail(label: str) -> type[models.Model]:
    model = _model(label)
    if model is None:
        raise DatasetError(f"Unknown model {label}.")
    return model


def _load(path: Path, label: str, using: str) -> int:
    """Insert the rows of one model's file as they are (raw, as `loaddata` saves
    them: `auto_now` fields keep their times), a batch at a time, without signals.
    Rows that migrate makes are matched by natural key, and added if missing."""
    model = _model_or_fail(label)
    fields = model._meta.local_concrete_fields
    connection = connections[using]
    count = 0
    batch: list[models.Model] = []

    def flush() -> None:
        if batch:
            model._base_manager.using(using)._insert(  # type: ignore[attr-defined]  # Model.save()'s own path, in batches
                batch, fields=fields, using=using, raw=True
            )
            batch.clear()

    with path.open(encoding="utf-8") as stream:
        try:
            for deserialized in deserialize("jsonl", stream, using=using):
                obj = deserialized.object
                if type(obj) is not model:
                    raise DatasetError(
                        f"{path.name} holds a row of {_label(type(obj))}, not of {label}."
                    )
                count += 1
                if label in MADE_BY_MIGRATE:
                    if obj.pk is None:  # not made by this database's migrate
                        deserialized.save(using=using)
                    continue
                batch.append(obj)
                if len(batch) >= connection.ops.bulk_batch_size(fields, batch) or (
                    len(batch) >= CHUNK
                ):
                    flush()
            flush()
        except DatasetError:
            raise
        except Exception as error:
            raise DatasetError(
                f"{path.name}, row {count}: cannot be restored: {error}"
            ) from error
    return count


def _after_load(
    loaded: list[type[models.Model]], manifest: dict[str, Any], using: str
) -> None:
    """Check the references now rather than at commit (a clear error, not a failed
    commit); journal a change of everything, under an id past the source database's
    journal, so that every machine's search index rebuilds on its next sync; set
    PostgreSQL's sequences past the restored ids, so that new rows do not collide."""
    connection = connections[using]
    try:
        connection.check_constraints(
            table_names=[model._meta.db_table for model in loaded]
        )
    except Exception as error:
        raise DatasetError(
            f"The dataset's rows do not refer to each other consistently: {error}"
        ) from error
    past = max(
        int(manifest.get("search_journal_last_id") or 0),
        IndexJournalEntry.objects.using(using)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
        or 0,
    )
    IndexJournalEntry.objects.using(using).create(id=past + 1, case_id=None)
    statements = connection.ops.sequence_reset_sql(
        no_style(), [*loaded, IndexJournalEntry]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _restore_file(directory: Path, name: str, written: list[str]) -> None:
    with (directory / "media" / _safe_media_name(name)).open("rb") as source:
        stored = default_storage.save(name, File(source))
    written.append(stored)
    if stored != name:
        raise DatasetError(
            f"The media storage stored {name} as {stored}: another process wrote "
            "under that name meanwhile."
        )
