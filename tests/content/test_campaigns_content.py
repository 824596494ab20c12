"""Campaign files: every shipped campaign is valid and complete; a broken one names file, line and key."""
from __future__ import annotations

from pathlib import Path

import pytest

from content.campaigns import AREAS, CampaignError, find_prompt, load_campaigns, parse_campaign

GOOD = '''id = "test"
title.da = "Prøve"
title.en = "Test"
starts = 2026-12-01
ends = 2027-01-31
cadence = "0 10 * * tue"

[[prompts]]
id = "a"
area = "hjem og bolig"
text.da = "Hvad ville gøre det lettere at sige hej?"
text.en = "What would make it easier to say hello?"

[[prompts]]
id = "b"
area = "sundhed og pleje"
target_groups = ["older", "18-29"]
municipalities = ["aarhus kommune"]
text.da = "Hvad gør en dag lettere?"

[[prompts.buttons]]
da = "En gåtur"
en = "A walk"
'''


def test_shipped_campaigns_are_valid_and_complete():
    campaigns = load_campaigns()
    assert campaigns, "ship at least one campaign"
    first = campaigns[0]
    assert len(first.prompts) >= 8
    for campaign in campaigns:
        assert {"da", "en"} <= set(campaign.title)
        for prompt in campaign.prompts:
            assert {"da", "en"} <= set(prompt.text), prompt.ref
            assert prompt.area in AREAS
            for label in prompt.buttons:
                assert {"da", "en"} <= set(label)
    assert {p.area for p in first.prompts} == set(AREAS), "the first campaign touches all five areas"


def test_parse_a_good_campaign():
    c = parse_campaign(GOOD, "test.toml")
    assert (c.id, c.cadence, c.misfire, c.max_delay_hours) == ("test", "0 10 * * tue", "next_allowed", 24)
    b = c.prompt("b")
    assert b.age_bands == ("65-79", "80+", "18-29") and b.municipalities == ("Aarhus",)
    assert b.text_for("en") == "Hvad gør en dag lettere?"  # falls back to Danish
    assert b.button_labels("en") == ["A walk"] and b.button_labels("uk") == ["En gåtur"]
    assert find_prompt([c], "test/b") is b and find_prompt([c], "test/zz") is None


@pytest.mark.parametrize("change, line, key", [
    (("cadence = \"0 10 * * tue\"", "cadence = \"0 10 * * 2\""), 6, "cadence"),
    (("cadence = \"0 10 * * tue\"", "cadence = \"every tuesday\""), 6, "cadence"),
    (("ends = 2027-01-31", "ends = 2026-01-31"), 5, "ends"),
    (("starts = 2026-12-01", "starts = \"soon\""), 4, "starts"),
    (('area = "sundhed og pleje"', 'area = "sundhed"'), 16, "prompts[1].area"),
    (('text.da = "Hvad gør en dag lettere?"', 'text.en = "What makes a day easier?"'), 19, "prompts[1].text.da"),
    (('id = "b"', 'id = "a"'), 15, "prompts[1].id"),
    (('target_groups = ["older", "18-29"]', 'target_groups = ["children"]'), 17, "prompts[1].target_groups"),
    (('municipalities = ["aarhus kommune"]', 'municipalities = ["Atlantis"]'), 18, "prompts[1].municipalities"),
    (('da = "En gåtur"', 'da = ""'), 22, "prompts[1].buttons[0].da"),
    (('title.en = "Test"', 'titel = "Test"'), 3, "titel"),
    (('id = "test"', 'id = "Test Campaign"'), 1, "id"),
])
def test_schema_errors_name_file_line_and_key(change, line, key):
    old, new = change
    assert old in GOOD
    with pytest.raises(CampaignError) as err:
        parse_campaign(GOOD.replace(old, new, 1), "content/campaigns/test.toml")
    message = str(err.value)
    assert message.startswith(f"content/campaigns/test.toml:{line}: `{key}`:"), message


def test_syntax_errors_name_file_and_line():
    with pytest.raises(CampaignError) as err:
        parse_campaign(GOOD.replace('text.da = "Hvad ville', 'text.da = Hvad ville'), "x.toml")
    assert str(err.value).startswith("x.toml: not valid TOML:") and "line 11" in str(err.value)


def test_a_broken_file_in_a_folder_fails_the_load(tmp_path: Path):
    (tmp_path / "a.toml").write_text(GOOD, encoding="utf-8")
    assert [c.id for c in load_campaigns(tmp_path)] == ["test"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.toml").write_text(GOOD, encoding="utf-8")
    (other / "b.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(CampaignError, match="also used by"):
        load_campaigns(other)
    with pytest.raises(CampaignError, match="not found"):
        load_campaigns(tmp_path / "missing")
