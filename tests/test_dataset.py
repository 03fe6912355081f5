"""export_dataset and import_dataset: a dataset round-trips losslessly, the published
one holds nothing unpublished, and a damaged dataset or a non-empty database is refused.

The comparison is generated from the app registry (`dataset.exported_models()`, every
model but those `EXCLUDED` with a reason), so that a model added later is compared too;
and the rich dataset must hold a row of every one of them, so that no comparison is
vacuous: a new model makes this test fail until it is given a row here.
"""

import datetime
import hashlib
import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from PIL import Image

from accounts.models import ApiToken
from accounts.two_factor import recovery_codes_replace
from cities.models import Membership
from core.history import save_with_relations
from core.models import Approach, Driver, InnovationType, LifecycleStage, Theme
from innovation_cases import dataset, images
from innovation_cases.models import CaseRevision, CaseStudy, Review
from tests.factories import (
    CaseStudyFactory,
    CityFactory,
    DistrictFactory,
    FundingProgrammeFactory,
    InnovationTeamFactory,
    LabFactory,
    MembershipFactory,
    OrganisationFactory,
    SourceFactory,
    StrategyFactory,
    UserFactory,
    authenticator,
)

DRAFT_TITLE = "Quokka ledger of the zebra crossings"  # in no other text
DRAFT_SOURCE = "Unpublished memo on quokka crossings"
REVISION_TITLE = "Pending retitle with wombat words"
S = CaseStudy.Status


def _png(width: int = 400, height: int = 240, colour: str = "teal") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _image(colour: str) -> str:
    return images.process_upload(io.BytesIO(_png(colour=colour)))


def _case(city, officer, **values) -> CaseStudy:
    """A case written as the editor writes one: one version, relations included."""
    relations = {
        name: values.pop(name)
        for name in ("teams", "partners", "innovation_types", "drivers", "approaches")
        + ("themes",)
        if name in values
    }
    case = CaseStudyFactory.build(city=city, created_by=officer, **values)
    case.updated_by = officer
    case._history_user = officer
    save_with_relations(case, relations)
    return case


def _revision_values(case: CaseStudy, **changes) -> dict:
    values = {name: getattr(case, name) for name in CaseRevision.FIELDS}
    for name in ("teams", "partners", "innovation_types", "drivers", "approaches"):
        values[name] = list(getattr(case, name).all())
    values["themes"] = list(case.themes.all())
    values["sources"] = case.source_rows()
    values.update(changes)
    return values


