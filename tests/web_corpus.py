"""The posts the web tests index, and a real server for them (uvicorn on loopback, a thread).

Invented posts modelled on reported recruitment lures, in the languages the workbench meets;
every phone number, handle, address and wallet is made up. Five posts share one phone number
across a Telegram channel, two job boards and a web page; two are near-duplicates; one is an
XSS attempt; one has a title a spreadsheet would run as a formula.
"""

from __future__ import annotations

import hashlib
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from index import open_index
from lurewatch.document import new_document

SHARED_PHONE = "+855969120451"
XSS_TEXT = "<script>alert(1)</script><img src=x onerror=alert(2)>"
XSS_TITLE = '<b onmouseover="alert(3)">Admin wanted</b>'
FORMULA_TITLE = '=HYPERLINK("http://evil.example/x","klik")'
KOREAN_PHRASE = '"고객상담 직원"'
CLUSTER = "c-ko-tm-01"


TOKEN = "test-token-" + uuid.uuid4().hex
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _place(name: str, country: str, lat: float, lon: float) -> dict[str, Any]:
    return {"name": name, "country": country, "lat": lat, "lon": lon}


SIHANOUKVILLE = _place("Sihanoukville", "KH", 10.63, 103.52)
PHNOM_PENH = _place("Phnom Penh", "KH", 11.56, 104.92)
POIPET = _place("Poipet", "KH", 13.66, 102.56)
BAVET = _place("Bavet", "KH", 11.06, 106.14)
MYAWADDY = _place("Myawaddy", "MM", 16.69, 98.51)
GOLDEN_TRIANGLE = _place("Golden Triangle SEZ", "LA", 20.35, 100.10)
CAMBODIA = _place("Cambodia", "KH", 12.57, 104.99)

