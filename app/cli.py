"""Command-line commands (DESIGN §11). Exit codes: 0 success, 1 invalid input, 2 wrong usage.

Commands speak the administrator's language: ``MINYI_LANG`` (``zh`` or ``en``), else the POSIX
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: ``zh_CN.UTF-8`` gives Chinese); English otherwise.
Every command runs inside :func:`flask_babel.force_locale` of that language, so the messages of
the domain layer and of the commands come from the same catalogs as the web pages.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo, with_appcontext
from flask_babel import force_locale

from app.database import db_session
from survey.errors import DomainError, ValidationFailed
from survey.i18n import _

#: Environment variables that choose the language of command output, strongest first.
LANGUAGE_VARIABLES = ("MINYI_LANG", "LC_ALL", "LC_MESSAGES", "LANG")


def cli_locale(environ: Mapping[str, str] | None = None) -> str:
    """``zh_CN`` or ``en``: the first of :data:`LANGUAGE_VARIABLES` that is set decides."""
    env = os.environ if environ is None else environ
    for name in LANGUAGE_VARIABLES:
        value = env.get(name, "").strip().lower()
        if value:
            return "zh_CN" if value.startswith("zh") else "en"
    return "en"


def _in_cli_language(callback: Callable[..., Any]) -> Callable[..., Any]:
    """``callback`` run in the application context and in the language of :func:`cli_locale`."""
    if getattr(callback, "minyi_cli_language", False):
        return callback

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        if current_app:
            with force_locale(cli_locale()):
                return callback(*args, **kwargs)
        app = click.get_current_context().ensure_object(ScriptInfo).load_app()
        with app.app_context(), force_locale(cli_locale()):
            return callback(*args, **kwargs)

    run.minyi_cli_language = True  # type: ignore[attr-defined]
    return run


def speak_cli_language(command: click.Command) -> click.Command:
    """Run ``command`` (and a group's subcommands) in the administrator's language."""
    if command.callback is not None:
        command.callback = _in_cli_language(command.callback)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            speak_cli_language(sub)
    return command


def read_input(path: str) -> bytes:
    """The bytes of an input file, or exit 1 saying it was not found."""
    file = Path(path)
    if not file.is_file():
        fail(_("File not found: %(file)s", file=path))
    return file.read_bytes()


def fail(errors: list[str] | str) -> NoReturn:
    """Print every error on its own line on stderr and exit 1."""
    for line in [errors] if isinstance(errors, str) else errors:
        click.echo(line, err=True)
    sys.exit(1)


def fail_domain(error: DomainError) -> NoReturn:
    if isinstance(error, ValidationFailed):
        fail([f"{field}: {message}" for field, message in error.errors])
    fail(error.message)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "office", "viewer", "unit"]), required=True)
@click.option("--password-file", type=click.Path(dir_okay=False), help="File holding the password.")
@click.option("--unit", "unit_code", help="Unit code of a viewer who belongs to that unit.")
@click.option("--units", "unit_codes", default="", help="CODE,CODE,...: the units of a unit user.")
@with_appcontext
def create_user_command(
    username: str, role: str, password_file: str | None, unit_code: str | None, unit_codes: str
) -> None:
    """Create a user; without --password-file a random password is generated and printed."""
    from survey.accounts import create_user, generate_password

    if password_file:
        path = Path(password_file)
        if not path.is_file():
            fail(_("Password file not found: %(file)s", file=password_file))
        password = path.read_text(encoding="utf-8").strip()
        generated = False
    else:
        password, generated = generate_password(), True
    session = db_session()
    try:
        user = create_user(session, username, role, password, actor="cli", unit_code=unit_code,
                           unit_codes=unit_codes.split(","))
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

    app.cli.add_command(speak_cli_language(create_user_command))
    for module in import_submodules(package.__name__, package.__path__):
        if module.__name__.rsplit(".", 1)[1].startswith("cli_"):
            for command in module.COMMANDS:
                app.cli.add_command(speak_cli_language(command))