@pytest.fixture
def rich(settings):
    """Every model holds rows, made by the factories and the real workflows: cases in
    every state with every field, several terms of every vocabulary, sources, images,
    revisions, reviews, history from edits, accounts, groups and permissions."""
    officer = UserFactory(username="officer", first_name="Olga", last_name="Ofori")
    reviewer = UserFactory(username="reviewer")
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    editors = Group.objects.create(name="Editors")
    editors.permissions.set(Permission.objects.filter(codename__endswith="_casestudy"))
    officer.groups.add(editors)
    officer.user_permissions.add(Permission.objects.get(codename="view_city"))
    ApiToken.issue(user=officer, name="Import script")
    authenticator(reviewer)
    recovery_codes_replace(user=reviewer)

    city = CityFactory(
        name="Ghent",
        slug="ghent",
        country="BE",
        region='=HYPERLINK("http://evil.example")',
        population=263_000,
        latitude=Decimal("51.054342"),
        longitude=Decimal("-3.717424"),
        website="https://stad.gent",
        summary="A city with a *lab*.",
    )
    city.name = "Gent"  # an edit: a second version in the city's history
    city.save()
    MembershipFactory(user=officer, city=city)
    MembershipFactory(user=reviewer, city=city, role=Membership.Role.REVIEWER)
    district = DistrictFactory(city=city, name="Muide", slug="muide")
    team = InnovationTeamFactory(
        city=city,
        year_established=2015,
        mandate="Digital services.",
        staff_size=12,
        website="https://stad.gent/team",
    )
    child = InnovationTeamFactory(city=city, parent=team)
    lab = LabFactory(
        team=team,
        district=district,
        description="A street lab.",
        municipal_staff_min=2,
        municipal_staff_max=3,
        partner_staff_min=1,
        partner_staff_max=1,
    )
    lab.description = "A street lab, moved."
    lab.save()
    strategy = StrategyFactory(
        city=city,
        team=team,
        adopted_on=datetime.date(2021, 3, 4),
        period_start=2021,
        period_end=2026,
        document_url="https://stad.gent/strategy.pdf",
        summary="Open by default.",
    )
    strategy.innovation_types.set(InnovationType.objects.all()[:2])
    strategy.save()  # a version holding the innovation types
    FundingProgrammeFactory(
        city=city,
        team=child,
        amount=Decimal("1500000.50"),
        currency="EUR",
        training_offered=True,
        year=2024,
        description="Pitch it.",
    )
    partner = OrganisationFactory(city=city, website="https://ugent.be")
    finding = apps.get_model("innovation_cases", "Finding").objects.create(
        slug="teams", topic="dedicated_team", statement="61 of 65 cities."
    )
    SourceFactory(content_object=finding, title="Study")
    SourceFactory(content_object=city, title="City report", authors="A. Author")
    Theme.objects.filter(slug="mobility").update(name="Mobility and transport")
    Theme.objects.create(slug="quiet-streets", name="Quiet streets", definition="…")

    every = {
        "teams": [team, child],
        "partners": [partner],
        "innovation_types": list(InnovationType.objects.all()[:2]),
        "drivers": list(Driver.objects.all()[:3]),
        "approaches": list(Approach.objects.all()[:2]),
        "themes": list(Theme.objects.all()[:3]),
    }
    published = _case(
        city,
        officer,
        title="Street lab for quiet crossings",
        slug="street-lab",
        district=district,
        summary="Neighbours redesigned a crossing.",
        challenge="## Traffic\nToo *fast*.",
        approach="A lab.",
        results="Slower cars.",
        lessons_learned="Start small.",
        lifecycle_stage=LifecycleStage.objects.first(),
        evidence="measured",
        year_started=2019,
        year_ended=2022,
        image=_image("teal"),
        image_alt="A crossing with planters.",
        image_credit="City of Ghent, CC BY 4.0",
        **every,
    )
    published.set_sources(
        [
            {
                "title": "Evaluation",
                "authors": "Lab team",
                "publisher": "City of Ghent",
                "url": "https://stad.gent/evaluation",
                "published_on": datetime.date(2022, 5, 1),
                "note": "The figures.",
            },
            {"title": "News item", "url": "https://news.example/item"},
        ]
    )
    published.submit(by=officer)
    published.publish(by=reviewer, comment="Good.")
    CaseRevision.propose(
        case=published,
        by=officer,
        values=_revision_values(published, title=REVISION_TITLE, image=_image("red")),
    )

    approved = _case(city, officer, title="Approved revision", **every)
    approved.submit(by=officer)
    approved.publish(by=reviewer)
    revision = CaseRevision.propose(
        case=approved,
        by=officer,
        values=_revision_values(approved, summary="Better summary.", themes=[]),
    )
    revision.approve(by=reviewer, comment="Fine.")
    approved.restore_version(approved.history.last(), by=staff)

    draft = _case(city, officer, title=DRAFT_TITLE, image=_image("olive"), **every)
    draft.image_alt = "An olive square."
    draft.summary = "Edited: a second version of the draft."
    draft._history_user = officer
    draft.save()
    SourceFactory(content_object=draft, title=DRAFT_SOURCE)

    submitted = _case(city, officer, title="Submitted case")
    submitted.submit(by=officer)
    sent_back = _case(city, officer, title="Sent back case")
    sent_back.submit(by=officer)
    sent_back.request_changes(by=reviewer, comment="Add sources.")
    archived = _case(city, officer, title="Archived case")
    archived.submit(by=officer)
    archived.publish(by=reviewer)
    archived.archive(by=reviewer, comment="Outdated.")

    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(CaseStudy),
        object_id=str(archived.pk),
        object_repr=str(archived),
        action_flag=CHANGE,
        change_message="Archived from the admin.",
    )
    assert set(CaseStudy.objects.values_list("status", flat=True)) == set(S.values)
    return {"draft": draft, "published": published, "city": city}


def _natural(model, pk):
    if pk is None:
        return None
    if model is ContentType:
        return ContentType.objects.get(pk=pk).natural_key()
    return Permission.objects.get(pk=pk).natural_key()


def _snapshot() -> dict[str, list[dict]]:
    """Every row of every exported model, every column, in id order; references to
    content types and permissions as their natural keys (their ids are the target
    database's own)."""
    rows = {}
    for model in dataset.exported_models():
        label = model._meta.label_lower
        natural_fks = {
            f.attname: f.related_model
            for f in model._meta.concrete_fields
            if f.is_relation
            and f.related_model is not None
            and f.related_model._meta.label_lower in dataset.MADE_BY_MIGRATE
        }
        values = list(model._base_manager.order_by("pk").values())
        for row in values:
            for attname, related in natural_fks.items():
                row[attname] = _natural(related, row[attname])
        if label in dataset.MADE_BY_MIGRATE:
            values = sorted(
                (model._base_manager.get(pk=row.pop("id")).natural_key(), row)
                for row in values
            )
        rows[label] = values
    return rows


