"""The workspace's cases: where a city's officers and reviewers move them through review.

Every view scopes what it reads with the per-city rule (`City.objects.with_member`,
`reviewed_by`, `CaseStudy.objects.visible_to`), so another city's draft is a 404; and
every POST goes through the model's workflow methods, which check the user and the
state again, so a forged request changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.two_factor import second_factor_required
from cities.models import City, is_site_staff, unique_slug
from core.history import SourceTimeline, save_with_relations, version_number
from core.language_names import language_name
from innovation_cases.forms import (
    BaseSourceFormSet,
    CaseForm,
    CommentForm,
    SourceFormSet,
    TranslationForm,
)
from innovation_cases.models import (
    LANGUAGE_CODES,
    RELATION_FIELDS,
    SECTION_FIELDS,
    TEXT_FIELDS,
    CaseRevision,
    CaseStudy,
    InvalidTransition,
    Review,
    translation_field,
)

from . import profiles
from .versions import diff_rows, sources_change, version_changes, version_page

if TYPE_CHECKING:
    from django.contrib.auth.models import User

S = CaseStudy.Status

# The states the dashboard lists, in the order a case goes through them.
DASHBOARD_STATES = [S.DRAFT, S.CHANGES_REQUESTED, S.SUBMITTED, S.PUBLISHED, S.ARCHIVED]
CITIES_PER_PAGE = 20

# What to say once a workflow step (a key of CaseStudy.STEPS) is taken.
CASE_STEPS = {
    "submit": gettext_lazy("“%(title)s” is submitted for review."),
    "withdraw": gettext_lazy("“%(title)s” is withdrawn: it is a draft again."),
    "publish": gettext_lazy("“%(title)s” is published."),
    "request_changes": gettext_lazy("Changes to “%(title)s” are requested."),
    "archive": gettext_lazy("“%(title)s” is archived."),
}

# A reviewer's decisions on a revision, and what to say once one is taken.
REVISION_DECISIONS = {
    "approve": gettext_lazy("The revision of “%(title)s” is approved and published."),
    "request_changes": gettext_lazy(
        "Changes to the revision of “%(title)s” are requested."
    ),
    "reject": gettext_lazy("The revision of “%(title)s” is rejected."),
}


def _city_rows(user: Any, cities: list[City]) -> list[dict[str, Any]]:
    """Each city with the user's role and its cases grouped by state, each with its
    completeness, least complete first: two queries, however many cities and cases."""
    roles = {m.city_id: m.get_role_display() for m in user.city_memberships.all()}
    editable = set(
        City.objects.editable_by(user)
        .filter(pk__in=[city.pk for city in cities])
        .values_list("pk", flat=True)
    )
    by_city: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    # What CaseStudy.completeness reads, the sources counted in the same query.
    cases = (
        CaseStudy.objects.filter(city__in=cities)
        .with_source_count()
        .only(
            "title",
            "slug",
            "status",
            "city_id",
            *SECTION_FIELDS,
            "evidence",
            "lifecycle_stage_id",
            "year_started",
            "image",
            "image_alt",
        )
    )
    for case in cases.order_by("title"):
        by_city[case.city_id][case.status].append(
            {"case": case, "completeness": case.completeness()}
        )
    # Least complete first in each state: what to improve first is on top.
    for states in by_city.values():
        for rows in states.values():
            rows.sort(key=lambda row: row["completeness"].score)
    return [
        {
            "city": city,
            "role": roles.get(city.pk, _("Site staff")),
            "can_edit": city.pk in editable,
            "total": sum(len(v) for v in by_city[city.pk].values()),
            "states": [
                {"label": s.label, "value": s.value, "cases": by_city[city.pk][s]}
                for s in DASHBOARD_STATES
            ],
        }
        for city in cities
    ]


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    cities = City.objects.with_member(request.user).order_by("name")
    page = Paginator(cities, CITIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": _city_rows(request.user, list(page.object_list)),
        "is_reviewer": City.objects.reviewed_by(request.user).exists(),
        "is_site_staff": is_site_staff(request.user),
    }
    return render(request, "workspace/dashboard.html", context)


def _case_steps(case: CaseStudy, user: Any) -> dict[str, bool]:
    """Which workflow buttons to show: the model methods decide again on POST."""
    allowed = case.steps_for(user)
    return {name: name in allowed for name in CaseStudy.STEPS}


def _render_case(
    request: HttpRequest, case: CaseStudy, form: CommentForm, status: int = 200
) -> HttpResponse:
    context = {
        "case": case,
        "original_text": case.in_language(case.original_language),
        "steps": _case_steps(case, request.user),
        "form": form,
        "reviews": case.reviews.select_related("reviewer", "revision"),
        "can_see_history": City.objects.with_member(request.user)
        .filter(pk=case.city_id)
        .exists(),
        "can_edit": case.status != S.ARCHIVED and case.can_be_edited_by(request.user),
        "open_revision": case.revisions.open().first() if case.is_published else None,
        "translations": [
            {
                "code": code,
                "name": language_name(code),
                "done": bool(case.translation(code)["title"]),
            }
            for code in LANGUAGE_CODES
            if code != case.original_language
        ],
        "original_language_name": language_name(case.original_language),
        "since_sent_back": _changes_since_sent_back(case),
    }
    return render(request, "workspace/case_detail.html", context, status=status)


def _changes_since_sent_back(case: CaseStudy) -> dict[str, Any] | None:
    """For a case submitted again after a reviewer asked for changes: when they asked,
    and what changed since (its fields, relations and sources), so that the reviewer
    sees what was done about it besides the whole case."""
    if case.status != S.SUBMITTED:
        return None
    asked = case.reviews.filter(
        decision=Review.Decision.CHANGES_REQUESTED, revision=None
    ).first()
    if asked is None:
        return None
    versions = case.history.select_related("history_user")
    then = versions.filter(history_date__lte=asked.created_at).first()
    now = versions.first()
    changes: list[dict[str, Any]] = []
    if then is not None and now is not None and then.history_id != now.history_id:
        changes = version_changes(now, then)
    timeline = SourceTimeline(case)
    sources = (timeline.before(asked.created_at), timeline.before(None))
    if sources[0] != sources[1]:
        changes.append(sources_change(*sources))
    return {"review": asked, "rows": diff_rows(changes)}


def _visible_case(request: HttpRequest, slug: str) -> CaseStudy:
    cases = CaseStudy.objects.visible_to(request.user).select_related("city")
    return get_object_or_404(cases, slug=slug)


@never_cache
@login_required
def case_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole case as the public will see it (its classification too), with the
    steps the user may take: a reviewer decides with all of it in view."""
    cases = (
        CaseStudy.objects.visible_to(request.user)
        .select_related("city", "district")
        .with_facets()
        .prefetch_related("teams", "partners", "sources")
    )
    return _render_case(request, get_object_or_404(cases, slug=slug), CommentForm())


