"""Near-duplicate clusters: reposts and light edits together, different ads apart."""

from __future__ import annotations

import json
import random
import string

import pytest

from enrich.dedup import Clusterer, signature, signatures

AD = ("🔥 URGENT HIRING 🔥\nCustomer service staff needed in Sihanoukville, Cambodia.\n"
      "Salary $2,500/month + commission. No experience needed. Free flight ticket, free "
      "accommodation and meals.\nContact Telegram @hr_job88 or WhatsApp +855 96 123 4567")

REPOSTS = [
    AD,                                                                  # verbatim repost
    AD.replace("@hr_job88", "@hr_job99").replace("+855 96 123 4567", "+855 97 765 4321"),
    AD.replace("$2,500", "$3,000") + "\nApply now!",                     # new pay, one line more
    AD.replace("🔥", "").replace("\n", "  "),                            # another platform's markup
    "REPOST: " + AD.upper(),
    AD.replace("Customer service staff", "Online customer service staff").replace(
        "Free flight ticket, ", ""),
]

# Same channel template (header and contact footer), different ads.
SAME_TEMPLATE = [
    "🔥 URGENT HIRING 🔥\nTypists wanted in Bavet. Work from our office, type documents 8 hours a "
    "day.\nSalary $1,800/month. Age 18-30. Passport needed.\nContact Telegram @hr_job88 or "
    "WhatsApp +855 96 123 4567",
    "🔥 URGENT HIRING 🔥\nKorean speakers for game testing in Poipet casino. Shift work, uniform "
    "provided, bonus monthly.\nContact Telegram @hr_job88 or WhatsApp +855 96 123 4567",
    "🔥 URGENT HIRING 🔥\nHotel front desk staff in Phnom Penh. Salary $600/month, two years of "
    "experience, English required.\nContact Telegram @hr_job88 or WhatsApp +855 96 123 4567",
]


def test_reposts_and_light_edits_share_the_first_posts_cluster() -> None:
    clusters = Clusterer()
    assigned = [clusters.assign(f"post-{i}", text) for i, text in enumerate(REPOSTS)]
    assert assigned == ["post-0"] * len(REPOSTS)


def test_ads_on_the_same_template_stay_apart() -> None:
    clusters = Clusterer()
    first = clusters.assign("ad", AD)
    others = [clusters.assign(f"other-{i}", text) for i, text in enumerate(SAME_TEMPLATE)]
    assert first == "ad"
    assert others == [f"other-{i}" for i in range(len(SAME_TEMPLATE))]


def test_copies_across_platforms_and_scripts() -> None:
    clusters = Clusterer()
    korean = ("[해외 고수익] 캄보디아 시하눅빌 상담팀 모집\n월 1,200만~2,500만원 + 인센티브\n"
              "경력·학력 무관, "
              "초보 환영\n항공권·숙소·식사 전부 회사 부담\n문의 텔레 @sihan_vip77")
    thai = ("รับสมัครแอดมินออนไลน์ ทำงานที่กัมพูชา เงินเดือน 50,000 บาท/เดือน ไม่ต้องมีประสบการณ์ "
            "มีที่พักและอาหารให้ ทักไลน์ @job_kh")
    assert clusters.assign("tg:1", korean) == "tg:1"
    assert clusters.assign("tg:2", thai) == "tg:2"
    # the same Korean ad on a job board, reflowed, with a new handle and pay
    board = korean.replace("\n", " ").replace("@sihan_vip77", "@sihan_vip88").replace(
        "1,200만", "1,500만")
    assert clusters.assign("board:9", board) == "tg:1"
    assert clusters.assign("board:10", thai.replace("50,000", "45,000") + " 🔥") == "tg:2"


def test_a_post_seen_again_keeps_its_cluster() -> None:
    clusters = Clusterer()
    clusters.assign("a", AD)
    clusters.assign("b", SAME_TEMPLATE[0])
    assert clusters.assign("b", AD) == "b"  # re-crawled: its cluster does not move
    assert clusters.cluster_of("b") == "b" and clusters.cluster_of("zzz") is None