def _media_bytes() -> dict[str, bytes]:
    found = {}
    root = Path(default_storage.location)
    for path in root.rglob("*"):
        if path.is_file():
            found[path.relative_to(root).as_posix()] = path.read_bytes()
    return found


def _reset_content_type_ids() -> None:
    """Make the content types and permissions again under other ids, as a new
    database's migrate would number them: the dataset must find them by natural key."""
    ContentType.objects.all().delete()
    ContentType.objects.clear_cache()
    ContentType.objects.create(app_label="elsewhere", model="shifts-the-ids")
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.mark.django_db(transaction=True)
def test_everything_round_trips_into_an_empty_database(rich, tmp_path):
    before = _snapshot()
    empty = [label for label, rows in before.items() if not rows]
    assert not empty, f"give these models a row in the `rich` fixture: {empty}"
    media_before = _media_bytes()
    assert len(media_before) == 3  # three images, 400 px wide: one rendition each
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)

    call_command("flush", interactive=False, verbosity=0)
    _reset_content_type_ids()
    shutil.rmtree(default_storage.location)
    call_command("import_dataset", tmp_path / "backup", verbosity=0)

    after = _snapshot()
    for label in before:
        if label in dataset.MADE_BY_MIGRATE:  # the target's own may be more
            assert not [row for row in before[label] if row not in after[label]]
        else:
            assert after[label] == before[label], label
    assert _media_bytes() == media_before

    # The site serves the restored data: the search index was rebuilt from it.
    published = CaseStudy.objects.get(slug="street-lab")
    assert published.image.name in media_before
    # Its evidence of results came back, in the case and its history.
    assert published.evidence == "measured"
    assert published.history.first().evidence == "measured"
    from django.test import Client

    page = Client().get("/en/cases/?q=crossing")
    assert page.status_code == 200
    assert b"Street lab for quiet crossings" in page.content
    assert DRAFT_TITLE.encode() not in page.content

    # New rows after a restore take ids past the restored ones (the sequences).
    officer = published.created_by
    new = _case(rich["city"], officer, title="After the restore")
    new.submit(by=officer)
    assert new.pk > max(row["id"] for row in before["innovation_cases.casestudy"])
    assert Review.objects.filter(case=new).exists()
    assert new.history.count() == 2
    SourceFactory(content_object=new)
    ApiToken.issue(user=officer, name="After")


@pytest.mark.django_db
def test_the_published_dataset_holds_nothing_unpublished(rich, tmp_path):
    call_command("export_dataset", tmp_path / "public", verbosity=0)
    root = tmp_path / "public"
    text = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    for secret in (DRAFT_TITLE, DRAFT_SOURCE, REVISION_TITLE, "officer", "pia_"):
        assert secret.encode() not in text, secret
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["scope"] == "published"
    assert manifest["models"]["innovation_cases.casestudy"]["rows"] == 2
    assert "auth.user" not in manifest["models"]
    assert not any("history" in label for label in manifest["models"])
    # Only the published case's image, with its renditions: not the draft's, nor the
    # one a pending revision proposes.
    media = sorted(
        p.relative_to(root / "media").as_posix()
        for p in (root / "media").rglob("*.webp")
    )
    assert media == [r.name for r in rich["published"].image_renditions]
    cases = json.loads((root / "cases.json").read_text())["cases"]
    assert {c["slug"] for c in cases} == set(
        CaseStudy.objects.published().values_list("slug", flat=True)
    )
    # A cell that a spreadsheet would run as a formula is neutralised.
    assert "'=HYPERLINK" in (root / "csv" / "cities.city.csv").read_text()


@pytest.mark.django_db(transaction=True)
def test_the_published_dataset_restores_into_an_empty_database(rich, tmp_path):
    call_command("export_dataset", tmp_path / "public", verbosity=0)
    public_slugs = set(CaseStudy.objects.published().values_list("slug", flat=True))
    call_command("flush", interactive=False, verbosity=0)
    call_command("import_dataset", tmp_path / "public", verbosity=0)
    assert set(CaseStudy.objects.values_list("slug", flat=True)) == public_slugs
    restored = CaseStudy.objects.get(slug="street-lab")
    assert restored.created_by is None  # no account is published
    assert restored.evidence == "measured"
    assert restored.sources.count() == 2
    assert restored.themes.count() == 3
    assert default_storage.exists(restored.image.name)


