"""The configured sources (sources.yaml): what `lurewatch crawl` and the scheduler run.

    sources:
      NAME:
        spider: telegram              # a spider of spiders/
        arguments: {channel: ...}     # its arguments (CONTRACT.md, the spiders' docstrings)
        schedule: "*/30 * * * *"      # cron, for `lurewatch schedule` (optional)
        tags: [telegram, ko]          # free labels (optional)

    profiles:                         # site profiles for the `profile` spider (optional)
      NAME:
        start: {listing: URL, sitemap: URL, feed: URL, home: URL}   # any of them (optional)
        listing: {items: "css:...", next: "css:...", newest_first: true}
        job_url: "REGEX"              # which sitemap/feed URLs are job pages (optional)
        discover: [feeds, sitemaps]   # what a home page is searched for (optional)
        fields: {title: "css:...", text: "xpath:...", posted_at: {select: ..., format: ...}}
        max_pages: 50                 # listing, feed and sitemap pages read (optional)
        max_jobs: 1000                # job pages fetched (optional)
        politeness: {download_delay: 1, concurrency: 2, obey_robots: false, reason: "..."}

A selector is a string that says its language: `css:h1.title::text` or `xpath://h1/text()`.
`posted_at` is read with its formats (else ISO 8601), else as a relative date ("3 days ago",
"어제") counted back from the fetch moment (read_date, data/relative_dates.yaml).
Everything is checked when the file is loaded, so that a typo is a one-line error naming the
source or profile and the field, not a crawl that silently finds nothing.
"""

from __future__ import annotations

import calendar
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from parsel import Selector, SelectorList

DEFAULT_PATH = "sources.yaml"
PROFILE_SPIDER = "profile"
START_KINDS = ("listing", "sitemap", "feed", "home")
DISCOVERIES = ("feeds", "sitemaps")
# Fields of a job page a profile may select; title and text are required.
FIELD_NAMES = ("title", "text", "posted_at", "url", "author", "company", "location", "salary",
               "contact")
REQUIRED_FIELDS = ("title", "text")
_PROFILE_KEYS = frozenset(("platform", "start", "listing", "job_url", "discover", "fields",
                           "max_pages", "max_jobs", "politeness", "description"))
_POLITENESS_KEYS = frozenset(("download_delay", "concurrency", "obey_robots", "reason"))
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_EMPTY = Selector(text="<html><body><p>x</p></body></html>")


class SourcesError(ValueError):
    """sources.yaml cannot be used as written; the message says where and why."""


@dataclass(frozen=True)
class Source:
    name: str
    spider: str
    arguments: dict[str, str] = field(default_factory=dict)
    schedule: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    """One CSS or XPath selector of a profile."""

    language: str  # "css" or "xpath"
    expression: str

    def select(self, selector: Selector | SelectorList) -> SelectorList:
        if self.language == "css":
            return selector.css(self.expression)
        return selector.xpath(self.expression)

    def __str__(self) -> str:
        return f"{self.language}:{self.expression}"


@dataclass(frozen=True)
class FieldRule:
    """How one field is read: a selector, an optional regex group, and for dates their format."""

    query: Query
    pattern: re.Pattern[str] | None = None
    formats: tuple[str, ...] = ()  # strptime formats; empty = ISO 8601; then relative dates
    timezone: tzinfo | None = None  # for dates written without an offset


@dataclass(frozen=True)
class Politeness:
    download_delay: float | None = None
    concurrency: int | None = None
    obey_robots: bool = True
    reason: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    fields: dict[str, FieldRule]
    items: Query | None = None
    next_page: Query | None = None
    newest_first: bool = False
    start: tuple[tuple[str, str], ...] = ()  # (kind, URL)
    job_url: re.Pattern[str] | None = None
    discover: tuple[str, ...] = DISCOVERIES
    platform: str = "jobboard"
    max_pages: int = 50
    max_jobs: int = 1000
    politeness: Politeness = field(default_factory=Politeness)


