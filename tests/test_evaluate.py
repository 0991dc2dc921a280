"""The scorer of enrichment and the labelled set it reads (tests/data/eval_posts.jsonl).

The metrics are checked on cases small enough to work out by hand; the set is checked for what
makes its figures trustworthy: every line complete, every gold phone a valid E.164 number,
every handle and link really in its text, and the languages covered as the issue asks.
"""

from __future__ import annotations

import copy
import hashlib
import io
import itertools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from enrich.evaluate import (
    ENTITY_KINDS,
    Counts,
    compare,
    format_report,
    language_figures,
    load_set,
    main,
    normalize,
    read_emscad,
    roc_auc,
    run,
    score_emscad,
    score_entities,
)

EVAL_SET = Path(__file__).parent / "data" / "eval_posts.jsonl"
LANGUAGES = ("ko", "en", "zh", "th", "vi", "km", "my", "id", "ja", "tl")


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    return load_set(EVAL_SET)


# --------------------------------------------------------------------------- ROC AUC

def test_roc_auc_textbook_case() -> None:
    # Positives 0.35 and 0.8 against negatives 0.1 and 0.4: 3 of the 4 pairs are ordered.
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [False, False, True, True]) == pytest.approx(0.75)


def test_roc_auc_perfect_inverted_and_all_tied() -> None:
    labels = [False, False, True, True]
    assert roc_auc([1, 2, 3, 4], labels) == 1.0
    assert roc_auc([4, 3, 2, 1], labels) == 0.0
    assert roc_auc([5, 5, 5, 5], labels) == 0.5


def test_roc_auc_counts_a_tie_across_classes_as_half() -> None:
    # Pairs: (pos 1, neg 1) tie -> 0.5, (pos 2, neg 1) -> 1; 1.5 of 2.
    assert roc_auc([1, 1, 2], [False, True, True]) == pytest.approx(0.75)
    # Ties inside one class change nothing: every positive outranks every negative.
    assert roc_auc([1, 1, 7, 7, 7], [False, False, True, True, True]) == 1.0


def test_roc_auc_equals_counting_every_pair() -> None:
    scores = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3]
    labels = [i % 3 != 0 for i in range(len(scores))]
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    pairs = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    assert roc_auc(scores, labels) == pytest.approx(pairs / (len(pos) * len(neg)))


def test_roc_auc_needs_both_classes_and_equal_lengths() -> None:
    with pytest.raises(ValueError):
        roc_auc([1, 2], [True, True])
    with pytest.raises(ValueError):
        roc_auc([1, 2], [False, False])
    with pytest.raises(ValueError):
        roc_auc([1, 2, 3], [True, False])


# --------------------------------------------------------------------------- P / R / F1

def test_counts_precision_recall_f1() -> None:
    c = Counts(tp=3, fp=1, fn=2)
    assert c.precision == pytest.approx(0.75)
    assert c.recall == pytest.approx(0.6)
    assert c.f1 == pytest.approx(2 * 0.75 * 0.6 / (0.75 + 0.6))


def test_counts_undefined_is_none_not_perfect() -> None:
    empty = Counts()
    assert (empty.precision, empty.recall, empty.f1) == (None, None, None)
    only_wrong = Counts(fp=2)
    assert only_wrong.precision == 0.0
    assert only_wrong.recall is None
    assert only_wrong.f1 == 0.0
    only_missed = Counts(fn=4)
    assert (only_missed.precision, only_missed.recall, only_missed.f1) == (None, 0.0, 0.0)


def test_score_entities_is_micro_over_posts_with_set_comparison() -> None:
    gold = [
        {"phones": ["+85512345678"], "telegram": ["abc_def"], "emails": []},
        {"phones": ["+821012345678", "+66812345678"], "telegram": []},
    ]
    found = [
        # one right, one spurious phone; the handle as written (@, capitals) still counts
        {"phones": ["+85512345678", "+85597812345"], "telegram": ["@ABC_def"],
         "emails": ["x@y.com"]},
        # one phone missed; a duplicate find counts once
        {"phones": ["+821012345678", "+82 10-1234-5678"]},
    ]
    totals = score_entities(zip(gold, found, strict=True))
    assert (totals["phones"].tp, totals["phones"].fp, totals["phones"].fn) == (2, 1, 1)
    assert (totals["telegram"].tp, totals["telegram"].fp, totals["telegram"].fn) == (1, 0, 0)
    assert (totals["emails"].tp, totals["emails"].fp, totals["emails"].fn) == (0, 1, 0)
    assert totals["phones"].f1 == pytest.approx(2 / 3)
    assert totals["kakao"].f1 is None


