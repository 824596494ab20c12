"""The annual report as one self-contained HTML file (Danish, or English with lang="en").

`render_report(report, lang)` turns the numbers of insights.exports.report.build_report — all of them
already k-anonymous — into the page: Jinja2 template and CSS from content/report/, charts inline as
SVG (insights.exports.charts), strings from content/locales/<lang>/facilitator.toml. It reads only the
report dict, so it cannot show anything the suppression did not let through.
"""
from __future__ import annotations

from datetime import date, datetime
from functools import partial
from importlib.resources import files

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from insights.exports import charts
from insights.checkin_render import chapter_html
from insights.exports import html_mandate as mandate
from insights.exports.html_mandate import figures as _figures
from insights.exports.writers import local_time
from insights.digest import UNKNOWN
from insights.render import _category_name
from content.i18n import t as translate
from engines.themes import area_name




def _env() -> Environment:
    folder = files("content") / "report"
    return Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(["html", "j2"]),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


class _View:
    """Formatting in the reader's language: numbers, shares, dates, names; None is the suppressed mark."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.t = partial(translate, lang)
        self.hidden = self.t("digest.hidden")

    def num(self, value: int | None) -> str:
        return self.hidden if value is None else format_decimal(value, locale=self.lang)

    def pct(self, share: float | None) -> str:
        return self.hidden if share is None else format_percent(share, format="#,##0.0 %", locale=self.lang)

    def day(self, value: date | str) -> str:
        d = date.fromisoformat(value) if isinstance(value, str) else value
        return format_date(d, "long", locale=self.lang)

    def month(self, first_day: str, with_year: bool) -> str:
        return format_date(date.fromisoformat(first_day), "MMM yyyy" if with_year else "MMMM", locale=self.lang)

    def area(self, area: str) -> str:
        return area_name(area, self.lang)

    def region(self, key: str) -> str:
        return self.t("digest.unknown") if key == UNKNOWN else key

    def span(self, period: dict) -> str:
        """A period's id ("2026-Q1"), or its first and last day when it is a span of days."""
        if period["kind"] != "span":
            return period["id"]
        return f"{self.day(period['first_day'])} – {self.day(period['last_day'])}"


def _breakdown(v: _View, digest: dict, dim: str, heading_key: str, chart_name: str) -> dict:
    cats = digest["breakdowns"][dim]["categories"]
    rows = []
    for c in cats:
        rows.append({"name": _category_name(dim, c["key"], v.lang), "hidden": c["suppressed"],
                     "participants": v.num(c.get("participants")), "reflections": v.num(c.get("reflections"))})
    heading = v.t(heading_key)
    chart = None
    if dim != "language" and any(not c["suppressed"] for c in cats):
        labels = [r["name"] for r in rows]
        chart = Markup(charts.bars(chart_name, heading, labels, [c.get("participants") for c in cats],
                                   number=v.num))
    return {"heading": heading, "col": v.t(f"report.col_{dim}"), "rows": rows, "chart": chart,
            "caption": v.t("report.breakdown_caption")}


def render_report(report: dict, lang: str = "da", *, consent_version: str = "1", version: str = "") -> str:
    v = _View(lang)
    d, local, months = report["digest"], report["local"], report["months"]
    totals, period, k = d["totals"], report["period"], report["k"]
    short = [format_date(date.fromisoformat(m["first_day"]), "MMM", locale=lang).rstrip(".") for m in months]
    chart_months = _months_chart(v, months, short)
    areas, chart_areas = _areas(v, d["areas"], months, short)
    local_figures, local_regions, chart_events = _local(v, local, months, short)
    m = report["mandate"]
    year = date.fromisoformat(period["first_day"]).year
    provisional = v.t("report.provisional_note", date=v.day(local_time(datetime.fromisoformat(report["generated_at"])).date())) \
        if m["provisional"] else ""

    css = (files("content") / "report" / "report.css").read_text(encoding="utf-8")
    generated = datetime.fromisoformat(report["generated_at"])
    return _env().get_template("report.html.j2").render(
        lang=lang, t=v.t, css=Markup(css), version=version, k=k,
        period={"label": v.span(period), "first": v.day(period["first_day"]), "last": v.day(period["last_day"])},
        generated=v.day(local_time(generated).date()),
        generated_at=local_time(generated).strftime("%Y-%m-%d %H:%M"),
        key_figures=_key_figures(v, totals, local), totals={"participants": v.num(totals["participants"]),
                                                           "reflections": v.num(totals["reflections"])},
        months=_month_rows(v, months),
        breakdowns=[_breakdown(v, d, "region", "digest.region_heading", "regions"),
                    _breakdown(v, d, "age_band", "digest.age_band_heading", "ages"),
                    _breakdown(v, d, "language", "digest.language_heading", "languages")],
        charts={"months": chart_months, "areas": chart_areas, "events": chart_events},
        areas=areas, previous_label=v.span(d["previous_period"]),
        terms=_terms(v, d["emerging_terms"], report["baseline"]), baseline=report["baseline"],
        has_change=any(a.get("change") for a in d["areas"]), provisional=provisional, year=year,
        status=mandate.status(v, m["status"]), activities=mandate.activities(v, m["activities"]),
        per_area=mandate.per_area(v, d["areas"], d["quotes"], m["findings"], year),
        local_figures=local_figures, local_regions=local_regions,
        municipality_names=local["municipality_names"],
        municipalities_heading=v.t("report.municipalities_heading_one") if local["municipalities"] == 1 else
        v.t("report.municipalities_heading", count=v.num(local["municipalities"])),
        method=_method(v, consent_version, k, d["lexicon_version"]), lexicon=d["lexicon_version"],
        digest_key=d["digest_key"],
        checkins=_checkins(report.get("checkins"), lang),
    )


