"""Scores enrichment against a labelled set: contact points, language and risk.

The issue fixes targets (language accuracy, F1 for phones, Telegram handles and e-mails, ROC AUC
of the risk score) that an unseen set will also be held to. This command shows where the
enricher stands on our own set (tests/data/eval_posts.jsonl) and lists the posts it gets most
wrong, so that patterns and weights are tuned against evidence. On request it also scores real
material: lure texts quoted from news reports (`--lures`) and the EMSCAD fake-job CSV
(`--emscad`), read only from the paths given on the command line.

    python -m enrich.evaluate [FILE] [--lures PATH] [--emscad PATH] [--no-ner] [--json]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

# The entity kinds the labelled set carries, in the order the table prints them.
ENTITY_KINDS: tuple[str, ...] = (
    "phones", "emails", "telegram", "whatsapp", "line", "kakao", "wechat", "urls", "wallets",
)
LABELS: tuple[str, ...] = ("lure", "job", "chatter")
POSITIVE = "lure"
# The targets, checked again on a set we do not have.
TARGETS: dict[str, float] = {
    "language_accuracy": 0.95,
    "phones_f1": 0.95,
    "telegram_f1": 0.95,
    "emails_f1": 0.95,
    "risk_auc": 0.95,
}
DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "data" / "eval_posts.jsonl"
# EMSCAD's free-text columns; whichever of them a CSV has are joined into the post's text.
EMSCAD_TEXT_COLUMNS: tuple[str, ...] = (
    "title", "company_profile", "description", "requirements", "benefits",
)

EnrichMany = Callable[[Iterable[dict[str, Any]]], Iterable[dict[str, Any]]]


# --------------------------------------------------------------------------- metrics

def roc_auc(scores: Sequence[float], positives: Sequence[bool]) -> float:
    """Area under the ROC curve: the chance that a random positive outscores a random negative.

    Computed from ranks (Mann-Whitney U); tied scores share their average rank, so a tie
    between a positive and a negative counts one half. Raises ValueError without both classes.
    """
    if len(scores) != len(positives):
        raise ValueError("scores and labels differ in length")
    n_pos = sum(1 for p in positives if p)
    n_neg = len(positives) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC AUC needs at least one positive and one negative")
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and scores[order[end + 1]] == scores[order[start]]:
            end += 1
        average = (start + end) / 2 + 1  # ranks are 1-based
        for k in range(start, end + 1):
            ranks[order[k]] = average
        start = end + 1
    rank_sum = sum(r for r, p in zip(ranks, positives, strict=True) if p)
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


@dataclass
class Counts:
    """True positives, false positives and false negatives of one entity kind (micro)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        """None when nothing was predicted: undefined, not perfect."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """None when the gold has nothing of this kind."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else None

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "gold": self.tp + self.fn,
                "found": self.tp + self.fp, "precision": _round(self.precision),
                "recall": _round(self.recall), "f1": _round(self.f1)}


def normalize(kind: str, value: Any) -> Hashable:
    """The form two values of one kind are compared in, so that spelling alone is no miss.

    Handles and e-mails ignore case and a leading @; URLs ignore the scheme, `www.`, the host's
    case and a trailing slash or full stop (a path keeps its case: invite codes depend on it);
    phones ignore spaces and dashes; wallets compare chain and address (hex lower-cased).
    """
    if kind == "wallets":
        if isinstance(value, dict):
            chain = str(value.get("chain") or "").lower()
            address = str(value.get("address") or "").strip()
        else:
            chain, address = "", str(value).strip()
        if address.lower().startswith("0x"):
            address = address.lower()
        return (chain, address)
    text = str(value).strip()
    if kind in ("phones", "whatsapp"):
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if kind == "urls":
        text = text.rstrip(".,;:!?)/")
        lowered = text.lower()
        for scheme in ("https://", "http://"):
            if lowered.startswith(scheme):
                text = text[len(scheme):]
                break
        host, slash, path = text.partition("/")
        host = host.lower().removeprefix("www.")
        return host + slash + path
    return text.lower().removeprefix("@")


def compare(kind: str, gold: Iterable[Any], predicted: Iterable[Any]) -> tuple[Counts, list, list]:
    """Set comparison of one post's values: counts, the missed gold and the spurious finds."""
    gold_forms = {normalize(kind, v): v for v in gold}
    found_forms = {normalize(kind, v): v for v in predicted}
    missed = [gold_forms[k] for k in gold_forms if k not in found_forms]
    spurious = [found_forms[k] for k in found_forms if k not in gold_forms]
    hits = len(gold_forms) - len(missed)
    return Counts(hits, len(spurious), len(missed)), missed, spurious


