"""The Bot API double answers like Telegram, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from devtools.double import BotApiDouble, DoubleServer
from tests.support.bots import TOKEN


@pytest.fixture
def api(api_server: DoubleServer) -> httpx.Client:
    with httpx.Client(base_url=f"{api_server.url}/bot{TOKEN}", timeout=10) as client:
        yield client


def test_get_me_and_wrong_token(api: httpx.Client, api_server: DoubleServer) -> None:
    me = api.post("/getMe").json()
    assert me["ok"] and me["result"]["is_bot"] and me["result"]["username"] == "ecoach_test_bot"
    wrong = httpx.post(f"{api_server.url}/bot123:nope/getMe")
    assert wrong.status_code == 401 and wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_send_message_errors_have_telegram_shapes(api: httpx.Client, double: BotApiDouble) -> None:
    double.user(5, "Sari")
    empty = api.post("/sendMessage", data={"chat_id": "5", "text": ""})
    assert empty.status_code == 400 and empty.json()["description"] == "Bad Request: message text is empty"
    long = api.post("/sendMessage", data={"chat_id": "5", "text": "a" * 4097})
    assert long.status_code == 400 and long.json()["description"] == "Bad Request: message text is too long"
    assert api.post("/sendMessage", data={"chat_id": "5", "text": "a" * 4096}).status_code == 200
    bad_html = api.post("/sendMessage", data={"chat_id": "5", "text": "<b>x", "parse_mode": "HTML"})
    assert bad_html.status_code == 400 and "can't parse entities" in bad_html.json()["description"]
    unknown_tag = api.post("/sendMessage", data={"chat_id": "5", "text": "<script>x</script>", "parse_mode": "HTML"})
    assert unknown_tag.status_code == 400
    unknown_chat = api.post("/sendMessage", data={"chat_id": "77", "text": "hi"})
    assert unknown_chat.json()["description"] == "Bad Request: chat not found"


def test_blocked_user_and_rate_limit(api: httpx.Client, double: BotApiDouble) -> None:
    double.user(6, "Maya")
    double.block(6)
    blocked = api.post("/sendMessage", data={"chat_id": "6", "text": "hi"})
    assert blocked.status_code == 403
    assert blocked.json() == {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
    double.block(6, False)
    double.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    limited = api.post("/sendMessage", data={"chat_id": "6", "text": "hi"})
    assert limited.status_code == 429 and limited.json()["parameters"] == {"retry_after": 7}
    assert api.post("/sendMessage", data={"chat_id": "6", "text": "hi"}).status_code == 200


def test_html_is_parsed_into_what_the_user_reads(api: httpx.Client, double: BotApiDouble) -> None:
    sari = double.user(7, "Sari")
    api.post("/sendMessage", data={"chat_id": "7", "text": "<b>Hai</b> &lt;b&gt; &amp; 5 > 3 & co", "parse_mode": "HTML"})
    assert sari.next_message().text == "Hai <b> & 5 > 3 & co"


def test_long_polling_returns_user_updates_in_order(api: httpx.Client, double: BotApiDouble) -> None:
    sari = double.user(8, "Sari")
    sari.send("/start abc")
    sari.send("halo")
    updates = api.post("/getUpdates", data={"timeout": "1"}).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["/start abc", "halo"]
    assert updates[0]["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    confirmed = api.post("/getUpdates", data={"offset": str(updates[-1]["update_id"] + 1), "timeout": "0"}).json()
    assert confirmed["result"] == []


def test_files_round_trip(api: httpx.Client, api_server: DoubleServer, double: BotApiDouble) -> None:
    sari = double.user(9, "Sari")
    update = sari.send_document(b"%PDF-1.4 bukti", "bukti.pdf", "application/pdf")
    document = update["message"]["document"]
    file = api.post("/getFile", data={"file_id": document["file_id"]}).json()["result"]
    data = httpx.get(f"{api_server.url}/file/bot{TOKEN}/{file['file_path']}").content
    assert data == b"%PDF-1.4 bukti"
    sent = api.post("/sendPhoto", data={"chat_id": "9", "caption": "grafik"}, files={"photo": ("chart.png", b"\x89PNG", "image/png")})
    assert sent.status_code == 200 and sent.json()["result"]["caption"] == "grafik"
    assert sari.messages()[-1].file is not None and sari.messages()[-1].file.data == b"\x89PNG"


def test_group_commands_carry_the_bot_name(double: BotApiDouble) -> None:
    group = double.group(-1001, "Coaches")
    coach = double.user(10, "Budi")
    update = coach.send("/mandek 14", chat=group, mention=True)
    assert update["message"]["text"] == "/mandek@ecoach_test_bot 14"
    assert update["message"]["chat"] == {"id": -1001, "type": "supergroup", "title": "Coaches"}


def test_albums_are_two_to_ten_of_one_kind_sent_by_file_id(api: httpx.Client, double: BotApiDouble) -> None:
    double.user(5, "Sari")
    photo = double.upload(b"\xff\xd8\xff one", "photo").file_id
    other = double.upload(b"\xff\xd8\xff two", "photo").file_id
    document = double.upload(b"%PDF-1.4", "document", name="a.pdf").file_id

    def album(*media: tuple[str, str]) -> httpx.Response:
        return api.post("/sendMediaGroup", json={"chat_id": 5, "media": [{"type": kind, "media": file_id} for kind, file_id in media]})

    assert album(("photo", photo)).json()["description"] == "Bad Request: media must contain 2-10 items"
    assert "can't be mixed" in album(("photo", photo), ("document", document)).json()["description"]
    assert "can't use file of another type" in album(("photo", photo), ("photo", document)).json()["description"]
    sent = album(("photo", photo), ("photo", other)).json()["result"]
    assert len(sent) == 2 and sent[0]["media_group_id"] == sent[1]["media_group_id"]
    assert [m.file.data for m in double.sent(5) if m.file] == [b"\xff\xd8\xff one", b"\xff\xd8\xff two"]


def test_a_redelivered_button_press_carries_the_message_as_it_was_pressed(api: httpx.Client, double: BotApiDouble) -> None:
    """Telegram stores an update when it is made: editing the message later changes the chat, not the
    update a restarted bot is given again (the bot's redelivery check compares the two)."""
    sari = double.user(5, "Sari")
    sent = api.post(
        "/sendMessage", data={"chat_id": "5", "text": "Pilih", "reply_markup": '{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}'}
    )
    message_id = sent.json()["result"]["message_id"]
    sari.press("A")
    api.post("/editMessageText", data={"chat_id": "5", "message_id": str(message_id), "text": "Pilih\n\n✅ A"})
    [first] = api.post("/getUpdates", data={"timeout": "0"}).json()["result"]
    [again] = api.post("/getUpdates", data={"timeout": "0"}).json()["result"]  # not confirmed: given again
    assert first == again and again["callback_query"]["message"]["text"] == "Pilih"


def test_flood_limits_answer_429_in_a_private_chat_past_its_burst_and_in_a_group_past_twenty_a_minute() -> None:
    """Telegram's limits per chat, on when the double keeps the bot's 30 a second: three new messages at
    once in a private chat, then one a second (edits not counted); twenty in a group, then one every 3 s."""
    double = BotApiDouble(TOKEN, rate_limit_per_second=30)
    double.user(9, "Sari")
    double.user(10, "Maya")
    double.group(-100200, "Coach group")

    def send(chat: int, text: str = "hi") -> tuple[int, dict[str, Any]]:
        return double.call(TOKEN, "sendMessage", {"chat_id": str(chat), "text": text})

    answers = [send(9, f"m{n}") for n in range(3)]
    assert [status for status, _ in answers] == [200, 200, 200]
    first = answers[0][1]["result"]["message_id"]
    assert double.call(TOKEN, "editMessageText", {"chat_id": "9", "message_id": str(first), "text": "x"})[0] == 200
    status, body = send(9)
    assert status == 429 and body["parameters"] == {"retry_after": 1}
    assert send(10)[0] == 200  # another chat is not held up
    group = [send(-100200)[0] for _ in range(21)]
    assert group[:20] == [200] * 20 and group[20] == 429
    assert double.rate_limited() == 2
