"""What a message is before it is read as a log: a meeting, a plan, a "not seen X for
months", a birthday, a question, or just "thanks".

A wrong log is worse than none (it resets someone's clock), so a message is a log only
when nothing says otherwise: cue words and tense are checked first, in the order
chit-chat, questions, birthdays, cancellations, negations, plans, news about someone,
and only then a meeting. Everything here is pure and cheap: a few regexes over the
head of the message and one scan for known names.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from bot.core.dates import DateError, parse_month_day, read_day
from bot.core.names import NameIndex, name_key
from bot.core.phrases import is_who_question, meeting_words, mentioned_names, split_head


class Intent(StrEnum):
    LOG = "log"
    PLAN = "plan"
    NEGATION = "negation"
    CANCELLED = "cancelled"
    BIRTHDAY = "birthday"
    STATEMENT = "statement"
    ASK_LAST = "ask-last"
    ASK_WEEK = "ask-week"
    ASK_BIRTHDAY = "ask-birthday"
    ASK_CARD = "ask-card"
    ASK_WHO = "ask-who"
    MOVE = "move"
    CHAT = "chat"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reading:
    """A message's intent; `person` is who it is about (as written, '' if nobody), and
    `rest` what else it carries: a birthday's date, a circle's name, a greeting's kind."""

    intent: Intent
    person: str = ""
    rest: str = ""


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_CHAT = _rx(
    r"^(?:(?P<thanks>thanks|thank\s+you|thank\s+u|thx|ty|cheers|ta|much\s+appreciated)"
    r"|(?P<hello>hi|hiya|hey|hello|heya|yo|howdy|morning|good\s+(?:morning|afternoon|evening)"
    r"|evening|afternoon)"
    r"|(?P<bye>bye|good\s*night|night|see\s+ya|cya|later)"
    r"|(?P<ack>ok|okay|k|kk|cool|nice|great|awesome|perfect|lol|haha+|ha|hehe|yay|wow|sure"
    r"|got\s+it|alright|all\s+right|fine|sounds\s+good|no\s+worries|np))"
    r"(?:\s+(?:kith|there|so\s+much|a\s+lot|lots|mate|buddy|again|you|all))*[\s!.,:)(❤️🙏😊👍]*$"
)
_MOVE = _rx(
    r"^\s*move\s+(?P<who>.+?)\s+(?:to|into)\s+(?:the\s+|my\s+)?(?P<circle>[\w-]+)(?:\s+circle)?\s*[.!]?$"
)
_CARD = _rx(
    r"^\s*(?:tell\s+me\s+about|what\s+do\s+(?:i|you)\s+know\s+about|remind\s+me\s+about"
    r"|show\s+me)\s+(?P<who>.+?)\s*[?.!]*$"
)
_ASK_BIRTHDAY = _rx(
    r"^\s*(?:what(?:'s|s|\s+is)|when(?:'s|s|\s+is)|is\s+it)\s+(?P<who>.+?)(?:'s|s'|s)?\s+"
    r"(?:birthday|bday|b-day)(?:\s+soon)?\s*\??$"
)
_ASK_LAST = _rx(
    r"^\s*(?:when\s+did\s+i\s+(?:last\s+)?|when\s+was\s+the\s+last\s+time\s+i\s+"
    r"|how\s+long\s+(?:has\s+it\s+been\s+)?since\s+i\s+(?:last\s+)?|did\s+i\s+|have\s+i\s+)"
    r"(?:see|saw|seen|talk|talked|speak|spoke|spoken|meet|met|call|called|text|texted"
    r"|hear|heard|catch\s+up|caught\s+up|visit|visited)\b"
)
_ASK_WEEK = _rx(
    r"^\s*who\s+(?:did|have|had)\s+i\s+(?:see|seen|meet|met|talk\s+to|talked\s+to|call|called"
    r"|catch\s+up\s+with|caught\s+up\s+with)\b.*?\b(?P<span>(?:this|last|past)\s+(?:week|month)"
    r"|today|yesterday|recently|lately)\b"
)
_QUESTION = _rx(r"^\s*(?:who|whom|what|when|where|why|how|which)\b")