def score_entities(
    pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]],
    kinds: Sequence[str] = ENTITY_KINDS,
) -> dict[str, Counts]:
    """Micro counts per kind over (gold entities, predicted entities) pairs, one per post."""
    totals = {kind: Counts() for kind in kinds}
    for gold, predicted in pairs:
        for kind in kinds:
            counts, _, _ = compare(kind, gold.get(kind) or [], (predicted or {}).get(kind) or [])
            totals[kind].add(counts)
    return totals


def language_figures(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Accuracy overall and per gold language, and the (gold, predicted) confusions."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    confusions: Counter[tuple[str, str]] = Counter()
    for gold, predicted in pairs:
        per[gold][0] += 1
        if gold == predicted:
            per[gold][1] += 1
        else:
            confusions[(gold, predicted)] += 1
    total = sum(n for n, _ in per.values())
    correct = sum(c for _, c in per.values())
    return {
        "accuracy": _round(correct / total) if total else None,
        "n": total,
        "correct": correct,
        "per_language": {lang: {"n": n, "correct": c, "accuracy": _round(c / n)}
                         for lang, (n, c) in sorted(per.items())},
        "confusions": [{"gold": g, "predicted": p, "count": k}
                       for (g, p), k in confusions.most_common()],
    }


# --------------------------------------------------------------------------- the labelled set

def load_set(path: Path) -> list[dict[str, Any]]:
    """The labelled posts; ValueError naming the line when one lacks a field or a label."""
    posts = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                post = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from None
            for field in ("id", "text", "lang", "label", "entities"):
                if field not in post:
                    raise ValueError(f"{path}:{number}: no '{field}' field")
            if post["label"] not in LABELS:
                raise ValueError(f"{path}:{number}: label {post['label']!r} is not one of "
                                 f"{', '.join(LABELS)}")
            posts.append(post)
    if not posts:
        raise ValueError(f"{path}: no posts")
    return posts


def run(posts: list[dict[str, Any]], enrich_many: EnrichMany) -> dict[str, Any]:
    """Enrich every labelled post and compute every figure, with the details behind them."""
    from lurewatch.document import new_document

    started = time.perf_counter()
    docs = list(enrich_many(new_document(id=p["id"], text=p["text"]) for p in posts))
    seconds = time.perf_counter() - started
    if len(docs) != len(posts):
        raise RuntimeError(f"the enricher returned {len(docs)} documents for {len(posts)} posts")

    totals = {kind: Counts() for kind in ENTITY_KINDS}
    entity_misses = []
    for post, doc in zip(posts, docs, strict=True):
        found = doc.get("entities") or {}
        for kind in ENTITY_KINDS:
            counts, missed, spurious = compare(
                kind, post["entities"].get(kind) or [], found.get(kind) or [])
            totals[kind].add(counts)
            if missed or spurious:
                entity_misses.append({"id": post["id"], "lang": post["lang"], "kind": kind,
                                      "missed": missed, "spurious": spurious})
    overall = Counts()
    for counts in totals.values():
        overall.add(counts)

    pairs = list(zip(posts, docs, strict=True))
    language = language_figures((p["lang"], d.get("lang") or "und") for p, d in pairs)
    language["misses"] = [{"id": p["id"], "gold": p["lang"], "predicted": d.get("lang"),
                           "confidence": d.get("lang_confidence"), "text": _snippet(p["text"])}
                          for p, d in pairs if p["lang"] != d.get("lang")]

    rows = [_risk_row(p, d) for p, d in pairs]
    risk = _risk_figures(rows)
    per_language = defaultdict(list)
    for row in rows:
        per_language[row["lang"]].append(row)
    risk["per_language_auc"] = {lang: _auc_or_none(rs) for lang, rs in sorted(per_language.items())}
    lures = sorted((r for r in rows if r["label"] == POSITIVE), key=lambda r: r["score"])
    others = sorted((r for r in rows if r["label"] != POSITIVE), key=lambda r: -r["score"])

    figures: dict[str, Any] = {
        "set": {"posts": len(posts), "labels": dict(Counter(p["label"] for p in posts)),
                "languages": dict(Counter(p["lang"] for p in posts))},
        "entities": {kind: c.as_dict() for kind, c in totals.items()},
        "entities_all": overall.as_dict(),
        "language": language,
        "risk": risk,
        "speed": {"seconds": round(seconds, 3),
                  "posts_per_second": round(len(posts) / seconds, 1) if seconds else None},
        "worst": {"lures_lowest": lures, "others_highest": others, "entities": entity_misses},
    }
    figures["targets"] = check_targets(figures)
    return figures


def check_targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each target of the issue with the value reached and whether it is met."""
    values = {
        "language_accuracy": figures["language"]["accuracy"],
        "phones_f1": figures["entities"]["phones"]["f1"],
        "telegram_f1": figures["entities"]["telegram"]["f1"],
        "emails_f1": figures["entities"]["emails"]["f1"],
        "risk_auc": figures["risk"]["auc"],
    }
    return {name: {"target": goal, "value": values[name],
                   "met": values[name] is not None and values[name] >= goal}
            for name, goal in TARGETS.items()}


def _risk_row(post: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    risk = doc.get("risk") or {}
    return {"id": post["id"], "lang": post["lang"], "label": post["label"],
            "score": float(risk.get("score") or 0), "level": risk.get("level") or "low",
            "indicators": [i.get("code") for i in doc.get("indicators") or []],
            "text": _snippet(post["text"])}


def _risk_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_label[row["label"]].append(row)
    return {
        "auc": _auc_or_none(rows),
        "positives": len(by_label[POSITIVE]),
        "negatives": len(rows) - len(by_label[POSITIVE]),
        "per_label": {
            label: {"n": len(rs),
                    "mean_score": _round(sum(r["score"] for r in rs) / len(rs)),
                    "levels": dict(Counter(r["level"] for r in rs))}
            for label, rs in by_label.items()
        },
    }


def _auc_or_none(rows: list[dict[str, Any]]) -> float | None:
    try:
        return _round(roc_auc([r["score"] for r in rows], [r["label"] == POSITIVE for r in rows]))
    except ValueError:
        return None


# --------------------------------------------------------------------------- real material

def score_lures(path: Path, enrich_many: EnrichMany) -> dict[str, Any]:
    """How the quoted lure texts score: share at medium or high level, mean score, the lowest."""
    from lurewatch.document import new_document

    records = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                records.append(json.loads(line))
    if not records:
        raise ValueError(f"{path}: no lure texts")
    docs = list(enrich_many(new_document(id=str(r.get("id") or i), text=r["text"])
                            for i, r in enumerate(records)))
    rows = [{"id": r.get("id"), "lang": r.get("lang"), "verbatim": r.get("verbatim_quote"),
             "score": float(d["risk"]["score"]), "level": d["risk"]["level"],
             "indicators": [i["code"] for i in d.get("indicators") or []],
             "text": _snippet(r["text"])} for r, d in zip(records, docs, strict=True)]
    flagged = [r for r in rows if r["level"] in ("medium", "high")]
    return {
        "path": str(path),
        "n": len(rows),
        "medium_or_high": len(flagged),
        "share_medium_or_high": _round(len(flagged) / len(rows)),
        "high": sum(1 for r in rows if r["level"] == "high"),
        "mean_score": _round(sum(r["score"] for r in rows) / len(rows)),
        "lowest": sorted(rows, key=lambda r: r["score"])[:10],
    }


def read_emscad(path: Path) -> list[tuple[str, bool]]:
    """(text, fraudulent) per row of an EMSCAD CSV, its text columns found by the header."""
    csv.field_size_limit(16 * 1024 * 1024)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        columns = [c for c in EMSCAD_TEXT_COLUMNS if c in header]
        if "fraudulent" not in header or not columns:
            raise ValueError(f"{path}: not an EMSCAD CSV (needs 'fraudulent' and text columns "
                             f"such as {', '.join(EMSCAD_TEXT_COLUMNS)})")
        rows = []
        for row in reader:
            text = "\n".join((row.get(c) or "").strip() for c in columns if row.get(c))
            rows.append((text, str(row.get("fraudulent") or "").strip() == "1"))
    return rows


def score_emscad(path: Path, enrich_many: EnrichMany) -> dict[str, Any]:
    """ROC AUC of the risk score against EMSCAD's `fraudulent` column."""
    from lurewatch.document import new_document

    rows = read_emscad(path)
    docs = list(enrich_many(new_document(id=f"emscad-{i}", text=text)
                            for i, (text, _) in enumerate(rows)))
    scores = [float(d["risk"]["score"]) for d in docs]
    labels = [fraud for _, fraud in rows]
    frauds = [s for s, f in zip(scores, labels, strict=True) if f]
    legit = [s for s, f in zip(scores, labels, strict=True) if not f]
    try:
        auc = _round(roc_auc(scores, labels))
    except ValueError:
        auc = None
    return {
        "path": str(path),
        "n": len(rows),
        "fraudulent": len(frauds),
        "auc": auc,
        "mean_score_fraudulent": _round(sum(frauds) / len(frauds)) if frauds else None,
        "mean_score_legitimate": _round(sum(legit) / len(legit)) if legit else None,
    }


# --------------------------------------------------------------------------- report

def format_report(figures: dict[str, Any], worst: int = 10) -> str:
    """The figures as a readable plain-text table, worst misses last."""
    out: list[str] = []
    s = figures["set"]
    out.append(f"Labelled set: {s['posts']} posts  "
               + "  ".join(f"{k} {v}" for k, v in sorted(s["labels"].items())))
    speed = figures["speed"]
    out.append(f"Enriched in {speed['seconds']:.2f} s ({speed['posts_per_second']} posts/s)")
    out.append("")
    out.append("Contact points (micro, set per post)")
    out.append(f"  {'kind':<10}{'gold':>6}{'found':>7}{'tp':>6}{'fp':>5}{'fn':>5}"
               f"{'P':>8}{'R':>8}{'F1':>8}")
    for kind, c in [*figures["entities"].items(), ("all", figures["entities_all"])]:
        out.append(f"  {kind:<10}{c['gold']:>6}{c['found']:>7}{c['tp']:>6}{c['fp']:>5}"
                   f"{c['fn']:>5}{_fmt(c['precision']):>8}{_fmt(c['recall']):>8}"
                   f"{_fmt(c['f1']):>8}")
    out.append("")
    lang = figures["language"]
    out.append(f"Language accuracy: {_fmt(lang['accuracy'])} ({lang['correct']}/{lang['n']})")
    auc_by_lang = figures["risk"].get("per_language_auc", {})
    out.append(f"  {'lang':<6}{'n':>5}{'acc':>8}{'risk AUC':>10}")
    for code, row in lang["per_language"].items():
        out.append(f"  {code:<6}{row['n']:>5}{_fmt(row['accuracy']):>8}"
                   f"{_fmt(auc_by_lang.get(code)):>10}")
    if lang["confusions"]:
        out.append("  confusions: " + ", ".join(
            f"{c['gold']}->{c['predicted']} x{c['count']}" for c in lang["confusions"]))
    out.append("")
    risk = figures["risk"]
    out.append(f"Risk ROC AUC (lure vs job+chatter): {_fmt(risk['auc'])} "
               f"({risk['positives']} lures, {risk['negatives']} others)")
    for label, row in sorted(risk["per_label"].items()):
        levels = ", ".join(f"{k} {v}" for k, v in sorted(row["levels"].items()))
        out.append(f"  {label:<8} n={row['n']:<4} mean score {_fmt(row['mean_score'], 1):>6}"
                   f"   levels: {levels}")
    out.append("")
    out.append("Targets")
    for name, t in figures["targets"].items():
        mark = "ok  " if t["met"] else "MISS"
        out.append(f"  {mark} {name:<18} {_fmt(t['value'])} (target {t['target']:.2f})")
    for key, title in (("lures", "Lure texts from news reports"), ("emscad", "EMSCAD")):
        if key in figures:
            out.append("")
            out.extend(_format_real(key, title, figures[key]))
    if worst > 0:
        out.append("")
        out.extend(_format_worst(figures, worst))
    return "\n".join(out)


def _format_real(key: str, title: str, fig: dict[str, Any]) -> list[str]:
    if key == "lures":
        lines = [f"{title} ({fig['path']}): {fig['n']} texts, "
                 f"medium or high {fig['medium_or_high']}/{fig['n']} "
                 f"({_fmt(fig['share_medium_or_high'])}), high {fig['high']}, "
                 f"mean score {_fmt(fig['mean_score'], 1)}"]
        lines += [f"  low: {r['id']} [{r['lang']}] {r['score']:.0f} {r['level']}: {r['text']}"
                  for r in fig["lowest"][:5]]
        return lines
    return [f"{title} ({fig['path']}): {fig['n']} ads, {fig['fraudulent']} fraudulent, "
            f"risk ROC AUC {_fmt(fig['auc'])}, mean score fraudulent "
            f"{_fmt(fig['mean_score_fraudulent'], 1)} vs legitimate "
            f"{_fmt(fig['mean_score_legitimate'], 1)}"]


def _format_worst(figures: dict[str, Any], worst: int) -> list[str]:
    w = figures["worst"]
    out = ["Worst misses"]
    out.append("  lures scored lowest:")
    out += [f"    {r['id']} [{r['lang']}] {r['score']:.0f} {r['level']} "
            f"{','.join(r['indicators']) or '-'}: {r['text']}" for r in w["lures_lowest"][:worst]]
    out.append("  jobs/chatter scored highest:")
    out += [f"    {r['id']} [{r['lang']}/{r['label']}] {r['score']:.0f} {r['level']} "
            f"{','.join(r['indicators']) or '-'}: {r['text']}"
            for r in w["others_highest"][:worst]]
    misses = figures["language"]["misses"]
    if misses:
        out.append("  language:")
        out += [f"    {m['id']} {m['gold']}->{m['predicted']} ({m['confidence']}): {m['text']}"
                for m in misses[:worst]]
    if w["entities"]:
        out.append("  contact points:")
        for m in w["entities"][: worst * 2]:
            parts = []
            if m["missed"]:
                parts.append("missed " + ", ".join(_show(v) for v in m["missed"]))
            if m["spurious"]:
                parts.append("spurious " + ", ".join(_show(v) for v in m["spurious"]))
            out.append(f"    {m['id']} [{m['lang']}] {m['kind']}: {'; '.join(parts)}")
    return out


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value.get('chain')}:{value.get('address')}"
    return str(value)


