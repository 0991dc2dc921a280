"""Contact points: the pivots analysts search on, in the document's normal form."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest

from enrich.contacts import KINDS, country_hint, extract
from enrich.contacts_wallets import eip55_valid, keccak256

EVAL = Path(__file__).parent / "data" / "contacts_eval.jsonl"


def _eval_rows() -> list[dict]:
    with EVAL.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _scores() -> dict[str, tuple[int, int, int]]:
    counts = {kind: [0, 0, 0] for kind in KINDS}  # true pos, false pos, false neg
    for row in _eval_rows():
        got = extract(row["text"], row["links"], country=row["country"], lang=row["lang"])
        for kind in KINDS:
            found = {json.dumps(v, sort_keys=True) for v in got[kind]}
            wanted = {json.dumps(v, sort_keys=True) for v in row["expect"].get(kind, [])}
            counts[kind][0] += len(found & wanted)
            counts[kind][1] += len(found - wanted)
            counts[kind][2] += len(wanted - found)
    return {kind: (tp, fp, fn) for kind, (tp, fp, fn) in counts.items()}


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def test_evaluation_set_f1():
    scores = _scores()
    assert sum(scores["phones"]) >= 40 and sum(scores["telegram"]) >= 25
    for kind in ("phones", "telegram", "emails"):
        assert _f1(*scores[kind]) >= 0.95, (kind, scores[kind])
    for kind in KINDS:
        assert _f1(*scores[kind]) >= 0.9, (kind, scores[kind])


def one(text: str, kind: str, **kwargs) -> list:
    return extract(text, **kwargs)[kind]


# --- phones ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "country", "e164"),
    [
        ("Contact 012 345 678", "KH", "+85512345678"),
        ("Tel: 096 123 4567", "KH", "+855961234567"),
        ("연락처 010-1234-5678", "KR", "+821012345678"),
        ("โทร 081-234-5678", "TH", "+66812345678"),
        ("Liên hệ 0912 345 678", "VN", "+84912345678"),
        ("Hubungi 0812-3456-7890", "ID", "+6281234567890"),
        ("Call 0917 123 4567", "PH", "+639171234567"),
        ("Phone 09 212 3456", "MM", "+9592123456"),
        ("Tel 020 5512 3456", "LA", "+8562055123456"),
        ("电话 139 1234 5678", "CN", "+8613912345678"),
        ("Phone 012-345 6789", "MY", "+60123456789"),
    ],
)
def test_national_numbers_read_in_the_country_of_the_text(text, country, e164):
    assert one(text, "phones", country=country) == [e164]


@pytest.mark.parametrize(
    ("text", "lang", "e164"),
    [
        ("캄보디아 알바 010-1234-5678", "ko", "+821012345678"),
        ("ทำงานที่กัมพูชา 081 234 5678", "th", "+66812345678"),
        ("ទំនាក់ទំនង 012 345 678", "km", "+85512345678"),
        ("Zalo 0912 345 678", "vi", "+84912345678"),
        ("Hubungi 0812-3456-7890", "id", "+6281234567890"),
        ("Tumawag sa 0917 123 4567", "tl", "+639171234567"),
    ],
)
def test_language_points_to_a_country_when_no_place_is_named(text, lang, e164):
    assert one(text, "phones", lang=lang) == [e164]


def test_the_same_digits_dial_differently_by_country():
    assert one("Tel 096 123 4567", "phones", country="KH") == ["+855961234567"]
    assert one("Tel 096 123 4567", "phones", country="TH") == ["+66961234567"]


def test_a_cambodian_ad_about_korea_and_a_korean_ad_about_cambodia():
    # The place named in the text is Cambodia, but a Korean mobile is still Korean.
    assert one("캄보디아 시아누크빌 TM 모집 010-9876-5432", "phones", country="KH", lang="ko") == [
        "+821098765432"]
    assert one("캄보디아 현지 번호 012 345 678", "phones", country="KH", lang="ko") == [
        "+85512345678"]


def test_a_mobile_beats_a_landline_reading():
    # 010-1234-5678 is also a valid Beijing landline; ads give mobiles.
    assert one("在柬埔寨工作 010-1234-5678", "phones", country="CN", lang="ko") == [
        "+821012345678"]


def test_script_around_the_number_points_to_its_country():
    assert one("연락처 010-1234-5678", "phones") == ["+821012345678"]
    assert one("สนใจติดต่อ 081-234-5678", "phones") == ["+66812345678"]


def test_a_country_named_right_before_the_number_wins():
    text = "โทร Cambodia: 096 123 4567"
    assert one(text, "phones", lang="th") == ["+855961234567"]
    text = "Hotline Cambodia +855 / Thailand 096 123 4567"
    assert one(text, "phones", country="KH") == ["+66961234567"]


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("+855 96 123 4567", "+855961234567"),
        ("+855-12-345-678", "+85512345678"),
        ("(+855) 012 345 678", "+85512345678"),
        ("+855 (0) 12 345 678", "+85512345678"),
        ("00855 12 345 678", "+85512345678"),
        ("+84.912.345.678", "+84912345678"),
        ("+82 10-1234-5678", "+821012345678"),
        ("+86 13912345678", "+8613912345678"),
        ("+95 9 212 3456", "+9592123456"),
    ],
)
def test_international_numbers_need_no_context(text, e164):
    assert one(f"Call {text} now", "phones") == [e164]


def test_country_code_written_without_plus():
    assert one("Call 855 12 345 678 now", "phones", country="KH") == ["+85512345678"]


@pytest.mark.parametrize(
    ("text", "country", "lang"),
    [
        ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨", None, "km"),  # Khmer numerals
        ("ទូរស័ព្ទ ០១២ ៣៤៥ ៦៧៨", "KH", None),
        ("Tel ０１２ ３４５ ６７８", "KH", None),  # full-width digits
        ("Tel: 012\u200b345\u200b678", "KH", None),  # zero-width spaces
    ],
)
def test_regional_and_full_width_digits(text, country, lang):
    assert one(text, "phones", country=country, lang=lang) == ["+85512345678"]


def test_thai_and_burmese_numerals():
    assert one("โทร ๐๘๑ ๒๓๔ ๕๖๗๘", "phones", lang="th") == ["+66812345678"]
    assert one("ဖုန်း ၀၉ ၂၁၂ ၃၄၅၆", "phones", lang="my") == ["+9592123456"]


def test_numbers_glued_to_words():
    assert one("电话13912345678 手机:13812345678", "phones", lang="zh") == [
        "+8613912345678", "+8613812345678"]
    assert one("연락처010-1234-5678로 문자", "phones") == ["+821012345678"]
    assert one("VX13912345678", "phones", lang="zh") == ["+8613912345678"]


def test_a_list_of_numbers_separated_by_spaces():
    assert one("Tel 096 123 4567 012 345 678", "phones", country="KH") == [
        "+855961234567", "+85512345678"]


@pytest.mark.parametrize(
    ("text", "country", "lang"),
    [
        ("월급 3,000,000원 보장", "KR", "ko"),
        ("Salary $3000 per month", "KH", "en"),
        ("Salary 2000-3000 USD", "KH", "en"),
        ("Lương 15.000.000 - 20.000.000 VNĐ", "VN", "vi"),
        ("thu nhập 15.000.000đ", "VN", "vi"),
        ("Gaji Rp 5.000.000 - 12.000.000 / bulan", "ID", "id"),
        ("เงินเดือน 30000-50000 บาท", "TH", "th"),
        ("월급 1500만원~3000만원", "KR", "ko"),
        ("薪资 15000-30000 元", "CN", "zh"),
        ("USDT 1000000000 daily", "KH", "en"),
        ("Year 2026", "KH", "en"),
        ("2025-2026 season", "KH", "en"),
        ("Start 2026-01-15", "KH", "en"),
        ("Start 15/01/2026 or 2026.01.15", "KH", "en"),
        ("Start 01.02.2026", "VN", "vi"),
        ("Shift 10:00-22:00", "KH", "en"),
        ("Age 18-35, height 160-175cm", "KH", "en"),
        ("Bank account 0123456789", "VN", "vi"),
        ("Passport: 012345678", "KH", "en"),
        ("Ref 20250115", "KR", "en"),
        ("Room 1203 floor 12", "KH", "en"),
        ("12 345 678", "KH", "en"),  # national form without its trunk prefix
        ("", "KH", "en"),
    ],
)
def test_prices_years_and_dates_are_not_phones(text, country, lang):
    assert one(text, "phones", country=country, lang=lang) == []


def test_a_number_valid_in_several_usual_countries_is_left_out_without_context():
    assert one("Call 081 234 5678", "phones") == []  # Thai or Vietnamese?


# --- messaging apps -------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "handle"),
    [
        ("텔레 @khjob88 연락", "khjob88"),
        ("텔레그램: hr_sihanouk", "hr_sihanouk"),
        ("텔레그램 아이디 : KR_Boss7", "kr_boss7"),
        ("飞机 @xg_hr888", "xg_hr888"),
        ("纸飞机：usdt_pay_boss", "usdt_pay_boss"),
        ("电报 tg_boss2025", "tg_boss2025"),
        ("tg: manager_kh", "manager_kh"),
        ("TG:@manager_kh", "manager_kh"),
        ("Telegram: Recruit_Anna", "recruit_anna"),
        ("Telegram (@recruit_anna)", "recruit_anna"),
        ("Telegram 👉 @vip_manager_01 👈", "vip_manager_01"),
        ("DM @recruiter_anna now", "recruiter_anna"),
        ("Apply via our bot @easy_job_bot", "easy_job_bot"),
        ("https://t.me/cambo_zhaopin", "cambo_zhaopin"),
        ("t.me/s/overseas_jobs_kh", "overseas_jobs_kh"),
        ("https://t.me/jobs_asia_daily/1234", "jobs_asia_daily"),
        ("https://t.me/job_hr_bot?start=ref123", "job_hr_bot"),
        ("telegram.me/cambodia_work", "cambodia_work"),
        ("tg://resolve?domain=hr_desk", "hr_desk"),
        ("Telegram: vn_tuyendung inbox ngay", "vn_tuyendung"),
    ],
)
def test_telegram_handles(text, handle):
    assert one(text, "telegram") == [handle]


@pytest.mark.parametrize(
    "text",
    [
        "Join https://t.me/+AbCdEfGh123 today",
        "Private group: https://t.me/joinchat/AAAAAEkQ3xyz",
        "t.me/addstickers/CuteCats",
        "Contact us on Telegram for details",
        "Telegram channel only",
        "Telegram: @ab",
        "Send CV to hr_team@gmail.com",
        "Instagram @fashion_kh",
        "Visit medium.com/@writer_name",
        "our 텔레마케팅 team @ office",
    ],
)
def test_not_telegram_handles(text):
    assert one(text, "telegram") == []


def test_a_telegram_link_to_a_phone_number_is_a_phone():
    found = extract("Chat: https://t.me/+855961234567")
    assert found["phones"] == ["+855961234567"] and found["telegram"] == []


def test_invite_links_are_kept_as_urls():
    found = extract("Join https://t.me/+AbCdEfGh123")
    assert found["urls"] == ["https://t.me/+AbCdEfGh123"] and found["telegram"] == []


def test_an_email_local_part_is_not_a_handle_but_the_handle_beside_it_is():
    found = extract("tg: hr_team88. Email hr_team88@gmail.com (not @company on Telegram)")
    assert found["emails"] == ["hr_team88@gmail.com"]
    assert found["telegram"] == ["hr_team88", "company"]


def test_whatsapp_numbers_are_phones_too():
    found = extract("WhatsApp +855 96 123 4567, 왓츠앱 +82 10 9876 5432")
    assert found["whatsapp"] == ["+855961234567", "+821098765432"]
    assert found["phones"] == found["whatsapp"]
    found = extract("Hubungi WA 0812-3456-7890 / 0813-1111-2222", lang="id")
    assert found["whatsapp"] == ["+6281234567890", "+6281311112222"]
    found = extract("Call 0917 123 4567 (Viber/WhatsApp)", country="PH")
    assert found["whatsapp"] == ["+639171234567"]


def test_whatsapp_links():
    found = extract("wa.me/6281234567890 or https://api.whatsapp.com/send?phone=855961234567"
                    " or wa.me/+821012345678")
    assert found["whatsapp"] == ["+6281234567890", "+855961234567", "+821012345678"]
    found = extract("group https://chat.whatsapp.com/AbCdEf123")
    assert found["whatsapp"] == [] and found["phones"] == []


def test_a_plain_phone_is_not_whatsapp_and_zalo_is_a_phone():
    found = extract("Tel 012 345 678, Zalo 0912 345 678", country="KH")
    assert found["phones"] == ["+85512345678", "+84912345678"]
    assert found["whatsapp"] == []


def test_line_kakao_wechat():
    found = extract("ไลน์ @thjob99 Line ID: nong.job line.me/ti/p/~ThaiAdmin", lang="th")
    assert found["line"] == ["thjob99", "nong.job", "thaiadmin"]
    found = extract("카톡 ID vip2025 오픈채팅 https://open.kakao.com/o/sXyZ12Ab "
                    "pf.kakao.com/_xAbCd")
    assert found["kakao"] == ["vip2025", "sXyZ12Ab", "_xAbCd"]  # codes keep their case
    found = extract("微信: abc12345 VX: kk8899aa 微信号：hr-zhang2025")
    assert found["wechat"] == ["abc12345", "kk8899aa", "hr-zhang2025"]
    assert found["telegram"] == []


def test_everyday_words_after_app_names_are_not_ids():
    assert extract("Bottom line: salary is good")["line"] == []
    assert extract("카톡 문의 주세요")["kakao"] == []
    assert extract("WeChat only please")["wechat"] == []


# --- e-mails, links, domains ------------------------------------------------------------

def test_emails_lower_case_and_obfuscated():
    found = extract("<HR.Team@Global-Recruit.com>, hr [at] cambojobs [dot] com, a+b@x.co.kr.")
    assert found["emails"] == ["hr.team@global-recruit.com", "hr@cambojobs.com", "a+b@x.co.kr"]


def test_not_emails():
    assert extract("logo@2x.png and icon@3x.jpg")["emails"] == []


def test_urls_as_found_and_registrable_domains():
    found = extract(
        "Apply https://jobs.global-recruit.com/apply?id=12, www.easyjobs-asia.net/apply and "
        "visit example.co.kh. Mail hr@global-recruit.com or jobs.kh@gmail.com"
    )
    assert found["urls"] == ["https://jobs.global-recruit.com/apply?id=12",
                             "www.easyjobs-asia.net/apply"]
    # free-mail providers say nothing about who posted the ad
    assert found["domains"] == ["global-recruit.com", "easyjobs-asia.net", "example.co.kh"]


def test_domains_come_from_the_bundled_suffix_list_only():
    from enrich import contacts

    assert contacts._TLD.suffix_list_urls == ()  # never fetched over the network
    assert extract("see jobs.example.com.kh/x and foo.blogspot.com")["domains"] == [
        "example.com.kh", "blogspot.com"]


def test_file_names_and_abbreviations_are_not_domains():
    assert extract("Run main.py, read notes.md, ask Mr.Kim, e.g. this")["domains"] == []


def test_links_behind_the_text_count_as_found():
    found = extract(
        "Apply now",
        links=["https://t.me/apply_hr_kh", "mailto:Apply@Jobs-KH.com", "/about",
               "tel:+85512345678", "javascript:void(0)"],
    )
    assert found["telegram"] == ["apply_hr_kh"]
    assert found["emails"] == ["apply@jobs-kh.com"]
    assert found["phones"] == ["+85512345678"]
    assert found["urls"] == ["https://t.me/apply_hr_kh"]
    assert found["domains"] == ["t.me", "jobs-kh.com"]


# --- wallets ----------------------------------------------------------------------------

def test_keccak_is_not_sha3():
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
    assert keccak256(b"abc").hex() == (
        "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")


@pytest.mark.parametrize(
    ("address", "valid"),
    [
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", True),
        ("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359", True),
        ("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", True),
        ("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb", True),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", False),
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", True),  # no checksum to check
    ],
)
def test_eip55(address, valid):
    assert eip55_valid(address) is valid


@pytest.mark.parametrize(
    ("text", "wallets"),
    [
        ("USDT TRC20: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
         [{"chain": "tron", "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}]),
        ("USDT TRC20: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", []),
        ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
         [{"chain": "bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"}]),
        ("BTC 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", []),
        ("BTC 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
         [{"chain": "bitcoin", "address": "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"}]),
        ("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
         [{"chain": "bitcoin", "address": "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}]),
        ("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", []),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
         [{"chain": "bitcoin",
           "address": "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"}]),
        ("ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
         [{"chain": "ethereum", "address": "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"}]),
        ("ETH 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", []),
        ("tx 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed5aaeb6053f3e94c9b9a09f33", []),
        ("TOTALLYNOTAWALLETADDRESSATALL12345", []),
    ],
)
def test_wallets_with_checksums(text, wallets):
    assert extract(text)["wallets"] == wallets


# --- the whole result -------------------------------------------------------------------

def test_order_of_first_appearance_and_no_duplicates():
    text = ("Telegram @zeta_hr, then @alpha_hr, again @zeta_hr and https://t.me/alpha_hr; "
            "call 012 345 678 or +855 12 345 678")
    found = extract(text, country="KH")
    assert found["telegram"] == ["zeta_hr", "alpha_hr"]
    assert found["phones"] == ["+85512345678"]
    assert list(found) == list(KINDS)


def test_same_answer_every_time():
    rows = _eval_rows()
    first = [extract(r["text"], r["links"], r["country"], r["lang"]) for r in rows]
    second = [extract(r["text"], r["links"], r["country"], r["lang"]) for r in rows]
    assert first == second


def test_country_hint():
    assert country_hint("ko") == "KR" and country_hint("km") == "KH"
    assert country_hint("en") is None and country_hint(None) is None


@pytest.mark.parametrize(
    "bad",
    [
        None,
        "",
        b"\xff\xfe\x00binary\x00junk +855 96 123 4567",
        "\ud800 lone \udfff surrogate @handle_ok \udc80 +855 96 123 4567",
        "\x00" * 1000,
        "0" * 1_000_000,
        "012 345 678 " * 80_000,
        "@" * 500_000 + "a" * 500_000,
        ("Telegram @x_" + "a" * 40 + " ") * 20_000,
        "http://" + "a." * 300_000,
    ],
)
def test_bad_input_returns_a_result(bad):
    started = time.perf_counter()
    found = extract(bad, links=[bad] if isinstance(bad, str) else (), country="KH", lang="km")
    assert set(found) == set(KINDS)
    assert all(isinstance(v, list) for v in found.values())
    assert time.perf_counter() - started < 10


def test_surrogates_do_not_hide_contacts():
    found = extract("\ud800 lone \udfff surrogate @handle_ok \udc80 +855 96 123 4567")
    assert found["telegram"] == ["handle_ok"] and found["phones"] == ["+855961234567"]
    json.dumps(found)  # serialisable: no surrogate leaks into the document


def test_random_junk_never_raises():
    rnd = random.Random(5)
    alphabet = "0123456789 +-().@:/_abcxyzT鈥텔레飞机០១២" + "\u200b\ud800"
    for _ in range(500):
        junk = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 120)))
        found = extract(junk, country=rnd.choice([None, "KH", "KR", "ZZ"]), lang="ko")
        assert set(found) == set(KINDS)


# --- reading by line, and remembering (enrich/contacts.py keeps per-line scans) ---------

@pytest.mark.parametrize(
    ("country", "e164"),
    [("Thailand", ["+66812345678"]), ("Indonesia", ["+62812345678"]),
     ("Vietnam", ["+84812345678"]), ("Myanmar", ["+95812345678"]), ("Korea", [])],
)
def test_a_remembered_line_is_still_read_in_its_neighbours_context(country, e164):
    # The same number line, after lines naming different countries: reading it once must
    # not decide how it reads after another line (each text is read twice, too).
    for _ in range(2):
        assert extract(f"{country}\n081 234 5678")["phones"] == e164


@pytest.mark.parametrize(
    ("text", "kind", "found"),
    [
        ("WhatsApp:\n081 234 5678", "whatsapp", ["+66812345678"]),
        ("Line ID\nabc_123", "line", ["abc_123"]),
        ("Telegram\n@kh_jobs_hr", "telegram", ["kh_jobs_hr"]),
        ("write to hr.team\n[at] jobs-kh.com", "emails", ["hr.team@jobs-kh.com"]),
        # a Kelvin sign lowers into "k": such a text is read whole, as before
        ("\u212aakao: abc123 kakao", "kakao", ["abc123"]),
        ("İletişim tg: @istanbul_hr", "telegram", ["istanbul_hr"]),
    ],
)
def test_contacts_across_a_line_break(text, kind, found):
    assert extract(text, country="TH")[kind] == found


def test_results_do_not_share_what_is_remembered():
    text = "USDT TRC20: TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
    extract(text)["wallets"][0]["chain"] = "changed by a caller"
    assert extract(text)["wallets"] == [
        {"chain": "tron", "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}]


def test_fast_scans_find_what_plain_finditer_finds():
    # Links, bare domains and e-mails are read only around their anchors ("://", ".com/",
    # "@", "[at]"), and numbers from spans found line by line: the same matches as a plain
    # `finditer` over the whole text.
    from enrich import contacts as c

    rnd = random.Random(7)
    pieces = ["a", "B", "x", "1", "7", ".", "-", "/", ":", "@", "_", " ", "\n", "(", ")", "[",
              "at", "AT", "dot", "www.", "WwW.", "https://", "tg://", "ſ", "İ", "ı", ".com",
              "/x", "%", "+", "hr", "t.me", "a" * 70, " [at] ", " (dot) ", "012 345 678",
              "+855 ", "가"]
    for _ in range(3000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randrange(1, 30)))

        def spans(matches):
            return [(m.span(), m.groups()) for m in matches]

        assert spans(c._runs_finditer(c._URL, text, c._URL_ANCHOR, c._URL_RUN)) == spans(
            c._URL.finditer(text))
        assert spans(c._runs_finditer(c._BARE_DOMAIN, text, c._DOT_WORD, c._HOST_RUN,
                                      slack=2)) == spans(c._BARE_DOMAIN.finditer(text))
        assert spans(c._email_finditer(text)) == spans(c._EMAIL.finditer(text))
        reading = c._Extraction(text, (), None, None)
        if reading.numbers is not None:
            assert list(reading.numbers) == [m.span() for m in c._PHONE.finditer(reading.text)]
