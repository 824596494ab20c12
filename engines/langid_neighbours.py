"""Danish, Norwegian or Swedish: decided by words and spellings only one of them has, Danish when none do.

The three are close enough that a statistical model of letters leans on how often shared words happen
to occur in its training lines. What a reader goes by is sharper: "meg", "ikkje", "takk", "leilighet"
are Norwegian; "jag", "inte", "och", "ä" are Swedish; "mig", "nogen", "lidt", "lejlighed" are Danish.
Each distinct word votes once: from the lists below, else (half a vote) from its spelling. The text is Norwegian or Swedish only when that language has more
votes than Danish (and than the other neighbour); a text the three share is Danish.
"""
from __future__ import annotations

import re
from functools import lru_cache

# Words of one of the three that the other two do not write (as a word on its own).
_LISTS: dict[str, frozenset[str]] = {
    "da": frozenset("""
        mig dig sig nogen noget nogle meget lidt hvad nu af efter havde blev bliver blive siger sagde
        gør gøre gjorde måske aldrig altid tak hej hejsa nej hende syg syge sygdom sygemeldt ensomhed
        ensomheden lejlighed uge ugen uger ugens mad købe søge kage bog bøger gade spørger spurgte rigtig
        rigtigt hvornår hjælp hjælpe hjælper tænke tænker tænkte kæreste kærester fik gik mand manden
        søn sønnen børnebørn barnebarn jer jeres weekenden vennerne kollegerne naboerne pinligt træls sjov
        sjovt dejligt dejlig ked kedeligt keder ik ikk sgu altså nemlig lige ligesom endnu børn børnene
        næsten mellem igen lave laver lavet vide kære piger pige dreng drenge plejer plejede længe mere
        end stadigvæk kører sjældent sådan nogensinde fortsat ude inde ud ind arbejde arbejder arbejdet
        arbejdsløs læge træt glæder glæde fællesskab fællesskaber venlig sød søde hyggeligt pludselig
        snakkede ringede flyttede boede savnede blevet fjernsynet hedder hårdt mit været ældre ven sker
        kender hva når vanskeligt uden indimellem alligevel anderledes genert fortæller besøger håber
        finder findes mødes ottende veninder længste boet nytår sjælden næste sidste sidst igen januar
        februar åbner åbne åben seminar
        """.split()),
    "no": frozenset("""
        meg deg seg noe noen mye veldig ikkje eg kva korleis kven kvar ho dei nokon noko berre
        einsam åleine heime kjenner kjent kjedelig kjeder trenger tenke tenker tenkte skjønner skjer
        skjedde hadde ble blir bli fikk gikk vet sier sa gjør gjøre gjerne kanskje aldri alltid etter av
        takk hei snill snille koselig leilighet ensomhet ensomheten jobb jobben jobbe jobber jobbet venn
        venninne venninna jente jenta jentene jenter gutt gutten guttene gutta barna ungene sykehus
        sykehjem syk sykdom sykemeldt litt uke uka uken ukene helg helga helgen kjøpe søke bok bøker gate
        spør hjelp hjelpe hjelper dere nettopp kjempe kjempebra flaut kjip greit hybel natta dattera
        søstera kona mora sånn sånt redd lei ute inne fjor bygda treffe treff prate prater kompis bra
        mykje kjæreste kjærlighet morsomt artig sliten kveld kvelden fremdeles ennå skikkelig liksom gøy
        dritt vondt lenge enn fortsatt vite mellom nesten unna igjen pleier pleide kjære klem nav lage
        lager laget kjører plutselig arbeid arbeidsledig lege trøtt gleder fellesskap hjemmefra hva når
        betyr blitt hatt igjen sliten treffe verst vært si mi nei eldre hardt videregående å ut mer
        sjelden hit hybel hybelen nyttår unnskyld ille lengste bodd naboene vanskelig saktere finner
        besøker håper finnes åttende forteller likevel møtes sjenert heter venninner fjellene maten
        annerledes natt nytt bryr uten innen enda iblant noensinne lett tøft sykt alltid neste siste
        januar februar åpner åpne åpen skap
        """.split()),
    "sv": frozenset("""
        jag inte och att är vad hur varför vem när någon något några inga mycket lite bara också kanske
        aldrig efter tack hej hejsan tjena tja nej hemma ensam ensamhet vänner vän kompis kompisar familj
        jobbet jobb skolan skola träffa träffas känner känns tycker tråkigt trött ledsen svårt jobbigt
        människor barnen kväll kvällen helgen helg idag imorgon igår nu mår bra dåligt bättre bästa
        sämre värre värst sjuk sjukskriven lägenhet snäll trevligt skönt fika fikar säga säger sa gör
        göra vill hade fick gick väldigt jättebra toppen varsågod förlåt ursäkta hälsar pratar prata
        själv sig mig dig sen sedan alla andra många nåt nån ju rätt hon honom deras dagar vecka veckan
        jobba plugga hem stad sverige svensk tjej tjejer kille killar gammal gamla nya liten lilla då
        här där ut in allt behöver finns frågar från för förlorat första förstår gärna hela hemifrån
        hjälper händer jobbar måste orkar precis promenad riktigt skriva vara vardagen varje mina långt
        saknar gifta morgon natt gott nytt brukade dansa senare son utomlands spelar roll orsak hand bryr
        okej inget nånting sån sånt kul jättekul asså lugnt arg även utan mellan innan alltså därför
        eftersom medan än ännu redan ofta ibland alltid heter maten igen nästa sista mer ni ska
        öppnar
        """.split()),
}

