"""``import-submissions`` and ``export-responses`` (DESIGN §11)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli import fail_domain, read_input
from app.database import db_session
from survey.errors import DomainError
from survey.i18n import _
from survey.import_templates import columns_help


@click.command("import-submissions", epilog=columns_help("interviews"))
@click.argument("wave_id", type=int)
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def import_submissions_command(wave_id: int, file: str) -> None:
    """Import CATI / paper / kiosk interviews (.csv or .xlsx); any bad row imports nothing."""
    from survey.interviews import import_interviews

    data = read_input(file)
    session = db_session()
    try:
        report = import_interviews(session, wave_id, Path(file).name, data,
                                   secret=current_app.config["SECRET_KEY"], actor="cli")
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(_("%(imported)s interviews imported (%(rows)s rows); %(skipped)s interviews were "
                 "already in this wave and were skipped.", imported=report.imported,
                 rows=report.rows, skipped=report.skipped))
    click.echo(report.imported)


@click.command("export-responses")
@click.argument("wave_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--run", "run_id", type=int, default=None,
              help="Add each response's final weight in this run of the wave (column final_weight).")
@with_appcontext
def export_responses_command(wave_id: int, fmt: str, out: str, run_id: int | None) -> None:
    """Export a wave's raw responses, one row per (response, rated unit).

    With --run, a last column final_weight holds each response's final weight in that run
    (recomputed from the run's settings; refused if the run is of another wave or the wave's
    responses changed since the run); empty for a response the run did not weight.
    """
    from survey.responses_export import write_export

    target = Path(out)
    # written beside the target and renamed when complete: a failed export leaves no partial file
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.name}.", delete=False) as part:
        try:
            rows = write_export(db_session(), wave_id, fmt, part, run_id)
        except BaseException as error:
            part.close()
            Path(part.name).unlink()
            if isinstance(error, DomainError):
                fail_domain(error)
            raise
    Path(part.name).replace(target)
    click.echo(_("%(rows)s rows exported.", rows=rows))
    click.echo(out)


COMMANDS = [import_submissions_command, export_responses_command]
