"""Public results (公示): published runs by period and peer group, each unit's trend, as pages,
PNG charts and JSON for open data. No login.

Addresses (documented in docs/public-results.md): ``/results`` (the latest period and the list
of periods), ``/results/<period>``, ``/results/unit/<code>``, each also as JSON by appending
``.json``; ``/results/run/<id>`` goes to a published run's period or, for a corrected run, says
so. Anonymous responses carry an ETag derived from the publication state (see
:func:`survey.evaluation.public_results.publication_key`), the language and the address, and
are answered 304 on a matching ``If-None-Match`` without being built again.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from flask import Response, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from app.authz import signed_in
from app.database import db_session
from app.i18n import current_language
from app.public.views import bp
from survey.evaluation import public_results as results
from survey.evaluation.storage import code_version

#: Quarter (2026-Q4) or year (2026): anything else is not a period.
PERIOD = re.compile(r"\d{4}(-Q[1-4])?")
#: Charts of a peer group on a period's page.
GROUP_CHARTS = ("ranking", "trend")
#: Seconds a browser or proxy may reuse a public response before asking again (with its ETag).
MAX_AGE = 300
#: Responses built for visitors, kept per worker under their ETag (which names everything they
#: depend on, so an entry is never stale): a page or a chart is built once per publication.
CACHE_SIZE = 64
_built: OrderedDict[str, tuple[bytes, str | None]] = OrderedDict()
_built_lock = threading.Lock()


@bp.app_template_filter("listing")
def listing(items: list[str]) -> str:
    """Items joined as the request's language writes a list ("a, b, and c", "a、b和c")."""
    from babel.lists import format_list
    from flask_babel import get_locale

    return format_list(list(items), locale=get_locale()) if items else ""


@bp.app_template_global()
def chart_url(endpoint: str, **values: Any) -> str:
    """The address of a chart on this page, in the page's language also when it was chosen by
    ``?lang=`` rather than by the cookie."""
    if request.args.get("lang"):
        values["lang"] = request.args["lang"]
    return url_for(endpoint, **values)


def _sponsor() -> str:
    from app.office.report import sponsor

    return sponsor()


def _etag() -> str:
    """This address's version: the publication state, the language, the large-text setting (a
    cookie the page's body class follows), the address (with the host the JSON's links name),
    the sponsor named and the code."""
    key = results.publication_key(db_session())
    text = (f"{key}|{current_language()}|{request.cookies.get('minyi_large') == '1'}|"
            f"{request.host_url}{request.full_path}|{_sponsor()}|{code_version()}")
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def cached(build: Callable[[], BaseResponse | str]) -> BaseResponse:
    """Answer with ``build()`` under an ETag, or 304 when the client already has this version.

    Signed-in staff see the page with their own navigation: theirs is never cached."""
    if signed_in():
        response = _response(build())
        response.headers["Cache-Control"] = "private, no-store"
        return response
    etag = _etag()
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = _from_cache(etag, build)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.vary.add("Cookie")  # the language is chosen by cookie
    return response


def _from_cache(etag: str, build: Callable[[], BaseResponse | str]) -> BaseResponse:
    with _built_lock:
        hit = _built.get(etag)
        if hit is not None:
            _built.move_to_end(etag)
    if hit is not None:
        return Response(hit[0], mimetype=hit[1])
    response = _response(build())
    if response.status_code == 200:
        with _built_lock:
            _built[etag] = (response.get_data(), response.mimetype)
            while len(_built) > CACHE_SIZE:
                _built.popitem(last=False)
    return response


def _response(value: BaseResponse | str) -> BaseResponse:
    return value if isinstance(value, BaseResponse) else Response(value, mimetype="text/html")


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, allow_nan=False), mimetype="application/json")


def _period_or_404(period: str) -> results.PeriodResults:
    if not PERIOD.fullmatch(period):
        abort(404)
    found = results.period_results(db_session(), period, current_language(), _sponsor())
    if found is None:
        abort(404)
    return found


def _period_links(period: str) -> dict[str, str]:
    return {"page": url_for("public.results_period", period=period, _external=True),
            "json": url_for("public.results_period_json", period=period, _external=True)}


def _period_json(found: results.PeriodResults) -> dict[str, Any]:
    data = results.as_json(found)
    data["language"] = current_language()
    data["links"] = _period_links(found.period)
    if found.correction is not None:
        data["correction"]["corrects_url"] = url_for(
            "public.results_run", run_id=found.correction.corrects_run_id, _external=True)
    for group in data["groups"]:
        for row in group["rows"]:
            row["unit_url"] = url_for("public.results_unit", code=row["unit_code"], _external=True)
    return data


