"""The five-person transcript (bench/five_people.py) runs to the end and shows what issue 26 asked for."""
from __future__ import annotations

from bench.five_people import run


async def test_the_five_people_transcript(tmp_path):
    out = tmp_path / "five.md"
    await run(out)
    text = out.read_text(encoding="utf-8")
    inger = text.split("## Inger")[1].split("## Ahmad")[0]
    assert "Samtykke betyder" in inger and "65–79 – passer det?" in inger and "Tak, fordi du deler det" in inger
    assert "Livslinien" in inger and "du er tilmeldt »Gåtur langs fjorden« lørdag den 5. december kl. 11.00" in inger
    ahmad = text.split("## Ahmad")[1].split("## Maja")[0]
    assert "Datatilsynet" in ahmad and "you are signed up" in ahmad and "because you have not given consent" in ahmad
    maja = text.split("## Maja")[1].split("## Kim")[0]
    assert "116 111" in maja and "gemt uden dit navn" not in maja
    soeren = text.split("## Søren")[1].split("## Inger")[0]
    assert "til lørdag den 5. december kl. 11.00?" in soeren and "er flyttet" in soeren
