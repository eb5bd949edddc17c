"""A calendar invitation (.ics, RFC 5545) for one event, built by icalendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event


def invitation(
    *, uid: str, start: datetime, minutes: int, summary: str, location: str, description: str, stamp: datetime, zone: str
) -> str:
    """One VEVENT in UTC (`...Z`), so every calendar shows it in its owner's own zone; `zone` (hers,
    e.g. Asia/Makassar) names the calendar's zone for those that ask. `uid` stays the same for the same
    session, so a moved session replaces the old entry instead of adding one."""
    calendar = Calendar()
    calendar.add("prodid", "-//ecoach//coaching//ID")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-timezone", zone)
    event = Event()
    event.add("uid", uid)
    event.add("sequence", int(stamp.timestamp()))  # a later version of the same session wins
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("dtstart", start.astimezone(UTC))
    event.add("dtend", (start + timedelta(minutes=minutes)).astimezone(UTC))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    calendar.add_component(event)
    ical: bytes = calendar.to_ical()
    return ical.decode()
