"""Evaluation runs: the config form, background runs with progress, results, publication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from app.database import db_session, this_app
from app.ids import db_id
from app.office import bp
from app.office._jobs import Work, failure_words, start_job
from app.office.margin_names import margin_namer
from app.office.results_table import table_context
from app.office.words import job_stage
from survey.db import utcnow
from survey.errors import DomainError, ValidationFailed
from survey.jobs import get_job, job_state
from survey.models import EvaluationRun, JobStatus, Role, RunStatus, Wave

#: The years an annual run may name (``?year=``); others are no page.
MIN_YEAR, MAX_YEAR = 2000, 2999


def can_write() -> bool:
    return bool(current_user.is_authenticated and current_user.role in (Role.OFFICE, Role.ADMIN))


def require_write() -> None:
    if not can_write():
        abort(403)


def viewer_unit() -> str | None:
    """The unit code a viewer is bound to (they see only its aggregates), else None."""
    if current_user.role == Role.VIEWER and current_user.unit_id is not None:
        return current_user.unit.code
    return None


def load_run(run_id: int) -> EvaluationRun:
    run = db_session().get(EvaluationRun, run_id)
    if run is None:
        abort(404)
    if viewer_unit() is not None and run.status == RunStatus.DRAFT:
        abort(403)  # unit viewers see published results only
    return run


def domain_error_page(error: DomainError) -> tuple[str, int]:
    db_session().rollback()
    return render_template("error.html", code=error.status, message=error.message), error.status


def _form_context(kind: str, target: Any, settings_values: dict[str, Any], items: list[tuple[str, float]],
                  errors: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    from survey.evaluation.settings import EXCLUDABLE_FLAGS

    return {"kind": kind, "target": target, "values": settings_values, "items": items,
            "errors": dict(errors or []), "excludable": EXCLUDABLE_FLAGS}


def _target() -> tuple[str, Any, list[tuple[str, float]]]:
    """What to evaluate (from query or form): a wave, a year or a rolling month."""
    from survey.evaluation.inputs import load_definition

    args = request.values
    if args.get("wave"):
        wave_id = db_id(args.get("wave"))
        wave = db_session().get(Wave, wave_id) if wave_id else None
        if wave is None:
            abort(404)
        definition = load_definition(db_session(), wave.questionnaire_version_id)
        return "quarterly", wave, [(i.name, i.weight) for i in definition.scored_items]
    year = args.get("year", type=int)
    if year:
        if not MIN_YEAR <= year <= MAX_YEAR:
            abort(404)
        return "annual", year, []
    if args.get("month"):
        return "monthly", args.get("month"), []
    abort(404)


@bp.route("/runs/new", methods=["GET", "POST"])
def new_run() -> Any:
    """Config form with the DESIGN §7 defaults; POST starts the run."""
    from analysis import ScoringConfig
    from survey.evaluation.settings import settings_from_form

    require_write()
    kind, target, items = _target()
    defaults = ScoringConfig.for_period(kind).to_dict()
    if request.method == "GET":
        values = {**defaults, **{f"weight_{n}": w for n, w in items}}
        return render_template("office/run_new.html", **_form_context(kind, target, values, items))
    form: dict[str, Any] = request.form.to_dict()
    form["excluding_flags"] = request.form.getlist("excluding_flags")
    try:
        settings = settings_from_form(form, [n for n, _w in items], kind)
    except ValidationFailed as error:
        values = {**form, "excluding_flags": form["excluding_flags"], "raking": "raking" in form}
        return render_template("office/run_new.html",
                               **_form_context(kind, target, values, items, error.errors)), 422
    actor = current_user.username
    job_id = start_job(this_app(), actor, str(getattr(target, "name", target)),
                       _work(kind, target, settings, actor), _form_args(kind, target))
    return redirect(url_for("office.job", job_id=job_id), 303)


def _form_args(kind: str, target: Any) -> dict[str, Any]:
    """The query of the run form, to start the run again from the job's page."""
    if kind == "quarterly":
        return {"wave": target.id}
    return {"year": int(target)} if kind == "annual" else {"month": str(target)}


def _work(kind: str, target: Any, settings: Any, actor: str) -> Work:
    from survey.evaluation.periods import evaluate_rolling_run, evaluate_year_run
    from survey.evaluation.runs import evaluate_wave_run

    wave_id = target.id if isinstance(target, Wave) else None

    def work(session: Session, progress: Callable[[str, float], None]) -> int:
        if kind == "quarterly":
            assert wave_id is not None
            return evaluate_wave_run(session, wave_id, settings, actor, progress).id
        if kind == "annual":
            return evaluate_year_run(session, int(target), settings, actor).id
        return evaluate_rolling_run(session, str(target), settings, actor).id

    return work


def _own_job(job_id: str) -> Any:
    found = get_job(db_session(), job_id)
    if found is None or found.owner != current_user.username:
        abort(404)
    return found


@bp.get("/jobs/<job_id>")
def job(job_id: str) -> Any:
    """Progress of a background run, read from the database (any worker answers); its script
    follows the job (without JavaScript the page refreshes itself), goes to the run when done,
    explains a failure."""
    found = _own_job(job_id)
    state = job_state(found, utcnow())
    if state.status == JobStatus.DONE:
        if state.run_id is None:  # the draft run was deleted since
            abort(404)
        return redirect(url_for("office.run_detail", run_id=state.run_id), 303)
    failure = None
    if state.status == JobStatus.FAILED:
        namer = margin_namer(db_session(), db_id((found.form_args or {}).get("wave")))
        failure = failure_words(state.error, namer)
    return render_template("office/job.html", job=found, state=state, failure=failure,
                           again=url_for("office.new_run", **(found.form_args or {})))


