"""``flask --app app reseal-wave WAVE``: rewrite a closed wave's participation records together
(survey.privacy; docs/privacy.md says when and why)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli import fail_domain
from app.database import db_session
from survey.errors import DomainError


@click.command("reseal-wave")
@click.argument("wave_id", type=int)
@with_appcontext
def reseal_wave_command(wave_id: int) -> None:
    """Rewrite the wave's used invitations and device lists in one transaction."""
    from survey.privacy import checkpoint_sqlite, distinct_writers, reseal_wave

    session = db_session()
    try:
        done = reseal_wave(session, wave_id, actor="cli")
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    checkpoint_sqlite(session)
    session.commit()
    click.echo(f"wave {done.wave_id}: {done.invitations} used invitations and "
               f"{done.device_lists} device lists rewritten together")
    writers = distinct_writers(session, wave_id)
    if writers is not None:
        click.echo(f"transactions behind the used invitations: {writers}")


COMMANDS = [reseal_wave_command]