# (id, platform, lang, score, level, posted, title, text, entities, indicators {code: evidence})
POSTS: list[tuple[Any, ...]] = [
    ("ko-tm-1", "telegram", "ko", 92, "high", "2026-09-02T04:20:00Z", None,
     "🔥 해외 고수익 최고의 일자리 🔥\n캄보디아 시아누크빌 TM / 고객상담 직원 모집\n"
     "✅ 월 500만원 + 인센티브\n✅ 경력·학력 무관, 초보 가능\n✅ 항공권·비자 회사 전액 지원\n"
     "✅ 숙식 제공\n📩 텔레 @kimsil_hr77\n📞 +855 96 912 0451 (김실장)",
     {"phones": [SHARED_PHONE], "telegram": ["kimsil_hr77"], "locations": [SIHANOUKVILLE]},
     {"high_pay_low_skill": "월 500만원", "no_experience": "경력·학력 무관",
      "travel_paid": "항공권·비자 회사 전액 지원", "room_and_board": "숙식 제공",
      "destination_hotspot": "시아누크빌", "offplatform_contact": "텔레 @kimsil_hr77"}),
    ("ko-tm-2", "jobboard", "ko", 88, "high", "2026-09-05T01:00:00Z",
     "[급구] 캄보디아 고객상담 직원 모집 (월 500만원)",
     "캄보디아 고객상담 직원 모집합니다. 월 500만원, 경력 무관, 숙식 제공, 항공권 지원.\n"
     "문의: 텔레그램 @kimsil_hr77 / 카톡 kimsil77 / +855 96 912 0451",
     {"phones": [SHARED_PHONE], "telegram": ["kimsil_hr77"], "kakao": ["kimsil77"],
      "locations": [CAMBODIA]},
     {"high_pay_low_skill": "월 500만원", "no_experience": "경력 무관",
      "room_and_board": "숙식 제공", "urgency": "급구"}),
    ("th-admin", "jobboard", "th", 81, "high", "2026-10-03T03:00:00Z", None,
     "รับสมัครพนักงานแอดมิน ทำงานที่ปอยเปต เงินเดือน 45,000 บาท ไม่ต้องมีประสบการณ์ "
     "มีที่พักฟรี ติดต่อ WhatsApp +855 96 912 0451",
     {"phones": [SHARED_PHONE], "whatsapp": [SHARED_PHONE], "locations": [POIPET]},
     {"no_experience": "ไม่ต้องมีประสบการณ์", "room_and_board": "มีที่พักฟรี",
      "destination_hotspot": "ปอยเปต"}),
    ("xss", "telegram", "und", 40, "medium", "2026-10-10T09:00:00Z", XSS_TITLE, XSS_TEXT,
     {"phones": [SHARED_PHONE]}, {}),
    ("zh-xg", "telegram", "zh", 85, "high", "2026-10-15T06:30:00Z", None,
     "西港高薪招聘客服，月薪3000美金起，包吃包住，无需经验，USDT结算。联系飞机 @xg_hr_boss",
     {"telegram": ["xg_hr_boss"], "locations": [SIHANOUKVILLE],
      "wallets": [{"chain": "tron", "address": "TQ7n1d3k9ZpXw5YvFh2s8LbCm4RaEj6UoT"}]},
     {"high_pay_low_skill": "月薪3000美金", "room_and_board": "包吃包住",
      "no_experience": "无需经验", "crypto_gambling": "USDT结算"}),
    ("en-mm", "telegram", "en", 55, "medium", "2026-09-20T10:00:00Z", None,
     "Customer service agents wanted in Myawaddy, $3,000 a month, flights paid. "
     "Contact Telegram @mm_jobs_hr or email hr.mmjobs@gmail.com",
     {"telegram": ["mm_jobs_hr"], "emails": ["hr.mmjobs@gmail.com"], "domains": ["gmail.com"],
      "locations": [MYAWADDY]},
     {"travel_paid": "flights paid", "destination_hotspot": "Myawaddy"}),
    ("vi-bavet", "jobboard", "vi", 60, "medium", "2026-10-20T02:00:00Z", None,
     "Tuyển nhân viên chăm sóc khách hàng tại Bavet, lương 1.500 USD, bao ăn ở, "
     "không cần kinh nghiệm. Liên hệ WhatsApp +84 912 345 678",
     {"phones": ["+84912345678"], "whatsapp": ["+84912345678"], "locations": [BAVET]},
     {"no_experience": "không cần kinh nghiệm", "room_and_board": "bao ăn ở"}),
    ("km-teacher", "jobboard", "km", 10, "low", "2026-09-25T02:00:00Z", None,
     "ត្រូវការគ្រូបង្រៀនភាសាអង់គ្លេស នៅភ្នំពេញ បទពិសោធន៍ ២ ឆ្នាំ ផ្ញើ CV មក hr@school.edu.kh",
     {"emails": ["hr@school.edu.kh"], "domains": ["school.edu.kh"], "locations": [PHNOM_PENH]},
     {}),
    ("ko-restaurant", "telegram", "ko", 12, "low", "2026-09-01T12:40:00Z", None,
     "[프놈펜] 한식당 주방 보조 구합니다\n- 급여: 월 $900\n- 요건: 한식 조리 경력 2년 이상\n"
     "이력서: seoulgarden.pp@gmail.com",
     {"emails": ["seoulgarden.pp@gmail.com"], "domains": ["gmail.com"],
      "locations": [PHNOM_PENH]}, {}),
    ("id-admin", "web", "id", 78, "high", "2026-11-02T05:00:00Z", FORMULA_TITLE,
     "Dibutuhkan admin online di Kamboja, gaji 1.200 USD, tiket pesawat ditanggung, "
     "kirim foto paspor ke WA +855 96 912 0451. Daftar: https://loker-kamboja.example/apply?id=7",
     {"phones": [SHARED_PHONE], "urls": ["https://loker-kamboja.example/apply?id=7"],
      "domains": ["loker-kamboja.example"], "locations": [CAMBODIA]},
     {"travel_paid": "tiket pesawat ditanggung", "document_request": "kirim foto paspor"}),
    ("my-mw", "telegram", "my", 75, "high", "2026-11-05T08:00:00Z", None,
     "မြဝတီ တွင် အလုပ်ခေါ်နေသည်။ လစာ ကောင်း၊ အတွေ့အကြုံ မလို။ Telegram @mm_jobs_hr",
     {"telegram": ["mm_jobs_hr"], "locations": [MYAWADDY]},
     {"no_experience": "အတွေ့အကြုံ မလို"}),
    ("la-gt", "jobboard", "en", 70, "high", "2026-11-12T07:00:00Z",
     "Casino typists wanted, Golden Triangle",
     "Golden Triangle SEZ casino hiring Chinese and English typists, 2,500 USD, visa and "
     "flights paid. WeChat: gt_casino_hr",
     {"wechat": ["gt_casino_hr"], "locations": [GOLDEN_TRIANGLE]},
     {"crypto_gambling": "casino", "scam_job_title": "typists", "travel_paid": "flights paid"}),
]


