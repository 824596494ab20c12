"""Language of a reflection: script, word evidence and langdetect, weighed against what we know.

langdetect alone calls much short Danish Norwegian (and is slow: ~170 texts/s). Here:

1. A non-Latin script decides at once (Arabic script: Arabic, Persian, Urdu, Sorani; Cyrillic:
   Ukrainian or Russian by their own letters; Greek, Hebrew, Ethiopic, …).
2. Latin script is scored with short lists of each language's most frequent words and letters
   (æ/ø, ä/ö, ş/ğ/ı, ł/ą/ę, ß, …), plus a few endings (-hed/-het, -iyorum).
3. The writer's chosen language, the platform's locale hint and the prior that this is Denmark are
   added as bonuses, so a 1–3 word message with little evidence leans on what we know about its
   writer: "ok" from someone who chose English is English; "hej" from anyone else is Danish.
4. Only when the words say nothing and the text is long enough does langdetect decide; its
   Norwegian/Swedish answers are accepted only with evidence from the words.

`detect_language(text, chosen, hint)` returns an ISO 639-1 code; `explain_language` says why.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

# Deterministic answers: the same text must always get the same language.
DetectorFactory.seed = 0

DENMARK = "da"
# How much each piece of context weighs, in "words of evidence".
CHOSEN_BONUS = 2.0
HINT_BONUS = 0.75
DENMARK_BONUS = 0.6
# langdetect is only asked about texts this long that the word lists could not place.
LANGDETECT_MIN_CHARS = 12

# -- word evidence ---------------------------------------------------------------------------------
# Frequent words per language. A word in several lists counts for each; the context breaks ties.
_WORDS: dict[str, str] = {
    "da": """
        jeg mig min mit mine du dig din dit dine han ham hans hun hende hendes den det de dem deres vi
        os vores i jer jeres man unge en et og eller men at som der her hvor hvad hva hvem hvorfor hvordan
        hvornår hvilken ikke ik ikk ingen intet nogen noget nogle alle alt altid aldrig nu så også bare
        meget mange lidt mere mest godt god gode dårlig dårligt fint fin er var været være bliver blev
        blive har havde have kan kunne vil ville skal skulle må måtte får fik få gør gjorde gøre går
        gik gå kommer kom komme siger sagde ved tror synes føler følte føle selv med på til fra af om
        for efter før under over ud ind op ned hjem hjemme igen endnu allerede stadig måske jo nej ja
        tak hej hejsa farvel godmorgen godnat dag dage uge ugen ugens weekend weekenden weekenderne aften
        morgen morgenen nat år tid tiden gang gange ensom ensomme ensomhed ensomheden alene sammen
        venner ven veninde venskab familie familien mor far børn barn søn datter mand manden kone
        kæreste kollega kolleger kollegerne nabo naboer naboen naboerne arbejde arbejdet arbejder job
        skole skolen klassen studerende fællesskab fællesspisning hygge hyggeligt hyggelig kedeligt
        kedelig keder træt trist glad svært hårdt rart dejligt dejlig snakke snakken tale savner savne
        mangler brug hjælp hjælpen hjælpe hjælper folk mennesker hver hele helt lige rigtig rigtigt
        virkelig sikkert vist sgu altså nok ret fordi hvis når da selvom mens derfor undskyld tusind
        orker fedt super lyder melder møde mødes byen huset stille syg sygemeldt pension hverdagen
        frokost udenfor pinligt ligesom landet herude kører steder travlt kat hund hunden besøg søndag
        mandag tirsdag onsdag torsdag fredag lørdag jul julen glædelig værst værre bedre bedste lang
        længste spørger spurgt tør bange ude sådan hellere gerne lærer dansk øve flyttet væk ny nye
        kender ingen snakker mest gå tur venter føles lejlighed boligforening forsamlingshuset
        """,
    "no": """
        meg deg seg noe noen mye veldig hva ikkje eg kva kjenner kjent kjedelig trenger hjelp hjelpe
        etter av jobb jobben fikk hadde ble blir nå kanskje ensomhet ensomheten alltid aldri vet syns
        venninne jente gutt barnehage arbeid sykdom syk mamma pappa kjæreste gjerne litt dere tenker
        å hjem vennene bedre heller sammen skal ute hvorfor hos fra med tiden hele jeg er det og ikke har
        en et i på til som for om men der her de vi du han hun den mine min mitt kan vil være var alene
        ingen snakke savner tid tror føler også bare så
        """,
    "sv": """
        jag mig dig sig inte och att är var vara har hade kan vill ska skulle mycket lite någon något
        några inget alla allt alltid aldrig också bara hur vad varför vem när där här hemma ensam
        ensamhet vänner vän familj familjen mamma pappa barn jobbet jobb skolan tack hej hejdå träffa
        träffar känner känsla tycker tråkigt trött ledsen svårt nya människor för från till ett den det
        de dem vi ni du han hon hans hennes min mitt mina saknar inga så med på en
        """,
    "en": """
        i me my mine you your he she it we they them our their the a an and or but to of in on at for
        with from by about is am are was were be been being have has had do does did don doesn didn
        can can't could will won't would should not no yes so very really just only also too this that
        these those there here what where when why how who which because if then than all any some
        someone anyone nobody nothing everything feel feeling felt lonely loneliness alone friends
        friend family home work job school people talk miss missing hard difficult sad happy good bad
        fine great thanks thank please hello hi hey morning evening night day days week weekend
        weekends year years time since still know isolated bored retired kids children husband wife
        partner abroad join choir club events english danish language barrier help helped lot much
        many make makes making everyone lunch speaks speak moved last place worst best better quiet
        house passed away back student international pandemic i'm it's don't
        """,
    "de": """
        ich mich mir mein meine meinen du dich dir er sie es wir ihr und oder aber nicht kein keine
        keinen ist bin bist sind war habe hast hat haben hatte kann will muss soll sehr auch noch schon
        nur immer nie hier wie was wo wer warum wann ein eine einen einem einer der die das den dem des
        mit von zu zum zur bei nach seit aus für über unter allein einsam einsamkeit freunde freund
        freundin familie hause zuhause arbeit schule danke bitte hallo guten tag morgen abend gut
        schlecht traurig vermisse kenne niemanden jemand leute menschen umzug dänemark mitmachen schön
        viel viele
        """,
    "tr": """
        ben sen biz siz onlar bir bu şu ve ile için ama çok daha hiç yok var değil mi mı mu mü ne nasıl
        neden nerede kim gibi kadar sonra önce şimdi burada orada yalnız yalnızım yalnızlık arkadaş
        arkadaşım arkadaşlar aile ailem özlüyorum hissediyorum iş okul ev evde merhaba selam teşekkürler
        teşekkür ederim sağol tamam evet hayır lütfen günaydın iyi kötü üzgün mutlu danimarka kendimi
        katılabilirim
        """,
    "pl": """
        nie jest jestem jesteś są był była być mam masz mamy się sie w z na do od po za że ze ten ta
        tego tu tutaj tam jak co kto gdzie kiedy dlaczego bardzo tylko też jeszcze już nigdy zawsze
        czuję czuje samotny samotna samotność przyjaciół przyjaciel przyjaciele rodzina rodziną
        rodzinie praca pracy szkoła dom domu dzień dobry dziękuję dzięki cześć proszę tak mogę moge
        poznać ludzi ludzie sama sam żadnych tęsknię i
        """,
    "so": """
        waxaan waxay waa iyo ku ka u la ma aan aad ayaa ayuu ayay oo in inuu inaan haa maya mahadsanid
        mahadsan salaan iska warran nabad sidee xaggee halkan kalinimo keligay kaligay saaxiib saaxiibo
        saaxiibkay qoys qoyskayga qof qofna dareemayaa dareemayo xiisay garanayo jiro jira shaqo dugsi
        guri faraxsanahay waan hooyo aabe haysto
        """,
    "fr": """
        je me moi très seul seule ici suis et le la les un une des pas ne avec pour dans que qui
        bonjour merci
        """,
    "es": """
        me siento muy solo sola desde que llegué yo estoy no tengo amigos aquí hola gracias el la los
        las un una y de en con por para
        """,
}

_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _WORDS.items():
    for _w in set(_words.split()):
        _INDEX[_w] = (*_INDEX.get(_w, ()), _lang)

# Letters that point to languages: (letters, languages, weight); counted once per text.
_LETTERS: tuple[tuple[frozenset[str], tuple[str, ...], float], ...] = (
    (frozenset("æø"), ("da", "no"), 1.5),
    (frozenset("å"), ("da", "no", "sv"), 1.0),
    (frozenset("äö"), ("sv", "de", "tr"), 1.5),
    (frozenset("ü"), ("de", "tr"), 1.5),
    (frozenset("ß"), ("de",), 2.0),
    (frozenset("şğı"), ("tr",), 3.0),
    (frozenset("łąęśźżńć"), ("pl",), 3.0),
    (frozenset("ñ"), ("es",), 2.0),
    (frozenset("èêàç"), ("fr",), 1.0),
)
_SPECIAL = frozenset().union(*(letters for letters, _, _ in _LETTERS))

# Word endings that tell close neighbours apart: (endings, language, weight).
_ENDINGS: tuple[tuple[tuple[str, ...], str, float], ...] = (
    (("hed", "heden", "heder"), "da", 0.5),
    (("het", "heten"), "no", 0.5),
    (("yorum", "iyorum", "ıyorum", "uyorum", "üyorum"), "tr", 1.0),
    (("ayaa", "aysaa"), "so", 0.5),
)

# -- scripts ---------------------------------------------------------------------------------------
_NON_LATIN = re.compile(
    "[\u0370-\u03ff\u0400-\u04ff\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u0900-\u097f"
    "\u0980-\u09ff\u0a00-\u0a7f\u0b80-\u0bff\u0e00-\u0e7f\u10a0-\u10ff\u1200-\u137f\u3040-\u30ff"
    "\u3400-\u9fff\uac00-\ud7af\ufb50-\ufdff\ufe70-\ufeff]"
)
_SCRIPTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("arabic", re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff]")),
    ("cyrillic", re.compile("[\u0400-\u04ff]")),
    ("el", re.compile("[\u0370-\u03ff]")),
    ("he", re.compile("[\u0590-\u05ff]")),
    ("ti", re.compile("[\u1200-\u137f]")),
    ("hy", re.compile("[\u0530-\u058f]")),
    ("ka", re.compile("[\u10a0-\u10ff]")),
    ("hi", re.compile("[\u0900-\u097f]")),
    ("bn", re.compile("[\u0980-\u09ff]")),
    ("pa", re.compile("[\u0a00-\u0a7f]")),
    ("ta", re.compile("[\u0b80-\u0bff]")),
    ("th", re.compile("[\u0e00-\u0e7f]")),
    ("ja", re.compile("[\u3040-\u30ff]")),
    ("ko", re.compile("[\uac00-\ud7af]")),
    ("zh", re.compile("[\u3400-\u9fff]")),
)
_LATIN = re.compile(r"[a-zA-ZÀ-ɏ]")
_PERSIAN = frozenset("پچژگکی")
_URDU = frozenset("ٹڈڑںےھ")
_SORANI = frozenset("ەۆێڵڕ")
_UKRAINIAN = frozenset("іїєґ")
_RUSSIAN = frozenset("ыэъё")
_RUSSIAN_WORDS = frozenset("мне меня очень спасибо привет хорошо что как да нет одиноко друзей тоже".split())
_UKRAINIAN_WORDS = frozenset("мені мене дуже дякую привіт добре що як так ні самотньо друзів теж".split())

# Links, handles, e-mails and the scrubber's placeholders say nothing about the language.
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|@\w+|\[(?:cpr|telefon|email|link|handle)\]", re.I)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

_LANGDETECT_MAP = {"nb": "no", "nn": "no", "zh-cn": "zh", "zh-tw": "zh"}


@dataclass(frozen=True)
class LanguageGuess:
    """A language and why: 'script', 'words', 'langdetect' or 'context' (nothing in the text)."""

    language: str
    reason: str
    scores: tuple[tuple[str, float], ...] = ()


def _base(code: str | None) -> str | None:
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base in ("nb", "nn"):
        return "no"
    return base if len(base) in (2, 3) and base.isalpha() else None


def _script_language(text: str) -> str | None:
    """The language a non-Latin script shows, when it is the text's main script."""
    counts = {name: len(rx.findall(text)) for name, rx in _SCRIPTS}
    name, n = max(counts.items(), key=lambda kv: kv[1])
    if n == 0 or n < len(_LATIN.findall(text)):
        return None
    if name == "arabic":
        letters = set(text)
        if letters & _SORANI:
            return "ckb"
        if letters & _URDU:
            return "ur"
        if letters & _PERSIAN:
            return "fa"
        return "ar"
    if name == "cyrillic":
        letters = set(text.lower())
        if letters & _UKRAINIAN:
            return "uk"
        if letters & _RUSSIAN:
            return "ru"
        words = set(_WORD.findall(text.lower()))
        if len(words & _RUSSIAN_WORDS) > len(words & _UKRAINIAN_WORDS):
            return "ru"
        # Without tell-tale letters: in Denmark, Ukrainian is far more common than Russian.
        return "uk"
    return name


