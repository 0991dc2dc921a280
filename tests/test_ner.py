"""Organisations and persons: the region's company forms, and spaCy's English model."""

from __future__ import annotations

import socket

import pytest

from enrich.ner import Recognizer


@pytest.fixture(scope="module")
def rules() -> Recognizer:
    return Recognizer(model=False)


@pytest.fixture(scope="module")
def model() -> Recognizer:
    return Recognizer(model=True)


@pytest.mark.parametrize(("text", "org"), [
    ("ABC Trading Co., Ltd. is hiring in Phnom Penh", "ABC Trading Co., Ltd."),
    ("Golden Fortune Co. Ltd needs typists", "Golden Fortune Co. Ltd"),
    ("Join XYZ Sdn. Bhd. today", "XYZ Sdn. Bhd."),
    ("Mega Holdings Pte. Ltd. Singapore", "Mega Holdings Pte. Ltd."),
    ("PT Maju Jaya Abadi membuka lowongan", "PT Maju Jaya Abadi"),
    ("Công ty TNHH Minh Phát tuyển nhân viên", "Công ty TNHH Minh Phát"),
    ("我们是金边皇家集团有限公司，诚聘客服", "金边皇家集团有限公司"),
    ("(주)한빛소프트 해외 TM 모집", "(주)한빛소프트"),
    ("㈜세원전자 생산직 채용", "㈜세원전자"),
    ("บริษัท สยามฟู้ดส์ โปรดักส์ จำกัด รับสมัครพนักงาน", "บริษัท สยามฟู้ดส์ โปรดักส์ จำกัด"),
    ("株式会社ミナト精機で働きませんか", "株式会社ミナト精機"),
    ("Recruiting for Huione Pay and the Prince Group", "Huione Pay"),
])
def test_company_forms_without_a_model(rules: Recognizer, text: str, org: str) -> None:
    organizations, _ = rules.find(text)
    assert org in organizations


@pytest.mark.parametrize(("text", "person"), [
    ("Contact Mr. John Smith for details", "John Smith"),
    ("김 실장에게 텔레로 연락 주세요", "김 실장"),
    ("联系王经理，飞机号 @abc123", "王经理"),
    ("ติดต่อคุณสมชาย โทร 0812345678", "สมชาย"),
    ("liên hệ chị Lan để biết thêm", "Lan"),
    ("担当：山田まで", "山田"),
])
def test_recruiter_names_without_a_model(rules: Recognizer, text: str, person: str) -> None:
    _, persons = rules.find(text)
    assert person in persons


def test_a_company_name_never_spans_a_line_break(rules: Recognizer) -> None:
    # a heading over the company line is not part of the name
    organizations, _ = rules.find("Phnom Penh\nABC Trading Co., Ltd.\nPT\nHiring Now")
    assert organizations == ["ABC Trading Co., Ltd."]


def test_names_keep_their_order_when_lines_recur(rules: Recognizer) -> None:
    text = "Contact Mr. John Smith\n联系王经理\nMega Holdings Pte. Ltd."
    first = rules.find(text)
    assert first == (["Mega Holdings Pte. Ltd."], ["John Smith", "王经理"])
    assert rules.find("Hello\n" + text) == first
    _, persons = rules.find("联系王经理\n" + text)
    assert persons == ["John Smith", "王经理"]  # pattern by pattern, each name once


def test_words_that_only_look_like_names_are_not_taken(rules: Recognizer) -> None:
    # คุณสมบัติ is "qualifications", not "Mr Sombat"; tiếng Anh is "English"
    assert rules.find("คุณสมบัติผู้สมัคร อายุ 20-30 ปี") == ([], [])
    assert rules.find("Yêu cầu biết tiếng Anh Giao tiếp") == ([], [])


def test_model_finds_employers_and_people_in_english(model: Recognizer) -> None:
    organizations, persons = model.find(
        "Bright International School in Phnom Penh is hiring. Contact Sarah Jones, "
        "head of HR, at jobs@bright-example.edu.kh")
    assert "Bright International School" in organizations
    assert "Sarah Jones" in persons
    assert "Phnom Penh" not in organizations + persons  # a place, not an organisation


def test_contact_points_never_come_back_as_names(model: Recognizer) -> None:
    text = ("Hiring now! Contact us on Telegram @hr_mike_88 or WhatsApp +855 12 345 678, "
            "t.me/jobs_kh_2025, https://jobs.example.com/apply")
    organizations, persons = model.find(text)
    names = " ".join(organizations + persons).lower()
    for fragment in ("hr_mike", "855", "345", "t.me", "http", "telegram", "whatsapp"):
        assert fragment not in names


def test_model_is_not_run_on_other_languages_in_latin_script(model: Recognizer) -> None:
    # the English model labels Indonesian and Tagalog words as names: only patterns run there
    assert model.find("Dicari admin, gaji besar, Hubungi WA, Berangkat minggu ini") == ([], [])
    assert model.find("Kailangan agad, libreng tirahan, Mag-PM lang") == ([], [])


def test_pipe_keeps_order_and_count(model: Recognizer) -> None:
    texts = ["ABC Trading Co., Ltd. hiring", "", "联系王经理", "\ud800\x00", "Mr. Tan Wei Ming"]
    texts *= 30
    results = list(model.pipe(texts, batch_size=7))
    assert len(results) == len(texts)
    assert results[0] == (["ABC Trading Co., Ltd."], [])
    assert results[2] == ([], ["王经理"])
    assert results[1] == results[3] == ([], [])
    assert results[5] == results[0]


def test_model_loads_from_the_installed_package_without_network(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise OSError("network use during model loading")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    recognizer = Recognizer(model=True)
    assert recognizer.nlp is not None and "ner" in recognizer.nlp.pipe_names
    # what NER does not need is not loaded
    assert not {"parser", "tagger", "lemmatizer"} & set(recognizer.nlp.pipe_names)


@pytest.mark.parametrize("bad", [None, "", b"\xff\xfe", "\x00" * 1000, "\ud800\udfff" * 100,
                                 "Acme Co., Ltd. " * 70_000])
def test_bad_input_returns_lists(model: Recognizer, bad) -> None:
    organizations, persons = model.find(bad)
    assert isinstance(organizations, list) and isinstance(persons, list)
