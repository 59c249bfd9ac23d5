"""``flask seed-demo``: the demo city (built by survey.demo), with its logins printed."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.database import db_session

LOGINS_FILE = "demo_logins.txt"


@click.command("seed-demo")
@click.option("--responses", default=20000, show_default=True, help="Synthetic responses.")
@with_appcontext
def seed_demo_command(responses: int) -> None:
    """Create the demo city once (units, users, questionnaire, waves, responses); print logins.

    The generated passwords are kept in ``instance/demo_logins.txt`` (mode 600) so that later
    runs can print them again; delete the file once you have changed them.
    """
    from survey.demo import seed_demo

    session = db_session()
    report = seed_demo(session, n_responses=responses)
    session.commit()
    logins_path = Path(current_app.instance_path) / LOGINS_FILE
    if report.created:
        click.echo(f"demo city created: {report.units} units, {report.submissions} responses")
        logins_path.parent.mkdir(parents=True, exist_ok=True)
        logins_path.write_text(
            "".join(f"login: {u} / {p} ({r})\n" for u, r, p in report.logins), encoding="utf-8"
        )
        logins_path.chmod(0o600)
    else:
        click.echo("demo city already present: nothing created")
    if logins_path.exists():
        click.echo(logins_path.read_text(encoding="utf-8").rstrip())
    click.echo(report.wave_id)


COMMANDS = [seed_demo_command]
