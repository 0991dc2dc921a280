"""Which abuse desk a post goes to, from takedown/data/recipients.yaml (no lookup needed)."""

from __future__ import annotations

from typing import Any

import pytest

from takedown.letters import choose_language
from takedown.recipients import recipient_for


def _post(url: str, platform: str, **extra: Any) -> dict[str, Any]:
    return {"url": url, "platform": platform, "entities": {}, **extra}


@pytest.mark.parametrize(("post", "key", "name"), [
    (_post("https://t.me/s/kh_jobs/12", "telegram"), "telegram", "Telegram"),
    (_post("https://www.facebook.com/groups/123/posts/456", "facebook"), "meta",
     "Meta (Facebook, Instagram)"),
    (_post("http://127.0.0.1:8123/groups/kh-jobs/posts/9", "facebook"), "meta",
     "Meta (Facebook, Instagram)"),
    (_post("https://old.reddit.com/r/jobs/comments/abc/x/", "reddit"), "reddit", "Reddit"),
    (_post("https://mastodon.social/@recruiter/1", "mastodon"), "mastodon-social",
     "mastodon.social moderators"),
    (_post("https://mstdn.example.org/@hr/99", "mastodon"), "mastodon-instance",
     "the moderators of mstdn.example.org"),
    (_post("https://chat.whatsapp.com/AbC", "web"), "whatsapp", "WhatsApp (Meta)"),
    (_post("https://open.kakao.com/o/sAbC123x", "web"), "kakao", "Kakao Corp. (KakaoTalk)"),
    (_post("https://line.me/R/ti/p/@poipetjob", "web"), "line", "LINE (LY Corporation)"),
    (_post("http://127.0.0.1:9/jobs/1", "jobboard", meta={"site_name": "AsiaJobLink"}),
     "asiajoblink", "AsiaJobLink trust & safety"),
])
def test_known_platforms_by_domain_site_name_and_platform(post: dict[str, Any], key: str,
                                                          name: str) -> None:
    recipient = recipient_for(post)
    assert (recipient["key"], recipient["name"]) == (key, name)
    if not recipient["email"]:
        assert recipient["form"].startswith("https://")
        assert any(recipient["form"] in note for note in recipient["notes"])


def test_accounts_on_messaging_platforms_are_listed_to_report_too() -> None:
    post = _post("https://t.me/s/kh_jobs/12", "telegram", entities={
        "telegram": ["kimsil_hr77"], "kakao": ["kimsil77"], "whatsapp": ["+855961234567"]})
    also = {a["key"]: a["accounts"] for a in recipient_for(post)["also"]}
    assert also == {"kakao": ["kimsil77"], "whatsapp": ["+855961234567"]}


def test_letter_language_follows_the_post_when_the_recipient_reads_it() -> None:
    kakao = recipient_for(_post("https://open.kakao.com/o/x", "web"))
    assert choose_language(kakao, "ko") == "ko"
    assert choose_language(kakao, "th") == "ko"  # its first language with a template
    telegram = recipient_for(_post("https://t.me/x/1", "telegram"))
    assert choose_language(telegram, "ko") == "en"
    assert choose_language(telegram, "ko", asked="km") == "km"
    with pytest.raises(ValueError, match="no letter template in 'xx'"):
        choose_language(telegram, "ko", asked="xx")
