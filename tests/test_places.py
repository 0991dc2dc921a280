"""Places found in posts: the gazetteer's forms in every script the ads use."""

from __future__ import annotations

import pytest

from enrich import places
from enrich.scan import fold


def names(text: str) -> list[str]:
    return [p["name"] for p in places.find(text)]


@pytest.mark.parametrize("text", [
    "Customer service job in Sihanoukville",
    "Work in Preah Sihanouk province",
    "캄보디아 시아누크빌에서 TM 직원 모집",
    "西港高薪招聘客服",
    "งานที่สีหนุวิลล์ รายได้ดี",
    "ការងារនៅក្រុងព្រះសីហនុ",
])
def test_sihanoukville_in_every_script(text: str) -> None:
    assert "Sihanoukville" in names(text)


@pytest.mark.parametrize("text", [
    "Phnom Penh", "Phnom Pênh", "PHNOM PENH office", "프놈펜", "金边", "金邊", "พนมเปญ", "ភ្នំពេញ",
    "プノンペン",
])
def test_phnom_penh_forms(text: str) -> None:
    assert names(text) == ["Phnom Penh"]


@pytest.mark.parametrize(("text", "expected"), [
    ("妙瓦底 KK园区 招聘", ["Myawaddy", "KK Park"]),
    ("မြဝတီ မှာ အလုပ်", ["Myawaddy"]),
    ("Shwe Kokko and Yatai New City", ["Shwe Kokko", "Yatai New City"]),
    ("老挝金三角经济特区", ["Laos", "Golden Triangle SEZ"]),
    ("Kings Romans casino, Bokeo", ["Golden Triangle SEZ", "Bokeo"]),
    ("ท่าขี้เหล็ก แม่สอด", ["Tachileik", "Mae Sot"]),
    ("Làm việc tại TP.HCM và Hà Nội", ["Ho Chi Minh City", "Hanoi"]),
    ("Lowongan kerja di Kamboja", ["Cambodia"]),
    ("O’Smach border casino", ["O'Smach"]),
    ("Clark, Pampanga BPO hiring", ["Clark Freeport Zone"]),
    ("두바이, 서울, 부산, 인천", ["Dubai", "Seoul", "Busan", "Incheon"]),
])
def test_places_across_scripts(text: str, expected: list[str]) -> None:
    assert names(text) == expected


def test_each_place_carries_country_and_coordinates() -> None:
    found = places.find("Bavet and Poipet")
    assert [(p["name"], p["country"]) for p in found] == [("Bavet", "KH"), ("Poipet", "KH")]
    for place in found:
        assert 10 < place["lat"] < 15 and 102 < place["lon"] < 107
    assert set(found[0]) == {"name", "country", "lat", "lon"}


def test_latin_names_match_whole_words_only() -> None:
    assert names("Bavetville and ABavet are not places") == []
    assert names("the Bavet casino") == ["Bavet"]
    assert names("Clarkson is a name, Clark alone is not the freeport") == []


def test_stop_forms_do_not_name_places() -> None:
    # 한국어 is "the Korean language"; lao động is Vietnamese for "labour"
    assert names("한국어 가능자 우대") == []
    assert names("xuất khẩu lao động") == []
    assert names("เล่นเกมคอนโซล") == []  # console, not Seoul (โซล)


def test_repeats_are_reported_once_in_order_of_appearance() -> None:
    text = "Poipet → Phnom Penh → 포이펫 → 金边 → Myawaddy"
    assert names(text) == ["Poipet", "Phnom Penh", "Myawaddy"]


def test_countries_and_hotspots() -> None:
    found = places.find("Seoul office, work in Myawaddy and Bangkok")
    assert places.countries(found) == ["KR", "MM", "TH"]
    assert [p["name"] for p in found if places.is_hotspot(p)] == ["Myawaddy"]
    assert places.countries([]) == []


def test_mentions_keep_the_words_as_written() -> None:
    assert [(p["name"], w) for p, w in places.mentions("西港 and Phnom  Pênh")] == [
        ("Sihanoukville", "西港"), ("Phnom Penh", "Phnom Pênh")]


def test_a_place_name_never_spans_a_line_break() -> None:
    # the last word of one line and the first of the next are not one name
    assert names("Golden\nTriangle jobs") == []
    assert names("office in Phnom\nPenh") == []
    assert names("Golden Triangle\nPhnom Penh") == ["Golden Triangle SEZ", "Phnom Penh"]


def test_a_line_seen_before_is_found_at_its_place_in_each_post() -> None:
    line = "work in Poipet, 西港 office"
    for text in [line, "hello\n" + line, "🙂🙂\n\n" + line + "\n" + line]:
        spans = [(text[start:end], value) for start, end, value in
                 places._SCANNER.scan(fold(text))]
        assert [written for written, _ in spans] == ["Poipet", "西港"] * text.count(line)


@pytest.mark.parametrize("bad", ["", "\x00\x01\x02", "\ud800 Bavet \udfff", "Bavet " * 200_000,
                                 b"\xff\xfe Poipet", None])
def test_bad_input_returns_a_list(bad) -> None:
    found = places.find(bad)
    assert isinstance(found, list)
    if bad and isinstance(bad, str) and "Bavet" in bad:
        assert names(bad) == ["Bavet"]


def test_scanner_finds_what_a_plain_phrase_by_phrase_scan_finds() -> None:
    """PhraseScanner's trie-shaped passes (word to word for Latin phrases, second-character
    keyed for the others) must find exactly what one small regex per phrase, tried in
    turn at every position, finds (tests/phrase_reference.py)."""
    from phrase_reference import ReferenceScanner

    from enrich.scan import PhraseScanner, fold

    pairs = [*places._SCANNER._written.items(), *[(p, -1) for p in [
        "Phnom Penh", "Sihanouk Ville", "Ba Vet City", "สปป ลาว", "KK 园区"]]]
    scanner, reference = PhraseScanner(pairs), ReferenceScanner(pairs)
    forms = sorted(form for form, _ in pairs)
    soups = [" ".join(forms[i::41][:15]) for i in range(41)]
    soups += ["".join(forms[i::37][:15]) for i in range(37)]
    soups += ["-".join(forms[i::31][:15]) for i in range(31)]
    soups += ["\n".join(forms[i::29][:15]) for i in range(29)]
    soups += ["xbavet bavetx bavet. phnom-penh phnompenh, 西港xx 시아누크빌에서 ไทยbavet"]
    for text in soups:
        folded = fold(text)
        assert scanner.scan(folded) == reference.scan(folded), text