def sources_path(path: str | None = None) -> Path:
    """The file named on the command line, else LUREWATCH_SOURCES, else ./sources.yaml."""
    return Path(path or os.environ.get("LUREWATCH_SOURCES") or DEFAULT_PATH)


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesError(f"cannot read {path}: {exc.strerror}; give --sources PATH "
                           "or set LUREWATCH_SOURCES") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise SourcesError(f"{path} is not valid YAML{where}") from exc


def load_sources(path: Path, spiders: set[str]) -> dict[str, Source]:
    """Every source of the file, checked against the spiders and profiles that exist.

    A source of the `profile` spider gets the file's path as its `sources` argument, so that
    the spider reads its profile from the same file wherever it runs.
    """
    raw = _read(path)
    entries: Any = (raw or {}).get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise SourcesError(f"{path} needs a top-level `sources:` mapping of NAME: {{spider: ...}}")
    profiles = _profiles(path, raw)
    sources = {}
    for name, entry in entries.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("spider"), str):
            raise SourcesError(f"{path}: source {name!r} needs `spider: NAME`")
        if entry["spider"] not in spiders:
            raise SourcesError(f"{path}: source {name!r} names spider {entry['spider']!r}; "
                               f"known spiders: {', '.join(sorted(spiders))}")
        arguments = entry.get("arguments") or {}
        if not isinstance(arguments, dict):
            raise SourcesError(f"{path}: `arguments` of source {name!r} must be a mapping")
        arguments = {str(k): str(v) for k, v in arguments.items()}
        if entry["spider"] == PROFILE_SPIDER:
            profile = arguments.get("profile")
            if profile not in profiles:
                raise SourcesError(
                    f"{path}: source {name!r} needs `arguments: {{profile: NAME}}` naming one of "
                    f"the file's profiles ({', '.join(sorted(profiles)) or 'none defined'})")
            arguments.setdefault("sources", str(path.resolve()))
        sources[str(name)] = Source(
            name=str(name), spider=entry["spider"], arguments=arguments,
            schedule=entry.get("schedule"), tags=tuple(entry.get("tags") or ()),
        )
    return sources


def load_profiles(path: Path) -> dict[str, Profile]:
    """Every site profile of the file (its `profiles:` section), checked."""
    return _profiles(path, _read(path))


def load_profile(path: Path, name: str) -> Profile:
    """The profile `name` of the file, or a SourcesError that lists the ones there are."""
    profiles = load_profiles(path)
    if name not in profiles:
        raise SourcesError(f"{path} has no profile {name!r}; "
                           f"known: {', '.join(sorted(profiles)) or 'none'}")
    return profiles[name]


# -- profiles -------------------------------------------------------------------------------

def _profiles(path: Path, raw: Any) -> dict[str, Profile]:
    section = raw.get("profiles") if isinstance(raw, dict) else None
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise SourcesError(f"{path}: `profiles:` must be a mapping of NAME: {{fields: ...}}")
    return {str(name): _profile(path, str(name), entry) for name, entry in section.items()}