_BIRTHDAY = _rx(
    r"^\s*(?:it's\s+|its\s+)?(?P<who>.+?)(?:'s|s'|’s)\s+(?:birthday|bday|b-day)\s*"
    r"(?:is\s+|was\s+|'s\s+)?(?:on\s+)?[:\-–—]?\s*(?P<when>.+?)\s*[.!]*$"
    r"|^\s*(?P<who2>.+?)\s+was\s+born\s+(?:on\s+)?(?P<when2>.+?)\s*[.!]*$"
)
# Seen online is not seeing someone: "saw Fatima's post", "Li Wei liked my photo".
_ONLINE = _rx(
    r"\b(?:liked|commented\s+on|reacted\s+to|shared|saw|watched|viewed)\s+(?:my|a|her|his"
    r"|their|\w+'s)\s+(?:new\s+)?(?:post|story|stories|photo|photos|pic|pics|video|tweet"
    r"|status|reel|update)s?\b"
    r"|\b(?:post|story|photo|pic|video|tweet|status|reel)s?\s+on\s+(?:instagram|insta|facebook|fb"
    r"|twitter|x|tiktok|linkedin|threads|bluesky)\b"
)
_CANCELLED = _rx(
    r"\b(?:called\s+off|call(?:ed)?\s+it\s+off|cancel(?:l)?(?:ed|ing)?|bailed|bail(?:ed)?\s+on"
    r"|had\s+to\s+(?:skip|cancel|bail|miss)|skipped|rain\s*-?check(?:ed)?|postponed|postpone"
    r"|rescheduled|fell\s+through|(?:couldn't|could\s+not|can't|cannot|didn't)\s+make\s+it"
    r"|didn't\s+happen|did\s+not\s+happen|never\s+happened|(?:are|is|was|were)\s+off\b"
    r"|no-?show(?:ed)?|stood\s+me\s+up|flaked|pulled\s+out"
    r"|(?:was|were)\s+(?:going|supposed|meant|meaning|planning)\s+to)"
)
_NEGATION = _rx(
    r"^\s*(?:i\s+)?(?:really\s+)?miss(?:ing)?\s+(?!a\b|the\b)"
    r"|\bmissed\s+(?:a\s+|the\s+|her\s+|his\s+|their\s+|\w+'s\s+)?(?:call|calls|text|message)"
    r"|\bbut\s+i\s+missed\b"
    r"|\b(?:not|never|haven't|havent|have\s+not|didn't|didnt|did\s+not|hasn't|hasnt)\s+"
    r"(?:\w+\s+){0,3}?(?:seen|see|saw|talked|talk|spoken|spoke|speak|called|call|heard|met"
    r"|meet|texted|text|messaged|caught\s+up|got\s+to|get\s+to|managed|visited|been\s+in\s+touch"
    r"|rung|rang|ring|phoned|contacted|reached)\b"
    r"|\b(?:no|still\s+no)\s+(?:word|contact|news|reply|answer|sign)\s+(?:from|with)\b"
    r"|\bno\s+contact\s+with\b"
    r"|\b(?:it's\s+|its\s+|it\s+has\s+)?been\s+(?:ages|a\s+while|forever|months|weeks|years"
    r"|too\s+long|so\s+long|a\s+long\s+time)\s+since\b"
)
_PLAN = _rx(
    r"\b(?:owe|owes|remember\s+to|don't\s+forget|do\s+not\s+forget|reminder"
    r"|(?:is|'s|are|'re|am|'m)\s+(?:coming|visiting|popping|dropping|staying|meeting|having)\b"
    r"|(?:is|'s|are)\s+(?:on\s+)?(?:this\s+|next\s+)?(?:monday|tuesday|wednesday|thursday"
    r"|friday|saturday|sunday|tomorrow|tonight)"
    r"|going\s+to|goin\s+to|gonna|must|should|shall|need\s+to|needs\s+to|have\s+to"
    r"|has\s+to|gotta|got\s+to|want\s+to|wanna|wants\s+to|would\s+like\s+to|planning|plan\s+to"
    r"|plans\s+to|hoping\s+to|hope\s+to|remind\s+me|meant\s+to|meaning\s+to|maybe|let's|lets"
    r"|off\s+to|about\s+to|intend\s+to|trying\s+to|try\s+to|supposed\s+to|looking\s+forward"
    r"|i'll|we'll|i\s+will|we\s+will|i'd\s+like|might|tmrw|tomorrow|tmr|tomoz|2moro"
    r"|next\s+(?:week|month|year|weekend|monday|tuesday|wednesday|thursday|friday|saturday"
    r"|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun)|later\s+(?:today|tonight|this\s+\w+|on)|off\s+for|soon"
    r"|in\s+the\s+new\s+year|(?:^|\s)later\s*[.!?]?$)"
    r"|(?:^|\bi'm\s+|\bim\s+|\bi\s+am\s+|\bwe're\s+|\bwe\s+are\s+)"
    r"(?:seeing|meeting|calling|visiting|catching\s+up|having|grabbing|ringing|phoning"
    r"|texting\s+\w+\s+(?:later|tonight))\b"
    r"|^\s*will\s+(?:call|see|text|ring|meet|visit|message|phone|catch|email|write|ask|invite)\b"
)
_STATEMENT_VERB = _rx(
    r"^\s*(?:is|are|was|has|have|had\s+a\s+baby|lives|works|moved|is\s+moving|'s\s+moving"
    r"|started|starts|passed|quit|left|loves|likes|hates|turned|became|got\s+(?:a|an|the"
    r"|engaged|married|promoted|divorced|fired|sick|ill|back|into)|'s\s+(?:pregnant|engaged"
    r"|getting|having|moving|starting|been))\b"
)
_STATEMENT_ANYWHERE = _rx(
    r"\b(?:is|are|was|has|have|had\s+a\s+baby|lives|works|moved|started|starts|passed|quit"
    r"|left|loves|likes|hates|turned|became|got)\b|'s\s+(?:pregnant|engaged|getting|having"
    r"|moving|starting|been)\b"
)
_RELATIVE = frozenset(
    [
        "wife",
        "husband",
        "partner",
        "boyfriend",
        "girlfriend",
        "fiancé",
        "fiancée",
        "fiance",
        "fiancee",
        "son",
        "daughter",
        "kids",
        "children",
        "baby",
        "mum",
        "mom",
        "dad",
        "mother",
        "father",
        "sister",
        "brother",
        "parents",
        "cat",
        "dog",
    ]
)
_PAST_VERB = _rx(
    r"\b(?:\w+ed|came|went|took|gave|got|had|made|met|saw|ran|rang|sent|spent|lent|taught"
    r"|brought|bought|caught|drove|fed|left|shot|slept|stood|sat|swam|told|won|beat|did|ate"
    r"|drank|flew|held|kept|lost|paid|put|read|rode|sang|spoke|threw|wore|wrote|babysat"
    r"|hung|dropped|popped|stopped|stayed|helped|fixed|cooked|hosted)\b"
)
_ME = _rx(r"\b(?:me|my|us|our|we|i)\b")
_WITH = _rx(r"(?:^|\s)(?:with|w/|w|alongside)\s")


