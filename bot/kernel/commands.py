"""Every command has an Indonesian name and an English alias; both are answered."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Command:
    id: str  # the Indonesian name, shown in the Indonesian menu
    en: str  # the English alias, shown in the English menu
    key: str  # its description is `commands.<key>` in each catalog

    @property
    def names(self) -> list[str]:
        return [self.id] if self.id == self.en else [self.id, self.en]


START = Command("start", "start", "start")
PLAN = Command("pap", "plan", "plan")
REFLECT = Command("refleksi", "reflect", "reflect")
MY_REFLECTIONS = Command("refleksi_saya", "myreflections", "my_reflections")
REMINDERS = Command("pengingat", "reminders", "reminders")
LOGBOOK = Command("logbook", "log", "logbook")
MY_LOG = Command("logbook_saya", "mylog", "my_log")
CHECKIN = Command("checkin", "checkin", "checkin")
FEEDBACK = Command("umpan_balik", "feedback", "feedback")
ASK_COACH = Command("tanya_coach", "ask_coach", "ask_coach")
TIPS = Command("tips", "tips", "tips")
AGENDA = Command("agenda", "agenda", "agenda")
PORTFOLIO = Command("portofolio", "portfolio", "portfolio")
PRIVACY = Command("privasi", "privacy", "privacy")
MY_DATA = Command("data_saya", "mydata", "my_data")
DELETE_DATA = Command("hapus_data", "deletedata", "delete_data")
LANGUAGE = Command("bahasa", "language", "language")
CANCEL = Command("batal", "cancel", "cancel")
HELP = Command("bantuan", "help", "help")
MY_ID = Command("id_saya", "my_id", "my_id")
NEW_COHORT = Command("angkatan_baru", "newcohort", "new_cohort")
LINK = Command("hubungkan", "link", "link")
STALLED = Command("mandek", "stalled", "stalled")
SUMMARY = Command("ringkasan", "summary", "summary")
NUDGE = Command("ingatkan", "nudge", "nudge")
MEMBER = Command("alumni", "member", "member")
COHORT = Command("angkatan", "cohort", "cohort")
NOTICES = Command("notifikasi", "notices", "notices")
ANNOUNCE = Command("umumkan", "announce", "announce")
BROADCAST_STATUS = Command("status_siaran", "broadcast_status", "broadcast_status")
LINK_COP = Command("hubungkan_cop", "link_cop", "link_cop")
REPORT = Command("laporan", "report", "report")
COACHES = Command("daftar_coach", "coaches", "coaches")
ROTATE_CODES = Command("ganti_kode", "rotate_codes", "rotate_codes")
AUDIT = Command("audit", "audit", "audit")
DASHBOARD = Command("dasbor", "dashboard", "dashboard")
SLOTS = Command("jadwal", "slots", "slots")
COACHING = Command("sesi_coaching", "coaching", "coaching")
MENTOR = Command("mentor", "mentor", "mentor")
GALLERY = Command("galeri", "gallery", "gallery")
MENTORING = Command("mentoring", "mentoring", "mentoring")

# In the order the menu shows them.
MENU = [
    START,
    PLAN,
    LOGBOOK,
    MY_LOG,
    REFLECT,
    MY_REFLECTIONS,
    REMINDERS,
    CHECKIN,
    ASK_COACH,
    COACHING,
    MENTOR,
    GALLERY,
    MENTORING,
    FEEDBACK,
    TIPS,
    AGENDA,
    PORTFOLIO,
    PRIVACY,
    MY_DATA,
    DELETE_DATA,
    LANGUAGE,
    CANCEL,
    HELP,
    MY_ID,
]
# Shown in /bantuan to coaches and organizers, and as the menu in group chats.
COACH_MENU = [STALLED, SUMMARY, NUDGE, MEMBER, SLOTS, COHORT, LINK, NOTICES, ANNOUNCE, BROADCAST_STATUS, REPORT, DASHBOARD]
# Shown in /bantuan to organizers only.
ADMIN_MENU = [NEW_COHORT, COACHES, ROTATE_CODES, AUDIT, LINK_COP]
