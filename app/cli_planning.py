"""Sample-size planning (DESIGN §7 (i)): ``flask --app app plan-sample WAVE``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from app.cli import fail_domain
from app.database import db_session
from survey.errors import DomainError


def _n(value: int | None) -> str:
    return "—" if value is None else str(value)


@click.command("plan-sample")
@click.argument("wave_id", type=int)
@click.option("--half-width", type=float, help="CI half-width in points (default: the run's WIDE_CI).")
@click.option("--detect", type=float, help="Points below the group median a unit should be caught at.")
@click.option("--power", type=float, help="Chance that such a unit gets a final 较差 (e.g. 0.8).")
@click.option("--max-n", "n_max", type=int, help="Budget of valid ratings per unit (default 5000).")
@with_appcontext
def plan_sample_command(wave_id: int, half_width: float | None, detect: float | None,
                        power: float | None, n_max: int | None) -> None:
    """Print the valid ratings and interviews each unit of a wave needs; last line: the total."""
    from survey.planning import plan_wave

    if (detect is None) != (power is None):
        raise click.UsageError("give --detect and --power together")
    session = db_session()
    try:
        plan = plan_wave(session, wave_id, half_width=half_width, detect=detect, power=power,
                         n_max=n_max)
    except DomainError as error:
        fail_domain(error)
    finally:
        session.rollback()
    click.echo(f"wave {plan.wave_id} {plan.wave_name}")
    click.echo(f"inputs: {plan.source.describe()}")
    click.echo(f"half-width {plan.half_width:g} points at {plan.level:.0%}; n_min {plan.n_min}; "
               f"budget {plan.n_max} valid ratings per unit")
    if plan.detect is not None:
        click.echo(f"power: a unit {plan.detect:g} points below its group median should get a "
                   f"final 较差 with probability {plan.power:.2f}")
    for group in plan.groups:
        p = group.inputs
        click.echo("")
        click.echo(f"peer group {group.code} {group.name}: N = {p.n_units}, s = {p.s:.1f} "
                   f"(slope {p.s_slope:+.2f} per point), deff {p.deff:.2f}, tau {p.tau:.1f}, "
                   f"median {p.median:.1f}, lost {p.lost:.1%}"
                   + (f"; assumed: {', '.join(group.assumed)}" if group.assumed else ""))
        if group.power_plan is not None:
            click.echo(f"  {group.power_plan.message}")
        click.echo("unit\tname\tcurrent n\tn half-width\tn power\tplanned n\tinterviews")
        for u in group.units:
            n_power = (_n(u.n_power) if u.separable is not False
                       else f"cannot be separated within {plan.n_max}")
            interviews = str(u.interviews)
            if u.rated_share is not None:
                interviews += f" (rated by {u.rated_share:.0%})"
            if u.separable is not False and not u.within_budget:
                interviews += f" (over the budget of {plan.n_max})"
            click.echo(f"{u.code}\t{u.name}\t{_n(u.current_n)}\t{_n(u.n_half_width)}\t{n_power}\t"
                       f"{u.n_plan}\t{interviews}")
    click.echo("")
    bound = " (at least: departments' share of raters unknown)" if plan.total_is_lower_bound else ""
    click.echo(f"total interviews: {plan.total_interviews}{bound}")
    click.echo(plan.total_interviews)


COMMANDS = [plan_sample_command]
