"""Drop the cached pages (core/page_cache.py) when something the public can see changes.

Public as soon as they exist: cities, districts, teams, labs, strategies, funding
programmes, organisations, findings and the vocabularies; any save or delete of one
bumps the generation. A case is public only while published, so a case's save bumps
only when it is published after the save or was before it (publishing, archiving, an
approved revision); its relations only when it is published; a source only when it
cites a published case or a record that is always public. An officer writing a draft,
submitting it or proposing a revision bumps nothing. Every bump waits for the commit.

Writes that bypass signals (bulk_create, QuerySet.update(), raw SQL) must call
`core.page_cache.bump()` themselves. `migrate` (every deploy) drops everything too.
"""

from __future__ import annotations

from typing import Any, cast

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import (
    m2m_changed,
    post_delete,
    post_migrate,
    post_save,
    pre_save,
)

from cities.models import (
    City,
    District,
    FundingProgramme,
    InnovationTeam,
    Lab,
    Strategy,
)
from core.models import Approach, Driver, InnovationType, LifecycleStage, Source, Theme
from core.page_cache import bump, bump_on_commit

from .models import RELATION_FIELDS, CaseStudy, Finding, Organisation

ALWAYS_PUBLIC = [
    City,
    District,
    InnovationTeam,
    Lab,
    Strategy,
    FundingProgramme,
    Organisation,
    Finding,
    InnovationType,
    Driver,
    Approach,
    Theme,
    LifecycleStage,
]
PUBLISHED = CaseStudy.Status.PUBLISHED

# Set on a case or source by pre_save, read by post_save.
_WAS_PUBLIC = "_page_cache_was_public"


def record_changed(sender: type[Any], using: str, **kwargs: Any) -> None:
    bump_on_commit(using)


def case_saving(
    sender: type[CaseStudy], instance: CaseStudy, using: str, **kwargs: Any
) -> None:
    # Whether the stored row is published: one query, unless the case is new or will
    # be published anyway. The stored row, not the instance's loaded state, which may
    # be stale.
    was_public = (
        instance.pk is not None
        and instance.status != PUBLISHED
        and CaseStudy.objects.using(using)
        .filter(pk=instance.pk, status=PUBLISHED)
        .exists()
    )
    setattr(instance, _WAS_PUBLIC, was_public)


def case_saved(
    sender: type[CaseStudy],
    instance: CaseStudy,
    using: str,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if raw or instance.status == PUBLISHED or getattr(instance, _WAS_PUBLIC, True):
        bump_on_commit(using)


def case_relations_changed(
    sender: type[Any],
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    using: str,
    **kwargs: Any,
) -> None:
    if not action.startswith("post_"):
        return
    if not reverse:  # case.themes.add(...): `instance` is the case.
        public = instance.status == PUBLISHED
    elif action == "post_clear":  # theme.cases.clear(): which cases is not known.
        public = True
    else:  # theme.cases.add(...): `pk_set` holds the cases.
        public = bool(pk_set) and (
            CaseStudy.objects.using(using)
            .filter(pk__in=cast("set[int]", pk_set), status=PUBLISHED)  # (not empty)
            .exists()
        )
    if public:
        bump_on_commit(using)


def _cites_public_record(content_type_id: int, object_id: int, using: str) -> bool:
    model = ContentType.objects.db_manager(using).get_for_id(content_type_id)
    if model.model_class() is not CaseStudy:
        return True
    cases = CaseStudy.objects.using(using)
    return cases.filter(pk=object_id, status=PUBLISHED).exists()


def source_saving(
    sender: type[Source], instance: Source, using: str, **kwargs: Any
) -> None:
    # A source moved from a published case to a draft leaves the published page.
    was_public = False
    if instance.pk is not None:
        before = (
            Source.objects.using(using)
            .filter(pk=instance.pk)
            .values_list("content_type_id", "object_id")
            .first()
        )
        was_public = before is not None and _cites_public_record(*before, using)
    setattr(instance, _WAS_PUBLIC, was_public)


def source_saved(
    sender: type[Source],
    instance: Source,
    using: str,
    raw: bool = False,
    **kwargs: Any,
) -> None:
    if (
        raw
        or getattr(instance, _WAS_PUBLIC, True)
        or _cites_public_record(instance.content_type_id, instance.object_id, using)
    ):
        bump_on_commit(using)


def source_deleted(
    sender: type[Source], instance: Source, using: str, **kwargs: Any
) -> None:
    if _cites_public_record(instance.content_type_id, instance.object_id, using):
        bump_on_commit(using)


def migrated(sender: Any, **kwargs: Any) -> None:
    """A deploy runs `migrate` (the Dockerfile does, before gunicorn starts): what is
    cached was made by the code before it, and a page may look
    different now, so drop them all."""
    bump()


def connect() -> None:
    """Connect the handlers; called from InnovationCasesConfig.ready()."""
    for model in ALWAYS_PUBLIC:
        name = model._meta.label_lower
        post_save.connect(
            record_changed, sender=model, dispatch_uid=f"page_cache_saved_{name}"
        )
        post_delete.connect(
            record_changed, sender=model, dispatch_uid=f"page_cache_deleted_{name}"
        )
    m2m_changed.connect(
        record_changed,
        sender=Strategy.innovation_types.through,
        dispatch_uid="page_cache_strategy_types",
    )
    pre_save.connect(
        case_saving, sender=CaseStudy, dispatch_uid="page_cache_case_saving"
    )
    post_save.connect(
        case_saved, sender=CaseStudy, dispatch_uid="page_cache_case_saved"
    )
    # A case that is deleted may have been published: always.
    post_delete.connect(
        record_changed, sender=CaseStudy, dispatch_uid="page_cache_case_deleted"
    )
    for name in RELATION_FIELDS:
        m2m_changed.connect(
            case_relations_changed,
            sender=getattr(CaseStudy, name).through,
            dispatch_uid=f"page_cache_case_{name}",
        )
    pre_save.connect(
        source_saving, sender=Source, dispatch_uid="page_cache_source_saving"
    )
    post_save.connect(
        source_saved, sender=Source, dispatch_uid="page_cache_source_saved"
    )
    post_delete.connect(
        source_deleted, sender=Source, dispatch_uid="page_cache_source_deleted"
    )
    post_migrate.connect(
        migrated,
        sender=apps.get_app_config("innovation_cases"),
        dispatch_uid="page_cache_migrated",
    )
