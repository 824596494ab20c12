"""The Markdown rendering of a digest (Danish by default), from the digest dict alone.

It reads only the published digest, so it can show nothing the JSON does not: suppressed cells
are shown as "–".
"""
from __future__ import annotations

from datetime import date

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from content.i18n import t
from engines.themes import OTHER, load_lexicon


def _num(value: int | None, lang: str) -> str:
    return t(lang, "digest.hidden") if value is None else format_decimal(value, locale=lang)


def _pct(share: float, lang: str) -> str:
    return format_percent(share, format="#,##0.0 %", locale=lang)


def _signed(value: float, lang: str, suffix: str = "") -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return f"{sign}{format_decimal(abs(value), locale=lang)}{suffix}"


def _language_name(code: str, lang: str) -> str:
    if code == "andre":
        return t(lang, "digest.other_languages")
    if code == "ukendt":
        return t(lang, "digest.unknown")
    try:
        return Locale.parse(lang).languages.get(code, code)
    except (UnknownLocaleError, ValueError):
        return code


def _category_name(dim: str, key: str, lang: str) -> str:
    if key == "ukendt":
        return t(lang, "digest.unknown")
    if dim == "age_band":
        return t(lang, f"age.{key}")
    if dim == "language":
        return _language_name(key, lang)
    return key


def _area_name(area: str, lang: str) -> str:
    if area == OTHER:
        return t(lang, "digest.other_area")
    category = load_lexicon().categories.get(area)
    return category.name(lang) if category else area


_MD_SPECIAL = str.maketrans({c: f"\\{c}" for c in "\\`*_[]<>#|"})


def _escape(text: str) -> str:
    """Citizens' words are shown as text, never as Markdown or HTML."""
    return " ".join(text.split()).translate(_MD_SPECIAL)


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    out += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return out


def render_markdown(digest: dict, lang: str = "da") -> str:
    period, previous = digest["period"], digest["previous_period"]
    first = format_date(date.fromisoformat(period["first_day"]), "long", locale=lang)
    last = format_date(date.fromisoformat(period["last_day"]), "long", locale=lang)
    lines = [f"# {t(lang, 'digest.title', period=period['id'])}", "",
             t(lang, "digest.period_line", first=first, last=last, previous=previous["id"]), "",
             f"_{t(lang, 'digest.k_note', k=digest['k_anonymity'])}_", ""]
    totals = digest["totals"]
    lines += [f"## {t(lang, 'digest.totals_heading')}", ""]
    for name in ("reflections", "participants", "new_participants", "events", "signups"):
        value = t(lang, "digest.unavailable") if name in totals["unavailable"] else _num(totals[name], lang)
        lines.append(f"- {t(lang, f'digest.{name}')}: {value}")
    lines.append("")
    if totals["reflections"] is None:
        lines += [t(lang, "digest.too_few"), ""]
    else:
        lines += [f"## {t(lang, 'digest.areas_heading')}", ""]
        rows = []
        for a in digest["areas"]:
            if a["suppressed"]:
                rows.append([_area_name(a["area"], lang)] + [t(lang, "digest.hidden")] * 4)
                continue
            change = a.get("change")
            shown_change = t(lang, "digest.hidden") if not change else (
                f"{_signed(change['reflections'], lang)} ({_signed(change['share_points'], lang, ' pp')})")
            rows.append([_area_name(a["area"], lang), _num(a["reflections"], lang), _num(a["participants"], lang),
                         _pct(a["share"], lang), shown_change])
        lines += _table([t(lang, "digest.col_area"), t(lang, "digest.col_count"), t(lang, "digest.col_people"),
                         t(lang, "digest.col_share"), t(lang, "digest.col_change")], rows)
        lines.append("")
        areas = [a["area"] for a in digest["areas"]]
        for dim, data in digest["breakdowns"].items():
            lines += [f"## {t(lang, f'digest.{dim}_heading')}", ""]
            header = [t(lang, "digest.col_key"), t(lang, "digest.col_count")] + [_area_name(a, lang) for a in areas]
            rows = []
            for i, cat in enumerate(data["categories"]):
                row = [_category_name(dim, cat["key"], lang), _num(cat.get("reflections"), lang)]
                row += [_num(data["by_area"][a][i].get("reflections"), lang) for a in areas]
                rows.append(row)
            lines += _table(header, rows)
            lines.append("")
        lines += [f"## {t(lang, 'digest.terms_heading')}", ""]
        if not digest["emerging_terms"]:
            lines.append(t(lang, "digest.terms_none"))
        for term in digest["emerging_terms"]:
            before = t(lang, "digest.term_new") if term["new"] else t(
                lang, "digest.term_before", count=_num(term["previous_participants"], lang))
            lines.append("- " + t(lang, "digest.term_line", term=_escape(term["term"]),
                                  people=_num(term["participants"], lang), before=before))
        lines += ["", f"## {t(lang, 'digest.quotes_heading')}", ""]
        if not digest["quotes"]:
            lines.append(t(lang, "digest.quotes_none"))
        for q in digest["quotes"]:
            text = _escape(q["text"])
            lines.append("> " + t(lang, "digest.quote_line", text=text, area=_area_name(q["area"], lang),
                                  language=_language_name(q["language"], lang), id=q["reflection_id"]))
            lines.append("")
    lines += ["", "---", t(lang, "digest.footer", lexicon=digest["lexicon_version"], digest_key=digest["digest_key"]), ""]
    return "\n".join(lines)