def _profile(path: Path, name: str, entry: Any) -> Profile:
    def fail(where: str, why: str) -> SourcesError:
        return SourcesError(f"{path}: profile {name!r}, {where}: {why}")

    if not isinstance(entry, dict):
        raise fail("entry", "must be a mapping with at least `fields: {title, text}`")
    unknown = sorted(set(entry) - _PROFILE_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; known: {', '.join(sorted(_PROFILE_KEYS))}")
    fields = entry.get("fields")
    if not isinstance(fields, dict):
        raise fail("fields", "needs a mapping of field: selector with at least title and text")
    rules = {}
    for key, spec in fields.items():
        if key not in FIELD_NAMES:
            raise fail(f"fields.{key}", f"unknown field; known: {', '.join(FIELD_NAMES)}")
        rules[key] = _field_rule(spec, lambda why, k=key: fail(f"fields.{k}", why))
    for key in REQUIRED_FIELDS:
        if key not in rules:
            raise fail(f"fields.{key}", "is required")

    listing = entry.get("listing") or {}
    if not isinstance(listing, dict) or set(listing) - {"items", "next", "newest_first"}:
        raise fail("listing", "must be a mapping of items, next and newest_first")
    items = _query(listing["items"], lambda why: fail("listing.items", why)) \
        if "items" in listing else None
    next_page = _query(listing["next"], lambda why: fail("listing.next", why)) \
        if "next" in listing else None

    start = entry.get("start") or {}
    if not isinstance(start, dict):
        raise fail("start", f"must be a mapping of {', '.join(START_KINDS)} to URLs")
    points: list[tuple[str, str]] = []
    for kind, urls in start.items():
        if kind not in START_KINDS:
            raise fail(f"start.{kind}", f"unknown kind; known: {', '.join(START_KINDS)}")
        for url in urls if isinstance(urls, list) else [urls]:
            if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
                raise fail(f"start.{kind}", f"{url!r} is not an http(s) URL")
            points.append((kind, url))
    if any(kind == "listing" for kind, _ in points) and items is None:
        raise fail("listing.items", "is required when the profile starts at a listing")

    discover = entry.get("discover", list(DISCOVERIES))
    if isinstance(discover, str):
        discover = [discover]
    if not isinstance(discover, list) or set(discover) - set(DISCOVERIES):
        raise fail("discover", f"must list some of {', '.join(DISCOVERIES)}")

    job_url = None
    if entry.get("job_url") is not None:
        try:
            job_url = re.compile(str(entry["job_url"]))
        except re.error as exc:
            raise fail("job_url", f"is not a regular expression ({exc})") from None

    return Profile(
        name=name, fields=rules, items=items, next_page=next_page,
        newest_first=_bool(listing.get("newest_first", False),
                           lambda why: fail("listing.newest_first", why)),
        start=tuple(points), job_url=job_url, discover=tuple(discover),
        platform=str(entry.get("platform") or "jobboard"),
        max_pages=_positive(entry.get("max_pages", 50), lambda why: fail("max_pages", why)),
        max_jobs=_positive(entry.get("max_jobs", 1000), lambda why: fail("max_jobs", why)),
        politeness=_politeness(entry.get("politeness") or {},
                               lambda where, why: fail(f"politeness.{where}".rstrip("."), why)),
    )


def parse_query(text: Any) -> Query:
    """A `css:...` or `xpath:...` selector, checked; ValueError says what is wrong."""
    if not isinstance(text, str) or ":" not in text:
        raise ValueError(f"{text!r} must start with css: or xpath:")
    language, expression = text.split(":", 1)
    language, expression = language.strip().lower(), expression.strip()
    if language not in ("css", "xpath") or not expression:
        raise ValueError(f"{text!r} must start with css: or xpath:")
    query = Query(language, expression)
    try:
        query.select(_EMPTY)
    except Exception as exc:  # cssselect and lxml raise several kinds for a bad selector
        raise ValueError(f"selector {text!r} does not parse ({exc})") from None
    return query


def _query(text: Any, fail: Any) -> Query:
    try:
        return parse_query(text)
    except ValueError as exc:
        raise fail(str(exc)) from None


def _field_rule(spec: Any, fail: Any) -> FieldRule:
    if isinstance(spec, str):
        return FieldRule(_query(spec, fail))
    if not isinstance(spec, dict) or "select" not in spec:
        raise fail("must be a selector or a mapping with `select:` (and pattern, format, "
                   "timezone)")
    unknown = sorted(set(spec) - {"select", "pattern", "format", "timezone"})
    if unknown:
        raise fail(f"unknown key {unknown[0]!r}; known: select, pattern, format, timezone")
    pattern = None
    if spec.get("pattern") is not None:
        try:
            pattern = re.compile(str(spec["pattern"]))
        except re.error as exc:
            raise fail(f"pattern is not a regular expression ({exc})") from None
    formats = spec.get("format") or []
    formats = [formats] if isinstance(formats, str) else formats
    if not isinstance(formats, list) or not all(isinstance(f, str) and "%" in f for f in formats):
        raise fail("format must be a strptime format such as '%d/%m/%Y %H:%M', or a list")
    zone = _timezone(spec["timezone"], fail) if spec.get("timezone") is not None else None
    return FieldRule(_query(spec["select"], fail), pattern, tuple(formats), zone)


def _timezone(value: Any, fail: Any) -> tzinfo:
    text = str(value).strip()
    match = _OFFSET.match(text)
    if match:
        sign = -1 if match.group(1) == "-" else 1
        return timezone(sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise fail(f"timezone {text!r} is neither an offset like +07:00 nor a zone like "
                   "Asia/Phnom_Penh") from None


def _politeness(spec: Any, fail: Any) -> Politeness:
    if not isinstance(spec, dict):
        raise fail("", "must be a mapping")
    unknown = sorted(set(spec) - _POLITENESS_KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; known: {', '.join(sorted(_POLITENESS_KEYS))}")
    delay = spec.get("download_delay")
    if delay is not None and (not isinstance(delay, int | float) or delay < 0):
        raise fail("download_delay", "must be a number of seconds, 0 or more")
    concurrency = spec.get("concurrency")
    if concurrency is not None:
        concurrency = _positive(concurrency, lambda why: fail("concurrency", why))
    obey = _bool(spec.get("obey_robots", True), lambda why: fail("obey_robots", why))
    reason = spec.get("reason")
    if not obey and not (isinstance(reason, str) and reason.strip()):
        raise fail("obey_robots", "false needs a `reason:` saying why robots.txt is ignored")
    return Politeness(
        download_delay=float(delay) if delay is not None else None, concurrency=concurrency,
        obey_robots=obey, reason=reason.strip() if isinstance(reason, str) else None,
    )


def _positive(value: Any, fail: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise fail(f"must be a whole number of at least 1, not {value!r}")
    return value


def _bool(value: Any, fail: Any) -> bool:
    if not isinstance(value, bool):
        raise fail(f"must be true or false, not {value!r}")
    return value


# -- dates ----------------------------------------------------------------------------------

class DateReading(NamedTuple):
    """A parsed `posted_at`: the moment, and for a relative date ("3 days ago") the unit it was
    counted in, which is all the precision the page gave (None when written absolutely)."""

    moment: datetime
    relative: str | None = None


def read_date(text: str, rule: FieldRule, now: datetime | None = None) -> DateReading | None:
    """A date as the profile says the site writes it (strptime formats, else ISO 8601), else a
    relative date ("3 days ago", "어제") counted back from `now`, the fetch moment. Relative
    dates need `now`: the parser keeps no clock of its own, so a re-read of an archived page
    gives the same answer."""
    text = " ".join(text.split())
    for fmt in rule.formats or ("iso",):
        try:
            moment = (datetime.fromisoformat(text.replace("Z", "+00:00")) if fmt == "iso"
                      else datetime.strptime(text, fmt))
        except ValueError:
            continue
        if moment.tzinfo is None and rule.timezone is not None:
            moment = moment.replace(tzinfo=rule.timezone)
        return DateReading(moment)
    return parse_relative_date(text, now, rule.timezone) if now is not None else None


RELATIVE_DATES = Path(__file__).resolve().parent / "data" / "relative_dates.yaml"
DATE_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
_MAX_RELATIVE = 120  # characters: longer texts are sentences, not dates
_TRIM = " .,;:·•()[]"  # not dashes: "-3 days ago" is no date


def _fold(text: str) -> str:
    """The form relative dates are matched in: NFKC (full-width to ASCII), case folded, Khmer's
    zero-width word breaks as spaces, whitespace collapsed; other scripts' digits stay (`\\d`
    and int() read them)."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("\u200b", " ")
    return " ".join(text.replace("\ufeff", "").split())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@dataclass(frozen=True)
class _Language:
    """One language of relative_dates.yaml, compiled."""

    counted: tuple[re.Pattern[str], ...]  # groups n (count) and unit
    phrase: re.Pattern[str]  # group phrase: a key of `phrases`
    units: dict[str, str]  # word -> unit
    numbers: dict[str, int]  # word -> count
    phrases: dict[str, int | None]  # phrase -> days back; None = the fetch moment


@cache
def relative_languages(path: Path = RELATIVE_DATES) -> dict[str, _Language]:
    """The relative-date words of every language, compiled once per process."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    languages = {}
    for lang, spec in raw.items():
        units = {_fold(w): unit for unit, words in spec.get("units", {}).items()
                 for w in words if unit in DATE_UNITS}
        numbers = {_fold(w): int(n) for w, n in (spec.get("numbers") or {}).items()}
        phrases: dict[str, int | None] = {_fold(p): None for p in spec.get("now") or ()}
        for days, words in (spec.get("days") or {}).items():
            phrases.update({_fold(p): int(days) for p in words})
        prefix = (rf"(?:(?:{_alternation(_fold(p) for p in spec['prefixes'])}):? ?)*"
                  if spec.get("prefixes") else "")
        count = r"\d+" + (f"|{_alternation(numbers)}" if numbers else "")
        counted = []
        for form in spec.get("forms") or ():
            body = re.escape(_fold(form)).replace(r"\ ", " ?")
            body = (body.replace(r"\{n\}", f"(?P<n>{count})").replace(r"\{d\}", r"(?P<n>\d+)")
                    .replace(r"\{unit\}", f"(?P<unit>{_alternation(units)})"))
            counted.append(re.compile(prefix + body))
        phrase = re.compile(f"{prefix}(?P<phrase>{_alternation(phrases) or '(?!)'})")
        languages[str(lang)] = _Language(tuple(counted), phrase, units, numbers, phrases)
    return languages


def parse_relative_date(text: str, now: datetime, zone: tzinfo | None = None
                        ) -> DateReading | None:
    """A relative date ("3 days ago", "5h", "어제", "3天前", "๓ วันที่แล้ว") as the moment it
    names, counted back from `now` (the fetch moment; naive = UTC); None when not one.

    The answer is `now` minus the stated interval: the latest moment the words allow, as sites
    round down ("3 days ago" covers 3 to 4 days). Seconds, minutes and hours are exact
    durations; days and weeks are calendar days and months and years calendar months (the day
    clamped: 31 March - 1 month = 28/29 February), counted on the wall clock of `zone` (the
    profile's `timezone:`, else now's own), so the time of day is kept across DST changes.
    "today" is `now`, "yesterday" `now` less one calendar day (the time of day is kept, like
    "1 day ago"), "just now" is `now`. Never raises: what it cannot read or count gives None.
    """
    folded = _fold(text).strip(_TRIM)
    if not folded or len(folded) > _MAX_RELATIVE:
        return None
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    for language in relative_languages().values():
        match = language.phrase.fullmatch(folded)
        if match:
            days = language.phrases[match.group("phrase")]
            if days is None:
                return DateReading(now, "minute")
            return _back(now, days, "day", zone)
        for pattern in language.counted:
            match = pattern.fullmatch(folded)
            if match:
                word, unit = match.group("n"), language.units[match.group("unit")]
                count = language.numbers[word] if word in language.numbers else int(word)
                return _back(now, count, unit, zone)
    return None


def _back(now: datetime, count: int, unit: str, zone: tzinfo | None) -> DateReading | None:
    """`now` less `count` units (see parse_relative_date), or None when out of range."""
    try:
        if unit in ("second", "minute", "hour"):
            return DateReading(now - timedelta(**{f"{unit}s": count}), unit)
        local = now.astimezone(zone) if zone is not None else now
        wall = local.replace(tzinfo=None)
        if unit in ("day", "week"):
            wall -= timedelta(days=count * (7 if unit == "week" else 1))
        else:
            year, month = divmod(wall.year * 12 + wall.month - 1
                                 - count * (12 if unit == "year" else 1), 12)
            wall = wall.replace(year=year, month=month + 1,
                                day=min(wall.day, calendar.monthrange(year, month + 1)[1]))
        return DateReading(wall.replace(tzinfo=local.tzinfo), unit)
    except (ValueError, OverflowError):  # before year 1, or past timedelta's range
        return None
