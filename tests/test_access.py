"""Coach access an organizer grants: requests, approval, revocation, code rotation, group takeover,
announcements within a coach's own cohort, and the audit log; in-process."""

from __future__ import annotations

import asyncio
import csv
import io

from sqlalchemy import select

from bot.kernel.clock import FrozenClock
from bot.kernel.lanes import Lanes
from bot.kernel.settings import Settings
from db.models import AuditEvent, Cohort, Delivery, Membership, Person, Role
from devtools.double import BotApiDouble, FakeUser, Sent
from handlers.community import sweep_broadcasts
from tests.support.bots import InProcessBot, running
from tests.support.inprocess import say, tap
from tests.support.seeds import COACHING_NOW, GROUP, coaching_cohort

ADMIN = 900001


async def seed(bot: InProcessBot) -> tuple[dict[str, int], FakeUser]:
    bot.clock.set(COACHING_NOW)
    async with bot.app.runtime.open_session() as session:
        ids = await coaching_cohort(session)
        await session.commit()
    for telegram_id in (7100, 7200, *range(7000, 7005)):
        bot.double.user(telegram_id, f"user {telegram_id}")
    return ids, bot.double.user(ADMIN, "Penyelenggara")


async def in_group(bot: InProcessBot, user_id: int, text: str, group_id: int = GROUP) -> Sent:
    group = bot.double.group(group_id, "Grup coaching")
    before = len(bot.double.sent(group_id))
    bot.double.user(user_id, "x").send(text, chat=group, mention=True)
    await bot.run_pending()
    [reply] = bot.double.sent(group_id)[before:]
    return reply


async def coach_roles(bot: InProcessBot, telegram_id: int) -> list[int]:
    async with bot.app.runtime.open_session() as session:
        query = select(Membership.cohort_id).join(Person).where(Person.telegram_id == telegram_id, Membership.role == Role.COACH)
        return list(await session.scalars(query))


async def request_as_coach(bot: InProcessBot, user: FakeUser, code: str, name: str) -> Sent:
    assert "nama lengkap" in (await say(bot, user, f"/start {code}")).text
    return await say(bot, user, name)


async def test_the_notice_an_update_queues_does_not_wait_behind_a_broadcast(
    settings: Settings, double: BotApiDouble, clock: FrozenClock
) -> None:
    """At Telegram's pace, with two seconds of a broadcast's sends queued: the organizer's notice of a
    coach request goes in the lane of replies. Behind the broadcast it held her update, and every
    update after hers, until the queue was through."""
    async with running(settings.model_copy(update={"send_rate": 30}), double, clock) as bot:
        ids, admin = await seed(bot)
        lanes = bot.app.bot.rate_limiter
        assert isinstance(lanes, Lanes)
        delivered: list[int] = []

        async def deliver(n: int) -> None:
            async with lanes.turn(urgent=False):
                delivered.append(n)

        backlog = [asyncio.create_task(deliver(n)) for n in range(60)]
        reply = await request_as_coach(bot, double.user(7000, "Ani"), ids["cohort_code"], "Ani Coach")
        assert "diteruskan ke penyelenggara" in reply.text
        [notice] = admin.messages()
        assert "Ani Coach" in notice.text and len(delivered) < 30  # the update was done with most of the queue still waiting
        await asyncio.gather(*backlog)


