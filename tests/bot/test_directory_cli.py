"""`samtale directory validate|import|export`: the seed validates, a broken file is rejected row by row, and
import → export → import loses nothing, in CSV and in JSON."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bot.app import build_app
from bot.cli import main
from bot.config import load_settings
from content.hsds import read, to_json, write_folder
from tests.support.directory import aarhus_catalogue

SEED = Path(__file__).resolve().parents[2] / "content" / "directory"


def _config(tmp_path: Path) -> str:
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n')
    build_app(load_settings(config)).engine.dispose()  # a migrated database
    return str(config)


def _run(*args: str):
    return CliRunner().invoke(main, ["directory", *args], catch_exceptions=False)


def test_the_shipped_seed_validates():
    out = _run("validate", str(SEED))
    assert out.exit_code == 0, out.output
    assert "7 services" in out.output


def test_a_broken_file_is_rejected_with_file_row_and_field(tmp_path):
    folder = tmp_path / "broken"
    write_folder(aarhus_catalogue(), folder)
    services = folder / "services.csv"
    lines = services.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2026-11-01", "1. november").replace("fritid", "golf")
    lines[2] = lines[2].replace(",naboer,", ",ingen,", 1)
    services.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "addresses.csv").write_text("id,location_id,address_1,postal_code\na1,trojborg,Gade 1,82\n")
    out = _run("validate", str(folder))
    assert out.exit_code != 0
    assert "services.csv, row 2, assured_date: not a date" in out.output
    assert "services.csv, row 2, areas: golf not among" in out.output
    assert "services.csv, row 3, organization_id: no organization with id 'ingen'" in out.output
    assert "addresses.csv, row 2, postal_code: not a postcode" in out.output
    assert "4 problem(s)" in out.output


def test_nothing_is_imported_from_a_file_with_a_problem(tmp_path):
    config = _config(tmp_path)
    folder = tmp_path / "broken"
    write_folder(aarhus_catalogue(), folder)
    (folder / "organizations.csv").write_text("id,name,tax_id\nnaboer,Naboerne,123\n", encoding="utf-8")
    assert _run("import", str(folder), "--config", config).exit_code != 0
    assert "organizations.csv, row 2, tax_id: not a CVR number" in out_text(folder)
    assert _run("export", str(tmp_path / "out.json"), "--config", config).exit_code == 0
    exported, _ = read(tmp_path / "out.json")
    assert exported["services"] == [] and exported["organizations"] == []


def out_text(folder: Path) -> str:
    return _run("validate", str(folder)).output


def test_import_export_import_is_lossless_in_csv_and_json(tmp_path):
    config = _config(tmp_path)
    write_folder(aarhus_catalogue(), tmp_path / "in")
    original, problems = read(tmp_path / "in")
    assert problems == []
    assert _run("import", str(tmp_path / "in"), "--config", config).exit_code == 0
    assert _run("export", str(tmp_path / "out"), "--config", config).exit_code == 0
    assert _run("export", str(tmp_path / "out.json"), "--config", config).exit_code == 0
    from_csv, problems = read(tmp_path / "out")
    assert problems == []
    from_json, problems = read(tmp_path / "out.json")
    assert problems == []
    key = lambda cat: {t: sorted(rows, key=lambda r: r["id"]) for t, rows in cat.items()}  # noqa: E731
    assert key(from_csv) == key(original) == key(from_json)
    # and the files themselves are the same after a second round
    assert _run("import", str(tmp_path / "out.json"), "--replace", "--config", config).exit_code == 0
    assert _run("export", str(tmp_path / "again.json"), "--config", config).exit_code == 0
    assert (tmp_path / "again.json").read_text(encoding="utf-8") == to_json(from_json)
