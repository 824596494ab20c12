"""`samtale checkins report`: the chapter printed with its labels, as JSON, and as an HTML fragment."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from click.testing import CliRunner

from bot.app import build_app
from bot.cli import main
from bot.config import load_settings
from storage.checkin_models import Checkin
from storage.models import Participant


def _seed(app, people: int) -> None:
    at = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)
    with app.sessions.begin() as s:
        for i in range(people):
            p = Participant(platform="console", external_id=f"r{i}", consent_state="given", onboarded=True,
                            age_band="50-64", region="Region Sjælland")
            s.add(p)
            s.flush()
            score = 9 if i % 3 == 0 else 3
            s.add(Checkin(participant_id=p.id, answered_at=at, scale_version=1, companionship=score // 3,
                          left_out=score // 3, isolated=score // 3, score=score, direct=None, age_band="50-64",
                          region="Region Sjælland"))


def test_report_prints_the_share_beside_the_national_figure_with_its_labels(tmp_path):
    config = tmp_path / "samtale.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "cli.db"}"\n')
    app = build_app(load_settings(config))
    _seed(app, 60)
    app.engine.dispose()
    run = CliRunner()
    out = run.invoke(main, ["checkins", "report", "--period", "2026", "--config", str(config),
                            "--html", str(tmp_path / "c.html")], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Andel med en score på 7–9" in text and "Wilson" in text
    assert "Den Nationale Sundhedsprofil 2021: 12,4 %" in text
    assert "selvvalgt udsnit" in text and "ikke en forekomst" in text
    assert "IKKE efterprøvet" in text  # the unverified population weights are said, not hidden
    assert "Region Sjælland" in text and "2026-05" in text
    html = (tmp_path / "c.html").read_text()
    assert html.startswith('<section class="checkins"') and "<script" not in html and "12,4 %" in html
    data = json.loads(run.invoke(main, ["checkins", "report", "--period", "2026-05", "--json", "--config",
                                        str(config)], catch_exceptions=False).stdout)
    assert data["kind"] == "self-selected sample, not prevalence" and abs(data["overall"]["people"] - 60) <= 5
    bad = run.invoke(main, ["checkins", "report", "--period", "nu", "--config", str(config)])
    assert bad.exit_code != 0 and "2026-W48" in bad.output