async def test_the_coach_link_grants_nothing_until_an_organizer_approves(bot: InProcessBot) -> None:
    ids, admin = await seed(bot)
    ani = bot.double.user(7000, "Ani")  # an alumna of the cohort who got hold of the coach link
    reply = await request_as_coach(bot, ani, ids["cohort_code"], "Ani Coach")
    assert "diteruskan ke penyelenggara" in reply.text and "kini terdaftar" not in reply.text
    assert await coach_roles(bot, 7000) == []
    assert "hanya untuk coach" in (await say(bot, ani, "/alumni Budi")).text
    assert "hanya untuk coach" in (await say(bot, ani, "/mandek")).text
    assert "masih menunggu" in (await say(bot, ani, f"/start {ids['cohort_code']}")).text  # no second request

    [notice] = admin.messages()
    assert "Permintaan menjadi coach" in notice.text and "Ani Coach" in notice.text and "ID Telegram 7000" in notice.text
    assert "terdaftar sebagai alumni di Angkatan I 2026" in notice.text  # the organizer is warned
    assert notice.button_texts == ["✅ Setujui", "✖️ Tolak"]

    forged = bot.double.user(7100, "Coach Rina")  # a coach pressing an organizer's button: refused
    forged.press_data(notice.buttons[0][0]["callback_data"], notice)
    await bot.run_pending()
    assert await coach_roles(bot, 7000) == []

    admin.skip_read()
    await tap(bot, admin, "Tolak")
    assert "ditolak" in admin.messages()[-1].text
    assert "belum dapat disetujui" in ani.messages()[-1].text
    assert await coach_roles(bot, 7000) == []
    admin.press("Setujui", notice)  # the other button, after the decision: nothing changes
    await bot.run_pending()
    assert "sudah diputuskan sebelumnya (ditolak)" in admin.messages()[-1].text
    assert await coach_roles(bot, 7000) == []


async def test_approve_then_revoke(bot: InProcessBot) -> None:
    ids, admin = await seed(bot)
    maya = bot.double.user(7300, "Maya")
    await request_as_coach(bot, maya, ids["cohort_code"], "Dr. Maya Lestari")
    await tap(bot, admin, "Setujui")
    assert "Kini coach di Angkatan I 2026" in admin.messages()[-1].text
    assert "menyetujui Bapak/Ibu sebagai coach di Angkatan I 2026" in maya.messages()[-1].text
    maya.skip_read()
    member = await say(bot, maya, "/alumni Budi")
    assert "Budi" in member.text and "hanya untuk coach" not in member.text
    assert "terhubung ke Angkatan I 2026" in (await in_group(bot, 7300, f"/hubungkan {ids['cohort_code']}")).text

    admin.skip_read()
    listing = await say(bot, admin, "/daftar_coach")
    assert "Coach Rina — Angkatan I 2026" in listing.text and "Dr. Maya Lestari — Angkatan I 2026" in listing.text
    number = next(line.split(".")[0] for line in listing.text.splitlines() if "Dr. Maya Lestari" in line)
    confirm = await tap(bot, admin, f"❌ {number}")
    assert "Cabut akses coach Dr. Maya Lestari untuk Angkatan I 2026?" in confirm.text
    assert "dibatalkan" in (await tap(bot, admin, "Batal")).text
    assert await coach_roles(bot, 7300) != []
    admin.press(f"❌ {number}", listing)
    await bot.run_pending()
    await tap(bot, admin, "Ya, cabut")
    assert "telah dicabut" in admin.messages()[-1].text
    assert "telah diakhiri" in maya.messages()[-1].text
    maya.skip_read()
    assert await coach_roles(bot, 7300) == []
    assert "hanya untuk coach" in (await say(bot, maya, "/alumni Budi")).text
    assert "hanya untuk coach" in (await in_group(bot, 7300, "/mandek")).text
    assert "hanya untuk coach" in (await in_group(bot, 7300, "/ringkasan")).text

    async with bot.app.runtime.open_session() as session:
        actions = [(e.action.value, e.actor_telegram_id, e.subject_telegram_id) for e in await session.scalars(select(AuditEvent))]
    assert ("coach_approved", ADMIN, 7300) in actions and ("coach_revoked", ADMIN, 7300) in actions