def _snippet(text: str, width: int = 70) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


# --------------------------------------------------------------------------- command

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m enrich.evaluate",
        description="Score enrichment on a labelled set: precision/recall per contact-point "
                    "kind, language accuracy, ROC AUC of the risk score, and the worst misses.",
    )
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT_SET,
                        help="labelled JSON Lines (default: tests/data/eval_posts.jsonl)")
    parser.add_argument("--lures", type=Path, metavar="PATH",
                        help="also score lure texts (JSON Lines with 'text'), e.g. "
                             "../shared/data/lure_texts/scam_compound_lures.jsonl")
    parser.add_argument("--emscad", type=Path, metavar="PATH",
                        help="also compute the risk ROC AUC on an EMSCAD CSV "
                             "('fraudulent' column), e.g. one in ../shared/data/fake_job_datasets/")
    parser.add_argument("--no-ner", action="store_true",
                        help="enrich without the spaCy NER model (faster; no effect on these "
                             "figures unless indicators use organisations)")
    parser.add_argument("--worst", type=int, default=10, metavar="N",
                        help="how many of the worst misses to list (0: none; default 10)")
    parser.add_argument("--json", action="store_true",
                        help="print the figures as one JSON object on standard output "
                             "(the table then goes to standard error)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when a target of the issue is missed")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback when enrichment fails (for debugging)")
    return parser