def _key_figures(v: _View, totals: dict, local: dict) -> list[dict]:
    return (_figures(v, totals, "participants reflections new_participants:new")
            + _figures(v, local, "events signup_people:signups municipalities"))


def _month_rows(v: _View, months: list[dict]) -> list[dict]:
    several_years = len({m["first_day"][:4] for m in months}) > 1
    return [{"label": v.month(m["first_day"], several_years), "reflections": v.num(m["reflections"]),
             "participants": v.num(m["participants"]), "new": v.num(m["new_participants"])} for m in months]


def _checkins(data: dict | None, lang: str) -> Markup | None:
    """The check-in section of the results chapter; with fewer than k people its cells say they are held back
    (shown even then: whether anyone at all checked in is itself a count)."""
    if not data:
        return None
    return Markup(chapter_html(data, lang if lang in ("da", "en") else "da", level=3))


def _months_chart(v: _View, months: list[dict], short: list[str]) -> Markup | None:
    t = v.t
    return Markup(charts.grouped_bars(
        "months", t("report.months_caption"), short,
        {t("report.col_reflections"): [m["reflections"] for m in months],
         t("report.col_participants"): [m["participants"] for m in months]}, number=v.num)) if months else None


def _areas(v: _View, digest_areas: list[dict], months: list[dict],
           short: list[str]) -> tuple[list[dict], Markup | None]:
    """The areas' table, and the chart of each shown area's share by month."""
    lang = v.lang
    areas = []
    for a in digest_areas:
        change = a.get("change")
        areas.append({
            "name": v.area(a["area"]), "hidden": a["suppressed"],
            "reflections": v.num(a.get("reflections")), "participants": v.num(a.get("participants")),
            "share": v.pct(a.get("share")),
            "change": v.hidden if not change else format_decimal(change["share_points"], format="+#,##0.0;−#,##0.0",
                                                                   locale=lang) + " pp",
        })
    area_ids = [a["area"] for a in digest_areas]
    shown_series = {v.area(a): [m["areas"].get(a) for m in months] for a in area_ids
                    if any(m["areas"].get(a) is not None for m in months)}
    chart = Markup(charts.lines("areas", v.t("report.areas_caption"), short, shown_series,
                                percent=lambda y: format_percent(y, format="#,##0 %", locale=lang))) \
        if shown_series and months else None
    return areas, chart


def _terms(v: _View, emerging_terms: list[dict], baseline: bool) -> list[dict]:
    """The words: compared with the period before only when it has a baseline (else no word is "new")."""
    t = v.t
    if not baseline:
        return [{"term": term["term"], "line": t("report.term_line_plain", people=v.num(term["participants"]))}
                for term in emerging_terms]
    return [{"term": term["term"],
             "line": t("report.term_line", people=v.num(term["participants"]),
                       before=t("digest.term_new") if term["new"] else
                       t("digest.term_before", count=v.num(term["previous_participants"])))}
            for term in emerging_terms]


def _local(v: _View, local: dict, months: list[dict], short: list[str]) -> tuple[list[dict], list[dict], Markup | None]:
    """Local events: the figures, the table by region, and the chart of events by month."""
    t = v.t
    local_figures = _figures(v, local, "events municipalities online signup_people:signups signup_seats:seats "
                                       "waitlist_people:waitlist events_with_waitlist:events_waitlist cancelled")
    local_regions = [{"name": v.region(g), "events": v.num(n),
                      "signups": v.num(local["signups_by_region"].get(g)),
                      "hidden": local["signups_by_region"].get(g) is None}
                     for g, n in local["events_by_region"].items()]
    by_month = local["events_by_month"]
    chart = None
    if by_month and months:
        keys = [m["first_day"][:7] for m in months]
        chart = Markup(charts.bars("events", t("report.events_caption"), short,
                                   [by_month.get(key, 0) for key in keys], horizontal=False,
                                   colour=charts.PALETTE[2], number=v.num))
    return local_figures, local_regions, chart


def _method(v: _View, consent_version: str, k: int, lexicon_version: str) -> list[dict]:
    """The method notes, each with its first words as a run-in head where the text has one."""
    t = v.t
    method = []
    for text in (t("report.method_consent", version=consent_version), t("report.method_age"),
                 t("report.method_scrub"), t("report.method_crisis"), t("report.method_k", k=k),
                 t("report.method_quotes"), t("report.method_themes", lexicon=lexicon_version),
                 t("report.method_language"), t("report.method_events", k=k), t("report.method_time")):
        lead, dot, rest = text.partition(". ")  # "Samtykke. Intet af det…": the first word as a run-in head
        method.append({"lead": lead + dot.strip(), "text": rest} if rest and len(lead) < 30 else
                      {"lead": "", "text": text})
    return method
