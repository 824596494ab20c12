"""`samtale digest`, `samtale classify` and `samtale themes`: insights for facilitators.

    samtale digest [--period 2026-W48] [--sink NAME]… [--dry-run] [--format md|json] [--force]
    samtale classify [FILE] [--lexicon FILE] [--chosen da|en] [--hint CODE]
    samtale classify --about
    samtale themes reclassify [--batch N]
    samtale themes evaluate [TSV]… [--lexicon FILE]
    samtale themes train   (bot/cli/models.py)
"""
from __future__ import annotations

import asyncio
import json
import sys
import time

import click

# One way to open the database for every CLI command: migrated, or a clear message.
from bot.cli.common import CONFIG, cli_actor
from bot.cli.common import open_db as _open
from bot.cli.models import data_option, train_model
from storage.clock import system_clock


@click.command("digest")
@click.option("--period", "period_id", default=None,
              help="2026-W48 (ISO week), 2026-11, 2026-Q4 or 2026; default: last complete week.")
@click.option("--sink", "sinks", multiple=True, help="Only this sink (repeatable); default: all configured.")
@click.option("--dry-run", is_flag=True, help="Print the digest; send nothing (the run is still logged).")
@click.option("--format", "fmt", type=click.Choice(["md", "json"]), default="md", help="What --dry-run prints.")
@click.option("--force", is_flag=True, help="Send even to sinks that already have this exact digest.")
@CONFIG
def digest(period_id: str | None, sinks: tuple[str, ...], dry_run: bool, fmt: str, force: bool,
           config: str | None) -> None:
    """Build a k-anonymous digest for a period and send it to the knowledge base."""

    from bot.config import ConfigError
    from bot.knowledge_base.sinks import FAILED, build_sinks, deliver, log_dry_run
    from insights.digest import build_digest, digest_bytes
    from insights.periods import last_complete_week, parse_period
    from insights.render import render_markdown

    now = system_clock()
    try:
        period = parse_period(period_id) if period_id else last_complete_week(now)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    settings, engine, sessions = _open(config)
    ins = settings.insights
    who = cli_actor()
    try:
        targets = [] if dry_run else build_sinks(ins, only=list(sinks) or None)
        if not dry_run and not targets:
            raise click.ClickException("no sinks configured: add [[insights.sinks]] to the config, "
                                       "or use --dry-run to see the digest")
        with sessions() as session:
            built = build_digest(session, period, k=ins.k, quotes_per_area=ins.quotes_per_area,
                                 terms=ins.emerging_terms, now=now)
        if dry_run:
            log_dry_run(sessions, built, who)
            out = digest_bytes(built).decode() if fmt == "json" else render_markdown(built)
            click.echo(out, nl=False)
            return
        outcomes = asyncio.run(deliver(sessions, built, targets, requested_by=who, force=force))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    for o in outcomes:
        detail = f" ({o.error})" if o.error else ""
        click.echo(f"{built['digest_id']} → {o.sink} [{o.target}]: {o.status}, {o.attempts} attempt(s){detail}")
    if any(o.status == FAILED for o in outcomes):
        raise SystemExit(1)


@click.command("classify")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False),
              help="A lexicon to try instead of the packaged content/themes.toml.")
@click.option("--chosen", default=None, help="The writer's chosen language (da, en).")
@click.option("--hint", default=None, help="The platform's locale hint (e.g. en-GB).")
@click.option("--about", is_flag=True,
              help="Print each safety content file's version, reviewed_by and reviewed_on; classify nothing.")