@login_required
@require_POST
@second_factor_required
def case_step(request: HttpRequest, slug: str, step: str) -> HttpResponse:
    """Take one workflow step; the model method checks who may, and from what state."""
    case = _visible_case(request, slug)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        case.take_step(step, by=request.user, comment=comment)
    except (PermissionDenied, InvalidTransition) as error:
        messages.error(request, str(error))
    except ValidationError as error:
        form.add_error(None, error)
        return _render_case(request, _visible_case(request, slug), form, status=400)
    else:
        messages.success(request, CASE_STEPS[step] % {"title": case.title})
    return redirect("workspace:case_detail", slug=case.slug)


# --- The case editor ----------------------------------------------------------------------

# The editor's buttons that show it again, as typed, and save nothing: the Markdown
# preview, and another empty source row (for a browser without JavaScript).
REDRAW_BUTTONS = ("preview", "add_source")


def _redraws(request: HttpRequest) -> bool:
    return any(name in request.POST for name in REDRAW_BUTTONS)


def _sent_back(case: CaseStudy | None, revision: CaseRevision | None) -> Review | None:
    """The reviewer's latest request for changes, while the case (or its open
    revision) waits for them."""
    if (
        revision is not None
        and revision.status == CaseRevision.Status.CHANGES_REQUESTED
    ):
        steps = revision.reviews.filter(
            decision=Review.Decision.REVISION_CHANGES_REQUESTED
        )
    elif case is not None and case.status == S.CHANGES_REQUESTED:
        steps = case.reviews.filter(decision=Review.Decision.CHANGES_REQUESTED)
    else:
        return None
    return steps.select_related("reviewer").first()


