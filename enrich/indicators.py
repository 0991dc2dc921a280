"""Lure indicators of a post, each with the words that triggered it.

One scan of the post against every phrase of `data/indicators.yaml` (all languages at once:
ads mix them; `enrich.scan.PhraseScanner`), its few regular expressions where their trigger
words are, then the indicators that come from what earlier steps found: pay far above the
norm, work in a scam-compound area, contact only through a messenger, no employer named.

`detect` returns the codes of CONTRACT.md. The list also carries, as its `aux` attribute,
what no contract code names but the risk score weighs: counter-indicators of an ordinary
job ad (degree or years of experience required, an interview, a named employer with its own
e-mail or website) and other lure signals (reassurances that the work is safe, debt relief).
They stay out of the document; `risk.score` reads them from the list it is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from enrich import places
from enrich.scan import PhraseScanner, clean, fold, snippet

_DATA = yaml.safe_load(
    (Path(__file__).with_name("data") / "indicators.yaml").read_text(encoding="utf-8"))

CODES: tuple[str, ...] = (
    "high_pay_low_skill", "no_experience", "travel_paid", "room_and_board",
    "destination_hotspot", "offplatform_contact", "vague_employer", "urgency",
    "language_target", "scam_job_title", "crypto_gambling", "age_limit", "document_request",
)
COUNTERS: tuple[str, ...] = (*_DATA["counters"], "named_employer_email")
SIGNALS: tuple[str, ...] = tuple(_DATA["signals"])

_MESSENGERS = ("telegram", "whatsapp", "line", "kakao", "wechat")
_MAX_EVIDENCE = 3
_WINDOW = 48  # characters around a trigger word that its code's patterns look at
_SCAN_LIMIT = 200_000  # lures say what they are near the top; 1 MB posts are not read whole
_SKILLED = frozenset(("degree_required", "experience_required"))
# Codes that say the post offers work; without one (or stated pay) a post is no job ad, and
# "no employer named" or "a Korean post about Cambodia" says nothing about it.
_JOB_CODES = frozenset((
    "high_pay_low_skill", "no_experience", "travel_paid", "room_and_board", "urgency",
    "scam_job_title", "offplatform_contact", "language_target", "age_limit",
    "document_request", "crypto_gambling"))
_AUX = COUNTERS + SIGNALS  # the codes of `Signals.aux`, in their order


class Signals(list):
    """The contract indicators of a post, with `aux`: its counter-indicators and extra signals."""

    aux: list[dict[str, Any]]

    def __init__(self, items: Iterable[dict[str, Any]] = (),
                 aux: Iterable[dict[str, Any]] = ()) -> None:
        super().__init__(items)
        self.aux = list(aux)


class _Trigger:
    """When a code's patterns are worth running: one of its words was found by the phrase
    scan (with a number close by, for ages and years of experience), and then only the
    patterns that contain that word (a Korean age pattern for 세, not the Thai ones), and only
    around it. Far cheaper than running a dozen patterns over every post."""

    def __init__(self, spec: dict[str, Any] | None, patterns: list[str]) -> None:
        spec = spec or {}
        self.words = [fold(str(w)) for w in spec.get("words", ())]
        self.near = re.compile(spec["near"]) if spec.get("near") else None
        self.within = int(spec.get("within", 0))
        compiled = [re.compile(p) for p in patterns]
        self.every = [rx for rx, p in zip(compiled, patterns, strict=True)
                      if not any(w in p for w in self.words)]
        self.by_word = {w: [rx for rx, p in zip(compiled, patterns, strict=True) if w in p]
                        for w in self.words}
        self.for_word = {w: rxs + self.every for w, rxs in self.by_word.items()}

    def runs(self, folded: str, found: list[tuple[int, int, str]],
             ) -> list[tuple[re.Pattern[str], int, int]]:
        """(pattern, start, end): what to run where."""
        if not self.words:
            return [(rx, 0, len(folded)) for rx in self.every]
        out: list[tuple[re.Pattern[str], int, int]] = []
        near = self.near.search if self.near is not None else None
        within = self.within
        size = len(folded)
        for start, end, word in found:
            if near is not None and near(
                    folded, start - within if start > within else 0, end + within) is None:
                continue
            low = start - _WINDOW if start > _WINDOW else 0
            high = end + _WINDOW if end + _WINDOW < size else size
            out += [(rx, low, high) for rx in self.for_word.get(word, self.every)]
        return out


# What a phrase says: the codes it is evidence for, and the codes whose patterns it triggers
# as (code, trigger word) pairs.
_Entry = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]
_Patterns = list[tuple[str, _Trigger]]


def _build() -> tuple[PhraseScanner, _Patterns]:
    codes_of: dict[str, list[str]] = {}  # a phrase listed under several codes triggers each
    triggers_of: dict[str, list[tuple[str, str]]] = {}
    patterns: _Patterns = []
    for section in ("codes", "counters", "signals"):
        for code, spec in _DATA[section].items():
            for forms in (spec.get("phrases") or {}).values():
                for form in forms:
                    key = " ".join(fold(str(form)).split())
                    if code not in codes_of.setdefault(key, []):
                        codes_of[key].append(code)
            # a code's patterns run only where its trigger word is (most posts have none); each
            # is its own regex, so that its first literal or digit lets the engine skip ahead
            if spec.get("patterns"):
                trigger = _Trigger(spec.get("trigger"), spec["patterns"])
                patterns.append((code, trigger))
                for word in trigger.words:  # found by the same scan
                    key = " ".join(word.split())
                    codes_of.setdefault(key, [])
                    triggers_of.setdefault(key, []).append((code, word))
    pairs: list[tuple[str, _Entry | None]] = [
        (phrase, (tuple(codes), tuple(triggers_of.get(phrase, ()))))
        for phrase, codes in codes_of.items()]
    pairs.extend((str(form), None) for form in _DATA.get("stop", ()))
    return PhraseScanner(pairs), patterns


_SCANNER, _PATTERNS = _build()
_NORMS = _DATA["pay_norms"]
_TARGET = _DATA["language_target"]
_MESSENGER_DOMAINS = frozenset(_DATA["messenger_domains"])
_FREE_MAIL = frozenset(_DATA["free_mail"])


def detect(
    text: str,
    *,
    lang: str | None = None,
    salary: dict[str, Any] | None = None,
    pay_words: str | None = None,
    locations: list[dict[str, Any]] = (),
    place_words: Iterable[tuple[dict[str, Any], str]] = (),
    entities: dict[str, Any] | None = None,
    organizations: list[str] = (),
) -> Signals:
    """Every lure indicator of CONTRACT.md found in `text`, as `{"code", "evidence"}`.

    `salary`, `locations`, `entities` and `organizations` are what the pay, places, contacts
    and NER steps found in the same text; `pay_words` and `place_words` are the words that
    stated the pay and named each place (`pay.parse_with_evidence`, `places.mentions`), quoted
    as evidence (without them, the evidence is the amount in dollars and the places' names).
    They are passed in rather than found again: reading a post twice doubled their cost.
    Never raises on hostile input.
    """
    text = clean(text)[:_SCAN_LIMIT]
    entities = entities if isinstance(entities, dict) else {}
    locations = [loc for loc in locations or () if isinstance(loc, dict)]
    organizations = [o for o in organizations or () if isinstance(o, str) and o.strip()]
    hits: dict[str, list[str]] = {}
    ages = _scan_text(text, hits)
    if ages:
        _age(ages, hits)
    skilled = not _SKILLED.isdisjoint(hits)

    high = _high_pay(lang, salary, pay_words, locations, skilled) if salary else None
    if high:
        hits.setdefault("high_pay_low_skill", []).insert(0, high)
    elif skilled:
        hits.pop("high_pay_low_skill", None)  # "high salary" for a qualified post is no lure
    if "experience_required" in hits:
        hits.pop("no_experience", None)
    hotspots = _hotspots(locations, place_words) if locations else None
    if hotspots:
        hits["destination_hotspot"] = hotspots
    job_post = salary is not None or not _JOB_CODES.isdisjoint(hits)
    target = _language_target(lang, locations) if job_post and locations else None
    if target:
        hits.setdefault("language_target", []).append(target)
    _contact(entities, organizations, hits, job_post)

    items = [{"code": code, "evidence": "; ".join(hits[code][:_MAX_EVIDENCE])}
             for code in CODES if code in hits]
    aux = [{"code": code, "evidence": "; ".join(hits[code][:_MAX_EVIDENCE])}
           for code in _AUX if code in hits]
    return Signals(items, aux)


def public(indicators: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only the items with a contract code (for anything built by hand from mixed lists)."""
    return [item for item in indicators if isinstance(item, dict) and item.get("code") in CODES]


def _add(hits: dict[str, list[str]], code: str, words: str) -> None:
    found = hits.setdefault(code, [])
    if words and words not in found:
        found.append(words)


def _scan_text(text: str, hits: dict[str, list[str]]) -> list[tuple[int | None, int | None, str]]:
    """Phrases and patterns found, into `hits`; age bands returned for `_age` to judge."""
    ages: list[tuple[int | None, int | None, str]] = []
    folded = fold(text)
    triggered: dict[str, list[tuple[int, int, str]]] = {}
    for start, end, (codes, triggers) in _SCANNER.scan(folded):
        if codes:
            words = snippet(text, start, end)
            for code in codes:
                _add(hits, code, words)
        for name, word in triggers:
            triggered.setdefault(name, []).append((start, end, word))
    for code, trigger in _PATTERNS:
        spots = triggered.get(code)
        if spots is None and trigger.words:
            continue  # none of its trigger words: nothing to run
        seen: set[tuple[int, int]] = set()
        for regex, low, high in trigger.runs(folded, spots or []):
            for match in regex.finditer(folded, low, high):
                if match.span() in seen:
                    continue
                seen.add(match.span())
                words = snippet(text, *match.span())
                if code == "age_limit":
                    groups = match.groupdict()
                    lo, hi = groups.get("lo"), groups.get("hi")
                    ages.append((int(lo) if lo else None, int(hi) if hi else None, words))
                else:
                    _add(hits, code, words)
    return ages


def _age(ages: list[tuple[int | None, int | None, str]], hits: dict[str, list[str]]) -> None:
    """age_limit only for a narrow, young band ("18-30", "20대", "35세 이하")."""
    for lo, hi, words in ages:
        if lo is not None and lo < 10:  # 20대 / 20~30대: decades
            lo *= 10
            hi = hi * 10 + 9 if hi is not None else lo + 9
        if hi is None or hi > 40 or (lo is not None and (lo < 14 or hi - lo > 22 or hi < lo)):
            continue
        _add(hits, "age_limit", words)


def _high_pay(lang: str | None, salary: dict[str, Any] | None, pay_words: str | None,
              locations: list[dict[str, Any]], skilled: bool) -> str | None:
    if skilled or not isinstance(salary, dict) or salary.get("period") == "hour":
        return None  # hourly rates are how ordinary part-time jobs advertise, not lures
    usd = salary.get("usd_month")
    if not isinstance(usd, int | float) or usd <= 0:
        return None
    country = _NORMS["currency_country"].get(salary.get("currency"))
    if country is None and lang:
        country = _NORMS["lang_country"].get(lang)
    if country is None:
        country = next((loc.get("country") for loc in locations
                        if loc.get("country") in _NORMS["usd_month"]), None)
    norm = float(_NORMS["usd_month"].get(country, _NORMS["default"]))
    if usd < norm * float(_NORMS["ratio"]):
        return None
    return pay_words if isinstance(pay_words, str) and pay_words else f"{usd} USD a month"


def _hotspots(locations: list[dict[str, Any]],
              place_words: Iterable[tuple[dict[str, Any], str]]) -> list[str]:
    hotspots = [loc for loc in locations if places.is_hotspot(loc)]
    if not hotspots:
        return []
    written = {loc.get("name"): words for loc, words in place_words or ()
               if isinstance(loc, dict) and isinstance(words, str)}
    return [written.get(loc["name"]) or loc["name"] for loc in hotspots]


def _language_target(lang: str | None, locations: list[dict[str, Any]]) -> str | None:
    home = _TARGET["home"].get(lang or "")
    if not home:
        return None
    for loc in locations:
        country = loc.get("country")
        if country in _TARGET["destinations"] and country not in home:
            return f"a post in {lang} for work in {loc.get('name')}"
    return None


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() if "@" in address else address.lower()


def _contact(entities: dict[str, Any], organizations: list[str],
             hits: dict[str, list[str]], job_post: bool) -> None:
    handles = []
    for kind in _MESSENGERS:
        values = entities.get(kind)
        if values and isinstance(values, list):
            handles += [f"{kind}: {value}" for value in values[:2] if isinstance(value, str)]
    emails = entities.get("emails")
    own_mail = [e for e in emails if isinstance(e, str) and _domain(e) not in _FREE_MAIL
                ] if emails else []
    domains = entities.get("domains")
    websites = [d for d in (d.lower() for d in domains if isinstance(d, str))
                if d not in _MESSENGER_DOMAINS and d not in _FREE_MAIL] if domains else []
    mentions = hits.pop("offplatform_contact", [])
    if (handles or mentions) and not own_mail and not websites:
        hits["offplatform_contact"] = mentions + handles
    if organizations:
        hits.pop("vague_employer", None)
        if own_mail or websites:
            hits["named_employer_email"] = [organizations[0] + " — " + (own_mail or websites)[0]]
    elif job_post:
        hits["vague_employer"] = hits.get("vague_employer") or ["no employer named"]
    else:  # "our company" in a post that offers no job is no employer claim
        hits.pop("vague_employer", None)