@functools.lru_cache(maxsize=16)  # one message's worth; it holds on to name indexes
def _names(text: str, index: NameIndex | None) -> tuple[str, ...]:
    """`mentioned_names`, remembered: one message asks for the same names several times."""
    return mentioned_names(text, index)


def _first_known(text: str, index: NameIndex | None) -> str:
    names = _names(text, index)
    return names[0] if names else ""


def _folded(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.split())


def read(text: str, today: date, index: NameIndex | None = None, date_order: str = "") -> Reading:
    """What kind of message `text` is (see Intent), without touching any store.

    `date_order` is the user's ("mdy": 11/12 is 12 November, in the past on the 25th),
    so a numeric date is a plan only when it is ahead in *their* order."""
    t = _folded(text)
    if not t or t.startswith("/"):
        return Reading(Intent.UNKNOWN)
    chat = _CHAT.match(t)
    if chat or not any(ch.isalnum() for ch in t):
        return Reading(Intent.CHAT, rest=(chat.lastgroup or "ack") if chat else "ack")
    asked = _question(t, index)
    if asked is not None:
        return asked
    birthday = _birthday(t, index)
    if birthday is not None:
        return birthday
    head, _ = split_head(t, index)
    for intent, pattern in ((Intent.CANCELLED, _CANCELLED), (Intent.NEGATION, _NEGATION)):
        if pattern.search(head):
            return Reading(intent, _first_known(head, index) or _first_known(t, index))
    if _PLAN.search(head) or _future(head, today, date_order):
        return Reading(Intent.PLAN, _first_known(head, index))
    if _ONLINE.search(head):
        return Reading(Intent.STATEMENT, _first_known(head, index))
    if t.endswith("?") or _QUESTION.match(t):
        return Reading(Intent.UNKNOWN, _first_known(t, index))
    statement = _statement(head, index)
    if statement is not None:
        return statement
    if _is_log(head, index):
        return Reading(Intent.LOG)  # parse_log finds the people
    return Reading(Intent.UNKNOWN, _first_known(t, index))


