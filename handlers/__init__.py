"""Every entry point of every feature, and the one place that orders them.

Each module here is one feature: its commands, buttons, scheduled sweep and views. They do not import
each other; what one needs of another is wired here (the private-message fallbacks).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, PollAnswerHandler, filters

from bot.kernel import callbacks as b
from bot.kernel import commands as c
from bot.kernel.commands import Command
from bot.kernel.context import Runtime
from bot.kernel.housekeeping import sweep_housekeeping
from bot.kernel.notices import sweep_notices
from conversations.engine import on_callback
from handlers import (
    access,
    bookings,
    checkins,
    coaches,
    cohorts,
    community,
    contact,
    conversation,
    dashboard,
    errors,
    feedback,
    gallery,
    help_menu,
    language,
    logbook,
    mentoring,
    mentors,
    plan,
    portfolio,
    privacy,
    reflection,
    report,
    start,
)

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE  # an edited message never counts as a new answer

# The scheduled sweeps, in the order one run takes them. Tips are scheduled before the outbox is
# swept, so this week's tip goes out in the same run.
SWEEPS: tuple[Callable[[Runtime, Bot], Awaitable[int]], ...] = (
    sweep_notices,
    reflection.sweep_reminders,
    plan.sweep_deadline_reminders,
    checkins.sweep_checkins,
    mentors.sweep_mentor_dialogues,
    community.sweep_tips,
    community.sweep_forum_topics,
    community.sweep_broadcasts,
    sweep_housekeeping,
)


def _command(command: Command, callback: Callable[..., Any], *, private: bool = True) -> CommandHandler[Any, Any]:
    chat_filter = NEW_MESSAGE & PRIVATE if private else NEW_MESSAGE
    return CommandHandler(command.names, callback, filters=chat_filter)


def _button(kind: type[b.Button], callback: Callable[..., Any]) -> CallbackQueryHandler[Any, Any]:
    return CallbackQueryHandler(callback, pattern=kind.pattern())


def register_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register every handler. Order matters: the first matching handler in a group wins."""
    # Commands, each under its Indonesian name and English alias. Private data: private chats only.
    application.add_handler(_command(c.START, start.start))
    application.add_handler(_command(c.HELP, help_menu.show_help, private=False))
    application.add_handler(_command(c.MY_ID, help_menu.my_id, private=False))
    application.add_handler(_command(c.CANCEL, conversation.cancel))
    application.add_handler(_command(c.LANGUAGE, language.ask_language))
    application.add_handler(_command(c.PLAN, plan.show_plan))
    application.add_handler(_command(c.LOGBOOK, logbook.start_logbook))
    application.add_handler(_command(c.MY_LOG, logbook.my_log))
    application.add_handler(_command(c.REFLECT, reflection.start_reflection))
    application.add_handler(_command(c.MY_REFLECTIONS, reflection.my_reflections))
    application.add_handler(_command(c.REMINDERS, reflection.show_reminders))
    application.add_handler(_command(c.CHECKIN, checkins.start_checkin))
    application.add_handler(_command(c.FEEDBACK, feedback.feedback_command))
    application.add_handler(_command(c.ASK_COACH, contact.ask_coach))
    application.add_handler(_command(c.COACHING, bookings.coaching_command))
    application.add_handler(_command(c.SLOTS, bookings.slots_command, private=False))
    application.add_handler(_command(c.MENTOR, mentors.mentor_command, private=False))
    application.add_handler(_command(c.GALLERY, gallery.gallery_command))
    application.add_handler(_command(c.MENTORING, mentoring.mentoring_command))
    application.add_handler(_command(c.NEW_COHORT, cohorts.start_new_cohort))
    application.add_handler(_command(c.COACHES, access.coaches_command, private=False))
    application.add_handler(_command(c.ROTATE_CODES, access.rotate_codes_command, private=False))
    application.add_handler(_command(c.AUDIT, access.audit_command, private=False))
    # Coach commands work in a linked group (as /cmd@botname too) and in a coach's private chat.
    application.add_handler(_command(c.LINK, coaches.link_group, private=False))
    application.add_handler(_command(c.STALLED, coaches.stalled_command, private=False))
    application.add_handler(_command(c.SUMMARY, coaches.summary_command, private=False))
    application.add_handler(_command(c.NUDGE, coaches.nudge_command, private=False))
    application.add_handler(_command(c.MEMBER, coaches.member_command, private=False))
    application.add_handler(_command(c.COHORT, coaches.cohort_command, private=False))
    application.add_handler(_command(c.NOTICES, coaches.group_notices, private=False))
    # Community of practice.
    application.add_handler(_command(c.TIPS, community.tips_command))
    application.add_handler(_command(c.AGENDA, community.agenda))
    application.add_handler(_command(c.ANNOUNCE, community.start_announce, private=False))
    application.add_handler(_command(c.BROADCAST_STATUS, community.broadcast_status, private=False))
    application.add_handler(_command(c.LINK_COP, community.link_cop, private=False))
    # Personal data (UU 27/2022) and the organizers' report.
    application.add_handler(_command(c.PORTFOLIO, portfolio.portfolio))
    application.add_handler(_command(c.PRIVACY, privacy.privacy))
    application.add_handler(_command(c.MY_DATA, privacy.my_data))
    application.add_handler(_command(c.DELETE_DATA, privacy.delete_data))
    application.add_handler(_command(c.REPORT, report.report, private=False))
    application.add_handler(_command(c.DASHBOARD, dashboard.dashboard_command, private=False))
    application.add_handler(MessageHandler(NEW_MESSAGE & filters.ChatType.GROUPS & ~filters.COMMAND, community.on_group_message))
    application.add_handler(PollAnswerHandler(community.on_poll_answer))
    application.add_handler(ChatMemberHandler(community.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))

    # Buttons, each kind by its registered data (bot/kernel/callbacks.py); anything else is refused.
    application.add_handler(_button(b.FlowChoice, on_callback))
    application.add_handler(_button(b.PlanAction, plan.on_plan_button))
    application.add_handler(_button(b.ChooseLanguage, language.on_language_button))
    application.add_handler(_button(b.ReflectNow, reflection.start_reflection))
    application.add_handler(_button(b.ReminderAction, reflection.on_reminders_button))
    application.add_handler(_button(b.CheckInNow, checkins.start_checkin))
    application.add_handler(_button(b.CoachOnAlumna, coaches.on_alumna_button))
    application.add_handler(_button(b.StalledPage, coaches.on_stalled_page))
    application.add_handler(_button(b.TipsSwitch, community.on_tips_button))
    application.add_handler(_button(b.PrivacyAction, privacy.on_privacy_button))
    application.add_handler(_button(b.MyEntry, logbook.on_my_entry_button))
    application.add_handler(_button(b.FeedbackAction, feedback.on_feedback_button))
    application.add_handler(_button(b.AskCoach, contact.ask_coach))
    application.add_handler(_button(b.PortfolioChoice, portfolio.on_portfolio_choice))
    application.add_handler(_button(b.SlotAction, bookings.on_slot_button))
    application.add_handler(_button(b.BookSlot, bookings.on_book))
    application.add_handler(_button(b.BookingAction, bookings.on_booking_button))
    application.add_handler(_button(b.MoveBooking, bookings.on_move))
    application.add_handler(_button(b.FollowUp, bookings.on_follow_up))
    application.add_handler(_button(b.MentorAction, mentors.on_mentor_button))
    application.add_handler(_button(b.MentorAnswer, mentors.on_answer_button))
    application.add_handler(_button(b.GalleryFilter, gallery.on_filter))
    application.add_handler(_button(b.GalleryOpen, gallery.on_open))
    application.add_handler(_button(b.GalleryAction, gallery.on_own_action))
    application.add_handler(_button(b.Replicate, gallery.on_replicate))
    application.add_handler(_button(b.ReplicationAnswer, gallery.on_replication_answer))
    application.add_handler(_button(b.StartReplica, gallery.on_start_replica))
    application.add_handler(_button(b.MentoringMenu, mentoring.on_menu))
    application.add_handler(_button(b.MentoringAsk, mentoring.on_ask))
    application.add_handler(_button(b.MentoringPairAction, mentoring.on_pair_action))
    application.add_handler(_button(b.MentoringCheck, mentoring.on_check))
    application.add_handler(_button(b.CohortChoice, coaches.on_cohort_choice))
    application.add_handler(_button(b.DeadlineAction, plan.on_deadline_button))
    application.add_handler(_button(b.CoachReply, contact.on_reply_button))
    application.add_handler(_button(b.CoachOnEntry, logbook.on_coach_button))
    application.add_handler(_button(b.CoachDecision, access.on_coach_decision))
    application.add_handler(_button(b.CoachRevoke, access.on_revoke_button))
    application.add_handler(_button(b.CoachListPage, access.on_coach_page))
    application.add_handler(_button(b.CodeRotation, access.on_rotation_button))
    application.add_handler(CallbackQueryHandler(conversation.on_unknown_button))

    # Private messages: answers to the conversation in progress, else a feature's fallback; unknown
    # commands get a hint.
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & filters.COMMAND, conversation.on_unknown_command))
    on_private_message = conversation.private_messages(fallbacks=[logbook.on_stray_file, contact.on_free_text])
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE, on_private_message))

    application.add_error_handler(errors.on_error)
