"""Plain-text renderings that read well in a terminal and in Telegram alike."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from bot.core.circles import Circles
from bot.core.dates import describe_yearly, format_ago, format_day, next_yearly
from bot.core.due import DueInfo, due_info, is_snoozed
from bot.core.intervals import format_interval
from bot.core.model import Favor, FavorKind, FollowUp, ImportantDate, Person, PersonCard

FAVOR_WORDS = {
    FavorKind.OFFERED: "you offered",
    FavorKind.GAVE: "you helped with",
    FavorKind.GOT: "they helped with",
}


def join_names(names: Sequence[str]) -> str:
    """'Alice', 'Alice and Bob', 'Alice, Bob and Carol'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def since_text(person: Person, today: date) -> str:
    """'3 weeks since coffee' / 'not logged yet'."""
    if person.last_contact is None:
        return "not logged yet"
    ago = format_ago(person.last_contact, today)
    kind = person.last_kind or "contact"
    if ago in ("today", "yesterday"):
        return f"{kind} {ago}"
    return f"{ago.removesuffix(' ago')} since {kind}"


def cadence_text(person: Person, circles: Circles) -> str:
    return format_interval(circles.cadence_of(person))


def date_text(d: ImportantDate, today: date) -> str:
    """'Birthday: 28 Nov 1990 — in 3 days (Sat 28 Nov), turns 36'."""
    text = f"{d.label[:1].upper()}{d.label[1:]}: {d.day} {calendar.month_abbr[d.month]}"
    if d.year:
        text += f" {d.year}"
    when = next_yearly(d.month, d.day, today)
    if (when - today).days <= 31:
        text += " — " + describe_yearly(d.label, d.month, d.day, today).split(" ", 1)[1]
        if d.year and d.label == "birthday":
            text += f", turns {when.year - d.year}"
    return text


def follow_up_text(f: FollowUp, today: date) -> str:
    if f.from_day and f.from_day > today:
        return f"{f.text} (from {format_day(f.from_day, today)})"
    return f.text


def favor_text(f: Favor) -> str:
    return f"{FAVOR_WORDS[f.kind]}: {f.text}"


def person_line(person: Person, today: date) -> str:
    return f"• {person.name} — {since_text(person, today)}"


def who_list(
    due: Sequence[DueInfo], circles: Circles, today: date, heading: str = "Time to catch up with:"
) -> str:
    """Overdue people grouped by circle; groups ordered by their most overdue member."""
    logged = [d for d in due if not d.never_logged]
    never = [d for d in due if d.never_logged]
    lines: list[str] = []
    if logged:
        lines.append(heading)
        groups: dict[str, list[DueInfo]] = {}
        for d in logged:  # already most overdue first
            groups.setdefault(d.person.circle, []).append(d)
        for circle, members in groups.items():
            lines.append(f"\n{circle}")
            for d in members:
                lines.append(
                    f"• {d.person.name} — {since_text(d.person, today)} "
                    f"({cadence_text(d.person, circles)})"
                )
    if never:
        lines.append(("\n" if lines else "") + "Not logged yet:")
        for d in never:
            added = format_ago(d.person.added_on, today)
            lines.append(f"• {d.person.name} ({d.person.circle}) — added {added}")
    return "\n".join(lines)


def people_list(people: Iterable[Person], circles: Circles, today: date) -> str:
    by_circle: dict[str, list[Person]] = {}
    for p in sorted(people, key=lambda p: p.name.casefold()):
        by_circle.setdefault(p.circle, []).append(p)
    lines: list[str] = []
    for circle in sorted(by_circle, key=circles.rank):
        members = by_circle[circle]
        lines.append(f"{circle} ({len(members)})")
        lines.extend(person_line(p, today) for p in members)
        lines.append("")
    return "\n".join(lines).strip()


def card_text(card: PersonCard, circles: Circles, today: date, names: Mapping[int, str]) -> str:
    """The `/show` card."""
    p = card.person
    lines = [f"{p.name} — {p.circle}, {cadence_text(p, circles)}"]
    extras = []
    if p.aliases:
        extras.append("also " + ", ".join(p.aliases))
    if p.tags:
        extras.append(" ".join("#" + t for t in p.tags))
    if extras:
        lines.append(" · ".join(extras))
    # Telegram turns a phone number in text into a link: one tap from the card to a call.
    if card.phones:
        lines.append(("Phone: " if len(card.phones) == 1 else "Phones: ") + ", ".join(card.phones))
    if card.emails:
        lines.append(
            ("E-mail: " if len(card.emails) == 1 else "E-mails: ") + ", ".join(card.emails)
        )
    if p.last_contact:
        when = f"{format_day(p.last_contact, today)} ({format_ago(p.last_contact, today)})"
        last = f"Last: {p.last_kind or 'contact'} on {when}"
    else:
        last = f"Not logged yet (added {format_day(p.added_on, today)})"
    info = due_info(p, circles, today)
    if info is not None:
        last += (
            f" · next due {format_day(info.due_on, today)}" if info.due_on > today else " · due now"
        )
    lines.append(last)
    if is_snoozed(p, today) and p.snoozed_until:
        lines.append(f"Snoozed until {format_day(p.snoozed_until, today)}")
    if p.imported:
        lines.append("Imported — not nudged until you log a meeting or move them closer.")
    for d in card.dates:
        lines.append(date_text(d, today))
    if card.follow_ups:
        lines.append("To ask about:")
        lines.extend(f"• {follow_up_text(f, today)}" for f in card.follow_ups)
    if card.favors:
        lines.append("Open favors:")
        lines.extend(f"• {favor_text(f)}" for f in card.favors)
    if card.notes:
        lines.append("Notes:")
        lines.extend(f"• {n.text}" for n in card.notes[-10:])
    if card.history:
        lines.append("Recent:")
        for i in card.history:
            others = [names[x] for x in i.person_ids if x != p.id and x in names]
            text = f"• {format_day(i.day, today)} — {i.kind}"
            if others:
                text += " with " + join_names(others)
            if i.note:
                text += f": {i.note}"
            lines.append(text)
    return "\n".join(lines)