def _question(t: str, index: NameIndex | None) -> Reading | None:
    m = _MOVE.match(t)
    if m:
        return Reading(Intent.MOVE, m.group("who"), m.group("circle"))
    m = _CARD.match(t)
    if m:
        return Reading(Intent.ASK_CARD, m.group("who").strip())
    m = _ASK_BIRTHDAY.match(t)
    if m:
        return Reading(Intent.ASK_BIRTHDAY, _first_known(m.group("who"), index) or m.group("who"))
    m = _ASK_WEEK.match(t)
    if m:
        return Reading(Intent.ASK_WEEK, rest=m.group("span").lower())
    last = _ASK_LAST.match(t)
    if last:
        return Reading(Intent.ASK_LAST, _first_known(t[last.end() :], index))
    if is_who_question(t):
        return Reading(Intent.ASK_WHO)
    return None


def _birthday(t: str, index: NameIndex | None) -> Reading | None:
    m = _BIRTHDAY.match(t)
    if not m:
        return None
    who = (m.group("who") or m.group("who2") or "").strip()
    when = (m.group("when") or m.group("when2") or "").strip()
    try:
        parse_month_day(when)
    except DateError:
        return None
    person = _first_known(who, index) or who
    return Reading(Intent.BIRTHDAY, person, when)


def _future(head: str, today: date, date_order: str = "") -> bool:
    try:
        found = read_day(head, today, date_order or "dmy")
    except DateError:
        return False
    return found.future(today)


def _statement(t: str, index: NameIndex | None) -> Reading | None:
    """News about someone, said with them as the subject: "Priya is moving to Berlin"."""
    if not _STATEMENT_ANYWHERE.search(t):
        return None  # most logs: no need to look for names here
    names = _names(t, index)
    if not names:
        return None
    who = names[0]
    start = t.find(who)
    if start < 0 or t[:start].strip(" \"'"):
        return None
    rest = t[start + len(who) :]
    owned = re.match(r"^(?:'s|s')\s+(?P<rel>[\w-]+)", rest)
    if owned:
        if owned.group("rel").lower() not in _RELATIVE:
            return None
        rest = rest[owned.end() :]
    if _STATEMENT_VERB.match(rest) and not _ME.search(rest):
        return Reading(Intent.STATEMENT, who)
    return None


def _is_log(head: str, index: NameIndex | None) -> bool:
    if meeting_words(head):
        return True
    if not _names(head, index) or index is None:
        return False
    known = any(index.knows(name_key(n)) for n in _names(head, index))
    if not known:
        return False
    try:
        dated = read_day(head, date(2000, 6, 15)).day is not None
    except DateError:
        dated = True
    symbolic = any(unicodedata.category(ch)[0] == "S" for ch in head)
    return bool(
        dated
        or symbolic
        or _PAST_VERB.search(head)
        or _ME.search(head)
        or _WITH.search(head)
        or re.search(r"\b(?:at|to)\s+\S+(?:'s|s')(?:\s|$)", head)
    )
