"""The daily digest: who is in it, and how it reads. Pure: people and cards in, a Reply out.

DESIGN.md "The nudge": at most `max_per_digest` due people, highest overdue ratio first,
closer circles winning ties (`rank_due`), never a snoozed person, an imported one not yet
tracked, or one nudged in the last 7 days. Each comes with something to say: how long it
has been and since what, the last note, follow-ups whose day has come, a birthday in the
next 7 days, an open favor. The wording stays warm: nobody is scored or "demoted".

Buttons carry compact ASCII data, `n:<action>:<person id>[:<other ids>]`. The other ids
are the people still shown in the same message, so that after a press the message can be
redrawn with the rest of the list (the transport edits the pressed message with the first
reply) without keeping any state about the message itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.core.circles import Circles
from bot.core.dates import describe_yearly, format_ago, next_yearly
from bot.core.due import DueInfo, rank_due
from bot.core.ids import button_number
from bot.core.model import ImportantDate, Person, PersonCard
from bot.engine.render import favor_text, since_text
from bot.engine.replies import DEFAULT_LIMITS, Button, Limits, Reply

HEADING: Final = "It's been a while — maybe say hi to:"
NUDGE_GAP_DAYS: Final = 7  # someone nudged is left out of the next week's digests
DATES_AHEAD_DAYS: Final = 7  # a birthday this close is worth mentioning
MAX_LINE: Final = 160  # a note or follow-up is quoted, not recited
MAX_FOLLOW_UPS: Final = 2
MAX_FAVORS: Final = 2
MAX_LABEL_NAME: Final = 20

PREFIX: Final = "n"
REACHED_OUT: Final = "r"
SNOOZE: Final = "s"
LESS_OFTEN: Final = "l"
ACTIONS: Final = (REACHED_OUT, SNOOZE, LESS_OFTEN)


def recently_nudged(person: Person, today: date) -> bool:
    """Nudged on one of the 6 days before `today` (so not again until a week has passed).

    A nudge from `today` itself does not count: it is today's digest, and showing it
    again (`/digest now`, the list redrawn after a press) must not hide its people.
    """
    last = person.last_nudged_on
    if last is None or last == today:
        return False
    return last > today - timedelta(days=NUDGE_GAP_DAYS)


def choose(people: Iterable[Person], circles: Circles, today: date, limit: int) -> list[DueInfo]:
    """The people for today's digest, best first; empty when nobody is due."""
    ranked = rank_due(people, circles, today)  # skips snoozed, imported and paused people
    # Among the equally due, a neighbor first: the easiest hello there is (stable sort).
    ranked.sort(key=lambda d: (-d.ratio, circles.rank(d.person.circle), not is_neighbor(d.person)))
    return [d for d in ranked if not recently_nudged(d.person, today)][: max(0, limit)]


NEIGHBOR_TAGS: Final = frozenset({"neighbor", "neighbour", "neighbors", "neighbours"})


def is_neighbor(person: Person) -> bool:
    return any(t.casefold() in NEIGHBOR_TAGS for t in person.tags)


@dataclass(frozen=True, slots=True)
class Digest:
    """A composed digest: the message, and whose nudge it is."""

    reply: Reply
    person_ids: tuple[int, ...]


def compose(
    cards: Sequence[PersonCard],
    circles: Circles,
    today: date,
    heading: str = HEADING,
    limits: Limits = DEFAULT_LIMITS,
) -> Digest | None:
    """The digest message for these people (in this order); None for nobody.

    People are added while the message stays within one message of `limits` (its text,
    and its button rows: two per person, or one when two would not fit); whoever does not
    fit waits for another day (they stay due, so they come back).
    """
    per_person = 2 if 2 * len(cards) <= limits.max_rows else 1
    if per_person == 1 and limits.max_buttons_per_row < len(ACTIONS):
        per_person = 2
    shown: list[PersonCard] = []
    text = heading
    for card in cards:
        section = person_section(card, circles, today)
        if shown and len(text) + 2 + len(section) > limits.max_text:
            break
        if shown and per_person * (len(shown) + 1) > limits.max_rows:
            break
        shown.append(card)
        text += "\n\n" + section
    if not shown:
        return None
    people = [c.person for c in shown]
    names = label_names(people)
    ids = [p.id for p in people]
    rows: list[tuple[Button, ...]] = []
    for person in people:
        others = [i for i in ids if i != person.id]
        first, second = person_buttons(person.id, names[person.id], others, limits.max_data_bytes)
        rows.extend((first, second) if per_person == 2 else ((*first, *second),))
    return Digest(Reply(text, tuple(rows)), tuple(ids))


