"""The check-in chapter as plain lines (the CLI) and as a self-contained HTML fragment (the annual report).

Both put the sample's figure beside the national one with the same words every time: a self-selected
sample, not a prevalence; the standardisation's weights are named, and said to be unverified while they are.
"""
from __future__ import annotations

from html import escape

WORDS = {
    "da": {
        "lang": "da",
        "title": "Check-in: tegn på svær ensomhed (T-ILS 7–9)",
        "share": "Andel med en score på 7–9", "people": "personer", "interval": "95 %-interval (Wilson)",
        "standardised": "Standardiseret til befolkningen efter aldersgruppe",
        "weights_unverified": "Befolkningstallene bag standardiseringen er IKKE efterprøvet "
                              "(content/population.toml).",
        "labels_unverified": "De danske svarkategorier er ikke efterprøvet mod Sundhedsprofilens spørgeskema.",
        "reference": "Til sammenligning: Den Nationale Sundhedsprofil {year}: {share} af voksne (16+).",
        "paired": "Samme personer, første og seneste check-in",
        "lower": "lavere score", "same": "samme score", "higher": "højere score", "mean": "gennemsnitlig ændring",
        "by_age_band": "Efter aldersgruppe", "by_region": "Efter region", "by_month": "Efter måned",
        "suppressed": "færre end {k} – vises ikke", "held_back": "under {k} med 7–9 – vises ikke",
        "none": "Ingen check-ins at vise i perioden (eller færre end {k} personer).",
    },
    "en": {
        "lang": "en",
        "title": "Check-in: signs of severe loneliness (T-ILS 7–9)",
        "share": "Share with a score of 7–9", "people": "people", "interval": "95 % interval (Wilson)",
        "standardised": "Standardised to the population by age band",
        "weights_unverified": "The population figures behind the standardisation are NOT verified "
                              "(content/population.toml).",
        "labels_unverified": "The Danish answer labels are not verified against the national health profile's "
                             "questionnaire.",
        "reference": "For comparison: the national health profile {year}: {share} of adults (16+).",
        "paired": "The same people, first and latest check-in",
        "lower": "lower score", "same": "same score", "higher": "higher score", "mean": "mean change",
        "by_age_band": "By age band", "by_region": "By region", "by_month": "By month",
        "suppressed": "fewer than {k} – not shown", "held_back": "under {k} with 7–9 – not shown",
        "none": "No check-ins to show for the period (or fewer than {k} people).",
    },
}


def _pct(value: float | None, lang: str = "da") -> str:
    if value is None:
        return "–"
    text = f"{100 * value:.1f} %"
    return text.replace(".", ",") if lang == "da" else text


def _cell_line(cell: dict, w: dict, k: int) -> str:
    if cell.get("suppressed"):
        return w["suppressed"].format(k=k)
    if cell.get("high") is None:
        return f"{cell['people']} {w['people']}; " + w["held_back"].format(k=k)
    low, high = cell["ci95"]
    pct = lambda v: _pct(v, w["lang"])  # noqa: E731
    return f"{pct(cell['share'])} ({cell['high']}/{cell['people']} {w['people']}; {w['interval']} {pct(low)}–{pct(high)})"


def _caveats(data: dict, w: dict, lang: str) -> list[str]:
    lines = [data["note"][lang]]
    std = data["overall"].get("standardised")
    if std and not std["weights_verified"]:
        lines.append(w["weights_unverified"])
    if not data["scale"]["danish_labels_verified"]:
        lines.append(w["labels_unverified"])
    return lines


def _summary(data: dict, w: dict, k: int) -> list[str]:
    """The headline lines: the share, standardised, the national figure beside it, the paired change."""
    ref, overall, paired = data["reference"], data["overall"], data["paired"]
    out = []
    if overall.get("suppressed"):
        out.append(w["none"].format(k=k))
    else:
        out.append(f"{w['share']}: {_cell_line(overall, w, k)}")
        std = overall.get("standardised")
        if std:
            low, high = (_pct(v, w["lang"]) for v in std["ci95"])
            out.append(f"{w['standardised']}: {_pct(std['share'], w['lang'])} ({low}–{high}; "
                       f"{', '.join(std['bands_used'])})")
    out.append(w["reference"].format(year=ref["year"], share=_pct(ref["share"], w["lang"])))
    if not paired.get("suppressed"):
        parts = [f"{paired[key]} {w[word]}" for key, word in (("lower_score", "lower"), ("same_score", "same"),
                                                                ("higher_score", "higher")) if paired[key] is not None]
        out.append(f"{w['paired']} ({paired['people']} {w['people']}): {', '.join(parts)}; "
                   f"{w['mean']} {paired['mean_change']:+.1f}")
    return out


def chapter_text(data: dict, lang: str = "da") -> list[str]:
    """The chapter as lines for a terminal."""
    w, k = WORDS[lang], data["disclosure"]["k"]
    out = [w["title"] + f" · {data['period']['first_day']} – {data['period']['last_day']}", ""]
    out += _summary(data, w, k)
    for dim in ("by_age_band", "by_region", "by_month"):
        if data[dim]:
            out += ["", w[dim] + ":"] + [f"  {name}: {_cell_line(cell, w, k)}" for name, cell in data[dim].items()]
    return out + [""] + _caveats(data, w, lang)


def chapter_html(data: dict, lang: str = "da", *, level: int = 2) -> str:
    """The chapter as an HTML fragment (a <section>, no scripts, no outside resources) for the report;
    `level`: its heading's (3 inside the report's results chapter)."""
    w, k = WORDS[lang], data["disclosure"]["k"]
    parts = [f'<section class="checkins" id="checkins"><h{level}>{escape(w["title"])}</h{level}>']
    parts += [f"<p>{escape(line)}</p>" for line in _summary(data, w, k)]
    for dim in ("by_age_band", "by_region", "by_month"):
        if not data[dim]:
            continue
        rows = "".join(f'<tr><th scope="row">{escape(name)}</th><td>{escape(_cell_line(cell, w, k))}</td></tr>'
                       for name, cell in data[dim].items())
        parts.append(f"<table><caption>{escape(w[dim])}</caption>{rows}</table>")
    parts += [f'<p class="caveat">{escape(line)}</p>' for line in _caveats(data, w, lang)]
    return "".join(parts) + "</section>"