def _editor_context(
    request: HttpRequest,
    case: CaseStudy | None,
    form: CaseForm,
    sources: Any,
    *,
    previews: dict[str, str] | None = None,
    revision: CaseRevision | None = None,
    token: str = "",
) -> dict[str, Any]:
    return {
        "edit_token": token,
        "case": case,
        "form": form,
        "sources": sources,
        "sections": form.sections(previews),
        "previewing": previews is not None,
        # Every error, linked to its field, at the top (none once _hide_errors ran).
        "error_summary": [*form.error_summary(), *sources.error_summary()],
        "sent_back": _sent_back(case, revision),
        "revision": revision,
        "is_revision": case is not None and case.status == S.PUBLISHED,
        "markdown_fields": SECTION_FIELDS,
        "pending_image": form.pending_image_value() if form.is_bound else "",
        # What the case lacks, as last saved (or as its open revision proposes).
        "completeness": case.completeness() if case is not None else None,
    }


def _start_values(case: CaseStudy, revision: CaseRevision | None) -> tuple[dict, list]:
    """What the editor starts from: the case, or the officer's open revision of it
    (its values put on the case in memory only, never saved from here)."""
    if revision is None:
        return {}, case.source_rows()
    proposed = revision.proposed_values()
    for name in CaseRevision.FIELDS:
        setattr(case, name, proposed[name])
    # Its completeness counts the sources the revision proposes (CaseStudy.completeness).
    case.source_count = len(proposed["sources"])
    return {name: proposed[name] for name in RELATION_FIELDS}, proposed["sources"]


def _save_case(
    request: HttpRequest, case: CaseStudy, form: CaseForm, sources: Any
) -> HttpResponse:
    user = cast("User", request.user)  # The editor's views are login_required.
    if case.pk and case.status == S.PUBLISHED:
        values = {**form.values(), "sources": sources.rows()}
        revision = CaseRevision.propose(case=case, by=user, values=values)
        messages.success(
            request,
            _(
                "Your changes are waiting for review. The public page shows the "
                "published text until a reviewer approves them."
            ),
        )
        return redirect("workspace:revision_detail", pk=revision.pk)
    with transaction.atomic():
        case = case_save_draft(form, user=user)
        case.set_sources(sources.rows())
    if "submit_for_review" in request.POST:
        try:
            case.submit(by=user)
        except (PermissionDenied, InvalidTransition) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, CASE_STEPS["submit"] % {"title": case.title})
            return redirect("workspace:case_detail", slug=case.slug)
    messages.success(request, _("“%(title)s” is saved.") % {"title": case.title})
    return redirect("workspace:case_detail", slug=case.slug)


def case_save_draft(form: CaseForm, *, user: User) -> CaseStudy:
    """Save a valid CaseForm of a case that is not published: a new case as a draft
    (its slug made from its title), or a change, as one version by `user`, relations
    included. The sources are the caller's (the editor's formset; the import keeps
    them as they are)."""
    case = form.save(commit=False)
    if case._state.adding:
        case.slug = unique_slug(CaseStudy, case.title, max_length=240)
        case.status = S.DRAFT
        case.created_by = user
    case.updated_by = user
    case._history_user = user
    relations = {name: form.cleaned_data[name] for name in RELATION_FIELDS}
    save_with_relations(case, relations)
    return case


def _edit_conflict(
    request: HttpRequest,
    case: CaseStudy,
    form: CaseForm,
    sources: Any,
    revision: CaseRevision | None,
    token: str,
) -> HttpResponse:
    """The editor again, everything as typed, when someone else saved the case (or
    its open revision) after this editor was opened: nothing is saved. The page
    carries the new fingerprint, so saving again keeps this version, knowingly."""
    messages.error(
        request,
        _(
            "Someone else saved changes to this case after you opened it, so yours "
            "are not saved yet: they are below, as you typed them. Open the case's "
            "history in another tab to see what changed; then save again to keep "
            "your version, or leave this page to keep theirs."
        ),
    )
    context = _editor_context(
        request, case, form, sources, revision=revision, token=token
    )
    context["history_url"] = reverse("workspace:case_history", args=[case.slug])
    return render(request, "workspace/case_form.html", context, status=409)


