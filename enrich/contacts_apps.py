"""Messaging handles: the app names that label one ("텔레", "微信", "tg:", "카톡 ID"), the ID
written after them, and the rules a Telegram, Line, Kakao or WeChat name must pass.

A handle is only as good as its label, so these rules decide which word after an app's name
is an ID; what they decide is remembered (`_id_after`, `_labelled_value`), as IDs recur.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from enrich.contacts_phones import _DIGITS
from enrich.contacts_phrases import _Phrases, _words_regex
from enrich.contacts_text import _CFG

_APPS: dict[str, dict[str, Any]] = _CFG["apps"]
_TRIGGER_APP: dict[str, str] = {
    word.strip().lower(): app for app, spec in _APPS.items() for word in spec["triggers"]
}
_TRIGGERS = _Phrases(_TRIGGER_APP)
_EXCLUSIONS = tuple(_CFG.get("trigger_exclusions") or ())
_APP_REGION: dict[str, str | None] = {app: spec.get("region") for app, spec in _APPS.items()}
_WINDOW = int(_CFG["trigger_window"])
_NOT_IDS = frozenset(w.lower() for w in _CFG["not_ids"])
_TG_RESERVED = frozenset(w.lower() for w in _CFG["telegram_reserved"])
_WEAK_TRIGGERS = frozenset(w.lower() for w in _CFG["weak_triggers"])
_TG_MIN = int(_CFG["telegram_min_length"])
_TG_MIN_CONTEXT = int(_CFG["telegram_min_length_with_context"])
_HANDLE_APPS = ("telegram", "line", "kakao", "wechat")

_ID_AFTER = re.compile(
    r"[ \t]*(?:[(\[（【][ \t]*)?"
    r"(?:(?P<idw>" + _words_regex(_CFG["id_words"]) + r")[ \t]*)?"
    r"(?P<sep>[:：៖=>]|-(?!\d)|[👉➡→⇒➜►▶☞📞☎✈📱💬📩]\ufe0f?|[ \t]*)[ \t]*\n?[ \t]*"
    r"(?P<at>@)?(?P<name>[A-Za-z0-9][A-Za-z0-9._\-]{1,39})",
    re.IGNORECASE,
)
_ID_MARKS = re.compile(r"[\d_.]")  # what makes a word after a weak app name an ID
_ID_MARKS_STRICT = re.compile(r"[\d_]")
# `_ID_AFTER` reads this far at most, unless spaces run on (then it is matched afresh).
_ID_REACH = 100
# What `_ID_AFTER` can read after the line break it may take in: spaces, "@" and a name
# (with the letters IGNORECASE adds).
_NEXT_LINE_HEAD = re.compile(r"[ \t@A-Za-z0-9._\-\u0130\u0131\u017f\u212a]*")
_KAKAO_CODE = re.compile(r"[A-Za-z0-9_\-.]{3,40}")
_TG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
_LINE_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_KAKAO_NAME = re.compile(r"[A-Za-z0-9._\-]{3,20}")
_WECHAT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{5,19}")
_NAME_RULES = {"telegram": _TG_NAME, "line": _LINE_NAME, "kakao": _KAKAO_NAME,
               "wechat": _WECHAT_NAME}
# (The look-behind after "@" tests the character before it: the engine searches for "@".)
_AT_HANDLE = re.compile(r"@(?<![A-Za-z0-9._%+\-/@=#&]@)([A-Za-z0-9][A-Za-z0-9._\-]{1,39})")


def _app_triggers(text: str,
                  found: list[tuple[int, int, str]]) -> tuple[tuple[int, int, str], ...]:
    """(start, end, app) for the app names among listed phrases found in `text`."""
    return tuple((start, end, app) for start, end, word in found
                 if not (_EXCLUSIONS and text.startswith(_EXCLUSIONS, start))
                 and (app := _app_of(word)))


def _id_after(text: str, pos: int) -> tuple[int, int, str, bool, bool] | None:
    """`_ID_AFTER.match(text, pos)` as (name start, name end, name, strong, labelled), or
    None; remembered by the text that follows `pos` when the match is decided within
    _ID_REACH characters of it (app names recur with what follows them).

    A match takes in one line break at most, and after it only what `_NEXT_LINE_HEAD`
    matches: the rest of the line, the break and that much of the next line decide it (the
    next line's own words do not make the key differ where the trigger's line recurs). When
    that is within _ID_REACH characters, it is the key, and the match is decided as it is
    on those characters: unless it runs to their end and the text goes on."""
    reach = pos + _ID_REACH
    newline = text.find("\n", pos, reach)
    head = _NEXT_LINE_HEAD.match(text, newline + 1).end() if newline != -1 else reach + 1
    if head <= reach:
        label = _id_after_text(text[pos:head], True)
        if label and label[1] >= _ID_REACH and len(text) > reach:
            label = False
    else:
        label = _id_after_text(text[pos:reach], len(text) <= reach)
    if label is False:  # spaces (or the name) may run on past what was read: match afresh
        return _id_label(_ID_AFTER.match(text, pos))
    return label and (label[0] + pos, label[1] + pos, *label[2:])  # type: ignore[return-value]


@lru_cache(maxsize=16384)
def _id_after_text(following: str, whole: bool) -> tuple[int, int, str, bool, bool] | bool | None:
    """`_id_after` on the text that follows a trigger (`whole`: up to the text's end), at
    offsets within it; False when more text could change the match. (Each part of
    `_ID_AFTER` takes all it can, so a match that ends before the end of what was read is the
    one the whole text gives.)"""
    match = _ID_AFTER.match(following)
    if not whole and (match is None or match.end() >= len(following)):
        return False
    return _id_label(match)


def _id_label(match: re.Match[str] | None) -> tuple[int, int, str, bool, bool] | None:
    """(name start, name end, name, strong, labelled) of an `_ID_AFTER` match: `strong`
    when written with "@", an ID word or a separator, `labelled` with "@" or an ID word."""
    if match is None:
        return None
    at, idw = match.group("at"), match.group("idw")
    return (match.start("name"), match.end("name"), match.group("name"),
            bool(at or idw or match.group("sep").strip()), bool(at or idw))


@lru_cache(maxsize=4096)
def _apps_named(text: str) -> tuple[str | None, ...]:
    """The app of each listed phrase in `text`, in order (labels after numbers recur)."""
    return tuple(_app_of(word) for _, _, word in _TRIGGERS.find(text))


def _app_of(trigger: str) -> str | None:
    return _TRIGGER_APP.get(trigger) or _TRIGGER_APP.get(" ".join(trigger.split()))


@lru_cache(maxsize=16384)
def _labelled_value(app: str, trigger: str, name: str, strong: bool,
                    labelled: bool) -> tuple[str, str] | None:
    """(kind, value) of the ID `name` that the app name `trigger` labels, None if it is not
    one (see _Extraction._labelled_id); remembered, as the same IDs recur across posts."""
    if name.lower() in _NOT_IDS:
        return None
    if name.isdigit() or _DIGITS.sub("", name) in ("", "-", "."):
        return None  # a number: the phone pass reads it
    weak_trigger = trigger.lower() in _WEAK_TRIGGERS
    if weak_trigger and not labelled and not (strong and _ID_MARKS.search(name)):
        return None
    if not strong and trigger.isascii() and not _ID_MARKS_STRICT.search(name):
        return None
    if app == "telegram":
        lowered = _telegram_name(name, True)
        return None if lowered is None else ("telegram", lowered)
    return (app, name.lower()) if _NAME_RULES[app].fullmatch(name) else None


def _telegram_name(name: str, context: bool) -> str | None:
    """A Telegram username in lower case, None if `name` cannot be one (`context`: an app's
    name or a link says it is Telegram)."""
    name = name.strip().lstrip("@")
    if not _TG_NAME.fullmatch(name) or name.endswith("_"):
        return None
    if len(name) < (_TG_MIN_CONTEXT if context else _TG_MIN):
        return None
    lowered = name.lower()
    if lowered in _TG_RESERVED and not context:
        return None
    return lowered


def _trim_name(name: str, end: int) -> tuple[str, int]:
    """Sentence punctuation after a name is not part of it ("tg: abc." -> "abc")."""
    trimmed = name.rstrip(".-")
    return trimmed, end - (len(name) - len(trimmed))


def _looks_like_host(text: str, end: int) -> bool:
    """The name goes on as a domain or an e-mail ("abc.com", "abc@x"), so it is not an ID."""
    nxt = text[end:end + 2]
    return nxt[:1] == "@" or (nxt[:1] in ".:" and nxt[1:2].isascii() and nxt[1:2].isalnum())