@bp.get("/jobs/<job_id>/status")
def job_status(job_id: str) -> Response:
    """The job's state for its page's script: stage in words, progress, where to go next."""
    found = _own_job(job_id)
    state = job_state(found, utcnow())
    following = None
    if state.status == JobStatus.DONE:
        following = (url_for("office.run_detail", run_id=state.run_id) if state.run_id
                     else url_for("office.dashboard"))
    elif state.status == JobStatus.FAILED:
        following = url_for("office.job", job_id=found.id)
    response = jsonify(status=state.status.value, stage=job_stage(state.stage),
                       fraction=round(state.fraction, 3), percent=round(100 * state.fraction),
                       next=following)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/runs/<dbid:run_id>")
def run_detail(run_id: int) -> str:
    """Results of a run: table per peer group, verdicts and decisions, sensitivity, charts."""
    return render_run(load_run(run_id))


def render_run(run: EvaluationRun, typed: dict[str, Any] | None = None) -> str:
    """The run page; ``typed`` keeps a rejected decision form's input and its errors."""
    from survey.evaluation.decisions import SCOPE_WORDS, STATUS_WORDS, pending_placements
    from survey.evaluation.padding import PaddingFinding
    from survey.evaluation.report import (
        SORTABLE,
        flags_used,
        grouped_rows,
        sensitivity,
        visible_rows,
    )
    from survey.evaluation.runs import list_runs, rounded_diff

    unit = viewer_unit()
    sort = request.args.get("sort", "social_rank")
    descending = request.args.get("dir") == "desc"
    published = [r for r in list_runs(db_session(), run.period, published_only=True)
                 if r.kind == run.kind and r.id != run.id]
    rows = visible_rows(run, unit)
    return render_template(
        "office/run.html", run=run, groups=grouped_rows(run, unit, sort, descending),
        sensitivity=sensitivity(run, unit), legend=flags_used(rows),
        sort=sort, descending=descending, sortable=SORTABLE, can_write=can_write(),
        unit=unit, supersedable=published, pending=pending_placements(run) if unit is None else [],
        decided=[(r, scope, (r.decisions or {})[scope]) for r in sorted(rows, key=lambda r: (r.peer_group, r.unit_code))
                 for scope in ("social", "total") if (r.decisions or {}).get(scope)],
        consec=[r for r in rows if (r.extra or {}).get("consec_bottom")],
        status_words={k: _(v) for k, v in STATUS_WORDS.items()},
        diff=rounded_diff((run.summary or {}).get("diff") or []),
        padding=[PaddingFinding(**f) for f in ((run.summary or {}).get("padding") or {}).get("findings", [])],
        scope_words={k: _(v) for k, v in SCOPE_WORDS.items()}, typed=typed or {},
        **table_context(db_session(), run, rows))


@bp.post("/runs/<dbid:run_id>/publish")
def publish(run_id: int) -> Any:
    from survey.evaluation.runs import publish_run

    require_write()
    load_run(run_id)
    try:
        publish_run(db_session(), run_id, current_user.username, request.form.get("reason") or None)
    except DomainError as error:
        return domain_error_page(error)
    flash(_("Run %(id)s is published and frozen.", id=run_id), "success")
    return redirect(url_for("office.run_detail", run_id=run_id), 303)


@bp.post("/runs/<dbid:run_id>/supersede")
def supersede(run_id: int) -> Any:
    """Publish draft ``run_id`` in place of the published run chosen in the form."""
    from survey.evaluation.runs import supersede_run

    require_write()
    load_run(run_id)
    old_id = db_id(request.form.get("old")) or 0
    try:
        supersede_run(db_session(), old_id, run_id, request.form.get("reason", ""), current_user.username)
    except DomainError as error:
        return domain_error_page(error)
    flash(_("Run %(new)s supersedes run %(old)s.", new=run_id, old=old_id), "success")
    return redirect(url_for("office.run_detail", run_id=run_id), 303)


@bp.post("/runs/<dbid:run_id>/delete")
def delete(run_id: int) -> Any:
    from survey.evaluation.runs import delete_run

    require_write()
    load_run(run_id)
    try:
        delete_run(db_session(), run_id, current_user.username)
    except DomainError as error:
        return domain_error_page(error)
    flash(_("Draft run %(id)s deleted.", id=run_id), "success")
    return redirect(url_for("office.dashboard"), 303)


@bp.get("/runs/<dbid:run_id>/export.<fmt>")
def export(run_id: int, fmt: str) -> Response:
    """The DESIGN §8 export of a run (office and admin; not unit-bound viewers)."""
    from survey.evaluation.exports import FORMATS, MEDIA_TYPES, export_run

    run = load_run(run_id)
    if fmt not in FORMATS:
        abort(404)
    if viewer_unit() is not None:
        abort(403)
    response = Response(export_run(run, fmt), mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="minyi-run-{run.id}-{run.period}.{fmt}"'
    return response


@bp.get("/runs/<dbid:run_id>/charts/<name>.<fmt>")
def chart(run_id: int, name: str, fmt: str) -> Response:
    """Ranked SI, funnel, trend or distribution chart as PNG or SVG."""
    from survey.evaluation.charts import CHARTS, FORMATS, render_chart

    run = load_run(run_id)
    if name not in CHARTS or fmt not in FORMATS:
        abort(404)
    try:
        data = render_chart(db_session(), run, name, fmt, viewer_unit())
    except DomainError:
        abort(404)
    response = Response(data, mimetype="image/png" if fmt == "png" else "image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
