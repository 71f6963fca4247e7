"""The corpus of messages as people write them, and how well kith reads it.

The data files beside this module were written before the parser was tuned to them
(see logs.txt for the format). `score` is shared by the test that holds the parser to
the issue's bar and by the benchmark that prints the same figure beside parse time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from bot.core.dates import DateError
from bot.core.meeting_words import who_reached_out
from bot.core.names import NameEntry, NameIndex, name_key
from bot.core.phrases import PhraseError, parse_log
from bot.core.understand import Intent, read

HERE = Path(__file__).parent
DATE_ORDER = "dmy"  # the corpus user lives in London


@dataclass(frozen=True, slots=True)
class LogCase:
    text: str
    today: date
    people: tuple[str, ...]  # roster names, "+New" or "?Shared"
    day: date
    place: str | None = None
    assumed: bool = False
    initiator: str | None = None  # who reached out: "me", "them"


@dataclass(frozen=True, slots=True)
class OtherCase:
    text: str
    today: date
    expected: str
    person: str | None


@dataclass
class Score:
    logs: int = 0
    logs_right: int = 0
    others: int = 0
    others_safe: int = 0  # not read as a log
    others_right: int = 0  # read as the expected kind of message
    misses: list[str] = field(default_factory=list)
    unsafe: list[str] = field(default_factory=list)
    misread: list[str] = field(default_factory=list)

    @property
    def log_share(self) -> float:
        return self.logs_right / self.logs if self.logs else 1.0

    def summary(self) -> str:
        return (
            f"logs {self.logs_right}/{self.logs} exactly right ({self.log_share:.1%}); "
            f"non-logs {self.others_safe}/{self.others} not logged, "
            f"{self.others_right}/{self.others} read as meant"
        )


def roster() -> list[NameEntry]:
    entries: list[NameEntry] = []
    for line in _lines("roster.txt"):
        name, _, aliases = line.partition(";")
        alias_list = tuple(a.strip() for a in aliases.split(",") if a.strip())
        entries.append(NameEntry(len(entries) + 1, name.strip(), alias_list))
    return entries


def _lines(file: str) -> list[str]:
    text = (HERE / file).read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


def _canonical(written: str, entries: list[NameEntry]) -> str:
    """The roster name a corpus line means by "Sara" (Sara Khan) or "Alice Wong"."""
    if written[:1] in "+?":
        return written[0] + name_key(written[1:])
    key = name_key(written)
    hits = [e.name for e in entries if name_key(e.name) == key]
    hits = hits or [e.name for e in entries if name_key(e.name).startswith(key + " ")]
    if len(hits) != 1:
        raise ValueError(f"corpus names {written!r}, which is not one roster person")
    return hits[0]


def _day(text: str, today: date) -> date:
    text = text.strip()
    if text.lstrip("-").isdigit():
        return today + timedelta(days=int(text))
    return date.fromisoformat(text)


def log_cases() -> list[LogCase]:
    entries = roster()
    cases: list[LogCase] = []
    today = date.today()
    for line in _lines("logs.txt"):
        if line.startswith("@today"):
            today = date.fromisoformat(line.split()[1])
            continue
        cols = [c.strip() for c in line.split(" | ")]
        people = tuple(_canonical(p.strip(), entries) for p in cols[1].split(","))
        checks = [c.strip() for c in cols[3].split(";")] if len(cols) > 3 else []
        place = next((c[6:] for c in checks if c.startswith("place=")), None)
        initiator = next((c[10:] for c in checks if c.startswith("initiator=")), None)
        cases.append(
            LogCase(
                cols[0],
                today,
                people,
                _day(cols[2], today),
                place,
                "assumed" in checks,
                initiator,
            )
        )
    return cases


def other_cases() -> list[OtherCase]:
    entries = roster()
    cases: list[OtherCase] = []
    today = date.today()
    for line in _lines("nonlogs.txt"):
        if line.startswith("@today"):
            today = date.fromisoformat(line.split()[1])
            continue
        cols = [c.strip() for c in line.split("|")]
        person = _canonical(cols[2], entries) if len(cols) > 2 and cols[2] else None
        cases.append(OtherCase(cols[0], today, cols[1], person))
    return cases


def resolved(names: tuple[str, ...], index: NameIndex) -> tuple[str, ...]:
    """Names as written, as the corpus writes them: roster name, "+new" or "?shared"."""
    out: list[str] = []
    for name in names:
        res = index.resolve(name)
        if res.person_id is not None:
            out.append(index.name_of(res.person_id))
        else:
            out.append(("?" if res.ambiguous else "+") + name_key(name))
    return tuple(out)


def judge_log(case: LogCase, index: NameIndex) -> str | None:
    """None when the case is read exactly right, else what went wrong."""
    reading = read(case.text, case.today, index)
    if reading.intent is not Intent.LOG:
        return f"read as {reading.intent.value}"
    try:
        phrase = parse_log(case.text, case.today, index, DATE_ORDER)
    except (PhraseError, DateError) as exc:
        return f"refused: {exc}"
    people = resolved(phrase.names, index)
    if sorted(people) != sorted(case.people):
        return f"people {people}"
    if phrase.day != case.day:
        return f"day {phrase.day}"
    if case.place is not None and phrase.place != case.place:
        return f"place {phrase.place!r}"
    if case.assumed and not phrase.assumed:
        return "did not say which date word it could not read"
    if case.initiator is not None and who_reached_out(case.text) != case.initiator:
        return f"reached out: {who_reached_out(case.text)!r}"
    return None


def judge_other(case: OtherCase, index: NameIndex) -> tuple[bool, str | None]:
    """(safe: not read as a log, what was wrong with the reading or None)."""
    reading = read(case.text, case.today, index)
    if reading.intent is Intent.LOG:
        return False, "read as a log"
    if reading.intent.value != case.expected:
        return True, f"read as {reading.intent.value}"
    if case.person is not None:
        res = index.resolve(reading.person) if reading.person else None
        if res is None or res.person_id is None or index.name_of(res.person_id) != case.person:
            return True, f"about {reading.person!r}"
    return True, None


def score() -> Score:
    index = NameIndex.build(roster())
    result = Score()
    for case in log_cases():
        result.logs += 1
        wrong = judge_log(case, index)
        if wrong is None:
            result.logs_right += 1
        else:
            result.misses.append(f"{case.text!r}: {wrong}")
    for other in other_cases():
        result.others += 1
        safe, problem = judge_other(other, index)
        result.others_safe += safe
        if not safe:
            result.unsafe.append(other.text)
        if problem is None:
            result.others_right += 1
        else:
            result.misread.append(f"{other.text!r} ({other.expected}): {problem}")
    return result


def heldout_cases() -> tuple[list[LogCase], list[OtherCase]]:
    """heldout.txt: "text | log | people | day" and "text | kind | person" lines."""
    entries = roster()
    logs: list[LogCase] = []
    others: list[OtherCase] = []
    today = date.today()
    for line in _lines("heldout.txt"):
        if line.startswith("@today"):
            today = date.fromisoformat(line.split()[1])
            continue
        cols = [c.strip() for c in line.split("|")]
        if cols[1] == "log":
            people = tuple(_canonical(p.strip(), entries) for p in cols[2].split(","))
            logs.append(LogCase(cols[0], today, people, _day(cols[3], today)))
        else:
            person = _canonical(cols[2], entries) if len(cols) > 2 and cols[2] else None
            others.append(OtherCase(cols[0], today, cols[1], person))
    return logs, others


def heldout_score() -> Score:
    index = NameIndex.build(roster())
    result = Score()
    logs, others = heldout_cases()
    for case in logs:
        result.logs += 1
        wrong = judge_log(case, index)
        result.logs_right += wrong is None
        if wrong is not None:
            result.misses.append(f"{case.text!r}: {wrong}")
    for other in others:
        result.others += 1
        safe, problem = judge_other(other, index)
        result.others_safe += safe
        if not safe:
            result.unsafe.append(other.text)
        result.others_right += problem is None
        if problem is not None:
            result.misread.append(f"{other.text!r} ({other.expected}): {problem}")
    return result
