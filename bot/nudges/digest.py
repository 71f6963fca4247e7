"""The daily digest: who is in it, and how it reads. Pure: people and cards in, a Reply out.

DESIGN.md "The nudge": at most `max_per_digest` due people, highest overdue ratio first,
closer circles winning ties (`rank_due`), never a snoozed person, an imported one not yet
tracked, or one nudged in the last 7 days. Each comes with something to say: how long it
has been and since what, the last note, follow-ups whose day has come, a birthday in the
next 7 days, an open favor. The wording stays warm: nobody is scored or "demoted".

Birthdays and other yearly dates come in their own "🎂 Coming up" section, for anyone
at all (due or not): once ahead, on the first digest day within `DATES_AHEAD_DAYS`, and
again on the day itself. A day with nothing due but such a date still sends.

Among people about as overdue as each other, whoever was nudged longest ago comes first
(`choose`), so the same few do not return every week while others wait.

Buttons carry compact ASCII data, `n:<action>:<person id>:<ids>:<marks>`: the ids of
everyone in the message, in order, and what has been done about each (`-` nothing yet,
or the action's letter). A press redraws the whole message from that alone: the pressed
line is marked in place and the rest stays as it was, without any stored message state.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

from bot.core.circles import Circles
from bot.core.dates import describe_yearly, format_ago, format_day, next_yearly
from bot.core.due import DueInfo, rank_due, ratio_band
from bot.core.ids import button_number
from bot.core.intervals import format_interval
from bot.core.model import ImportantDate, Person, PersonCard
from bot.core.wording import ask_line, join_names, kind_label, kind_past
from bot.engine.render import favor_text, since_text
from bot.engine.replies import DEFAULT_LIMITS, Button, Limits, Reply, em

HEADING: Final = "It's been a while — maybe say hi to:"
DATES_HEADING: Final = "🎂 Coming up:"
ALL_DONE: Final = "All done for today 🌿"
# Ratios within this factor of each other count as "about as overdue": among them the
# one nudged longest ago goes first (log-spaced bands, so 1.0-1.25, 1.25-1.56, ...).
RATIO_BAND: Final = 1.25
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
    fresh = [d for d in ranked if not recently_nudged(d.person, today)]
    return rotate(fresh)[: max(0, limit)]


def rotate(ranked: Sequence[DueInfo]) -> list[DueInfo]:
    """Fair turns: by band of overdue ratio, then whoever was nudged longest ago (never
    nudged first), then the ranking's own order (ratio, circle, neighbor first, name)."""
    order = {d.person.id: i for i, d in enumerate(ranked)}

    def key(d: DueInfo) -> tuple[int, date, int]:
        band = ratio_band(d.ratio, RATIO_BAND)
        return (-band, d.person.last_nudged_on or date.min, order[d.person.id])

    return sorted(ranked, key=key)


NEIGHBOR_TAGS: Final = frozenset({"neighbor", "neighbour", "neighbors", "neighbours"})


def is_neighbor(person: Person) -> bool:
    return any(t.casefold() in NEIGHBOR_TAGS for t in person.tags)


@dataclass(frozen=True, slots=True)
class Digest:
    """A composed digest: the message, and whose nudge it is."""

    reply: Reply
    person_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DateNotice:
    """A yearly date worth a line today: whose, which, and how many days away."""

    person: Person
    date: ImportantDate
    days: int


def dates_to_announce(
    people: Iterable[Person],
    dates: Iterable[ImportantDate],
    today: date,
    last_digest_day: date | None,
    set_since: Collection[int] = (),
) -> list[DateNotice]:
    """Dates to mention today: on the day, and once ahead within `DATES_AHEAD_DAYS`.

    "Once ahead" without a record of its own: a date already inside the window on the
    previous digest day was announced then (a digest with a date in it always sends),
    unless it was set after that digest went out (`set_since`, date ids). Soonest first.
    """
    by_id = {p.id: p for p in people}
    out: list[DateNotice] = []
    for d in dates_due(dates, today, last_digest_day, set_since):
        person = by_id.get(d.person_id)
        if person is None:
            continue
        out.append(DateNotice(person, d, (next_yearly(d.month, d.day, today) - today).days))
    out.sort(key=lambda n: (n.days, n.person.name.casefold(), n.date.label))
    return out


def dates_due(
    dates: Iterable[ImportantDate],
    today: date,
    last_digest_day: date | None,
    set_since: Collection[int] = (),
) -> list[ImportantDate]:
    """The dates `dates_to_announce` keeps, before it looks up whose they are: so the
    sweep reads only those few people, not everyone of everyone with a date this month."""
    out: list[ImportantDate] = []
    for d in dates:
        when = next_yearly(d.month, d.day, today)
        days = (when - today).days
        if days > DATES_AHEAD_DAYS:
            continue
        if (
            days > 0
            and last_digest_day is not None
            and last_digest_day < today
            and (d.id not in set_since)
        ):
            before = next_yearly(d.month, d.day, last_digest_day)
            if before == when and (when - last_digest_day).days <= DATES_AHEAD_DAYS:
                continue
        out.append(d)
    return out