def _hide_errors(form: CaseForm, sources: Any) -> None:
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # Django's private cache
    for source_form in sources.forms:
        source_form._errors = ErrorDict()
    sources._non_form_errors = sources.error_class()


def _case_editor(request: HttpRequest, case: CaseStudy | None) -> HttpResponse:
    """Write a new case, change a draft, or propose a revision of a published one.

    A refused submission comes back with everything as typed (and an uploaded image
    kept, see CaseForm), its errors listed at the top; Preview shows the Markdown and
    the image as the public page will; "Add another source" adds an empty row (the
    page's script adds it without a round trip)."""
    revision = None
    if case is not None and case.status == S.PUBLISHED:
        revision = case.revisions.open().first()
    instance = case if case is not None else CaseStudy()
    # Before a form puts what was typed on the case (in memory).
    token = case.edit_token(revision) if case is not None else ""
    if request.method == "POST":
        # A preview or a refused save carries on from the version first opened.
        sent = request.POST.get("edit_token", "")
        if revision is not None:
            # What the page does not send (the image the revision proposes) is the
            # revision's, as when the editor was opened.
            _start_values(instance, revision)
        form = CaseForm(
            request.POST, request.FILES, instance=instance, user=request.user
        )
        sources = cast(BaseSourceFormSet, SourceFormSet(request.POST, prefix="sources"))
        valid = form.is_valid() & sources.is_valid()  # Both, for every error at once.
        if _redraws(request):
            # Not a save: it keeps the upload (validation stored it) but does not
            # mark the fields that are still empty.
            if "add_source" in request.POST:
                sources = sources.with_another_row()
            _hide_errors(form, sources)
            previews = None
            if "preview" in request.POST:
                previews = {name: form[name].value() or "" for name in SECTION_FIELDS}
            context = _editor_context(
                request,
                case,
                form,
                sources,
                previews=previews,
                revision=revision,
                token=sent or token,
            )
            return render(request, "workspace/case_form.html", context)
        if valid:
            if case is not None and sent and sent != token:
                return _edit_conflict(request, case, form, sources, revision, token)
            return _save_case(request, instance, form, sources)
        context = _editor_context(
            request, case, form, sources, revision=revision, token=sent or token
        )
        return render(request, "workspace/case_form.html", context, status=400)
    initial: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    if case is not None:
        initial, rows = _start_values(instance, revision)
    elif city := (
        City.objects.editable_by(request.user)
        .filter(slug=request.GET.get("city", ""))
        .first()
    ):
        # From the dashboard's link for one city (one city's officer has it anyway).
        initial = {"city": city}
    form = CaseForm(instance=instance, initial=initial, user=request.user)
    sources = cast(BaseSourceFormSet, SourceFormSet(initial=rows, prefix="sources"))
    context = _editor_context(
        request, case, form, sources, revision=revision, token=token
    )
    return render(request, "workspace/case_form.html", context)


@never_cache
@login_required
@second_factor_required
def case_create(request: HttpRequest) -> HttpResponse:
    if not City.objects.editable_by(request.user).exists():
        raise PermissionDenied(_("Only a city's officers write its cases."))
    return _case_editor(request, None)


@never_cache
@login_required
@second_factor_required
def case_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """The editor for a case of the user's own cities (any other is a 404).

    A save reads, checks and writes the case with its row locked (CaseStudy.lock),
    so that it is decided on the case as it is: a save that crosses a colleague's is
    refused rather than overwriting it, and one that crosses a publish becomes a
    revision rather than changing the public text."""
    cases = CaseStudy.objects.editable_by(request.user).select_related("city")
    case = get_object_or_404(cases, slug=slug)
    with transaction.atomic():
        if request.method == "POST" and not _redraws(request):
            case.lock()
        return _refuse_if_archived(request, case) or _case_editor(request, case)


