"""Survey administration commands (DESIGN §11): units, questionnaires, waves, invitation codes.

Exit 0 on success (the created id on the last stdout line), 1 on invalid input or a missing
file (every error on its own stderr line, with row numbers), 2 on wrong usage (click).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app.cli import fail, fail_domain, read_input
from app.database import db_session
from survey.errors import DomainError
from survey.i18n import _
from survey.import_templates import columns_help

ACTOR = "cli"


def _int_id(value: str, what: str) -> int:
    if not value.isdigit():
        fail(_("%(what)s must be a number, not %(value)s.", what=what, value=value))
    return int(value)


@click.command("import-units", epilog=columns_help("units"))
@click.argument("file")
@with_appcontext
def import_units_command(file: str) -> None:
    """Import units from a .csv or .xlsx file (all or nothing)."""
    from survey.units import import_units

    data = read_input(file)
    session = db_session()
    try:
        units = import_units(session, Path(file).name, data, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(_("%(count)s units imported.", count=len(units)))
    click.echo(len(units))


@click.command("import-questionnaire")
@click.argument("file")
@click.option("--publish", is_flag=True, help="Publish the imported version at once.")
@with_appcontext
def import_questionnaire_command(file: str, publish: bool) -> None:
    """Import an XLSForm (.xlsx) or Minyi JSON (.json) file as a new version."""
    from survey.versions import import_questionnaire

    data = read_input(file)
    session = db_session()
    try:
        version = import_questionnaire(session, Path(file).name, data, ACTOR, publish=publish)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(_("Imported %(form)s version %(version)s.", form=version.questionnaire.form_id,
                 version=version.version))
    click.echo(version.id)


@click.command("export-questionnaire")
@click.argument("version")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), required=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def export_questionnaire_command(version: str, fmt: str, out: str) -> None:
    """Write a questionnaire version as Minyi JSON or XLSForm."""
    from survey.versions import export_version, get_version

    session = db_session()
    try:
        content, _name, _mime = export_version(get_version(session, _int_id(version, "VERSION")), fmt)
    except DomainError as error:
        fail_domain(error)
    Path(out).write_bytes(content)
    click.echo(out)


@click.command("create-wave", epilog=columns_help("margins"))
@click.option("--questionnaire", "version", required=True, help="Published version id.")
@click.option("--period", required=True, help="2026-Q4, 2026-11 or 2026.")
@click.option("--opens", required=True, help="ISO date-time (Asia/Shanghai without offset).")
@click.option("--closes", required=True, help="ISO date-time (Asia/Shanghai without offset).")
@click.option("--access", type=click.Choice(["open", "invitation"]), required=True)
@click.option("--units", default="all", show_default=True, help="all, or CODE,CODE,...")
@click.option("--margins", type=click.Path(dir_okay=False),
              help="Population margins file (.csv or .xlsx; columns below).")
@click.option("--name", default="", help="Wave name (default: period and title).")
@with_appcontext
def create_wave_command(version: str, period: str, opens: str, closes: str, access: str,
                        units: str, margins: str | None, name: str) -> None:
    """Create a draft wave (with its population margins when given)."""
    from survey.margins import upload_margins
    from survey.waves import WaveInput, create_wave

    margins_data = read_input(margins) if margins else None
    codes = None if units.strip().lower() == "all" else units.split(",")
    session = db_session()
    try:
        wave = create_wave(session, WaveInput(name=name, period=period, version_id=version,
                                              opens=opens, closes=closes, access=access,
                                              units=codes), ACTOR)
        warnings = []
        if margins and margins_data is not None:
            warnings = upload_margins(session, wave, Path(margins).name, margins_data, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    for warning in warnings:
        click.echo(_("Warning: %(text)s", text=warning), err=True)
    click.echo(wave.id)


def _transition(wave_id: str, opening: bool) -> None:
    from survey.waves import close_wave, get_wave, open_wave

    session = db_session()
    try:
        wave = get_wave(session, _int_id(wave_id, "WAVE"))
        (open_wave if opening else close_wave)(session, wave, ACTOR)
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    click.echo(_("Wave %(name)s is open.", name=wave.name) if opening
               else _("Wave %(name)s is closed.", name=wave.name))
    click.echo(wave.id)


@click.command("open-wave")
@click.argument("wave")
@with_appcontext
def open_wave_command(wave: str) -> None:
    """Open a draft wave."""
    _transition(wave, opening=True)


@click.command("close-wave")
@click.argument("wave")
@with_appcontext
def close_wave_command(wave: str) -> None:
    """Close an open wave."""
    _transition(wave, opening=False)


def code_link_template() -> str:
    """The survey's code link with a ``{code}`` placeholder (absolute when a base URL is known)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + "/s/code/{code}"


@click.command("issue-codes")
@click.argument("wave")
@click.option("--count", type=int, required=True)
@click.option("--stratum", default=None, help="A district unit code or a stratum cell.")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@with_appcontext
def issue_codes_command(wave: str, count: int, stratum: str | None, out: str) -> None:
    """Issue invitation codes; the plain codes are written only to the CSV file."""
    from survey.invitations import codes_csv, issue_codes
    from survey.waves import get_wave

    session = db_session()
    try:
        row = get_wave(session, _int_id(wave, "WAVE"))
        issued = issue_codes(session, row, count, stratum, current_app.config["SECRET_KEY"], ACTOR)
        Path(out).write_text(codes_csv(row, issued, code_link_template()), encoding="utf-8")
        session.commit()
    except DomainError as error:
        session.rollback()
        fail_domain(error)
    except OSError as error:
        session.rollback()
        fail(_("Cannot write %(file)s: %(reason)s", file=out, reason=error.strerror))
    click.echo(_("%(count)s codes written to %(file)s.", count=len(issued), file=out))
    click.echo(row.id)


@click.command("write-template")
@click.argument("kind", type=click.Choice(["units", "margins", "interviews", "components"]))
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="FILE.csv or FILE.xlsx (the format follows the extension).")
@click.option("--wave", "wave_id", default=None, help="The wave (margins and interviews).")
@with_appcontext
def write_template_command(kind: str, out: str, wave_id: str | None) -> None:
    """Write the filled-in example file of an upload (see each import command's --help)."""
    from survey import import_templates as t
    from survey.waves import get_wave

    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in t.FORMATS:
        raise click.UsageError("--out must end in .csv or .xlsx")
    session = db_session()
    if kind in ("margins", "interviews"):
        if wave_id is None:
            raise click.UsageError(f"{kind} templates need --wave")
        try:
            wave = get_wave(session, _int_id(wave_id, "WAVE"))
        except DomainError as error:
            fail_domain(error)
        template = (t.margins_template if kind == "margins" else t.interviews_template)(session, wave)
    else:
        template = t.units_template() if kind == "units" else t.components_template(session)
    try:
        Path(out).write_bytes(template.content(fmt)[0])
    except OSError as error:
        fail(_("Cannot write %(file)s: %(reason)s", file=out, reason=error.strerror))
    click.echo(out)


COMMANDS = [
    import_units_command,
    import_questionnaire_command,
    export_questionnaire_command,
    create_wave_command,
    open_wave_command,
    close_wave_command,
    issue_codes_command,
    write_template_command,
]
