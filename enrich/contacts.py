"""Contact points in a post: phones, messaging handles, e-mails, links, domains, wallets.

They are what ties a lure to its operator across posts and platforms, so each comes out in
one normal form (CONTRACT.md): E.164 phones, lower-case e-mails and handles without "@",
registrable domains, checksum-valid wallets. False positives cost analysts time, so a number
counts as a phone only when phonenumbers finds it valid *as written* in a country the text
points to (a place, its language, the script around it, a "+855" or a country named nearby),
and never when a currency, a unit or a date shape stands beside it. A handle counts when it is
a t.me link or an @name, or when an app's name ("텔레", "飞机", "tg:", "카톡 ID", "ไลน์",
"微信", "VX") labels it; the app words, countries and stop-words live in
``enrich/data/contact_patterns.yaml``.

Speed (this step runs on every post): every pattern opens with a character set or a literal,
so that the regex engine skips to where it can match; links and e-mails are read only around
their anchors; and what depends on one line alone is scanned once per distinct line and
remembered from its second sighting on (`_scan_parts`), as is the reading of a number in its
surroundings (`_read_number`, with the countries the whole text names when it needed them),
an app name's ID (`_id_after`, `_labelled_value`), a link's parts and an e-mail's address:
posts repeat lines (boilerplate, reposts) and contact points. A line never seen before costs
the readers a cheap test lets run on it. Each shortcut gives exactly the plain result.

Layout: the patterns file, folding and the cap on candidates (`contacts_text`), the phrase
finder (`contacts_phrases`), links and e-mails (`contacts_links`), phones
(`contacts_phones`), messaging handles (`contacts_apps`), wallets (`contacts_wallets`) and
the per-line scans (`contacts_scan`); this module runs one text's pass over them
(`_Extraction`).
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import islice
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from enrich.contacts_apps import (
    _APP_REGION,
    _HANDLE_APPS,
    _KAKAO_CODE,
    _LINE_NAME,
    _NAME_RULES,
    _TG_RESERVED,
    _WINDOW,
    _apps_named,
    _id_after,
    _labelled_value,
    _looks_like_host,
    _telegram_name,
    _trim_name,
)
from enrich.contacts_links import (
    _AT_WORD,
    _EMAIL,
    _MAIL_WORD,
    _email_address,
    _email_finditer,
    _web_link,
)

# Private names the tests read here (tests/test_contacts.py), re-exported from where they live.
from enrich.contacts_links import _BARE_DOMAIN as _BARE_DOMAIN
from enrich.contacts_links import _DOT_WORD as _DOT_WORD
from enrich.contacts_links import _HOST_RUN as _HOST_RUN
from enrich.contacts_links import _TLD as _TLD
from enrich.contacts_links import _URL as _URL
from enrich.contacts_links import _URL_ANCHOR as _URL_ANCHOR
from enrich.contacts_links import _URL_RUN as _URL_RUN
from enrich.contacts_links import _runs_finditer as _runs_finditer
from enrich.contacts_phones import (
    _AFTER_LABEL,
    _CONTINUES,
    _DATE,
    _DIGITS,
    _GLUED_START,
    _GROUP,
    _LABEL_GAP,
    _LANG_COUNTRY,
    _PHONE,
    _PHONE_APPS,
    _PHONE_GLUED,
    _PRICE_AFTER,
    _counted_hints,
    _fallback,
    _hints_in,
    _international,
    _national,
    _price_before,
    _regions_before,
    _script_region,
    _unique,
)
from enrich.contacts_scan import (
    _AT_TEST,
    _BRACKET_CHARS,
    _BRACKETS,
    _DOMAIN_TEST,
    _LINE_MAX,
    _LINK_TEST,
    _MAIL_TEST,
    _WALLET_TEST,
    _line_hints,
    _scan_parts,
)
from enrich.contacts_text import _MAX_CANDIDATES, _fold
from enrich.scan import clean

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = (
    "phones", "emails", "urls", "domains", "telegram", "whatsapp", "line", "kakao", "wechat",
    "wallets",
)
_OFFSET = itemgetter(0)
# Numbers read, by what their reading depends on (see _Extraction._read_number); cleared
# when full.
_NUMBERS: dict[tuple, tuple[int, tuple[tuple[int, int, str], ...], tuple[str, ...] | None]] = {}
_NUMBERS_MEMO = 16384


@lru_cache(maxsize=256)
def country_hint(lang: str | None) -> str | None:
    """The country whose ads are usually written in `lang` (ko -> KR), or None."""
    return _LANG_COUNTRY.get((lang or "").lower().split("-")[0]) if lang else None


def empty() -> dict[str, list]:
    """A result with every kind present and nothing found (written out: once per post, a
    dict display costs less than a comprehension)."""
    return {"phones": [], "emails": [], "urls": [], "domains": [], "telegram": [],
            "whatsapp": [], "line": [], "kakao": [], "wechat": [], "wallets": []}


assert tuple(empty()) == KINDS


def extract(
    text: str,
    links: Sequence[str] = (),
    country: str | None = None,
    lang: str | None = None,
) -> dict[str, list]:
    """Every contact point in `text` and in the `links` behind it, de-duplicated, in order.

    `country` (ISO 3166-1 alpha-2) is where the text points, `lang` its language: both say
    how a number written in national form ("012 345 678") dials. Never raises.
    """
    try:
        return _Extraction(clean(text), links, country, lang).run()
    except Exception:  # scraped text is hostile; losing one post's contacts beats a crash
        logger.exception("contact extraction failed; returning nothing for this text")
        return empty()


class _Extraction:
    """One text's pass: findings are (offset, kind, value) so that order is first appearance."""

    def __init__(self, text: str, links: Sequence[str], country: str | None,
                 lang: str | None) -> None:
        self.links = [_fold(clean(link)) for link in list(links or ())[:_MAX_CANDIDATES]]
        self.country = (country or "").upper() or None
        self.lang_country = country_hint(lang)
        self.found: list[tuple[int, str, Any]] = []
        self.taken: list[tuple[int, int]] = []
        self._hints: tuple[str, ...] | None = None
        self.used_wide = False  # whether a number was read in the whole text's countries
        self.budget = _MAX_CANDIDATES  # numbers tried: bounds the work on a dump of digits
        # What the patterns find, line by line: (offset of the line, its scan).
        self.parts = parts = _scan_parts(text)
        if len(parts) == 1:
            scan = parts[0][1]
            self.tests = scan.tests
            self.text = scan.text
            self.triggers: Sequence[tuple[int, int, str]] = scan.triggers
            numbers: Sequence[tuple[int, int]] | None = scan.numbers
            all_numbers = scan.all_numbers
        else:  # the lines' findings, moved by their offsets (one loop: most lines hold none)
            tests = 0
            texts = []
            triggers: list[tuple[int, int, str]] = []
            numbers = []
            all_numbers = True
            for offset, scan in parts:
                tests |= scan.tests
                texts.append(scan.text)
                if scan.triggers:
                    triggers += [(start + offset, end + offset, app)
                                 for start, end, app in scan.triggers]
                if scan.numbers:
                    numbers += [(start + offset, end + offset) for start, end in scan.numbers]
                    all_numbers = all_numbers and scan.all_numbers
            self.tests = tests
            self.text = "\n".join(texts)
            self.triggers = triggers
        self.trigger_ends = [end for _, end, _ in self.triggers]
        # Spans `_PHONE` matches, in order, when known for the whole text (see _next_number).
        self.numbers = numbers if all_numbers else None
        self._skeleton: bytes | None = None
        self._broken: bool | None = None  # see _broken_mail

    @property
    def skeleton(self) -> bytes:
        if self._skeleton is None:
            parts = self.parts
            self._skeleton = parts[0][1].skeleton if len(parts) == 1 else b"\n".join(
                [scan.skeleton for _, scan in parts])
        return self._skeleton

    def _broken_mail(self) -> bool:
        """Whether an e-mail may run across a line break, in a text of several lines: an
        "[at]" or "[dot]" with one in it or next to it (the only places `_EMAIL` takes one
        in). A bracket ending or starting a line comes first: it is cheap to tell, and
        brackets at line ends are common ("(주)"), "[at]" beside them rare."""
        if self._broken is None:
            lines = [scan.text for _, scan in self.parts]
            self._broken = False
            if any(line[:1] in _BRACKET_CHARS for line in lines[1:]) or any(
                    line[-1:] in _BRACKET_CHARS for line in lines[:-1]):
                text = self.text
                self._broken = any("\n" in text[max(0, m.start() - 1):m.end() + 1]
                                   for m in _MAIL_WORD.finditer(text))
        return self._broken

    def found_in_lines(self, kind: str) -> list[tuple[int, tuple]]:
        """(offset of its line, item) for the first _MAX_CANDIDATES items of one kind."""
        parts = self.parts
        if len(parts) == 1:
            offset, scan = parts[0]
            return [(offset, item) for item in getattr(scan, kind)]  # (at most that many)
        found = [(offset, item) for offset, scan in parts for item in getattr(scan, kind)]
        return found[:_MAX_CANDIDATES] if len(found) > _MAX_CANDIDATES else found

    def run(self) -> dict[str, list]:
        tests = self.tests
        if tests & _LINK_TEST:
            self._urls()
        if tests & (_MAIL_TEST | _AT_TEST):
            self._emails()
        elif tests & _BRACKETS and len(self.parts) > 1 and self._broken_mail() and (
                _AT_WORD.search(self.text)):
            self._emails()  # an "[at]" with a line break in it
        self._handles()
        self._phones()
        self._wallets()
        if tests & _DOMAIN_TEST:
            self._bare_domains()
        base = len(self.text) + 1
        for i, link in enumerate(self.links):
            self._link(base + i, link, as_found=True)
        return self._result()

    # -- bookkeeping
    def add(self, offset: int, kind: str, value: Any) -> None:
        self.found.append((offset, kind, value))

    def is_taken(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a link or e-mail already read (spans never overlap)."""
        i = bisect.bisect_left(self.taken, (end,))
        return i > 0 and self.taken[i - 1][1] > start

    def take(self, start: int, end: int) -> None:
        bisect.insort(self.taken, (start, end))

    def _result(self) -> dict[str, list]:
        out = empty()
        seen: set[tuple[str, str]] = set()
        self.found.sort(key=_OFFSET)  # stable: what one offset holds stays in finding order
        for _, kind, value in self.found:
            key = (kind, value["address"] if kind == "wallets" else value)
            if key in seen:
                continue
            seen.add(key)
            out[kind].append(value)
        return out

    # -- triggers
    def triggers_before(self, pos: int, window: int = _WINDOW) -> list[tuple[int, int, str]]:
        """Triggers ending within `window` characters before `pos`, nearest first."""
        hi = bisect.bisect_right(self.trigger_ends, pos)
        out = []
        for i in range(hi - 1, -1, -1):
            start, end, app = self.triggers[i]
            if end < pos - window:
                break
            out.append((start, end, app))
        return out

    # -- links
    def _urls(self) -> None:
        matches = 0  # links are kept from the first _MAX_CANDIDATES matches
        for offset, scan in self.parts:
            for index, start, url in scan.urls:
                if matches + index >= _MAX_CANDIDATES:
                    return
                self.take(start + offset, start + offset + len(url))
                self._link(start + offset, url, as_found=True)
            matches += scan.url_matches

    def _link(self, offset: int, url: str, *, as_found: bool) -> None:
        url = url.strip()
        if not url:
            return
        lower = url.lower()
        if lower.startswith("mailto:"):
            address = unquote(url[7:].split("?", 1)[0])
            match = _EMAIL.fullmatch(address.strip())
            if match:
                self._email(offset, match.group(1), match.group(2))
            return
        if lower.startswith(("tel:", "callto:", "sms:")):
            number = unquote(url.split(":", 1)[1].split("?", 1)[0])
            e164 = self._resolve_number(number, offset, app=None)
            if e164:
                self.add(offset, "phones", e164)
            return
        if lower.startswith("tg://"):
            query = parse_qs(urlsplit(url).query)
            for name in query.get("domain", [])[:1]:
                self._telegram(offset, name, context=True)
            return
        if lower.startswith("javascript:") or lower.startswith("#"):
            return
        web = _web_link(url)
        if web is None:
            return  # a relative href or junk: nothing to pivot on
        host, domain, path, query = web
        if as_found:
            self.add(offset, "urls", url)
        if domain:
            self.add(offset, "domains", domain)
        if host in ("t.me", "telegram.me", "telegram.dog"):
            self._telegram_path(offset, path)
        elif host == "wa.me" and path and path[0].lstrip("+").isdigit():
            self._whatsapp_number(offset, "+" + path[0].lstrip("+"))
        elif host in ("api.whatsapp.com", "whatsapp.com", "web.whatsapp.com"):
            for phone in parse_qs(query).get("phone", [])[:1]:
                self._whatsapp_number(offset, "+" + phone.strip().lstrip("+"))
        elif host == "line.me" and len(path) >= 2:
            self._line_path(offset, path)
        elif host == "open.kakao.com" and len(path) >= 2 and path[0] in ("o", "me"):
            if _KAKAO_CODE.fullmatch(path[1]):  # open-chat codes are case-sensitive
                self.add(offset, "kakao", path[1] if path[0] == "o" else path[1].lower())
        elif host == "pf.kakao.com" and path and _KAKAO_CODE.fullmatch(path[0]):
            self.add(offset, "kakao", path[0])  # a KakaoTalk channel
        elif host == "zalo.me" and path and path[0].lstrip("+").isdigit():
            e164 = self._resolve_number(path[0], offset, app="zalo")
            if e164:
                self.add(offset, "phones", e164)

    def _telegram_path(self, offset: int, path: Sequence[str]) -> None:
        if not path:
            return
        first = path[0]
        if first.startswith("+") and first[1:].isdigit():
            e164 = _international(first[1:])  # t.me/+855...: a chat with a phone number
            if e164:
                self.add(offset, "phones", e164)
            return
        if first.startswith("+") or first.lower() == "joinchat":
            return  # an invite link names no account
        if first.lower() == "s" and len(path) >= 2:
            first = path[1]
        elif first.lower() in _TG_RESERVED:
            return
        self._telegram(offset, first.lstrip("@"), context=True)

    def _line_path(self, offset: int, path: Sequence[str]) -> None:
        # line.me/ti/p/~id (a person), line.me/R/ti/p/@id (an official account)
        lowered = [p.lower() for p in path]
        if "p" in lowered:
            idx = lowered.index("p")
            if idx + 1 < len(path) and lowered[idx - 1:idx] == ["ti"]:
                name = path[idx + 1].lstrip("~@").lower()
                if _LINE_NAME.fullmatch(name):
                    self.add(offset, "line", name)

    def _whatsapp_number(self, offset: int, number: str) -> None:
        e164 = self._resolve_number(number, offset, app="whatsapp")
        if e164:
            self.add(offset, "phones", e164)
            self.add(offset, "whatsapp", e164)

    # -- e-mails
    def _emails(self) -> None:
        text = self.text
        if len(self.parts) > 1 and self.tests & _BRACKETS and self._broken_mail():
            # An e-mail may run across a line break ("x\n[at] y.com"): read the whole text.
            found: Iterable[tuple[int, tuple[int, int, str, str]]] = (
                (0, (m.start(), m.end(), m.group(1), m.group(2)))
                for m in islice(_email_finditer(text), _MAX_CANDIDATES))
        else:
            found = self.found_in_lines("emails")
        for offset, (start, end, local, domain) in found:
            start, end = start + offset, end + offset
            if self.is_taken(start, end):
                continue
            if self._email(start, local, domain):
                self.take(start, end)

    def _email(self, offset: int, local: str, domain: str) -> bool:
        """Adds the e-mail of a `_EMAIL` match's local part and domain part, if it is one."""
        found = _email_address(local, domain)
        if found is None:
            return False
        address, registrable = found
        self.add(offset, "emails", address)
        if registrable:
            self.add(offset, "domains", registrable)
        return True

    # -- handles
    def _handles(self) -> None:
        text = self.text
        done: set[int] = set()
        for start, end, app in self.triggers:
            if app not in _HANDLE_APPS:
                continue
            label = _id_after(text, end)
            if not label:
                continue
            name_start, name_end, name, strong, labelled = label
            if name_start in done or self.is_taken(name_start, name_end):
                continue
            if self._labelled_id(app, text[start:end], name, name_start, name_end, strong,
                                 labelled):
                done.add(name_start)
        for offset, (start, end, name_start, name) in self.found_in_lines("handles"):  # @name
            start, end, name_start = start + offset, end + offset, name_start + offset
            if name_start in done or self.is_taken(start, end):
                continue
            name, name_end = _trim_name(name, end)
            if _looks_like_host(text, name_end):
                continue
            app = "telegram"
            for _, _, trigger_app in self.triggers_before(start):
                if trigger_app in _HANDLE_APPS or trigger_app == "other":
                    app = trigger_app
                    break
            if app == "other":
                continue
            if app == "telegram":
                self._telegram(start, name, context=False)
            else:
                self._named(start, app, name)

    def _labelled_id(self, app: str, trigger: str, name: str, offset: int, end: int,
                     strong: bool, labelled: bool) -> bool:
        """Adds the ID `name` that an app's name (`trigger`) labels, if it is one. `strong`:
        written with "@", an ID word ("ID", "아이디") or a separator (":"); `labelled`: with
        "@" or an ID word."""
        name, end = _trim_name(name, end)
        if _looks_like_host(self.text, end):
            return False
        found = _labelled_value(app, trigger, name, strong, labelled)
        if found is None:
            return False
        self.add(offset, *found)
        return True

    def _telegram(self, offset: int, name: str, *, context: bool) -> bool:
        lowered = _telegram_name(name, context)
        if lowered is None:
            return False
        self.add(offset, "telegram", lowered)
        return True

    def _named(self, offset: int, app: str, name: str) -> bool:
        if not _NAME_RULES[app].fullmatch(name):
            return False
        self.add(offset, app, name.lower())
        return True

    # -- phones
    def _phones(self) -> None:
        text = self.text
        spans: list[tuple[int, int]] = []
        pos = count = 0
        while count < _MAX_CANDIDATES:
            span = self._next_number(pos)
            if not span:
                break
            count += 1
            start, end = span
            if self.is_taken(start, end):
                pos = end
                continue
            found = self._read_number(start, end)
            spans.extend(found)
            if found and found[-1][1] < end:
                pos = found[-1][1]  # a second number may go on past this candidate
            elif not found and _CONTINUES.match(text, end):
                second = _GROUP.search(text, start)
                second = _GROUP.search(text, second.end()) if second else None
                pos = second.start() if second else end
            else:
                pos = end
        for _, end, app in self.triggers:
            if text[end:end + 1] in _GLUED_START and app in _PHONE_APPS:
                match = _PHONE_GLUED.match(text, end)
                if match and not self.is_taken(end, match.end()):
                    spans.extend(self._read_number(end, match.end()))
        previous: tuple[int, str | None] = (-10, None)
        for start, end, e164 in sorted(set(spans)):
            app = self._phone_app(start, end, previous)
            previous = (end, app)
            self.add(start, "phones", e164)
            if app == "whatsapp":
                self.add(start, "whatsapp", e164)

    def _next_number(self, pos: int) -> tuple[int, int] | None:
        """The span of `_PHONE.search(self.text, pos)`, from the spans `finditer` gives when
        the lines gave them: the leftmost match from a point no match covers is the next
        one `finditer` found (it would have found any match in between)."""
        numbers = self.numbers
        if numbers is not None:
            i = bisect.bisect_left(numbers, (pos,))
            if i == 0 or numbers[i - 1][1] <= pos:
                return numbers[i] if i < len(numbers) else None
        match = _PHONE.search(self.text, pos)
        return match.span() if match else None

    def _read_number(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The numbers in one candidate span: whole, or a run of numbers split at spaces.

        Remembered by what they depend on: the text from _WINDOW characters before the span
        to _WINDOW after it (prices, dates, the countries named before, the script around),
        the app names ending in it, and the document's country and language. A reading that
        needed the countries of the whole text (_wide_regions) holds only for a text that
        names the same ones: it is remembered with them. A reading that the budget of tries
        could have cut short is not remembered.
        """
        lo = max(0, start - _WINDOW)
        key = (self.text[lo:end + _WINDOW], start - lo, end - lo, self._triggers_from(lo, end),
               self.country, self.lang_country)
        known = _NUMBERS.get(key)
        if known is not None and self.budget > known[0] and (
                known[2] is None or known[2] == self._wide_regions()):
            tries, found, _ = known
            self.budget -= tries
            return [(s + lo, e + lo, e164) for s, e, e164 in found]
        budget, self.used_wide = self.budget, False
        out = self._read_number_afresh(start, end)
        tries = budget - self.budget
        if budget > tries:
            if len(_NUMBERS) >= _NUMBERS_MEMO:
                _NUMBERS.clear()
            _NUMBERS[key] = (tries, tuple((s - lo, e - lo, e164) for s, e, e164 in out),
                             self._hints if self.used_wide else None)
        return out

    def _triggers_from(self, lo: int, hi: int) -> tuple[tuple[int, int, str], ...]:
        """The triggers ending in [lo, hi], at offsets from `lo` (what _app_at reads)."""
        ends = self.trigger_ends
        first = bisect.bisect_left(ends, lo)
        last = bisect.bisect_right(ends, hi, first)
        return tuple((t_start - lo, t_end - lo, app)
                     for t_start, t_end, app in self.triggers[first:last])

    def _read_number_afresh(self, start: int, end: int) -> list[tuple[int, int, str]]:
        text = self.text
        while start < end and not (text[start].isdigit() or text[start] in "+("):
            start += 1
        groups = [(m.start() + start, m.end() + start) for m in _GROUP.finditer(text[start:end])]
        out = []
        i = 0
        while i < len(groups) and self.budget > 0:
            hit = None
            for j in range(len(groups), i, -1):
                s = start if i == 0 else groups[i][0]
                e = groups[j - 1][1]
                if sum(ge - gs for gs, ge in groups[i:j]) < 7:
                    break
                self.budget -= 1
                e164 = self._number_at(s, e)
                if e164:
                    hit = (s, e, e164, j)
                    break
            if hit:
                out.append(hit[:3])
                i = hit[3]
            else:
                i += 1
        return out

    def _number_at(self, start: int, end: int) -> str | None:
        text = self.text
        raw = text[start:end]
        if _DATE.fullmatch(raw.strip()):
            return None
        if _price_before(text, start):
            return None
        if _PRICE_AFTER.match(text, end):
            return None
        if raw.count("(") != raw.count(")") and not raw.startswith("("):
            return None
        return self._resolve_number(raw, start, app=self._app_at(start))

    def _app_at(self, pos: int) -> str | None:
        """The app a number at `pos` is labelled with ("WhatsApp/Viber: ..." -> whatsapp)."""
        apps: list[str] = []
        boundary = pos
        for start, end, app in self.triggers_before(pos):
            if apps and not _LABEL_GAP.fullmatch(self.text[end:boundary]):
                break
            if app in _PHONE_APPS:
                apps.append(app)
            boundary = start
        if "whatsapp" in apps:
            return "whatsapp"
        return apps[0] if apps else None

    def _phone_app(self, start: int, end: int, previous: tuple[int, str | None]) -> str | None:
        app = self._app_at(start)
        if app is None and 0 <= start - previous[0] <= 6:
            app = previous[1]
        if app in (None, "phone"):
            bracket = _AFTER_LABEL.match(self.text, end)
            if bracket:
                apps = _apps_named(bracket.group())
                if "whatsapp" in apps:
                    return "whatsapp"
                app = app or next((a for a in apps if a in _PHONE_APPS), None)
        return app

    def _resolve_number(self, raw: str, pos: int, app: str | None) -> str | None:
        digits = "".join(_DIGITS.findall(raw))
        if not 7 <= len(digits) <= 17:
            return None
        stripped = raw.lstrip(" (")
        if stripped.startswith("+"):
            return _international(digits)
        if digits.startswith("00") and len(digits) >= 10:
            found = _international(digits[2:])
            if found:
                return found
        near = self._near_regions(pos)
        context = self._context_regions(pos, app)
        found = _national(digits, near, context)
        if found:
            return found
        # Only now read the whole text for countries it names: most numbers never need it.
        wide = tuple(r for r in self._wide_regions() if r not in near and r not in context)
        found = _national(digits, (), wide) if wide else None
        return found or _fallback(digits, near + context + wide)

    def _near_regions(self, pos: int) -> tuple[str, ...]:
        """Countries named just before a number ("Cambodia: ...", "+855 ..."), nearest first."""
        return _regions_before(self.text[max(0, pos - _WINDOW):pos])

    def _context_regions(self, pos: int, app: str | None) -> tuple[str, ...]:
        """The app's country (Zalo: VN), the document's country, its language's, the script's."""
        regions = [_APP_REGION.get(app or ""), self.country, self.lang_country]
        window = self.text[max(0, pos - _WINDOW):pos + _WINDOW]
        regions.append(_script_region(window))
        return _unique(r for r in regions if r)

    def _wide_regions(self) -> tuple[str, ...]:
        self.used_wide = True
        if self._hints is None:
            hints: Iterable[tuple[int, int, str]] = ()
            text = self.text
            if "\u0130" not in text and "\u212a" not in text:  # by line, as _scan_parts
                by_line = [_line_hints(line) if len(line) <= _LINE_MAX
                           else _counted_hints(line) for line in text.split("\n")]
                if sum(count for _, count in by_line) < _MAX_CANDIDATES:
                    hints = (hint for line_hints, _ in by_line for hint in line_hints)
                else:  # the whole text's stop at _MAX_CANDIDATES: read them as it does
                    hints = _hints_in(self.text, self.skeleton)
            else:
                hints = _hints_in(self.text, self.skeleton)
            self._hints = _unique(region for _, _, region in hints)
        return self._hints

    # -- wallets, bare domains
    def _wallets(self) -> None:
        if self.tests & _WALLET_TEST:
            for offset, (start, wallet) in self.found_in_lines("wallets"):
                self.add(start + offset, "wallets", dict(wallet))

    def _bare_domains(self) -> None:
        for offset, (start, end, domain) in self.found_in_lines("domains"):
            if domain and not self.is_taken(start + offset, end + offset):
                self.add(start + offset, "domains", domain)