# Spellings, for words in no list: (pattern, language). Half a vote each: spellings travel.
_SPELLINGS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"[äö]"), ("sv",)),
    (re.compile(r"(?:ar|or)na$|era$|^\w{2,}[bdfgklmnprstv]ar$"), ("sv",)),
    (re.compile(r"skap$|skapet$"), ("no", "sv")),
    (re.compile(r"ej|hed$|heden$|erne$|[^i]gt$|skab$|skabet$"), ("da",)),
    (re.compile(r"ei|øy|het$|heten$|sjon$|sjonen$|kk$|(?<!e)tt$|nn$|^kj|^skj"), ("no",)),
)
SPELLING_VOTE = 0.5
NEIGHBOURS = ("da", "no", "sv")


_POSSESSIVE = frozenset("min mi mitt mine din di ditt dine sin si sitt sine vår vårt våre".split())


@lru_cache(maxsize=65_536)
def _vote(word: str) -> tuple[tuple[str, float], ...]:
    """(language, vote) pairs for one word; remembered, as chat repeats its words."""
    listed = [lang for lang in NEIGHBOURS if word in _LISTS[lang]]
    if listed:
        # One list: that language. Two: "not the third" - half each.
        return tuple((lang, 1.0 / len(listed)) for lang in listed) if len(listed) < 3 else ()
    for pattern, langs in _SPELLINGS:  # in order: ä and ö say Swedish whatever else the word does
        if pattern.search(word):
            return tuple((lang, SPELLING_VOTE) for lang in langs)
    return ()


def forget_words() -> None:
    """Forget the remembered votes (for a benchmark of first sight)."""
    _vote.cache_clear()


def neighbour_votes(words: list[str]) -> dict[str, float]:
    """How strongly the words are Danish, Norwegian or Swedish only (each distinct word votes once)."""
    votes = dict.fromkeys(NEIGHBOURS, 0.0)
    for word in set(words):
        for lang, vote in _vote(word):
            votes[lang] += vote
    # "familien min", "mora mi": the possessive after a definite noun is Norwegian, never Danish.
    if any(w in _POSSESSIVE and prev.endswith(("en", "et", "a", "ene", "ne")) for prev, w in zip(words, words[1:])):
        votes["no"] += 1.0
    # "nå" ending a sentence is Norwegian "now"; Danish "nå" opens one ("nå ja", "nå men").
    if len(words) > 1 and words[-1] == "nå":
        votes["no"] += 1.0
    return votes


def is_scandinavian_word(word: str) -> bool:
    """A word in one of the three lists."""
    return any(word in words for words in _LISTS.values())


def danish_or_neighbour(words: list[str], nb: dict[str, float] | None = None, lean: str | None = None) -> str:
    """'no' or 'sv' when the text says so, otherwise 'da'.

    `nb` (the model's scores) breaks a tie between the two neighbours; `lean` ('no' or 'sv', from the
    platform's locale) takes a text that reads the same in Danish: the device says who is writing.
    """
    votes = neighbour_votes(words)
    nb = nb or {}
    best = max(("sv", "no"), key=lambda lang: (votes[lang], lang == lean, nb.get(lang, 0.0)))
    if votes[best] > votes["da"] or (best == lean and votes[best] == votes["da"]):
        return best
    return "da"
