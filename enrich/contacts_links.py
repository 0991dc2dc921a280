"""Links, e-mails and domains: their patterns, the scans that read only around their anchors
("://", ".host/", "@", "[at]"), and their normal forms (registrable domain, lower-case
address).

Most posts hold no link: reading only near an anchor keeps them cheap. Domains come from the
bundled public suffix list (`_TLD`), never fetched over the network.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import tldextract

from enrich.contacts_text import _CFG

# The patterns below would be clearer with IGNORECASE, but then no pattern opens with a
# character set, and the engine tries every position of the text instead of skipping to the
# few where a match may start (in Thai or Korean text, nearly none). So each is written with
# both cases, and with what IGNORECASE adds to [A-Za-z]: the dotted and dotless I, the long s
# and the Kelvin sign, so that they match exactly what they did with the flag.
_CI = "\u0130\u0131\u017f\u212a"
_URL_CHARS = rf"[A-Za-z0-9\-._~:/?#@!$&*+,;=%(){_CI}]"
_LABEL = rf"[A-Za-z0-9{_CI}](?:[A-Za-z0-9\-{_CI}]{{0,62}}[A-Za-z0-9{_CI}])?"
# A link opens with a letter or digit; the look-behinds after it tell which kind it is.
_URL = re.compile(
    rf"[A-Za-z0-9{_CI}](?:"
    rf"(?<=[Hh])[Tt][Tt][Pp][Ss\u017f]?://{_URL_CHARS}+"
    rf"|(?<=[Ww])[Ww][Ww]\.{_URL_CHARS}+"
    rf"|(?<=[Tt])[Gg]://{_URL_CHARS}+"
    # scheme-less "t.me/name", "facebook.com/page": a host, then a path (the host is the
    # text from the match's start to the end of its top-level domain `tld`)
    rf"|(?<![A-Za-z0-9@.\-/_{_CI}].)(?:[A-Za-z0-9\-{_CI}]{{0,62}}[A-Za-z0-9{_CI}])?\."
    rf"(?:{_LABEL}\.)*(?P<tld>[A-Za-z{_CI}]{{2,24}})/{_URL_CHARS}*)"
)
# Cheap tests that spare the costlier scans on the many posts that have no link or e-mail
# (see _scan). A bare domain holds a ".xx" (`_DOT_WORD`, on the skeleton where ASCII letters
# are lower case); a link "www.", "tg://" or a ".host/".
_DOT_WORD = re.compile(r"\.[A-Za-z]{2}")
_DOT_WORD_BYTES = re.compile(rb"\.[a-z]{2}")
_SLASHED_HOST_BYTES = re.compile(rb"\.[a-z]{2,24}/")
_SLASHED_HOST_ANY_BYTES = re.compile(rb"\.[a-z?]{2,24}/")
_AT_LOCAL = re.compile(r"@(?<=[A-Za-z0-9._%+\-]@)")  # (searched for as "@", then tested)
# The same with what IGNORECASE adds: where `_email_finditer` reads an "@" at all.
_AT_LOCAL_CI = re.compile(rf"@(?<=[A-Za-z0-9._%+\-{_CI}]@)")
_AT_WORD = re.compile(r"[\[({]\s?[Aa][Tt]\s?[\])}]")
# An "[at]" or "[dot]" of an e-mail (its `\s?` may be a line break: see _broken_mail).
_MAIL_WORD = re.compile(r"[\[({]\s?(?:[Aa][Tt]|[Dd][Oo][Tt])\s?[\])}]")
_URL_TRAILING = ".,;:!?)]}>'\"。，、！？"
# The local part is taken whole (possessive): what may follow it ("@", a space, a bracket)
# is never part of it, so giving characters back could not make a match, only cost time.
_EMAIL = re.compile(
    rf"([A-Za-z0-9{_CI}](?<![A-Za-z0-9._%+\-{_CI}].)[A-Za-z0-9._%+\-{_CI}]{{0,63}}+)"
    r"(?:@|\s?[\[(\{]\s?[Aa][Tt]\s?[\])\}]\s?)"
    rf"((?:{_LABEL}(?:\.|\s?[\[(\{{]\s?[Dd][Oo][Tt]\s?[\])\}}]\s?))+"
    rf"[A-Za-z{_CI}]{{2,24}})(?![A-Za-z0-9\-{_CI}])"
)
_OBFUSCATED_DOT = re.compile(r"\s?[\[(\{]\s?dot\s?[\])\}]\s?", re.IGNORECASE)
# The look-behind comes after the first character (it tests the one before that), so that
# the pattern opens with a character set and the engine skips Thai or Korean text at once.
_BARE_DOMAIN = re.compile(
    r"([A-Za-z0-9](?<![A-Za-z0-9@.\-/_=?&#%+:][A-Za-z0-9])"
    r"(?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\."
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?\.)*([A-Za-z]{2,24}))"
    r"(?![A-Za-z0-9\-@]|\.[A-Za-z0-9])"
)

# Where a link, an e-mail or a bare domain can be, found without reading every word: each
# match holds one of these anchors and lies inside one run of the characters it may contain
# (see _runs_finditer, _email_finditer).
_URL_ANCHOR = re.compile(rf"://|W[Ww][Ww]\.|w[Ww][Ww]\.|\.[A-Za-z{_CI}]{{2,24}}/")
_URL_RUN = re.compile(_URL_CHARS + "*")
_HOST_RUN = re.compile(r"[A-Za-z0-9\-.]*")
_EMAIL_ANCHOR = re.compile(r"@|[\[(\{]\s?[Aa][Tt]\s?[\])\}]")
_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-"
                         + _CI)
# An e-mail's separator stands at most this far after its start: 64 characters of local part
# and a space before "[at]".
_EMAIL_REACH = 66
_FREE_MAIL = frozenset(_CFG["free_mail"])
_FILE_SUFFIXES = frozenset(_CFG["file_suffixes"])
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


def _runs_finditer(pattern: re.Pattern[str], text: str, anchors: re.Pattern[str],
                   run: re.Pattern[str], slack: int = 0) -> Iterator[re.Match[str]]:
    """`pattern.finditer(text)`, for a pattern whose every match holds an `anchors` match and
    consists of `run` characters (its look-aheads reading at most `slack` characters past
    the match): only the runs that hold an anchor are scanned, not every word of the text.

    The matches are exactly those of `finditer`: a match is inside one run, so scanning each
    anchored run from where the previous match ended finds the same leftmost matches.
    """
    size = len(text)
    backwards = ""  # the text reversed, made at the first anchor (most texts have none)
    pos = 0  # where `finditer` would look next
    for anchor in anchors.finditer(text):
        at = anchor.start()
        if at < pos:
            continue
        if not backwards:
            backwards = text[::-1]
        back = size - at  # `backwards` reads the text before `at` from there on
        start = at - (run.match(backwards, back).end() - back)
        end = run.match(text, at).end()
        for match in pattern.finditer(text, max(pos, start), min(size, end + slack)):
            yield match
            pos = match.end()
        pos = max(pos, end)


def _email_finditer(text: str) -> Iterator[re.Match[str]]:
    """`_EMAIL.finditer(text)`, reading only near an "@" or "[at]": an e-mail's local part
    is right before its separator, so the leftmost match from `_EMAIL_REACH` characters
    before the first separator not yet passed is the next match. An "@" that does not follow
    a character of a local part (an @handle) cannot be one, so the common case reads nothing.
    """
    pos = 0
    for anchor in _EMAIL_ANCHOR.finditer(text):
        at = anchor.start()
        if at < pos or at == 0 or (text[at] == "@" and text[at - 1] not in _EMAIL_LOCAL):
            continue
        match = _EMAIL.search(text, max(pos, at - _EMAIL_REACH))
        if match is None:
            return
        yield match
        pos = match.end()


@lru_cache(maxsize=8192)
def _email_address(local: str, domain: str) -> tuple[str, str | None] | None:
    """(address, registrable domain unless a free-mail one) of an `_EMAIL` match's local
    and domain parts, or None if they make no e-mail address."""
    local = local.strip(".")
    domain = _OBFUSCATED_DOT.sub(".", domain).lower().strip(".")
    if not local or ".." in local or ".." in domain:
        return None
    name, suffix = _tld_parts(domain)
    if not suffix or not name:
        return None
    registrable = f"{name}.{suffix}"
    if registrable in _FREE_MAIL or domain in _FREE_MAIL:
        return f"{local.lower()}@{domain}", None
    return f"{local.lower()}@{domain}", registrable


@lru_cache(maxsize=4096)
def _web_link(url: str) -> tuple[str, str | None, tuple[str, ...], str] | None:
    """(host without "www.", registrable domain, path's parts unquoted, query) of a link,
    or None when it names no host; remembered (links recur across posts)."""
    parts = urlsplit(url if "://" in url[:12] else "http://" + url)
    try:
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return None
    if not host or ("." not in host and host != "localhost"):
        return None
    path = tuple(unquote(p) for p in parts.path.split("/") if p)
    return host.removeprefix("www."), _registrable(host), path, parts.query


def _plausible_host(host: str, tld: str) -> str | None:
    """The registrable domain of a host written without a scheme, unless it looks like a
    file name ("main.py") or a sentence glued at its full stop ("Mr.Kim")."""
    if not (tld.islower() or tld.isupper()) or tld.lower() in _FILE_SUFFIXES:
        return None
    return _registrable(host)


@lru_cache(maxsize=8192)
def _registrable(host: str) -> str | None:
    host = host.lower().strip(".")
    if not host or host.replace(".", "").isdigit():
        return None
    name, suffix = _tld_parts(host)
    if not suffix or not name:
        return None
    return f"{name}.{suffix}"


@lru_cache(maxsize=8192)
def _tld_parts(host: str) -> tuple[str, str]:
    """The registrable name and public suffix of a host ("mail.example.co.kr" -> "example",
    "co.kr"), either empty if it has none (the bundled suffix list, never fetched)."""
    parts = _TLD(host)
    return parts.domain, parts.suffix
