"""`samtale crisis train|evaluate`, and the training `samtale themes train` uses: the text models (docs/models.md).

    samtale crisis train [--data DIR] [--out FILE]      retrain crisis tier 2 (needs `.[train]`)
    samtale crisis evaluate [TSV]…                      tier 1 / tier 2 per set (default: every set)
    samtale themes train [--data DIR] [--out FILE]      (bot/cli/insights.py) retrain the themes model

Training writes the artefact and prints its out-of-fold figures; the date comes from the one clock.
"""
from __future__ import annotations

from pathlib import Path

import click

from storage.clock import system_clock

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
# The sets tier 2 is measured on by default; D and E were never trained on (docs/models.md).
CRISIS_EVAL = ("crisis_heldout_d.tsv", "crisis_heldout_e.tsv", "themes_labelled.tsv", "langid_labelled.tsv",
               "crisis_labelled.tsv", "crisis_heldout_a.tsv", "crisis_heldout_b.tsv", "crisis_heldout_c.tsv")


def data_option(f):  # noqa: ANN001, ANN202 - a click decorator
    return click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
                        default=str(DATA), show_default=True, help="Folder of the labelled sets.")(f)


def train_model(kind: str, data_dir: str, out: str | None) -> None:
    from engines.textmodel import save_model

    try:
        if kind == "crisis":
            from engines.crisis.tiers import model_path
            from engines.training.crisis import train
        else:
            from engines.themes_model import model_path
            from engines.training.themes import train
        data, report = train(Path(data_dir), system_clock().date())
    except (RuntimeError, ValueError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    target = Path(out) if out else model_path()
    save_model(data, target)
    click.echo(f"wrote {target} (version {data['version']}, {target.stat().st_size:,} bytes)")
    for key, value in report.items():
        click.echo(f"  {key}: {value:.4f}" if isinstance(value, float) else f"  {key}: {value}")


@click.group("crisis")
def crisis() -> None:
    """Crisis tier 2: retrain the model, measure both tiers on labelled sets."""


@crisis.command("train")
@data_option
@click.option("--out", type=click.Path(dir_okay=False), help="Where to write (default: the packaged artefact).")
def crisis_train(data_dir: str, out: str | None) -> None:
    """Retrain crisis tier 2 on the development sets (never on heldout D or E)."""
    train_model("crisis", data_dir, out)


@crisis.command("evaluate")
@click.argument("tsv", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def crisis_evaluate(tsv: tuple[str, ...]) -> None:
    """Crisis texts reaching tier 1 or 2, and ordinary texts at each tier, per labelled set."""
    from engines.crisis.measure import labelled_rows, measure
    from engines.crisis.tiers import tier2_model

    model = tier2_model()
    click.echo(f"tier 2 model: {model.version if model else 'NOT LOADED'}, threshold "
               f"{model.thresholds.get('crisis') if model else '-'}")
    paths = [Path(p) for p in tsv] or [DATA / n for n in CRISIS_EVAL if (DATA / n).exists()]
    for path in paths:
        try:
            rows = labelled_rows(path)
        except (OSError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{path}: {exc}") from None
        for line in measure(path.name, rows).lines():
            click.echo(line)
