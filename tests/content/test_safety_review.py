"""Every safety content file says who reviewed it and when (issue 22, item 4)."""
from __future__ import annotations

from datetime import date

import pytest

from content.safety_review import safety_reviews


def test_every_safety_file_carries_version_reviewed_by_and_a_dated_or_absent_reviewed_on():
    reviews = {r.file: r for r in safety_reviews()}
    assert set(reviews) == {"content/safety/crisis.toml", "content/safety/crisis_reply.toml",
                            "content/safety/human_contacts.toml", "content/safety/signpost.toml"}
    for review in reviews.values():
        assert review.reviewed_by and isinstance(review.version, int)
        assert review.reviewed_on is None or isinstance(review.reviewed_on, date)


@pytest.mark.parametrize("body, key", [
    ("version = 1\n", "reviewed_by"),
    ('version = 1\nreviewed_by = ""\n', "reviewed_by"),
    ('reviewed_by = "Ann"\n', "version"),
    ('version = 1\nreviewed_by = "Ann"\nreviewed_on = "last week"\n', "reviewed_on"),
])
def test_a_missing_or_malformed_review_field_is_named(tmp_path, body, key):
    (tmp_path / "x.toml").write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=f"x.toml: `{key}`"):
        safety_reviews(tmp_path)


def test_a_recorded_review_date_is_read(tmp_path):
    (tmp_path / "x.toml").write_text('version = 3\nreviewed_by = "Ann"\nreviewed_on = 2026-12-05\n', encoding="utf-8")
    [review] = safety_reviews(tmp_path)
    assert review.as_dict() == {"file": "content/safety/x.toml", "version": 3, "reviewed_by": "Ann",
                                "reviewed_on": "2026-12-05"}