def test_compare_names_missed_and_spurious_values() -> None:
    counts, missed, spurious = compare(
        "emails", ["HR@Firm.com", "a@b.org"], ["hr@firm.com", "c@d.io"])
    assert (counts.tp, counts.fp, counts.fn) == (1, 1, 1)
    assert missed == ["a@b.org"]
    assert spurious == ["c@d.io"]


def test_normalize_urls_keeps_path_case_but_not_scheme() -> None:
    assert normalize("urls", "https://T.me/jobgo_hr") == normalize("urls", "t.me/jobgo_hr")
    assert normalize("urls", "http://www.firm.com/jobs/") == normalize("urls", "firm.com/jobs")
    # invite codes are case-sensitive
    assert normalize("urls", "t.me/+AbCd") != normalize("urls", "t.me/+abcd")


def test_normalize_wallets_by_chain_and_address() -> None:
    tron = {"chain": "tron", "address": "TXrQHVuzQ9HTjSxoVqnyyDuT2CKnVRXLeB"}
    assert normalize("wallets", tron) == normalize("wallets", dict(tron, chain="TRON"))
    assert normalize("wallets", tron) != normalize("wallets", dict(tron, chain="bitcoin"))
    eth = {"chain": "ethereum", "address": "0xAbC0000000000000000000000000000000000001"}
    lowered = {**eth, "address": eth["address"].lower()}
    assert normalize("wallets", eth) == normalize("wallets", lowered)


def test_language_figures_by_hand() -> None:
    fig = language_figures([("ko", "ko"), ("ko", "ja"), ("th", "th"), ("km", "th")])
    assert fig["accuracy"] == 0.5
    assert fig["per_language"]["ko"] == {"n": 2, "correct": 1, "accuracy": 0.5}
    assert fig["per_language"]["th"]["accuracy"] == 1.0
    assert {(c["gold"], c["predicted"]) for c in fig["confusions"]} == {("ko", "ja"), ("km", "th")}


# --------------------------------------------------------------------------- the labelled set

def test_set_is_large_enough_and_complete(posts: list[dict[str, Any]]) -> None:
    assert len(posts) >= 200
    ids = [p["id"] for p in posts]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"ev-\d{3}", i) for i in ids)
    texts = [" ".join(p["text"].split()) for p in posts]
    assert len(set(texts)) == len(texts), "every post is its own text, not a copy"
    for p in posts:
        assert p["text"].strip()
        assert p["label"] in ("lure", "job", "chatter")
        assert set(p["entities"]) == set(ENTITY_KINDS), p["id"]
        assert all(isinstance(v, list) for v in p["entities"].values()), p["id"]


def test_set_covers_the_languages_as_required(posts: list[dict[str, Any]]) -> None:
    per_lang = Counter(p["lang"] for p in posts)
    assert set(per_lang) == set(LANGUAGES)
    assert all(per_lang[lang] >= 12 for lang in LANGUAGES), per_lang
    others = max(per_lang[lang] for lang in LANGUAGES if lang not in ("ko", "en"))
    assert per_lang["ko"] > others and per_lang["en"] > others
    for lang in LANGUAGES:
        labels = Counter(p["label"] for p in posts if p["lang"] == lang)
        assert labels["lure"] >= 5 and labels["job"] >= 3 and labels["chatter"] >= 3, (lang, labels)


def test_every_gold_phone_is_valid_e164(posts: list[dict[str, Any]]) -> None:
    seen = 0
    for p in posts:
        for phone in p["entities"]["phones"] + p["entities"]["whatsapp"]:
            number = phonenumbers.parse(phone, None)
            assert phonenumbers.is_valid_number(number), (p["id"], phone)
            assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == phone
            seen += 1
        # a WhatsApp number is a phone too
        assert set(p["entities"]["whatsapp"]) <= set(p["entities"]["phones"]), p["id"]
    assert seen >= 60


def test_gold_phones_are_in_their_text(posts: list[dict[str, Any]]) -> None:
    """Every gold phone is really written in its post (in any digits, any grouping)."""
    for p in posts:
        for phone in p["entities"]["phones"]:
            number = phonenumbers.parse(phone, None)
            region = phonenumbers.region_code_for_number(number)
            found = {
                phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
                for m in phonenumbers.PhoneNumberMatcher(p["text"], region)
            }
            found |= {"+" + d for d in re.findall(r"wa\.me/(\d+)", p["text"])}
            assert phone in found, (p["id"], phone)