def _refuse_if_archived(request: HttpRequest, case: CaseStudy) -> HttpResponse | None:
    """Back to the case, with why, if it is archived: nobody changes it then."""
    if case.status != S.ARCHIVED:
        return None
    messages.error(
        request, _("An archived case is kept as it was when it was archived.")
    )
    return redirect("workspace:case_detail", slug=case.slug)


# --- Translations ---------------------------------------------------------------------


@never_cache
@login_required
@second_factor_required
def case_translation(request: HttpRequest, slug: str, language: str) -> HttpResponse:
    """Write, change or remove a case's translation into `language`, beside its
    original text. A draft's is saved at once; a published case's is a revision, which
    the public sees only once a reviewer approves it (CaseRevision.propose). As in the
    editor, a save that crosses a colleague's is refused, not applied."""
    cases = CaseStudy.objects.editable_by(request.user).select_related("city")
    case = get_object_or_404(cases, slug=slug)
    if language not in LANGUAGE_CODES or language == case.original_language:
        raise Http404("The case has no translation into its own language.")
    user = cast("User", request.user)  # login_required
    with transaction.atomic():
        if request.method == "POST":
            case.lock()
        if refused := _refuse_if_archived(request, case):
            return refused
        revision = case.revisions.open().first() if case.is_published else None
        token = case.edit_token(revision)
        start = revision.proposed_values() if revision else case.revisable_values()
        current = {
            name: start[translation_field(name, language)] or "" for name in TEXT_FIELDS
        }
        status = 200
        if request.method == "POST":
            form = TranslationForm(request.POST, language=language)
            removing = "remove" in request.POST
            if removing or form.is_valid():
                if request.POST.get("edit_token", token) != token:
                    messages.error(
                        request,
                        _(
                            "Someone else saved changes to this case after you opened "
                            "it, so yours are not saved yet: they are below, as you "
                            "typed them. Save again to keep your version."
                        ),
                    )
                    status = 409
                else:
                    columns: dict[str, str | None] = (
                        dict.fromkeys(
                            (translation_field(n, language) for n in TEXT_FIELDS), None
                        )
                        if removing
                        else form.columns()
                    )
                    return _save_translation(request, case, language, columns, user)
            else:
                status = 400
        else:
            form = TranslationForm(initial=current, language=language)
        context = {
            "case": case,
            "form": form,
            "language": language,
            "language_name": language_name(language),
            # Each field: what the legend names it, the original text, the input.
            "original": [
                (form.legends[name], start[name], form[name]) for name in TEXT_FIELDS
            ],
            "has_translation": any(current.values()),
            "revision": revision,
            "edit_token": token,
        }
        return render(
            request, "workspace/case_translation.html", context, status=status
        )


def _save_translation(
    request: HttpRequest,
    case: CaseStudy,
    language: str,
    columns: dict[str, str | None],
    user: Any,
) -> HttpResponse:
    name = language_name(language)
    if case.is_published:
        revision = CaseRevision.propose(case=case, by=user, values=columns)
        messages.success(
            request,
            _(
                "The %(language)s translation is waiting for review. The public sees "
                "it once a reviewer approves it."
            )
            % {"language": name},
        )
        return redirect("workspace:revision_detail", pk=revision.pk)
    for column, value in columns.items():
        setattr(case, column, value)
    case.updated_by = user
    case._history_user = user
    case._change_reason = _("Translation into %(language)s") % {"language": name}
    case.save()
    messages.success(
        request, _("The %(language)s translation is saved.") % {"language": name}
    )
    return redirect("workspace:case_detail", slug=case.slug)


# --- The reviewer's queue and revisions ------------------------------------------------


