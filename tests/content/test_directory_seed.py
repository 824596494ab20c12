"""The shipped directory seed: real offers only, each with where its facts were checked and when."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from content.hsds import read

SEED = Path(__file__).resolve().parents[2] / "content" / "directory"


def test_every_seed_entry_has_a_source_and_a_verification_date():
    catalogue, problems = read(SEED)
    assert problems == []
    assert len(catalogue["services"]) >= 5
    for service in catalogue["services"]:
        assert service["source_url"].startswith("https://"), service["id"]
        assert isinstance(service["assured_date"], date), service["id"]
        assert service["areas"] and service["target_groups"], service["id"]


def test_seed_phone_numbers_belong_to_a_service_with_a_source():
    catalogue, _ = read(SEED)
    sourced = {s["id"] for s in catalogue["services"] if s["source_url"]}
    assert all(p["service_id"] in sourced for p in catalogue["phones"])