def classify(file, lexicon: str | None, chosen: str | None, hint: str | None, about: bool) -> None:
    """Classify texts (one per line; stdin without FILE) and print one JSON object per text.

    Reads nothing from and writes nothing to the database.
    """
    if about:
        from content.safety_review import safety_reviews
        try:
            reviews = safety_reviews()
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        for review in reviews:
            click.echo(json.dumps(review.as_dict(), ensure_ascii=False))
        return
    from engines.langid import explain_language
    from engines.themes import LexiconError, load_lexicon
    from engines.themes_model import decide

    try:
        lex = load_lexicon(lexicon)
    except LexiconError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        from engines.scrub import scrub
    except ImportError:  # the safety feature is not installed in this tree
        scrub = None
    try:
        from engines.crisis import assess
    except ImportError:
        assess = None
    for line in file:
        text = line.rstrip("\n")
        if not text.strip():
            continue
        stored = scrub(text) if scrub else text
        guess = explain_language(text, chosen, hint)
        c = lex.classify(stored)
        # The lexicon's own areas beside the decision (the lexicon's areas ranked, or the model's when sure).
        out = {"text": text, "language": guess.language, "language_reason": guess.reason, **c.as_dict(),
               "lexicon_areas": list(c.areas), **decide(stored, c).as_dict()}
        if scrub:
            out["scrubbed"] = stored
        if assess:
            tier = assess(text)
            out["crisis"] = tier.tier == 1  # tier 1: the fixed crisis reply
            out["crisis_tier"] = int(tier.tier)
            if tier.probability is not None:
                out["crisis_tier2_probability"] = round(tier.probability, 3)
        click.echo(json.dumps(out, ensure_ascii=False))


@click.group("themes")
def themes() -> None:
    """Theme lexicons: reclassify stored reflections, evaluate against a labelled set."""


@themes.command("reclassify")
@click.option("--batch", default=5000, show_default=True, type=click.IntRange(100, 100_000))
@CONFIG
def reclassify(batch: int, config: str | None) -> None:
    """Give every stored reflection the areas of the current content/themes.toml."""
    from insights.reclassify import reclassify_all

    _settings, engine, sessions = _open(config)
    started = time.perf_counter()
    try:
        seen, changed = reclassify_all(sessions, batch=batch)
    finally:
        engine.dispose()
    took = time.perf_counter() - started
    click.echo(f"reclassified {seen:,} reflections, {changed:,} changed, in {took:.1f} s")


@themes.command("evaluate")
@click.argument("tsv", nargs=-1, type=click.Path(exists=True, dir_okay=False))
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False))
def evaluate_cmd(tsv: tuple[str, ...], lexicon: str | None) -> None:
    """Accuracy on labelled TSVs (default tests/data/themes_labelled.tsv and, when present, the blind set
    tests/data/themes_blind.tsv, reported apart): the lexicon's exact area sets, then the main area and
    target group of lexicon + model, with confusion tables."""
    from pathlib import Path

    from engines.themes import LexiconError, evaluate, load_labelled, load_lexicon
    from engines.themes_eval import read_sets, score

    data = Path(__file__).resolve().parents[2] / "tests" / "data"
    paths = list(tsv) or [str(p) for p in (data / "themes_labelled.tsv", data / "themes_blind.tsv") if p.exists()]
    try:
        lex = load_lexicon(lexicon)
        for path in paths:
            rows = load_labelled(path)
            ev = evaluate(rows, lex)
            _print_lexicon(path, ev, lex.version)
            for name, set_rows in read_sets(Path(path)).items():
                for line in score(name, set_rows, lex).lines():
                    click.echo(line)
    except (LexiconError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None


def _print_lexicon(path: str, ev, version: str) -> None:  # noqa: ANN001 - an engines.themes.Evaluation
    click.echo(f"{path}: {ev.exact}/{ev.total} exactly right = {100 * ev.accuracy:.1f} % (lexicon {version})")
    click.echo(f"{'area':<12} {'precision':>9} {'recall':>7} {'f1':>6} {'n':>4}")
    for area, m in ev.per_area.items():
        click.echo(f"{area:<12} {m['precision']:>9.2f} {m['recall']:>7.2f} {m['f1']:>6.2f} {m['support']:>4}")
    for text, gold, got in ev.mistakes:
        click.echo(f"  labelled {','.join(gold)}, got {','.join(got)}: {text}", file=sys.stdout)


@themes.command("train")
@data_option
@click.option("--out", type=click.Path(dir_okay=False), help="Where to write (default: the packaged artefact).")
def train_cmd(data_dir: str, out: str | None) -> None:
    """Retrain the themes model (areas and target groups) on the training split and training file."""
    train_model("themes", data_dir, out)


commands = (digest, classify, themes)
