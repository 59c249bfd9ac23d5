"""``flask seed-demo``: the demo city (implemented in survey.demo)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.database import db_session


@click.command("seed-demo")
@click.option("--responses", default=20000, show_default=True, help="Synthetic responses.")
@with_appcontext
def seed_demo_command(responses: int) -> None:
    """Create the demo city once: units, users, a published questionnaire, a wave, responses."""
    from survey.demo import seed_demo

    session = db_session()
    report = seed_demo(session, n_responses=responses)
    session.commit()
    if report.created:
        click.echo(f"demo city created: {report.units} units, {report.submissions} responses")
        for username, role, password in report.logins:
            click.echo(f"login: {username} / {password} ({role})")
    else:
        click.echo("demo city already present: nothing created")
    click.echo(report.wave_id)