@never_cache
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The submitted cases and pending revisions of the cities the user reviews."""
    cities = City.objects.reviewed_by(request.user).values("pk")
    context = {
        "reviews_a_city": cities.exists(),
        # With their sources counted, for their completeness.
        "cases": CaseStudy.objects.filter(city__in=cities, status=S.SUBMITTED)
        .with_source_count()
        .select_related("city")
        .order_by("updated_at"),
        "revisions": CaseRevision.objects.filter(
            case__city__in=cities, status=CaseRevision.Status.PENDING
        )
        .select_related("case__city", "created_by")
        .order_by("updated_at"),
        "record_changes": profiles.recent_record_changes(cities),
        "recent_days": profiles.RECENT_DAYS,
    }
    return render(request, "workspace/review_queue.html", context)


def _member_revision(request: HttpRequest, pk: int) -> CaseRevision:
    revisions = CaseRevision.objects.of_member_cities(request.user).select_related(
        "case__city", "created_by", "decided_by"
    )
    return get_object_or_404(revisions, pk=pk)


def _render_revision(
    request: HttpRequest, revision: CaseRevision, form: CommentForm, status: int = 200
) -> HttpResponse:
    context = {
        "revision": revision,
        "case": revision.case,
        "rows": diff_rows(revision.diff()),
        "can_decide": revision.status == CaseRevision.Status.PENDING
        and revision.case.can_be_reviewed_by(request.user),
        "form": form,
        "reviews": revision.reviews.select_related("reviewer"),
    }
    return render(request, "workspace/revision_detail.html", context, status=status)


@never_cache
@login_required
def revision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A revision against the published text, for the city's members and staff."""
    return _render_revision(request, _member_revision(request, pk), CommentForm())


@login_required
@require_POST
@second_factor_required
def revision_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    """Approve, send back or reject; the model checks who may, and from what state."""
    revision = _member_revision(request, pk)
    form = CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        getattr(revision, decision)(by=request.user, comment=comment)
    except (PermissionDenied, InvalidTransition) as error:
        messages.error(request, str(error))
    except ValidationError as error:
        form.add_error(None, error)
        revision = _member_revision(request, pk)
        return _render_revision(request, revision, form, status=400)
    else:
        title = revision.case.title
        messages.success(request, REVISION_DECISIONS[decision] % {"title": title})
    return redirect("workspace:revision_detail", pk=revision.pk)


# --- History and restore ------------------------------------------------------------------


def _member_case(request: HttpRequest, slug: str) -> CaseStudy:
    """A case of one of the user's cities (any city for site staff), else 404: the
    history shows drafts and who wrote what, so the public pages' rule is not enough."""
    cases = CaseStudy.objects.of_member_cities(request.user).select_related("city")
    return get_object_or_404(cases, slug=slug)


@never_cache
@login_required
def case_history(request: HttpRequest, slug: str) -> HttpResponse:
    """Each version, newest first, with what changed since the one before it."""
    case = _member_case(request, slug)
    can_restore = is_site_staff(request.user)

    def restore_url(version: Any) -> str:
        return reverse("workspace:case_restore", args=[case.slug, version.history_id])

    page, entries = version_page(
        request,
        case.history.select_related("history_user"),
        restore_url if can_restore else None,
    )
    context = {
        "case": case,
        "page": page,
        "entries": entries,
        "can_restore": can_restore,
    }
    return render(request, "workspace/case_history.html", context)


@never_cache
@login_required
@second_factor_required
def case_restore(request: HttpRequest, slug: str, history_id: int) -> HttpResponse:
    """Site staff bring back an earlier version (see CaseStudy.restore_version): a
    page that shows what the restore would change and asks to confirm (GET), then the
    restore (POST)."""
    case = _member_case(request, slug)
    version: Any = get_object_or_404(case.history, history_id=history_id)
    if not is_site_staff(request.user):
        raise PermissionDenied(_("Only the Atlas's staff restore earlier versions."))
    number = version_number(version)
    if request.method == "POST":
        case.restore_version(version, by=request.user)
        messages.success(
            request,
            _("Version %(number)d is restored, as a new version.") % {"number": number},
        )
        return redirect("workspace:case_history", slug=case.slug)
    latest = case.history.first()
    context = {
        "case": case,
        "version": version,
        "number": number,
        "rows": diff_rows(version_changes(version, latest), CaseStudy)
        if latest is not None and latest.history_id != version.history_id
        else [],
    }
    return render(request, "workspace/case_restore.html", context)