async def test_a_rotated_code_stops_working_at_once(bot: InProcessBot) -> None:
    ids, admin = await seed(bot)
    old_alumni_code = await _alumni_code(bot)
    await say(bot, admin, "/ganti_kode")
    await tap(bot, admin, "Angkatan I 2026")
    rotated = await tap(bot, admin, "Keduanya")
    assert "Kode lama tidak berlaku lagi" in rotated.text
    [alumni_link, coach_link] = [line.split("start=")[1] for line in rotated.text.splitlines() if "start=" in line]
    stranger = bot.double.user(7400, "Tamu")
    assert "tidak dikenal" in (await say(bot, stranger, f"/start {ids['cohort_code']}")).text
    assert "tidak dikenal" in (await say(bot, stranger, f"/start {old_alumni_code}")).text
    assert "nama lengkap" in (await say(bot, stranger, f"/start {coach_link}")).text
    assert alumni_link not in (old_alumni_code, coach_link)
    refused = await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    assert "hanya dapat dihubungkan" in refused.text
    async with bot.app.runtime.open_session() as session:
        [event] = await session.scalars(select(AuditEvent))
    assert (event.action.value, event.detail, event.actor_telegram_id) == ("codes_rotated", "both", ADMIN)


async def _alumni_code(bot: InProcessBot) -> str:
    async with bot.app.runtime.open_session() as session:
        cohort = await session.scalar(select(Cohort).where(Cohort.name == "Angkatan I 2026"))
        assert cohort is not None
        return cohort.alumni_code


async def test_a_group_is_not_taken_over_by_another_cohorts_coach(bot: InProcessBot) -> None:
    ids, _ = await seed(bot)
    assert "terhubung ke Angkatan I 2026" in (await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")).text
    refused = await in_group(bot, 7200, f"/hubungkan {ids['other_code']}")  # cohort B's coach, with B's own code
    assert "sudah terhubung ke angkatan lain" in refused.text
    assert "Angkatan I 2026 · 5 alumni" in (await in_group(bot, 7100, "/ringkasan")).text  # still cohort A's
    moved = await in_group(bot, ADMIN, f"/hubungkan {ids['other_code']}")  # an organizer may move it
    assert "terhubung ke Angkatan Lain" in moved.text
    async with bot.app.runtime.open_session() as session:
        details = [e.detail for e in await session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert len(details) == 2 and "moved from cohort" in (details[1] or "")


async def test_a_coach_announces_to_her_own_cohort_only(bot: InProcessBot) -> None:
    await seed(bot)
    coach = bot.double.user(7200, "Coach Lain")  # coach of "Angkatan Lain"; the alumnae are in Angkatan I
    audience = await say(bot, coach, "/umumkan")
    assert audience.button_texts == ["Angkatan Lain"]
    forged = audience.buttons[0][0]["callback_data"].rsplit("|", 1)[0] + "|all"
    coach.press_data(forged, audience)  # the community-wide choice, forged: refused
    await bot.run_pending()
    assert "pilih salah satu tombol" in coach.messages()[-1].text
    await tap(bot, coach, "Angkatan Lain")
    await tap(bot, coach, "Umum")
    await say(bot, coach, "Info")
    await say(bot, coach, "Untuk angkatan kami saja")
    await tap(bot, coach, "Kirim")
    await sweep_broadcasts(bot.app.runtime, bot.app.bot)
    for alumna in range(7000, 7005):
        assert not any("Untuk angkatan kami saja" in m.text for m in bot.double.user(alumna, "x").messages())
    async with bot.app.runtime.open_session() as session:
        assert list(await session.scalars(select(Delivery.id))) == []

    admin = bot.double.user(ADMIN, "Penyelenggara")
    assert "🌏 Seluruh komunitas alumni" in (await say(bot, admin, "/umumkan")).button_texts


async def test_the_audit_log_is_exported_to_organizers_only(bot: InProcessBot) -> None:
    ids, admin = await seed(bot)
    await in_group(bot, 7100, f"/hubungkan {ids['cohort_code']}")
    coach = bot.double.user(7100, "Coach Rina")
    assert "hanya untuk penyelenggara" in (await say(bot, coach, "/audit")).text
    assert "hanya untuk penyelenggara" in (await say(bot, coach, "/daftar_coach")).text
    assert "hanya untuk penyelenggara" in (await say(bot, coach, "/ganti_kode")).text
    document = await say(bot, admin, "/audit")
    assert document.method == "sendDocument" and document.file is not None
    rows = list(csv.DictReader(io.StringIO(document.file.data.decode("utf-8-sig"))))
    assert [(r["action"], r["actor_telegram_id"]) for r in rows] == [("group_linked", "7100")]
