"""Office commands (DESIGN §11): evaluate, export-run, verify-run, import-components, tokens."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import with_appcontext

from app.cli import fail, fail_domain, read_input
from app.database import db_session
from survey.errors import DomainError, ValidationFailed
from survey.import_templates import columns_help

if TYPE_CHECKING:
    from survey.evaluation.settings import RunSettings

ACTOR = "cli"


@click.command("evaluate")
@click.option("--wave", "wave_id", type=int, help="Wave id (a quarter).")
@click.option("--year", type=int, help="Year: the annual run over its published quarters.")
@click.option("--month", help="YYYY-MM: a rolling 3-month analysis ending that month (never published).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="Run settings JSON.")
@click.option("--publish", is_flag=True, help="Publish (freeze) the run at once.")
@click.option("--reason", help="Reason for publishing; required with --publish.")
@with_appcontext
def evaluate_command(wave_id: int | None, year: int | None, month: str | None,
                     config_file: str | None, publish: bool, reason: str | None) -> None:
    """Evaluate a wave (or a year, or a rolling month) and print the new run id."""
    from survey.evaluation.periods import evaluate_rolling_run, evaluate_year_run
    from survey.evaluation.runs import evaluate_wave_run, publish_run
    from survey.evaluation.settings import RunSettings

    if sum(x is not None for x in (wave_id, year, month)) != 1:
        raise click.UsageError("give exactly one of --wave, --year or --month")
    if publish and not (reason or "").strip():
        raise click.UsageError("--publish needs --reason")
    kind = "annual" if year is not None else "quarterly"
    settings = _settings_from_file(config_file, kind) if config_file else RunSettings.for_period(kind)
    session = db_session()
    try:
        if wave_id is not None:
            run = evaluate_wave_run(session, wave_id, settings, ACTOR)
        elif year is not None:
            run = evaluate_year_run(session, year, settings, ACTOR)
        else:
            run = evaluate_rolling_run(session, str(month), settings, ACTOR)
        if publish:
            publish_run(session, run.id, ACTOR, reason=reason)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"run {run.id}: {run.period} ({run.kind}), {len(run.results)} units, {run.status.value}")
    click.echo(run.id)


def _settings_from_file(config_file: str, kind: str) -> RunSettings:
    """Run settings from a ``--config`` JSON file, before any work is done.

    Every problem (each unknown key, wrong type and invalid value, e.g.
    ``scoring.methd: unknown scoring config key``) goes on its own line of standard error and
    the command exits 1.
    """
    from survey.evaluation.settings import RunSettings

    path = Path(config_file)
    if not path.is_file():
        fail(f"config file not found: {config_file}")
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        fail(f"{config_file}: not valid JSON: {error}")
    try:
        return RunSettings.from_dict(data, kind)
    except ValidationFailed as error:
        fail([f"{field}: {message}" for field, message in error.errors])


@click.command("export-run")
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export_run_command(run_id: int, fmt: str, out: str) -> None:
    """Write a run's results (DESIGN §8 columns) to a file."""
    from survey.evaluation.exports import export_run
    from survey.evaluation.runs import get_run

    try:
        run = get_run(db_session(), run_id)
    except DomainError as error:
        fail_domain(error)
    Path(out).write_bytes(export_run(run, fmt))
    click.echo(out)


@click.command("verify-run")
@click.argument("run_id", type=int)
@with_appcontext
def verify_run_command(run_id: int) -> None:
    """Recompute a run from the stored data; exit 0 when identical, 1 when different.

    The differences and the verdict go to standard output; the verdict says, when it can, whether
    the responses or only the component scores changed since the run.
    """
    from survey.evaluation.verify import cause, verify_run

    session = db_session()
    try:
        report = verify_run(session, run_id)
    except DomainError as error:
        fail_domain(error)
    finally:
        session.rollback()
    if report.identical:
        click.echo(f"run {run_id}: identical ({report.fields_compared} fields compared)")
        return
    for difference in report.differences:
        click.echo(str(difference))
    why = cause(report)
    click.echo(f"run {run_id}: different ({len(report.differences)} of {report.fields_compared} "
               f"fields)" + (f": {why}" if why else ""))
    sys.exit(1)


@click.command("import-components", epilog=columns_help("components"))
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_components_command(file: str) -> None:
    """Import base / differential / bonus scores (CSV or XLSX); nothing is imported on any error."""
    from survey.evaluation.components import import_components

    data = read_input(file)
    session = db_session()
    try:
        rows = import_components(session, Path(file).name, data, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"{len(rows)} component rows imported")
    click.echo(len(rows))


@click.command("create-api-token")
@click.argument("name")
@click.option("--user", "username", required=True, help="Owner of the token.")
@with_appcontext
def create_api_token_command(name: str, username: str) -> None:
    """Create a read-only results API token; the token is printed once, only its hash is kept."""
    from survey.evaluation.tokens import create_token

    session = db_session()
    try:
        token, secret = create_token(session, name, username, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"token: {secret}")
    click.echo(token.id)


COMMANDS = [evaluate_command, export_run_command, verify_run_command, import_components_command,
            create_api_token_command]
