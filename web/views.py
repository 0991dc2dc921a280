"""Rendering: the Jinja2 environment (autoescaped), its helpers, and the labels it shows.

Scraped text reaches templates only as values, which autoescape turns into text; nothing
here marks anything safe.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import yaml
from fastapi.responses import HTMLResponse

from index.query import entity_terms, sort_date

TEMPLATES = Path(__file__).with_name("templates")


@cache
def labels() -> dict[str, dict[str, str]]:
    return yaml.safe_load(resources.files("web").joinpath("labels.yaml").read_text("utf-8"))


def label(group: str, code: Any) -> str:
    """The readable name of a code (a language, a country, an indicator...), else the code."""
    return labels().get(group, {}).get(str(code), str(code))


FACET_LABELS = {"lang": "languages", "country": "countries", "indicator": "indicators",
                "risk_level": "risk_levels"}


def facet_value(facet: str, value: Any) -> str:
    """A facet value as shown: `Korean` for lang `ko`, `Cambodia` for country `KH`..."""
    return label(FACET_LABELS[facet], value) if facet in FACET_LABELS else str(value)


def entity_url(kind: str, value: str) -> str:
    return f"/entities/{quote(kind, safe='')}/{quote(str(value), safe='')}"


def search_url(params: list[tuple[str, str]] | None = None, **extra: str) -> str:
    pairs = list(params or []) + list(extra.items())
    return "/" + ("?" + urlencode(pairs) if pairs else "")


def when(value: str | None) -> str:
    """An ISO 8601 UTC time as the pages show it: `2026-11-10 02:00 UTC`."""
    if not value:
        return "—"
    text = value.replace("T", " ").removesuffix("Z")
    return text[:16] + " UTC" if len(text) >= 16 else text


def day(value: str | None) -> str:
    return (value or "")[:10] or "—"


def headline(doc: dict[str, Any], width: int = 110) -> str:
    """A post's title, else the start of its text."""
    text = doc.get("title") or " ".join((doc.get("text") or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def contact_terms(doc: dict[str, Any]) -> list[tuple[str, str]]:
    from web.pivots import CONTACT_KINDS

    return [t for t in dict.fromkeys(entity_terms(doc)) if t[0] in CONTACT_KINDS]


def grouped_entities(doc: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """Every entity of a post, grouped by kind in the order ENTITY_KINDS lists them."""
    groups: dict[str, list[str]] = {}
    for kind, value in dict.fromkeys(entity_terms(doc)):
        groups.setdefault(kind, []).append(value)
    return list(groups.items())


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
        undefined=jinja2.ChainableUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.globals.update(
        label=label, facet_value=facet_value, entity_url=entity_url, search_url=search_url,
        headline=headline, contact_terms=contact_terms, grouped_entities=grouped_entities,
        sort_date=sort_date, labels=labels,
    )
    env.filters.update(when=when, day=day)
    return env


def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment().get_template(name).render(**context)
    return HTMLResponse(html, status_code=status)