@pytest.mark.django_db
def test_the_manifest_counts_every_row_and_file(rich, tmp_path):
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)
    root = tmp_path / "backup"
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["format_version"] == dataset.FORMAT_VERSION
    assert manifest["passwords"] is True
    for model in dataset.exported_models():
        label = model._meta.label_lower
        entry = manifest["models"][label]
        lines = (root / entry["file"]).read_text().splitlines()
        assert entry["rows"] == len(lines) == model._base_manager.count(), label
    for label in dataset.EXCLUDED:
        assert label not in manifest["models"]
        apps.get_model(label)  # each exclusion names a model that exists
    listed = set(manifest["files"])
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }
    assert listed == on_disk
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((root / name).read_bytes()).hexdigest() == entry["sha256"]
    assert manifest["migrations"]["innovation_cases"][-1].startswith("00")


@pytest.mark.django_db
def test_without_passwords_no_hash_is_exported(rich, tmp_path):
    call_command(
        "export_dataset", tmp_path / "copy", "--all", "--without-passwords", verbosity=0
    )
    users = (tmp_path / "copy" / "data" / "auth.user.jsonl").read_text().splitlines()
    hashes = [json.loads(line)["fields"]["password"] for line in users]
    assert hashes and all(h.startswith("!") for h in hashes)
    # Nor any second factor: authenticator keys and recovery codes are credentials too.
    written = {path.stem for path in (tmp_path / "copy" / "data").iterdir()}
    assert "auth.user" in written
    assert not written & set(dataset.SECOND_FACTORS)
    with pytest.raises(CommandError, match="goes with --all"):
        call_command("export_dataset", tmp_path / "x", "--without-passwords")


@pytest.mark.django_db(transaction=True)
def test_a_damaged_or_edited_dataset_is_refused_and_nothing_is_imported(rich, tmp_path):
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    root = tmp_path / "backup"
    cases = root / "data" / "innovation_cases.casestudy.jsonl"
    original = cases.read_text()
    cases.write_text(original.replace("Street lab", "Street lag"))
    with pytest.raises(
        CommandError, match="innovation_cases.casestudy.jsonl: its SHA-256"
    ):
        call_command("import_dataset", root, verbosity=0)
    assert not CaseStudy.objects.exists()

    cases.write_text(original)
    (root / "csv" / "cities.city.csv").unlink()
    with pytest.raises(CommandError, match="cities.city.csv: missing"):
        call_command("import_dataset", root, verbosity=0)

    manifest = json.loads((root / "manifest.json").read_text())
    manifest["format_version"] = 99
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="format version 99"):
        call_command("import_dataset", root, verbosity=0)
    with pytest.raises(CommandError, match="not a dataset"):
        call_command("import_dataset", tmp_path / "nowhere", verbosity=0)
    assert not CaseStudy.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failure_half_way_keeps_nothing(rich, tmp_path):
    """Rows that contradict each other (a case of a city the dataset lacks), with
    checksums made to match: the transaction rolls back, and no image stays behind."""
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(default_storage.location)
    root = tmp_path / "backup"
    cities = root / "data" / "cities.city.jsonl"
    cities.write_text("")
    manifest = json.loads((root / "manifest.json").read_text())
    manifest["models"]["cities.city"]["rows"] = 0
    manifest["files"]["data/cities.city.jsonl"] = {
        "bytes": 0,
        "sha256": hashlib.sha256(b"").hexdigest(),
    }
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match="do not refer to each other"):
        call_command("import_dataset", root, verbosity=0)
    assert not CaseStudy.objects.exists()
    assert not apps.get_model("auth", "User").objects.exists()
    assert not _media_bytes()


@pytest.mark.django_db
def test_a_database_that_holds_data_is_refused(rich, tmp_path):
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)
    count = CaseStudy.objects.count()
    with pytest.raises(CommandError, match="The database is not empty") as refused:
        call_command("import_dataset", tmp_path / "backup", verbosity=0)
    assert "Rows found in: accounts.apitoken, admin.logentry" in str(refused.value)
    assert CaseStudy.objects.count() == count


@pytest.mark.django_db
def test_an_export_never_writes_into_a_folder_that_holds_files(rich, tmp_path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.txt").write_text("from another export")
    with pytest.raises(CommandError, match="is not an empty folder"):
        call_command("export_dataset", tmp_path / "used", verbosity=0)
    assert [p.name for p in (tmp_path / "used").iterdir()] == ["old.txt"]
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]


@pytest.mark.django_db(transaction=True)
def test_a_dry_run_checks_everything_and_keeps_nothing(rich, tmp_path):
    call_command("export_dataset", tmp_path / "backup", "--all", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    shutil.rmtree(default_storage.location)
    out = io.StringIO()
    call_command("import_dataset", tmp_path / "backup", "--dry-run", stdout=out)
    assert "nothing was kept" in out.getvalue()
    assert not CaseStudy.objects.exists()
    assert not _media_bytes()
