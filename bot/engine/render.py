"""Plain-text renderings that read well in a terminal and in Telegram alike."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from bot.core.circles import Circles
from bot.core.dates import describe_yearly, format_ago, format_day, format_span, next_yearly
from bot.core.due import DueInfo, due_info, is_snoozed
from bot.core.intervals import format_interval
from bot.core.model import Favor, FollowUp, ImportantDate, Person, PersonCard
from bot.core.wording import (
    ask_line,
    favor_line,
    join_names,
    kind_label,
    kind_noun,
    kind_recent,
    kind_since,
)
from bot.engine.replies import em

__all__ = ["join_names"]

SNOOZED_MARK = "💤"
PAUSED_MARK = "⏸"


def since_text(person: Person, today: date) -> str:
    """'3 weeks since coffee', 'ran into them yesterday', 'not logged yet'."""
    if person.last_contact is None:
        return "not logged yet"
    days = (today - person.last_contact).days
    kind = person.last_kind or "catch-up"
    if days <= 1:
        return f"{kind_recent(kind)} {'today' if days <= 0 else 'yesterday'}"
    return f"{format_span(days)} since {kind_since(kind)}"


def overdue_text(info: DueInfo) -> str:
    """'3 days overdue', 'nearly 2 weeks overdue'; '' when due today or not yet."""
    late = info.days_since - info.cadence_days
    return f"{format_span(late)} overdue" if late > 0 else ""


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


def favor_text(f: Favor, name: str = "they") -> str:
    """'Zoë gave you a stroller — to give back', 'You offered to help Bob move'."""
    return favor_line(f.kind.value, f.text, name)


def person_line(person: Person, today: date) -> str:
    """One line of /people: hidden state shows (💤 snoozed, ⏸ paused)."""
    marks = ""
    if person.paused:
        marks = f" {PAUSED_MARK} paused"
    elif is_snoozed(person, today) and person.snoozed_until is not None:
        marks = f" {SNOOZED_MARK} until {format_day(person.snoozed_until, today)}"
    return f"• {em(person.name)} — {since_text(person, today)}{marks}"


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
                late = overdue_text(d)
                cadence = cadence_text(d.person, circles) + (f", {late}" if late else "")
                lines.append(f"• {em(d.person.name)} — {since_text(d.person, today)} ({cadence})")
    if never:
        lines.append(("\n" if lines else "") + "Not logged yet:")
        for d in never:
            added = format_ago(d.person.added_on, today)
            lines.append(f"• {em(d.person.name)} ({d.person.circle}) — added {added}")
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


def _section(lines: list[str], title: str, items: Sequence[str]) -> None:
    """A card section, compact: one item on the title's line, several as a list."""
    if len(items) == 1:
        lines.append(f"{title}: {items[0]}")
    elif items:
        lines.append(f"{title}:")
        lines.extend(f"• {item}" for item in items)


def card_text(card: PersonCard, circles: Circles, today: date, names: Mapping[int, str]) -> str:
    """The `/show` card."""
    p = card.person
    lines = [f"{em(p.name)} — {p.circle}, {cadence_text(p, circles)}"]
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
        last = f"Last: {kind_label(p.last_kind or 'catch-up')} on {when}"
    else:
        last = f"Not logged yet (added {format_day(p.added_on, today)})"
    info = due_info(p, circles, today)
    if info is not None:
        last += (
            f" · next due {format_day(info.due_on, today)}" if info.due_on > today else " · due now"
        )
    if is_snoozed(p, today) and p.snoozed_until:
        last += f" · {SNOOZED_MARK} snoozed until {format_day(p.snoozed_until, today)}"
    elif p.paused:
        last += f" · {PAUSED_MARK} paused"
    lines.append(last)
    if p.imported:
        lines.append("Imported — not nudged until you log a meeting or move them closer.")
    for d in card.dates:
        lines.append(date_text(d, today))
    _section(lines, "Next time", [ask_line(follow_up_text(f, today)) for f in card.follow_ups])
    _section(lines, "Open favors", [favor_text(f, p.name) for f in card.favors])
    _section(lines, "Notes", [n.text for n in card.notes[-10:]])
    if card.history:
        lines.append("Recent:")
        for i in card.history:
            others = [names[x] for x in i.person_ids if x != p.id and x in names]
            what = kind_noun(i.kind, others) if others else kind_label(i.kind)
            text = f"• {format_day(i.day, today)} — {what}"
            if i.note:
                text += f": {i.note}"
            lines.append(text)
    return "\n".join(lines)
