"""The action plan as data (the format the annual report shares): the shipped file loads, and a mistake
names the file, the item and the key."""
from __future__ import annotations

import pytest

from content.action_plan import ActionPlanError, load_action_plan, parse_action_plan

GOOD = """year = 2026

[[items]]
id = "a1"
title = "Fællesspisning"
area = "hjem"
owner = "BL"
status = "planned"
milestones = ["forår"]
note = "Mange kender ikke naboerne."
prompts = ["vinter-2026/nabo-hej"]
report_url = "https://example.org/r#a1"
"""


def test_the_shipped_plan_links_items_to_themes_and_prompts():
    plan = load_action_plan(2026)
    assert plan is not None and plan.year == 2026
    linked = [i for i in plan.items if "vinter-2026/nabo-hej" in i.prompts]
    assert linked and linked[0].area == "hjem" and linked[0].status in ("planned", "started", "done")
    assert load_action_plan(1999) is None  # no file: no plan, no error


def test_a_good_item_keeps_every_field():
    item = parse_action_plan(GOOD, "plan.toml").items[0]
    assert (item.id, item.title, item.area, item.owner, item.status) == ("a1", "Fællesspisning", "hjem", "BL", "planned")
    assert item.milestones == ("forår",) and item.prompts == ("vinter-2026/nabo-hej",)
    assert item.note.startswith("Mange") and item.report_url == "https://example.org/r#a1"


@pytest.mark.parametrize("wrong, instead, key", [
    ('status = "planned"', 'status = "finished"', "status"),
    ('area = "hjem"', 'area = "bolig"', "area"),
    ('report_url = "https://example.org/r#a1"', 'report_url = "http://example.org"', "report_url"),
    ('prompts = ["vinter-2026/nabo-hej"]', 'prompts = ["nabo-hej"]', "prompts"),
])
def test_a_mistake_names_the_file_the_item_and_the_key(wrong, instead, key):
    with pytest.raises(ActionPlanError) as err:
        parse_action_plan(GOOD.replace(wrong, instead), "plan.toml")
    message = str(err.value)
    assert message.startswith("plan.toml: items[0]") and key in message


def test_a_duplicate_id_and_a_missing_year_are_refused():
    with pytest.raises(ActionPlanError, match="unique"):
        parse_action_plan(GOOD + GOOD.split("\n", 2)[2], "plan.toml")
    with pytest.raises(ActionPlanError, match="year"):
        parse_action_plan(GOOD.replace("year = 2026", ""), "plan.toml")


def test_the_year_in_the_file_must_match_its_name(tmp_path):
    (tmp_path / "action_plan_2027.toml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ActionPlanError, match="2027"):
        load_action_plan(2027, tmp_path)