def _word_scores(words: list[str], text_lower: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for w in words:
        for lang in _INDEX.get(w, ()):
            scores[lang] = scores.get(lang, 0.0) + 1.0
        for endings, lang, weight in _ENDINGS:
            if len(w) > 5 and w.endswith(endings):
                scores[lang] = scores.get(lang, 0.0) + weight
    present = _SPECIAL.intersection(text_lower)
    if present:
        for letters, langs, weight in _LETTERS:
            if letters & present:
                for lang in langs:
                    scores[lang] = scores.get(lang, 0.0) + weight
    return scores


def _langdetect(text: str) -> str | None:
    try:
        ranked = detect_langs(text)
    except LangDetectException:
        return None
    best = ranked[0]
    if best.prob < 0.6:
        return None
    return _LANGDETECT_MAP.get(best.lang, best.lang.split("-")[0])


def explain_language(text: str, chosen: str | None = None, hint: str | None = None) -> LanguageGuess:
    """The language of `text` and the reason, given the writer's chosen language and platform hint."""
    chosen, hint = _base(chosen), _base(hint)
    context = chosen or hint or DENMARK
    text = unicodedata.normalize("NFC", _NOISE.sub(" ", text or ""))
    if _NON_LATIN.search(text):
        script = _script_language(text)
        if script is not None:
            return LanguageGuess(script, "script")
    lower = text.lower()
    words = _WORD.findall(lower)
    if not words:
        return LanguageGuess(context, "context")
    evidence = _word_scores(words, lower)
    if not evidence:
        if len(text.strip()) >= LANGDETECT_MIN_CHARS and len(words) >= 3:
            found = _langdetect(text)
            if found is not None and found not in ("no", "sv"):
                return LanguageGuess(found, "langdetect")
            if found in ("no", "sv"):
                # Scandinavian by n-grams but no word evidence: in Denmark, that is Danish.
                return LanguageGuess(DENMARK, "langdetect")
        return LanguageGuess(context, "context")
    total = dict(evidence)
    total[DENMARK] = total.get(DENMARK, 0.0) + DENMARK_BONUS
    if hint:
        total[hint] = total.get(hint, 0.0) + HINT_BONUS
    if chosen:
        total[chosen] = total.get(chosen, 0.0) + CHOSEN_BONUS
    ranked = sorted(total.items(), key=lambda kv: (-kv[1], kv[0] != DENMARK, kv[0]))
    return LanguageGuess(ranked[0][0], "words", tuple((k, round(v, 2)) for k, v in ranked[:4]))


def detect_language(text: str, chosen: str | None = None, hint: str | None = None) -> str:
    """An ISO 639-1 code (ISO 639-3 where there is none, e.g. 'ckb'). Short texts lean on context."""
    return explain_language(text, chosen, hint).language