def _history_count(kind: str, periods: list[results.PublishedPeriod]) -> int:
    return sum(1 for p in periods if p.kind == kind)


def _render_period(found: results.PeriodResults | None, periods: list[results.PublishedPeriod],
                   template: str) -> str:
    return render_template(template, found=found, periods=periods,
                           trend_periods=_history_count(found.kind, periods) if found else 0,
                           charts=GROUP_CHARTS)


@bp.get("/results")
def results_index() -> BaseResponse:
    """The latest published period (quarters first) and the list of every published period."""
    def build() -> str:
        periods = results.published_periods(db_session())
        found = None
        if periods:
            found = results.period_results(db_session(), periods[0].period, current_language(), _sponsor())
        return _render_period(found, periods, "public/results.html")

    return cached(build)


@bp.get("/results.json")
def results_index_json() -> BaseResponse:
    """Open data: every published period with the addresses of its page and its JSON."""
    def build() -> Response:
        periods = results.published_periods(db_session())
        return _json({"language": current_language(), "periods": [
            {**results.as_json(p), **_period_links(p.period)} for p in periods]})

    return cached(build)


@bp.get("/results/<period>")
def results_period(period: str) -> BaseResponse:
    """One published period: the ranking of each peer group, the method and the disclosure."""
    def build() -> str:
        found = _period_or_404(period)
        return _render_period(found, results.published_periods(db_session()), "public/results_period.html")

    return cached(build)


@bp.get("/results/<period>.json")
def results_period_json(period: str) -> BaseResponse:
    """Open data: the numbers of the period's page at full precision."""
    return cached(lambda: _json(_period_json(_period_or_404(period))))


@bp.get("/results/<period>/<group>/<chart>.png")
def results_chart(period: str, group: str, chart: str) -> BaseResponse:
    """A peer group's ranking (SI with intervals) or trend (small multiples) as PNG."""
    from survey.evaluation.charts import chart_figure

    if chart not in GROUP_CHARTS or not PERIOD.fullmatch(period):
        abort(404)
    run = results.published_run(db_session(), period)
    if run is None or all(r.peer_group != group for r in run.results):
        abort(404)
    name = "ranked" if chart == "ranking" else "trend"
    return _png(lambda: chart_figure(db_session(), run, name, peer_group=group, lang=current_language()))


@bp.get("/results/unit/<code>")
def results_unit(code: str) -> BaseResponse:
    """A unit's results in every published period, with its trend."""
    def build() -> str:
        found = results.unit_results(db_session(), code, current_language())
        if found is None:
            abort(404)
        return render_template("public/results_unit.html", unit=found)

    return cached(build)


@bp.get("/results/unit/<code>.json")
def results_unit_json(code: str) -> BaseResponse:
    def build() -> Response:
        found = results.unit_results(db_session(), code, current_language())
        if found is None:
            abort(404)
        data = results.as_json(found)
        data["language"] = current_language()
        data["links"] = {"page": url_for("public.results_unit", code=code, _external=True)}
        return _json(data)

    return cached(build)


@bp.get("/results/unit/<code>/trend.png")
def results_unit_chart(code: str) -> BaseResponse:
    from survey.evaluation.charts import unit_trend_figure

    if results.unit_results(db_session(), code, current_language()) is None:
        abort(404)
    return _png(lambda: unit_trend_figure(db_session(), code, current_language()))


@bp.get("/results/run/<dbid:run_id>")
def results_run(run_id: int) -> BaseResponse:
    """A run by its number: a published one is its period's page; a corrected one says so,
    links to its correction and gives the reason; drafts do not exist here."""
    period = results.public_run_period(db_session(), run_id)
    if period is not None:
        return redirect(url_for("public.results_period", period=period), 303)

    def build() -> str:
        notice = results.superseded_notice(db_session(), run_id)
        if notice is None:
            abort(404)
        current = results.published_run(db_session(), notice.period)
        return render_template("public/results_corrected.html", notice=notice,
                               current=current.period if current else None)

    return cached(build)


def _png(figure: Callable[[], Any]) -> BaseResponse:
    """A chart as PNG under the caching rules of :func:`cached` (drawn once per version)."""
    from analysis.charts import figure_png

    return cached(lambda: Response(figure_png(figure()), mimetype="image/png"))
