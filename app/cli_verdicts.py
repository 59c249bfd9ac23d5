"""Office commands for verdicts (DESIGN §7e, §11): list undecided placements, decide one, publish."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli import fail_domain
from app.database import db_session
from survey.errors import DomainError

ACTOR = "cli"


@click.command("pending")
@click.argument("run_id", type=int)
@with_appcontext
def pending_command(run_id: int) -> None:
    """List the provisional placements of a run the office has not decided (one per line)."""
    from survey.evaluation.decisions import pending_placements
    from survey.evaluation.runs import get_run

    try:
        run = get_run(db_session(), run_id)
    except DomainError as error:
        fail_domain(error)
    pending = pending_placements(run)
    for p in pending:
        click.echo(f"{p.unit_code}\t{p.scope}\t{p.tier}\t{p.unit_name}")
    click.echo(len(pending))


@click.command("decide")
@click.argument("run_id", type=int)
@click.option("--unit", "unit_code", required=True, help="Unit code.")
@click.option("--scope", type=click.Choice(["social", "total"]), required=True,
              help="The social tier or the comprehensive (total) tier.")
@click.option("--confirm", "decision", flag_value="confirm", help="Keep the 优秀 / 较差 placement.")
@click.option("--clear", "decision", flag_value="clear", help="Clear it (优秀 → 良好, 较差 → 一般).")
@click.option("--reason", required=True, help="Why; shown beside the placement and audited.")
@with_appcontext
def decide_command(run_id: int, unit_code: str, scope: str, decision: str | None, reason: str) -> None:
    """Confirm or clear a provisional placement of a draft run, with a reason."""
    from survey.evaluation.decisions import decide_placement

    if decision is None:
        raise click.UsageError("give --confirm or --clear")
    session = db_session()
    try:
        row = decide_placement(session, run_id, unit_code, scope, decision, reason, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"run {run_id}: {unit_code} {scope} tier {getattr(row, f'{scope}_tier')} "
               f"({getattr(row, f'{scope}_tier_status')})")
    click.echo(run_id)


@click.command("publish")
@click.argument("run_id", type=int)
@click.option("--reason", help="Optional note recorded with the publication.")
@with_appcontext
def publish_command(run_id: int, reason: str | None) -> None:
    """Publish (freeze) a draft run; refused while a provisional placement is undecided."""
    from survey.evaluation.runs import publish_run

    session = db_session()
    try:
        run = publish_run(session, run_id, ACTOR, reason=reason)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(f"run {run_id}: {run.period} ({run.kind}) published")
    click.echo(run_id)


COMMANDS = [pending_command, decide_command, publish_command]