def dates_section(notices: Sequence[DateNotice], today: date) -> str:
    """'🎂 Coming up:' and one line per date: '• Zoë — birthday today! 🎂 (turns 36)'."""
    lines = [DATES_HEADING]
    for n in notices:
        text = describe_yearly(n.date.label, n.date.month, n.date.day, today)
        text = text[:1].lower() + text[1:]
        if n.date.year and n.date.label == "birthday":
            turns = next_yearly(n.date.month, n.date.day, today).year - n.date.year
            if turns > 0:
                text += f", turns {turns}"
        lines.append(f"• {em(n.person.name)} — {text}")
    return "\n".join(lines)


OPEN: Final = "-"


def compose(
    cards: Sequence[PersonCard],
    circles: Circles,
    today: date,
    heading: str = HEADING,
    notices: Sequence[DateNotice] = (),
    marks: Mapping[int, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Digest | None:
    """The digest message for these people (in this order); None when there is nothing.

    People are added while the message stays within one message of `limits` (its text,
    and its button rows: two per person, or one when two would not fit); whoever does not
    fit waits for another day (they stay due, so they come back). `marks` (person id ->
    action letter) are people already handled from this message: their line says so,
    and they have no buttons. With everyone handled, the message closes with ALL_DONE.
    """
    marks = marks or {}
    per_person = 2 if 2 * len(cards) <= limits.max_rows else 1
    if per_person == 1 and limits.max_buttons_per_row < len(ACTIONS):
        per_person = 2
    shown: list[PersonCard] = []
    text = heading if cards else ""
    for card in cards:
        mark = marks.get(card.person.id, OPEN)
        section = (
            person_section(card, circles, today)
            if mark == OPEN
            else handled_line(card.person, mark, today, circles)
        )
        if shown and len(text) + 2 + len(section) > limits.max_text:
            break
        if shown and per_person * (len(shown) + 1) > limits.max_rows:
            break
        shown.append(card)
        text += "\n\n" + section
    together = together_line([c for c in shown if marks.get(c.person.id, OPEN) == OPEN], today)
    if together:
        text += "\n\n" + together
    if notices:
        text = (text + "\n\n" if text else "") + dates_section(notices, today)
    if not shown and not notices:
        return None
    people = [c.person for c in shown]
    ids = [p.id for p in people]
    state = "".join(marks.get(i, OPEN) for i in ids)
    if people and OPEN not in state:
        text += "\n\n" + ALL_DONE
    names = label_names(people)
    rows: list[tuple[Button, ...]] = []
    for person in people:
        if marks.get(person.id, OPEN) == OPEN:
            first, second = person_buttons(
                person.id, names[person.id], ids, state, limits.max_data_bytes
            )
            rows.extend((first, second) if per_person == 2 else ((*first, *second),))
    return Digest(Reply(text, tuple(rows)), tuple(ids))


def handled_line(person: Person, mark: str, today: date, circles: Circles) -> str:
    """A handled person's line, in place of their section: '✓ Reached out to Zoë · /undo'."""
    name = em(person.name)
    if mark == SNOOZE:
        until = format_day(person.snoozed_until, today) if person.snoozed_until else "next week"
        line = f"💤 Snoozed {name} until {until}"
    elif mark == LESS_OFTEN:
        line = f"↪ {name} is in {person.circle} now ({format_interval(circles.cadence_of(person))})"
    else:
        line = f"✓ Reached out to {name}"
    return line + " · /undo"


def together_line(cards: Sequence[PersonCard], today: date) -> str:
    """'You last saw Noah and Emma together — a party on Sat 14 Nov: at Sam's'.

    For two or more people of the digest whose latest meeting with each other was
    the same one: a reason to get in touch with both at once.
    """
    ids = {c.person.id for c in cards}
    best: tuple[date, int] | None = None
    chosen = None
    for card in cards:
        for i in card.history:
            with_them = [x for x in i.person_ids if x in ids]
            if len(with_them) >= 2 and (best is None or (i.day, i.id) > best):
                best, chosen = (i.day, i.id), i
    if chosen is None:
        return ""
    names = [c.person.name for c in cards if c.person.id in chosen.person_ids]
    line = (
        f"You last saw {join_names(names)} together — {kind_label(chosen.kind)} on "
        f"{format_day(chosen.day, today)}"
    )
    return line + (f": {_clip(chosen.note)}" if chosen.note else ".")


def person_section(card: PersonCard, circles: Circles, today: date) -> str:
    """One person's part of the digest: a headline and a few things to talk about."""
    p = card.person
    if p.last_contact is None:
        headline = f"• {em(p.name)} ({p.circle}) — added {format_ago(p.added_on, today)}, "
        headline += "nothing logged yet"
    else:
        headline = f"• {em(p.name)} ({p.circle}) — {since_text(p, today)}"
        place = next((i.place for i in card.history if i.place), None)
        if place and is_neighbor(p):  # "Maria (friends) — bakery, 5 weeks since coffee"
            headline = f"• {em(p.name)} ({p.circle}) — {place}, {since_text(p, today)}"
    lines = [headline]
    note = last_note(card)
    if note:
        lines.append(f"  {note}")
    ready = [
        f for f in card.follow_ups if not f.done and (f.from_day is None or f.from_day <= today)
    ]
    lines.extend(f"  {ask_line(_clip(f.text))}" for f in ready[:MAX_FOLLOW_UPS])
    for favor in [f for f in card.favors if not f.done][:MAX_FAVORS]:
        lines.append(f"  {_clip(favor_text(favor, p.name))}")
    return "\n".join(lines)


def last_note(card: PersonCard) -> str | None:
    """The newest thing written about them: the last meeting's note or a /note."""
    met = next((i for i in card.history if i.note), None)
    noted = card.notes[-1] if card.notes else None
    if noted is not None and (met is None or noted.created_at.date() > met.day):
        return f"Note: {_clip(noted.text)}"
    if met is not None:
        return last_time(met.kind, met.note)
    return None


_LINKING = frozenset("for at in on about after before with to from over".split())  # noqa: SIM905


def last_time(kind: str, note: str) -> str:
    """'Last time you had coffee: she's moving', 'Last time you met up for brunch'.

    A note that only continues the sentence ("for brunch", "at Sam's") is read with its
    kind, never shown alone as "Last time: for brunch".
    """
    note = _clip(note)
    first = note.split(None, 1)[0].casefold() if note else ""
    past = kind_past(kind, ["them"])
    if first in _LINKING:
        return f"Last time you {past} {note}"
    return f"Last time you {past}: {note}"


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
    person_id: int, name: str, ids: Sequence[int], state: str = "", max_bytes: int = 64
) -> tuple[tuple[Button, ...], tuple[Button, ...]]:
    """Two rows: the one most people press, then the two gentler ones."""

    def data(action: str) -> str:
        return button_data(action, person_id, ids, state, max_bytes)

    return (
        (Button(f"Reached out to {name}", data(REACHED_OUT)),),
        (
            Button(f"Snooze {name} a week", data(SNOOZE)),
            Button(f"Less often for {name}", data(LESS_OFTEN)),
        ),
    )


def button_data(
    action: str, person_id: int, ids: Sequence[int] = (), state: str = "", max_bytes: int = 64
) -> str:
    """`n:r:12:12.13.14:-r-`, within `max_bytes`: ids that do not fit are left out from
    the end (the pressed person always stays)."""
    base = f"{PREFIX}:{action}:{person_id}"
    state = (state or OPEN * len(ids)).ljust(len(ids), OPEN)[: len(ids)]
    kept = list(zip(ids, state, strict=True))
    while kept:
        data = f"{base}:{'.'.join(str(i) for i, _ in kept)}:{''.join(m for _, m in kept)}"
        if len(data) <= max_bytes and any(i == person_id for i, _ in kept):
            return data
        if len(data) <= max_bytes:
            break
        drop = next((k for k in range(len(kept) - 1, -1, -1) if kept[k][0] != person_id), None)
        if drop is None:
            break
        kept.pop(drop)
    return base


@dataclass(frozen=True, slots=True)
class Press:
    """A decoded digest button (without the `n:` prefix the engine routes on).

    `ids` are everyone in the pressed message in order (the pressed person included),
    `marks` what was already done about each (`-` for nothing yet).
    """

    action: str
    person_id: int
    ids: tuple[int, ...] = ()
    marks: str = ""

    @property
    def others(self) -> tuple[int, ...]:
        return tuple(i for i in self.ids if i != self.person_id)

    def marked(self) -> dict[int, str]:
        """Who is handled once this press is done: the earlier marks and this one."""
        marks = self.marks.ljust(len(self.ids), OPEN)
        out = {i: m for i, m in zip(self.ids, marks, strict=True) if m != OPEN}
        out[self.person_id] = self.action
        return out


def parse_press(rest: str) -> Press | None:
    """`r:12:12.13.14:-s-` -> Press('r', 12, (12, 13, 14), '-s-'); None if malformed.

    The older form `r:12:13.14` (ids of the others, nothing handled) still reads.
    """
    parts = rest.split(":")
    if len(parts) not in (2, 3, 4) or parts[0] not in ACTIONS:
        return None
    person_id = button_number(parts[1])
    if person_id is None:
        return None
    ids: tuple[int, ...] = ()
    if len(parts) >= 3 and parts[2]:
        pieces = [button_number(p) for p in parts[2].split(".")]
        if any(p is None for p in pieces):
            return None
        ids = tuple(dict.fromkeys(p for p in pieces if p is not None))
    if len(parts) == 3:  # the older form: the others only
        return Press(parts[0], person_id, (person_id, *[i for i in ids if i != person_id]))
    if len(parts) == 4:
        marks = parts[3]
        if len(marks) != len(ids) or any(m not in (OPEN, *ACTIONS) for m in marks):
            return None
        if person_id not in ids:
            return None
        return Press(parts[0], person_id, ids, marks)
    return Press(parts[0], person_id, (person_id,))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_LINE else text[: MAX_LINE - 1] + "…"