def _load_enricher(ner: bool) -> EnrichMany:
    from enrich import Enricher
    from lurewatch.document import new_document

    enricher = Enricher(ner=ner)
    # Load models and data files now, so that the posts/s reported measures enrichment alone.
    enricher.enrich(new_document(text="warm-up: customer service job, Telegram @warm_up"))
    many = getattr(enricher, "enrich_many", None)
    if many is not None:
        return many
    return lambda docs: (enricher.enrich(d) for d in docs)


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    """Run the scorer; 0 on success, 1 on failure (or a missed target with --check), 2 on
    bad usage."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    for option, path in (("FILE", args.file), ("--lures", args.lures), ("--emscad", args.emscad)):
        if path is not None and not path.is_file():
            print(f"error: {option} {path}: no such file; give the path of an existing file",
                  file=stderr)
            return 1
    try:
        posts = load_set(args.file)
        enrich_many = _load_enricher(ner=not args.no_ner)
        figures = run(posts, enrich_many)
        if args.lures:
            figures["lures"] = score_lures(args.lures, enrich_many)
        if args.emscad:
            figures["emscad"] = score_emscad(args.emscad, enrich_many)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=stderr)
        return 1
    except Exception as exc:  # a bug in an enrichment step: say where, briefly
        if args.traceback:
            raise
        print(f"error: enrichment failed ({type(exc).__name__}: {exc}); "
              "rerun with --traceback for details", file=stderr)
        return 1
    table = format_report(figures, worst=max(args.worst, 0))
    if args.json:
        print(table, file=stderr)
        slim = {k: v for k, v in figures.items() if k != "worst"}
        slim["worst"] = {k: v[: max(args.worst, 0)] for k, v in figures["worst"].items()}
        print(json.dumps(slim, ensure_ascii=False), file=stdout)
    else:
        print(table, file=stdout)
    if args.check and not all(t["met"] for t in figures["targets"].values()):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