def person_section(card: PersonCard, circles: Circles, today: date) -> str:
    """One person's part of the digest: a headline and a few things to talk about."""
    p = card.person
    if p.last_contact is None:
        headline = f"• {p.name} ({p.circle}) — added {format_ago(p.added_on, today)}, "
        headline += "nothing logged yet"
    else:
        headline = f"• {p.name} ({p.circle}) — {since_text(p, today)}"
        place = next((i.place for i in card.history if i.place), None)
        if place and is_neighbor(p):  # "Maria (friends) — bakery, 5 weeks since coffee"
            headline = f"• {p.name} ({p.circle}) — {place}, {since_text(p, today)}"
    lines = [headline]
    note = last_note(card)
    if note:
        lines.append(f"  {note}")
    ready = [
        f for f in card.follow_ups if not f.done and (f.from_day is None or f.from_day <= today)
    ]
    lines.extend(f"  Ask about: {_clip(f.text)}" for f in ready[:MAX_FOLLOW_UPS])
    for d in card.dates:
        soon = upcoming(d, today)
        if soon is not None:
            lines.append(f"  {soon}")
    for favor in [f for f in card.favors if not f.done][:MAX_FAVORS]:
        text = favor_text(favor)
        lines.append(f"  {text[:1].upper()}{_clip(text[1:])}")
    return "\n".join(lines)


def last_note(card: PersonCard) -> str | None:
    """The newest thing written about them: the last meeting's note or a /note."""
    met = next((i for i in card.history if i.note), None)
    noted = card.notes[-1] if card.notes else None
    if noted is not None and (met is None or noted.created_at.date() > met.day):
        return f"Note: {_clip(noted.text)}"
    if met is not None:
        return f"Last time: {_clip(met.note)}"
    return None


def upcoming(d: ImportantDate, today: date) -> str | None:
    """'Birthday in 3 days (Sat 28 Nov)' when the date is at most a week away."""
    if (next_yearly(d.month, d.day, today) - today).days > DATES_AHEAD_DAYS:
        return None
    return describe_yearly(d.label, d.month, d.day, today)


def label_names(people: Sequence[Person]) -> dict[int, str]:
    """How buttons name each person: the first name, or the full name when two share it."""
    first = {p.id: p.name.split()[0] for p in people}
    counts: dict[str, int] = {}
    for name in first.values():
        counts[name.casefold()] = counts.get(name.casefold(), 0) + 1
    out: dict[int, str] = {}
    for p in people:
        name = first[p.id] if counts[first[p.id].casefold()] == 1 else p.name
        out[p.id] = name if len(name) <= MAX_LABEL_NAME else name[: MAX_LABEL_NAME - 1] + "…"
    return out


def person_buttons(
    person_id: int, name: str, others: Sequence[int], max_bytes: int = 64
) -> tuple[tuple[Button, ...], tuple[Button, ...]]:
    """Two rows: the one most people press, then the two gentler ones."""
    return (
        (Button(f"Reached out to {name}", button_data(REACHED_OUT, person_id, others, max_bytes)),),
        (
            Button(f"Snooze {name} a week", button_data(SNOOZE, person_id, others, max_bytes)),
            Button(f"Less often for {name}", button_data(LESS_OFTEN, person_id, others, max_bytes)),
        ),
    )


def button_data(
    action: str, person_id: int, others: Sequence[int] = (), max_bytes: int = 64
) -> str:
    """`n:r:12:13.14`, within `max_bytes`: others that do not fit are left out."""
    base = f"{PREFIX}:{action}:{person_id}"
    kept = list(others)
    while kept:
        data = f"{base}:{'.'.join(str(i) for i in kept)}"
        if len(data) <= max_bytes:
            return data
        kept.pop()
    return base


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded digest button (without the `n:` prefix the engine routes on)."""

    action: str
    person_id: int
    others: tuple[int, ...] = ()


def parse_press(rest: str) -> Press | None:
    """`r:12:13.14` -> Press('r', 12, (13, 14)); None for anything malformed."""
    parts = rest.split(":")
    if len(parts) not in (2, 3) or parts[0] not in ACTIONS:
        return None
    person_id = button_number(parts[1])
    if person_id is None:
        return None
    others: tuple[int, ...] = ()
    if len(parts) == 3 and parts[2]:
        pieces = [button_number(p) for p in parts[2].split(".")]
        if any(p is None for p in pieces):
            return None
        others = tuple(dict.fromkeys(p for p in pieces if p is not None))
    return Press(parts[0], person_id, others)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"
