"""Command-line commands (DESIGN §11). Exit codes: 0 success, 1 invalid input, 2 wrong usage."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from app.database import db_session
from survey.errors import DomainError, ValidationFailed


def fail(errors: list[str] | str) -> None:
    """Print every error on its own line on stderr and exit 1."""
    for line in [errors] if isinstance(errors, str) else errors:
        click.echo(line, err=True)
    sys.exit(1)


def fail_domain(error: DomainError) -> None:
    if isinstance(error, ValidationFailed):
        fail([f"{field}: {message}" for field, message in error.errors])
    fail(error.message)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "office", "viewer"]), required=True)
@click.option("--password-file", type=click.Path(dir_okay=False), help="File holding the password.")
@click.option("--unit", "unit_code", help="Unit code of a viewer who belongs to that unit.")
@with_appcontext
def create_user_command(
    username: str, role: str, password_file: str | None, unit_code: str | None
) -> None:
    """Create a user; without --password-file a random password is generated and printed."""
    from survey.accounts import create_user, generate_password

    if password_file:
        path = Path(password_file)
        if not path.is_file():
            fail(f"password file not found: {password_file}")
        password = path.read_text(encoding="utf-8").strip()
        generated = False
    else:
        password, generated = generate_password(), True
    session = db_session()
    try:
        user = create_user(session, username, role, password, actor="cli", unit_code=unit_code)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    if generated:
        click.echo(f"password: {password}")
    click.echo(user.id)


def register_cli(app: Flask) -> None:
    """Add this module's commands and those of every ``app/cli_*.py`` module (its COMMANDS)."""
    import app as package
    from app.discovery import import_submodules

    app.cli.add_command(create_user_command)
    for module in import_submodules(package.__name__, package.__path__):
        if module.__name__.rsplit(".", 1)[1].startswith("cli_"):
            for command in module.COMMANDS:
                app.cli.add_command(command)
