"""Office commands for runs (DESIGN §11): runs list, supersede, delete-draft, report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from app.cli import fail, fail_domain
from app.database import db_session
from survey.errors import DomainError
from survey.models import EvaluationResult, RunStatus

if TYPE_CHECKING:
    from survey.models import EvaluationRun

ACTOR = "cli"


@click.group("runs")
def runs_group() -> None:
    """Evaluation runs."""


@runs_group.command("list")
@click.option("--period", help="Only the runs of this period (e.g. 2026-Q4, 2026).")
@with_appcontext
def list_command(period: str | None) -> None:
    """One line per run, newest first: id, period, kind, status, created, units, undecided
    provisional placements (drafts); the last line is the count."""
    from survey.evaluation.runs import list_runs

    session = db_session()
    runs = list_runs(session, period=period)
    units = dict(session.execute(
        select(EvaluationResult.run_id, func.count()).where(
            EvaluationResult.run_id.in_([r.id for r in runs])).group_by(EvaluationResult.run_id)
    ).tuples().all()) if runs else {}
    for run in runs:
        click.echo(_run_line(run, int(units.get(run.id, 0))))
    click.echo(len(runs))


def _run_line(run: EvaluationRun, units: int) -> str:
    from survey.evaluation.decisions import pending_placements

    created = run.created_at.strftime("%Y-%m-%d %H:%M") if run.created_at else "—"
    undecided = f"{len(pending_placements(run))} undecided" if run.status == RunStatus.DRAFT else "—"
    return "\t".join([str(run.id), run.period, run.kind, run.status.value, created, f"{units} units",
                      undecided])


@click.command("supersede")
@click.argument("run_id", type=int)
@click.option("--with", "new_id", type=int, required=True, help="The draft run that corrects it.")
@click.option("--reason", required=True, help="Why the published run is corrected.")
@with_appcontext
def supersede_command(run_id: int, new_id: int, reason: str) -> None:
    """Publish draft NEW in place of published RUN and print the per-unit diff (rounded)."""
    from survey.evaluation.runs import rounded_diff, supersede_run

    session = db_session()
    try:
        new = supersede_run(session, run_id, new_id, reason, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    diff = rounded_diff(list((new.summary or {}).get("diff", [])))
    click.echo(f"run {new_id} supersedes run {run_id} ({new.period}): {len(diff)} changes")
    for change in diff:
        field = change["field"]
        click.echo(f"{change['unit_code']} {field}: {_shown(field, change['old'])} → "
                   f"{_shown(field, change['new'])}")
    click.echo(new_id)


def _shown(field: str, value: Any) -> str:
    """A diff value as people read it: rounded numbers with their decimals, — for nothing."""
    from survey.evaluation.runs import DIFF_DECIMALS

    if value is None or value == "":
        return "—"
    if isinstance(value, float) and field in DIFF_DECIMALS:
        return f"{value:.{DIFF_DECIMALS[field]}f}"
    return str(value)


@click.command("delete-draft")
@click.argument("run_id", type=int)
@with_appcontext
def delete_draft_command(run_id: int) -> None:
    """Delete a draft run; published and superseded runs are refused."""
    from survey.evaluation.runs import delete_run

    session = db_session()
    try:
        delete_run(session, run_id, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"run {run_id} deleted")
    click.echo(run_id)


@click.command("report")
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["pdf", "docx"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--issuer", help="Issuing office (default: the configured office name).")
@click.option("--number", help="Document number, e.g. 市考办〔2026〕12号 (default: none).")
@click.option("--date", "day", help="Date of issue, YYYY-MM-DD (default: today).")
@click.option("--recipients", help="Recipients (主送), e.g. 各区人民政府，市政府各部门 (default: the "
                                   "configured recipients).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the document.")
@with_appcontext
def report_command(run_id: int, fmt: str, out: str, issuer: str | None, number: str | None,
                   day: str | None, recipients: str | None, lang: str) -> None:
    """Write the 通报 (the notice the office page serves) as an editable Word document or a PDF;
    the last line is the path."""
    from flask_babel import force_locale

    from app.office.report import default_heading
    from survey.evaluation.report_docx import report_docx
    from survey.evaluation.report_model import build_notice, parse_heading
    from survey.evaluation.report_pdf import report_pdf
    from survey.evaluation.runs import get_run

    session = db_session()
    try:
        run = get_run(session, run_id)
    except DomainError as error:
        fail_domain(error)
    locale = "en" if lang == "en" else "zh_CN"
    with force_locale(locale):
        defaults = default_heading()
    heading, errors = parse_heading({"issuer": issuer, "number": number, "date": day,
                                     "recipients": recipients}, defaults)
    if errors:
        fail([f"--{field}: {message}" for field, message in errors])
    with force_locale(locale):
        notice = build_notice(session, run, heading, None, lang)
        data = report_docx(notice) if fmt == "docx" else report_pdf(notice)
    try:
        Path(out).write_bytes(data)
    except OSError as error:
        fail(f"{out}: {error.strerror or error}")
    click.echo(out)


COMMANDS = [runs_group, supersede_command, delete_draft_command, report_command]
