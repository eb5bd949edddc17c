"""Single-step commands and callbacks, and the one place that orders all handlers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from telegram.ext import Application, CallbackQueryHandler, ChatMemberHandler, CommandHandler, MessageHandler, PollAnswerHandler, filters

from bot.kernel import commands as c
from bot.kernel.commands import Command
from conversations.engine import FLOWS, SEPARATOR, on_callback
from handlers import checkins, coaches, cohorts, community, conversation, errors, help_menu, language, logbook, privacy, plan, reflections, reminders, start

PRIVATE = filters.ChatType.PRIVATE
NEW_MESSAGE = filters.UpdateType.MESSAGE  # an edited message never counts as a new answer


def _command(command: Command, callback: Callable[..., Any], *, private: bool = True) -> CommandHandler:
    chat_filter = NEW_MESSAGE & PRIVATE if private else NEW_MESSAGE
    return CommandHandler(command.names, callback, filters=chat_filter)


def register_handlers(application: Application) -> None:
    """Register every handler. Order matters: the first matching handler in a group wins."""
    # Commands, each under its Indonesian name and English alias. Private data: private chats only.
    application.add_handler(_command(c.START, start.start))
    application.add_handler(_command(c.HELP, help_menu.show_help, private=False))
    application.add_handler(_command(c.CANCEL, conversation.cancel))
    application.add_handler(_command(c.LANGUAGE, language.ask_language))
    application.add_handler(_command(c.PLAN, plan.show_plan))
    application.add_handler(_command(c.LOGBOOK, logbook.start_logbook))
    application.add_handler(_command(c.MY_LOG, logbook.my_log))
    application.add_handler(_command(c.REFLECT, reflections.start_reflection))
    application.add_handler(_command(c.MY_REFLECTIONS, reflections.my_reflections))
    application.add_handler(_command(c.REMINDERS, reminders.show_reminders))
    application.add_handler(_command(c.CHECKIN, checkins.start_checkin))
    application.add_handler(_command(c.FEEDBACK, checkins.feedback_command))
    application.add_handler(_command(c.NEW_COHORT, cohorts.start_new_cohort))
    # Coach commands work in a linked group (as /cmd@botname too) and in a coach's private chat.
    application.add_handler(_command(c.LINK, coaches.link_group, private=False))
    application.add_handler(_command(c.STALLED, coaches.stalled_command, private=False))
    application.add_handler(_command(c.SUMMARY, coaches.summary_command, private=False))
    application.add_handler(_command(c.NUDGE, coaches.nudge_command, private=False))
    application.add_handler(_command(c.MEMBER, coaches.member_command, private=False))
    application.add_handler(_command(c.NOTICES, coaches.group_notices, private=False))
    # Community of practice.
    application.add_handler(_command(c.TIPS, community.tips_command))
    application.add_handler(_command(c.AGENDA, community.agenda))
    application.add_handler(_command(c.ANNOUNCE, community.start_announce, private=False))
    application.add_handler(_command(c.BROADCAST_STATUS, community.broadcast_status, private=False))
    application.add_handler(_command(c.LINK_COP, community.link_cop, private=False))
    # Personal data (UU 27/2022) and the organizers' report.
    application.add_handler(_command(c.PORTFOLIO, privacy.portfolio))
    application.add_handler(_command(c.PRIVACY, privacy.privacy))
    application.add_handler(_command(c.MY_DATA, privacy.my_data))
    application.add_handler(_command(c.DELETE_DATA, privacy.delete_data))
    application.add_handler(_command(c.REPORT, privacy.report, private=False))
    application.add_handler(PollAnswerHandler(community.on_poll_answer))
    application.add_handler(ChatMemberHandler(community.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))

    # Buttons: a conversation's own, then single-step ones; anything else is refused.
    flows = "|".join(FLOWS)
    application.add_handler(CallbackQueryHandler(on_callback, pattern=rf"^({flows}){re.escape(SEPARATOR)}"))
    application.add_handler(CallbackQueryHandler(plan.on_plan_button, pattern=r"^pap\|"))
    application.add_handler(CallbackQueryHandler(language.on_language_button, pattern=r"^lang\|"))
    application.add_handler(CallbackQueryHandler(reflections.on_reminder_button, pattern=r"^rfgo$"))
    application.add_handler(CallbackQueryHandler(checkins.on_checkin_button, pattern=r"^cigo$"))
    application.add_handler(CallbackQueryHandler(coaches.on_coach_button, pattern=r"^cs\|"))
    application.add_handler(CallbackQueryHandler(community.on_tips_button, pattern=r"^tip\|(on|off)$"))
    application.add_handler(CallbackQueryHandler(privacy.on_privacy_button, pattern=r"^pv\|"))
    application.add_handler(CallbackQueryHandler(logbook.on_my_log_button, pattern=r"^lg(ed|dl|dx)\|"))
    application.add_handler(CallbackQueryHandler(logbook.on_coach_button, pattern=r"^lg(fb|vf)\|"))
    application.add_handler(CallbackQueryHandler(reminders.on_reminders_button, pattern=r"^rem\|"))
    application.add_handler(CallbackQueryHandler(conversation.on_unknown_button))

    # Private messages: answers to the conversation in progress; unknown commands get a hint.
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE & filters.COMMAND, conversation.on_unknown_command))
    application.add_handler(MessageHandler(NEW_MESSAGE & PRIVATE, conversation.on_private_message))

    application.add_error_handler(errors.on_error)