def test_handles_are_normal_and_in_their_text(posts: list[dict[str, Any]]) -> None:
    for p in posts:
        lowered = p["text"].lower()
        for kind in ("telegram", "line", "kakao", "wechat"):
            for handle in p["entities"][kind]:
                assert handle == handle.lower() and not handle.startswith("@"), (p["id"], handle)
                assert handle in lowered, (p["id"], kind, handle)
        for handle in p["entities"]["telegram"]:
            assert re.fullmatch(r"[a-z][a-z0-9_]{3,30}[a-z0-9]", handle), (p["id"], handle)


def test_telegram_links_are_labelled_and_invites_are_not_handles(
    posts: list[dict[str, Any]],
) -> None:
    invites = 0
    for p in posts:
        for path in re.findall(r"t\.me/([^\s/]+)", p["text"]):
            if path.startswith("+") or path == "joinchat":
                invites += 1
                assert path.lstrip("+").lower() not in p["entities"]["telegram"], p["id"]
            else:
                assert path.lower() in p["entities"]["telegram"], (p["id"], path)
    assert invites >= 2


def test_emails_and_urls_are_exactly_those_written(posts: list[dict[str, Any]]) -> None:
    for p in posts:
        written = {m.lower() for m in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", p["text"], re.A)}
        assert set(p["entities"]["emails"]) == written, p["id"]
        for url in p["entities"]["urls"]:
            assert url in p["text"], (p["id"], url)


def _base58check(address: str) -> bytes | None:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = 0
    for ch in address:
        n = n * 58 + alphabet.index(ch)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    raw = b"\0" * (len(address) - len(address.lstrip("1"))) + raw
    payload, checksum = raw[:-4], raw[-4:]
    digest = hashlib.sha256(hashlib.sha256(payload).digest()).digest()
    return payload if digest[:4] == checksum else None


def test_gold_wallets_pass_their_checksum(posts: list[dict[str, Any]]) -> None:
    versions = {"tron": 0x41, "bitcoin": 0x00}
    wallets = [(p, w) for p in posts for w in p["entities"]["wallets"]]
    assert wallets
    for p, w in wallets:
        assert w["address"] in p["text"], p["id"]
        payload = _base58check(w["address"])
        assert payload is not None and len(payload) == 21, (p["id"], w)
        assert payload[0] == versions[w["chain"]], (p["id"], w)
    broken = "TXrQHVuzQ9HTjSxoVqnyyDuT2CKnVRXLeC"  # last character changed
    assert _base58check(broken) is None


def test_chatter_and_jobs_carry_traps(posts: list[dict[str, Any]]) -> None:
    """Hard negatives exist: non-lures naming hotspots or messengers, '@' that is no handle."""
    hotspots = ("Sihanoukville", "Phnom Penh", "Myawaddy", "시하눅빌", "프놈펜", "金边", "西港",
                "Poipet", "Bavet", "កម្ពុជា", "ព្រះសីហនុ", "Campuchia", "กัมพูชา", "カンボジア")
    others = [p for p in posts if p["label"] != "lure"]
    assert sum(any(h in p["text"] for h in hotspots) for p in others) >= 10
    assert sum(bool(p["entities"]["telegram"]) for p in others) >= 8
    bare_at = [p for p in posts if "@" in p["text"] and not any(
        p["entities"][k] for k in ("telegram", "line", "emails"))]
    assert len(bare_at) >= 4


# --------------------------------------------------------------------------- the scorer

def _oracle(posts: list[dict[str, Any]]):
    """A predictor that answers with the gold: the scorer must then report perfect figures."""
    gold = {p["id"]: p for p in posts}

    def enrich_many(docs):
        for doc in docs:
            post = gold[doc["id"]]
            doc = copy.deepcopy(doc)
            doc["lang"] = post["lang"]
            doc["entities"].update(copy.deepcopy(post["entities"]))
            score = 90 if post["label"] == "lure" else 10
            doc["risk"] = {"score": score, "level": "high" if score > 50 else "low", "reasons": []}
            yield doc

    return enrich_many


def test_run_reports_perfect_figures_for_the_gold(posts: list[dict[str, Any]]) -> None:
    figures = run(posts, _oracle(posts))
    assert figures["language"]["accuracy"] == 1.0
    assert figures["risk"]["auc"] == 1.0
    for kind in ENTITY_KINDS:
        if figures["entities"][kind]["gold"]:
            assert figures["entities"][kind]["f1"] == 1.0, kind
    assert all(t["met"] for t in figures["targets"].values())
    assert figures["worst"]["entities"] == []
    table = format_report(figures)
    assert "Risk ROC AUC (lure vs job+chatter): 1.000" in table
    assert re.search(r"^\s+phones\s+\d+\s+\d+", table, re.M)


def test_run_reports_what_a_poor_enricher_misses(posts: list[dict[str, Any]]) -> None:
    """Everything called English, no phones found, lures scored lowest: the figures say so."""
    def poor(docs):
        for good in _oracle(posts)(docs):
            good["lang"] = "en"
            good["entities"]["phones"] = []
            good["risk"]["score"] = 100 - good["risk"]["score"]
            yield good

    figures = run(posts, poor)
    english = sum(1 for p in posts if p["lang"] == "en")
    assert figures["language"]["accuracy"] == pytest.approx(english / len(posts), abs=1e-4)
    assert figures["entities"]["phones"]["recall"] == 0.0
    assert figures["entities"]["phones"]["precision"] is None
    assert figures["risk"]["auc"] == 0.0
    assert not figures["targets"]["risk_auc"]["met"]
    ko_miss = next(m for m in figures["language"]["misses"] if m["gold"] == "ko")
    assert ko_miss["predicted"] == "en"
    phone_misses = [m for m in figures["worst"]["entities"] if m["kind"] == "phones"]
    assert len(phone_misses) == sum(1 for p in posts if p["entities"]["phones"])


EMSCAD_HEADER = ("job_id,title,location,department,salary_range,company_profile,description,"
                 "requirements,benefits,telecommuting,has_company_logo,has_questions,"
                 "employment_type,required_experience,required_education,industry,function,"
                 "fraudulent\n")


def test_read_emscad_joins_the_text_columns(tmp_path: Path) -> None:
    path = tmp_path / "emscad.csv"
    path.write_text(
        EMSCAD_HEADER
        + '1,Data Entry - Work From Home,"US, TX",,,,"Earn $500 a day, no experience",,,1,0,0,'
          ',,,,,1\n'
        + '2,Accountant,"GR, I, Athens",,,"Our firm, since 1990","Prepare ledgers",'
          '"Degree in accounting","Health plan",0,1,1,Full-time,,,,,0\n',
        encoding="utf-8")
    rows = read_emscad(path)
    assert rows[0] == ("Data Entry - Work From Home\nEarn $500 a day, no experience", True)
    assert rows[1][1] is False
    assert rows[1][0].split("\n") == ["Accountant", "Our firm, since 1990", "Prepare ledgers",
                                      "Degree in accounting", "Health plan"]


def test_score_emscad_computes_auc_against_fraudulent(tmp_path: Path) -> None:
    path = tmp_path / "emscad.csv"
    lines = [EMSCAD_HEADER]
    for i, (title, fraud) in enumerate([("easy money", 1), ("nurse", 0), ("easy cash", 1),
                                        ("easy filing", 0), ("welder", 0)]):
        lines.append(f"{i},{title},,,,,,,,0,0,0,,,,,,{fraud}\n")
    path.write_text("".join(lines), encoding="utf-8")

    def by_word(docs):
        for doc in docs:
            doc["risk"] = {"score": 80 if "easy" in doc["text"] else 20, "level": "low"}
            yield doc

    fig = score_emscad(path, by_word)
    # frauds 80, 80; legitimate 80, 20, 20: pairs won 4 + ties 2 x 0.5 = 5 of 6
    assert fig["n"] == 5 and fig["fraudulent"] == 2
    assert fig["auc"] == pytest.approx(5 / 6, abs=1e-4)


def test_read_emscad_refuses_another_csv(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("name,age\nann,3\n", encoding="utf-8")
    with pytest.raises(ValueError, match="EMSCAD"):
        read_emscad(path)


def test_load_set_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "x", "lang": "en", "label": "lure",
                                "entities": {}}) + "\n"
                    + json.dumps({"id": "b", "text": "y", "lang": "en", "label": "spam",
                                  "entities": {}}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"set\.jsonl:2: label 'spam'"):
        load_set(path)


def test_main_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    err = io.StringIO()
    assert main([str(tmp_path / "nope.jsonl")], stdout=io.StringIO(), stderr=err) == 1
    assert err.getvalue().count("\n") == 1 and "no such file" in err.getvalue()


def test_main_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--no-such-option"]) == 2
    assert "usage" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "--emscad" in capsys.readouterr().out
