"""The report's views of status, activities and preliminary results (insights.exports.mandate), for the template.

Figures carry their one-line definition ("report.def_<name>") and a label that agrees with the number
("report.fig_<name>_one" for exactly 1). Like insights.exports.html, it reads only the report dict.
"""
from __future__ import annotations

from content.i18n import catalog
from content.action_plan import STATUSES

QUOTE_MARKS = {"da": ("»", "«"), "en": ("“", "”")}


def label(v, name: str, value: int | None) -> str:  # noqa: ANN001 - v is html._View
    """The figure's label in the number's grammar: the _one form for exactly 1 where there is one."""
    one = f"report.fig_{name}_one"
    return v.t(one) if value == 1 and one in catalog(v.lang) else v.t(f"report.fig_{name}")


def figures(v, source: dict, names: str) -> list[dict]:  # noqa: ANN001
    """Headline figures: each named number of `source` ("key" or "key:label"), its label and definition."""
    out = []
    for item in names.split():
        key, _, name = item.partition(":")
        name = name or key
        value = source[key]
        out.append({"value": v.num(value), "label": label(v, name, value), "definition": v.t(f"report.def_{name}")})
    return out


def status(v, plan: dict | None) -> dict | None:  # noqa: ANN001
    """The action plan's items and the count of items per area and status."""
    if plan is None:
        return None
    items = [{"title": i["title"], "area": v.area(i["area"]), "owner": i["owner"],
              "status": v.t(f"report.state_{i['status']}"), "state": i["status"], "milestones": i["milestones"],
              "note": i["note"], "report_url": i["report_url"],
              "answered": v.num(i["answered"]) if i["linked"] else v.t("report.not_linked")} for i in plan["items"]]
    by_area = [{"area": v.area(a), "counts": [v.num(counts[s]) for s in STATUSES],
                "total": v.num(sum(counts.values()))} for a, counts in plan["by_area"].items()]
    goals = [{"title": g["title"], "area": v.area(g["area"]) if g["area"] else ""} for g in plan["goals"]]
    return {"rows": items, "by_area": by_area, "goals": goals, "example": plan["example"],
            "states": [v.t(f"report.state_{s}") for s in STATUSES]}


def _campaign_row(v, row: dict, name: str) -> dict:  # noqa: ANN001
    return {"name": name, "sent": v.num(row["sent"]), "reached": v.num(row["reached"]),
            "replied": v.num(row["answered"]), "share": v.pct(row["share"]),
            "hidden": row["reached"] is None}


def activities(v, acts: dict) -> dict:  # noqa: ANN001
    """Campaigns (each and by area) and the activity figures."""
    rows = [_campaign_row(v, c, c["title"].get(v.lang) or c["title"].get("da") or c["id"]) | {"prompts": v.num(c["prompts"])}
            for c in acts["campaigns"]]
    areas = [_campaign_row(v, a, v.area(a["area"])) for a in acts["campaign_areas"]]
    return {"campaigns": rows, "areas": areas,
            # Events held are the first figure of the local section that follows.
            "figures": figures(v, acts, "events_planned organiser_municipalities digests_delivered:digests"),
            "organiser_municipality_names": acts["organiser_municipality_names"],
            "organiser_label": label(v, "organiser_municipalities", acts["organiser_municipalities"]),
            "definitions": [{"label": v.t(f"report.col_{n}"), "definition": v.t(f"report.def_{n}")}
                            for n in ("sent", "reached", "replied", "answer_share")]}


def per_area(v, areas: list[dict], quotes: list[dict], findings: dict, year: int) -> list[dict]:  # noqa: ANN001
    """Each area: its finding (or the placeholder), and its consented, k-safe quotes."""
    open_q, close_q = QUOTE_MARKS.get(v.lang, QUOTE_MARKS["en"])
    out = []
    for a in areas:
        area = a["area"]
        if area not in findings:
            continue  # "andet" has no finding of its own
        f = findings[area]
        out.append({
            "name": v.area(area),
            "finding": f and {"text": f["text"], "by": v.t("report.finding_by", who=f["approved_by"],
                                                              date=v.day(f["approved_on"]))},
            "placeholder": v.t("report.finding_placeholder", year=year),
            "quotes": [{"text": " ".join(q["text"].split()), "language": q["language"], "open": open_q,
                        "close": close_q} for q in quotes if q["area"] == area],
        })
    return out