def _hour_later(moment: str) -> str:
    return moment[:11] + f"{int(moment[11:13]) + 1:02d}" + moment[13:]


def documents() -> list[dict[str, Any]]:
    """The corpus as complete documents (CONTRACT.md)."""
    docs = []
    for doc_id, platform, lang, score, level, posted, title, text, entities, inds in POSTS:
        seen = _hour_later(posted)
        doc = new_document(
            id=doc_id, platform=platform, source=f"{platform}-fixture",
            url=f"https://{platform}.example/posts/{doc_id}", title=title, text=text,
            lang=lang, lang_confidence=0.97, posted_at=posted, crawled_at=seen,
            first_seen=seen, last_seen=seen, entities=entities,
            indicators=[{"code": c, "evidence": e} for c, e in inds.items()],
            risk={"score": score, "level": level,
                  "reasons": [f"{code.replace('_', ' ')}: “{e}”" for code, e in inds.items()]},
            cluster_id=CLUSTER if doc_id.startswith("ko-tm") else f"c-{doc_id}",
        )
        docs.append(doc)
    return docs


def tiny_png() -> bytes:
    """A valid 2x2 PNG, the stand-in for a crawl screenshot."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (2).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\x00\xff" * 2)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def add_evidence(docs: list[dict[str, Any]], data_dir: Path) -> dict[str, Any]:
    """A real WARC record and a screenshot for the first post; hostile paths for the XSS one."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    first = docs[0]
    (data_dir / "warc").mkdir(parents=True, exist_ok=True)
    (data_dir / "screenshots").mkdir(parents=True, exist_ok=True)
    warc = data_dir / "warc" / "crawl-1.warc.gz"
    body = ("<html><body><p>" + first["text"] + "</p></body></html>").encode()
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        filler = writer.create_warc_record("https://other.example/", "response", payload=None,
                                           http_headers=StatusAndHeaders("200 OK", [],
                                                                         protocol="HTTP/1.1"))
        writer.write_record(filler)
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        record = writer.create_warc_record(first["url"], "response", payload=io.BytesIO(body),
                                           http_headers=headers)
        writer.write_record(record)
    (data_dir / "screenshots" / "ko-tm-1.png").write_bytes(tiny_png())
    first["evidence"] = {"warc": "warc/crawl-1.warc.gz",
                         "record_id": record.rec_headers.get_header("WARC-Record-ID"),
                         "sha256": hashlib.sha256(body).hexdigest(),
                         "screenshot": str(data_dir / "screenshots" / "ko-tm-1.png")}
    hostile = next(d for d in docs if d["id"] == "xss")
    hostile["evidence"] = {"warc": "/etc/passwd", "record_id": "<urn:uuid:0>", "sha256": None,
                           "screenshot": "../../../../../../etc/hostname.png"}
    return {"body": body}


def build_index(url: str, es_index: str | None = None,
                docs: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """A fresh index at `url` holding the corpus (or `docs`)."""
    docs = docs if docs is not None else documents()
    with open_index(url, es_index=es_index) as index:
        index.init()
        report = index.upsert([dict(d) for d in docs])
        assert (report.added, report.failed) == (len(docs), []), report.failed
        index.refresh()
    return docs


@contextmanager
def live_server(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on 127.0.0.1 (a free port) in a thread; yield its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the web server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


class Answer:
    def __init__(self, status: int, headers: Any, body: bytes) -> None:
        self.status, self.headers, self.body = status, headers, body

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(base: str, path: str, headers: dict[str, str] | None = None,
          data: bytes | None = None) -> Answer:
    """One real HTTP request (redirects not followed), whatever the status."""
    request = urllib.request.Request(base + path, headers=headers or {}, data=data)
    try:
        with _opener.open(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())
