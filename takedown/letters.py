"""The letter of a takedown request: its language, its text and HTML, and the e-mail around it.

Scraped text reaches the letter only as template values: autoescaped in the HTML, quoted in the
plain text, and in a header only after every control character is gone (the message is built
with email.message.EmailMessage, which also refuses a header with a line break).
"""

from __future__ import annotations

import re
from email import policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from lurewatch import config

TEMPLATES = Path(__file__).resolve().parent / "templates"
STRINGS = TEMPLATES / "strings"
# How each kind of contact point is written in the letter.
CONTACT_LABELS = (("phones", ""), ("telegram", "Telegram @"), ("whatsapp", "WhatsApp "),
                  ("line", "LINE "), ("kakao", "KakaoTalk "), ("wechat", "WeChat "),
                  ("emails", ""))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def languages() -> list[str]:
    """Languages a letter can be written in: those with a strings file."""
    return sorted(p.stem for p in STRINGS.glob("*.yaml"))


@cache
def strings(lang: str) -> dict[str, Any]:
    return yaml.safe_load((STRINGS / f"{lang}.yaml").read_text(encoding="utf-8"))


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def choose_language(recipient: dict[str, Any], post_lang: str | None,
                    asked: str | None = None) -> str:
    """`asked` if given; else the post's language when the recipient reads it; else the first
    of the recipient's languages that has a template; else English."""
    available = languages()
    if asked:
        if asked not in available:
            raise ValueError(f"no letter template in {asked!r}; available: "
                             f"{', '.join(available)}")
        return asked
    reads = [lang for lang in recipient.get("languages") or [] if lang in available]
    if post_lang in reads:
        return str(post_lang)
    return reads[0] if reads else "en"


def header_text(text: Any, width: int = 70) -> str:
    """Text made safe for a header: no control characters or line breaks, one line, cut."""
    flat = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def post_view(doc: dict[str, Any], lang: str) -> dict[str, Any]:
    """What the letter says about one post, indicator names in the letter's language."""
    names = strings(lang)["indicators"]
    entities = doc.get("entities") or {}
    contacts = [f"{prefix}{value}" for kind, prefix in CONTACT_LABELS
                for value in entities.get(kind) or []]
    evidence = doc.get("evidence") or {}
    return {
        "id": doc.get("id"), "url": doc.get("url") or "", "platform": doc.get("platform") or "",
        "posted_at": doc.get("posted_at"), "first_seen": doc.get("first_seen"),
        "last_seen": doc.get("last_seen"), "author": doc.get("author"),
        "lang": doc.get("lang") if doc.get("lang") != "und" else "",
        "text": "\n".join(filter(None, [doc.get("title"), doc.get("text")])),
        "indicators": [(names.get(i.get("code"), i.get("code")), i.get("evidence") or "")
                       for i in doc.get("indicators") or []],
        "contacts": contacts, "risk": (doc.get("risk") or {}).get("score", 0),
        "sha256": evidence.get("sha256"), "record_id": evidence.get("record_id"),
    }


def subject(docs: list[dict[str, Any]], lang: str, reference: str) -> str:
    head = docs[0].get("title") or docs[0].get("text") or ""
    more = f" (+{len(docs) - 1})" if len(docs) > 1 else ""
    return header_text(f"{strings(lang)['subject']} [{reference}]{more}: {header_text(head, 50)}",
                       160)


def render(docs: list[dict[str, Any]], recipient: dict[str, Any], lang: str,
           reference: str) -> dict[str, str]:
    """{"subject", "text", "html"} of the letter about `docs` (one post, or a cluster)."""
    context = {
        "s": strings(lang), "lang": lang, "recipient": recipient, "reference": reference,
        "posts": [post_view(d, lang) for d in docs], "sender": config.mail_from(),
        "subject": subject(docs, lang, reference),
    }
    env = _environment()
    return {"subject": context["subject"],
            "text": env.get_template("letter.txt").render(context),
            "html": env.get_template("letter.html").render(context)}


def email_message(letter: dict[str, str], recipient: dict[str, Any],
                  attachment: Path | None, reference: str) -> EmailMessage:
    """The request as an e-mail: plain text and HTML alternatives, the evidence attached."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = header_text(letter["subject"], 200)
    message["From"] = config.mail_from()
    if recipient.get("email"):
        message["To"] = formataddr((header_text(recipient.get("name"), 80), recipient["email"]))
    if recipient.get("cc"):
        message["Cc"] = ", ".join(recipient["cc"])
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid("takedown")
    message["X-Lurewatch-Reference"] = header_text(reference, 80)
    message.set_content(letter["text"], cte="quoted-printable")
    message.add_alternative(letter["html"], subtype="html", cte="quoted-printable")
    if attachment is not None and attachment.is_file():
        message.add_attachment(attachment.read_bytes(), maintype="application",
                               subtype="zip", filename=attachment.name)
    return message