def test_earliest_near_duplicate_wins() -> None:
    clusters = Clusterer()
    clusters.assign("x1", SAME_TEMPLATE[1])
    clusters.assign("x2", AD)
    clusters.assign("x3", AD + " Limited slots!")
    assert clusters.assign("x4", AD + " Limited slots! Apply today.") == "x2"


def test_state_round_trips_through_json_and_clustering_goes_on() -> None:
    clusters = Clusterer()
    for i, text in enumerate(REPOSTS[:2] + SAME_TEMPLATE):
        clusters.assign(f"s{i}", text)
    saved = json.loads(json.dumps(clusters.state()))
    restored = Clusterer().load(saved)
    assert len(restored) == len(clusters)
    assert restored.cluster_of("s1") == "s0"
    assert restored.assign("s-new", REPOSTS[2]) == "s0"
    assert restored.assign("s-other", SAME_TEMPLATE[2]) == "s4"


def test_state_of_another_version_is_refused() -> None:
    with pytest.raises(ValueError):
        Clusterer().load({"version": 999, "docs": []})


def test_many_distinct_posts_stay_distinct() -> None:
    rng = random.Random(7)
    clusters = Clusterer()
    ids = set()
    for i in range(500):
        words = ("".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 8)))
                 for _ in range(30))
        ids.add(clusters.assign(f"d{i}", " ".join(words)))
    assert len(ids) == 500


@pytest.mark.parametrize("bad", [None, "", "   ", "\x00\x01\x02", "\ud800\udfff" * 50,
                                 "a" * 1_000_000, b"\xff\xfe binary"])
def test_bad_input_gets_its_own_cluster(bad) -> None:
    clusters = Clusterer()
    assert clusters.assign("bad", bad) == "bad"
    assert clusters.assign("bad-2", bad) in ("bad", "bad-2")


def test_a_batch_gets_the_signatures_and_clusters_of_one_post_at_a_time() -> None:
    texts = [*REPOSTS, *SAME_TEMPLATE, "", "short", "🔥" * 40, "캄보디아 고수익 알바 텔레 @kr_job1"]
    batched = signatures(texts)
    for text, sig in zip(texts, batched, strict=True):
        alone = signature(text)
        assert (sig is None and alone is None) or (sig == alone).all()
    one_by_one = Clusterer()
    expected = [one_by_one.assign(f"p{i}", text) for i, text in enumerate(texts)]
    # a batch that also names one new post twice: the second time it keeps its first cluster
    posts = [(f"p{i}", text) for i, text in enumerate(texts)] + [("p1", SAME_TEMPLATE[0])]
    assert Clusterer().assign_many(posts) == [*expected, expected[1]]


def test_batches_cluster_as_posts_one_at_a_time() -> None:
    """assign_many matches a batch against earlier posts all at once, then against its own
    earlier posts: near-duplicates across and within batches end as one at a time would."""
    rng = random.Random(11)
    bases = [*REPOSTS[:1], *SAME_TEMPLATE, "캄보디아 고수익 알바 숙소 제공 항공권 지원 텔레 문의",
             "Lowongan kerja di Kamboja, gaji besar, tiket pesawat dan mess gratis"]
    posts = []
    for _ in range(400):
        text = rng.choice(bases)
        for _edit in range(rng.randint(0, 6)):  # light edits, some heavy enough to start a variant
            at = rng.randrange(len(text))
            text = text[:at] + rng.choice(["", "x", "99", " new ", "!"]) + text[at + 3:]
        posts.append((f"p{rng.randrange(350)}", text))  # some ids come again
    alone = Clusterer()
    expected = [alone.assign(doc_id, text) for doc_id, text in posts]
    batched, got, at = Clusterer(), [], 0
    while at < len(posts):
        size = rng.choice([1, 2, 7, 64])
        got.extend(batched.assign_many(posts[at:at + size]))
        at += size
    assert got == expected
    assert batched.state() == alone.state()
