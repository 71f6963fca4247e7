"""Reading a log in plain words: "had coffee with Alice yesterday — she's moving in March".

A log splits into a head and a note at the first dash, colon, bracket or sentence
break: the head holds who, when and what; everything after it is the user's note, and
its words ("in March", "Lisbon") are never read as a date or a person. Within the head:
the date is found and cut out first, then the kind, then the people, from three
sources: names the index already knows, the slot after "with"/"called"/"saw"/…, and
capitalised words. What nobody claimed becomes part of the note.

Only the first `HEAD_LIMIT` characters are ever searched, so a pasted essay costs
the same as a short line.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from bot.core.dates import DateError, mentions_day, read_day
from bot.core.names import NameIndex, name_key
from bot.core.wording import SPORTS, sport_of


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


HEAD_LIMIT = 300
_MAX_NAME_TOKENS = 4
_MAX_LOWER_NAME_TOKENS = 2

DEFAULT_KIND = "catch-up"

# (kind, pattern) in priority order for words at the same spot: longer phrases first.
_KIND_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "video call",
        r"video[\s-]*call(?:ed|ing|s)?|video[\s-]*chat(?:ted|ting|s)?|face[\s-]*tim(?:e|ed|ing)"
        r"|zoom(?:ed)?(?:\s+call)?|skyp(?:e|ed|ing)|google\s+meet|teams\s+call",
    ),
    ("bumped into", r"(?:ran|run|running|bumped|bumping)\s+into"),
    ("call", r"phone[\s-]*call|on\s+the\s+phone|call(?:ed|ing|s)?|phon(?:e|ed|ing)|rang"),
    (
        "message",
        r"text(?:ed|ing|s)?|messag(?:e|ed|es|ing)|whats\s*app(?:ed)?|dm(?:'?d|ed)?"
        r"|e-?mail(?:ed|s)?|wrote\s+to|sms(?:ed)?|pinged|voice\s+(?:note|message)s?",
    ),
    ("coffee", r"coffees?|cuppa|espresso|latte|flat\s+white"),
    ("breakfast", r"breakfast(?:ed)?"),
    ("brunch", r"brunch(?:ed)?"),
    ("lunch", r"lunch(?:ed|es)?"),
    ("dinner", r"dinners?|supper|dined"),
    ("drinks", r"drinks?|beers?|pints?|wine|cocktails?|pub"),
    (
        "sport",
        r"played\s+(?:tennis|squash|football|soccer|basketball|volleyball|badminton|padel|golf)"
        r"|tennis|squash|football|soccer|basketball|volleyball|badminton|padel|golf|climbing"
        r"|bouldering|gym|yoga|swim(?:ming)?|swam|cycl(?:ed|ing)|bike\s+ride|surf(?:ed|ing)"
        r"|ski(?:ed|ing)|work(?:ed)?\s*out",
    ),
    ("walk", r"walk(?:s|ed|ing)?|stroll(?:ed|ing)?"),
    ("hike", r"hik(?:e|es|ed|ing)|trek(?:ked|king)?"),
    ("run", r"runs?|ran|running|jog(?:s|ged|ging)?"),
    (
        "game",
        r"board[\s-]*games?|games?(?:\s+night)?|gaming|played|poker|chess|trivia|quiz|karaoke",
    ),
    ("movie", r"movies?|films?|cinema|flicks?"),
    ("concert", r"concerts?|gigs?"),
    (
        "party",
        r"part(?:y|ies)|bbq|barbecue|wedding|housewarming|celebration|(?:baby\s+)?shower"
        r"|hen\s+do|stag\s+do|leaving\s+do|farewell|reunion|christening|graduation",
    ),
    (
        "visit",
        r"visit(?:ed|ing|s)?|stayed\s+with|went\s+to\s+see|came\s+(?:over|round|by)"
        r"|dropped\s+by|popped\s+(?:by|over|round|in)|stopped\s+by",
    ),
    ("trip", r"road[\s-]*trip|trip|weekend\s+away|holiday|vacation"),
)
KINDS: tuple[str, ...] = (*(kind for kind, _ in _KIND_PATTERNS), *SPORTS, DEFAULT_KIND)

_KIND_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_KIND_PATTERNS)) + r")\b",
    re.IGNORECASE,
)
# Meeting words that say "we met" without saying how: the kind stays catch-up.
_MEETING_RE = re.compile(
    r"\b(?:caught\s+up|catch(?:ing)?[\s-]*up|hung\s+out|hang(?:ing)?[\s-]*out|met\s+up"
    r"|meet[\s-]*up|met|saw|seen|see|meeting|chat(?:ted|ting|s)?)\b",
    re.IGNORECASE,
)

# Where the head ends and the note begins.
_SEPARATOR_RE = re.compile(
    r"\s+[-–—]+\s+|\s*[—–]\s*|:(?:\s|$)|;|\s\(|\n|(?<=[!?])\s+|\.(?:\s+|$)"
    r"|,\s+(?=(?:she|he|they|we|i|it|she's|he's|they're|we're|it's|i'm|i've|we've|talked"
    r"|discussed|chatted|spoke|told|said|was|were|great|lovely|nice|good|fun|so|but|which"
    r"|turns|apparently|really|lots|sounds|seems)\b)"
    r"|\s+(?:and|but)\s+(?=(?:she|he|they|we|it|she's|he's|they're|we're|it's|i'm|i'll"
    r"|i've|i’m|i’ll)\b)",
    re.IGNORECASE,
)
_ABBREVIATIONS = _words(
    "mr mrs ms dr st jr sr prof vs mt no approx jan feb mar apr jun jul aug sep sept oct nov "
    "dec mon tue tues wed thu thur thurs fri sat sun"
)

_TOKEN_RE = re.compile(r"(?:(?<=\s)|^)w/|[,&+/]|[^\s,&+/]+", re.IGNORECASE)
_LEAD_STRIP = "\"'“”‘’«»([{<*_@"
_TAIL_STRIP = '.,;:!?"“”»)]}>*_…'
_QUOTES = "'’"

# ------------------------------------------------------------------ word lists


_PRONOUNS = _words(
    "i me my mine myself you your yours he him his she her hers they them their theirs we us "
    "our ours it its itself everyone everybody someone somebody anyone anybody nobody people "
    "folks guys i'm i've i'd i'll we're we've we'd they're they've he's she's it's that's "
    "there's who whom whose what which that this these those there here"
)
_DETERMINERS = _words(
    "a an the some any all both few many much more most several each every another other no "
    "one two three first second last next"
)
_PREPOSITIONS = _words(
    "at in on to from for about after before over near by around into onto of off through "
    "during since until till via per like without within across behind outside inside under "
    "between among towards toward round up down out along beside besides past regarding re "
    "with w w/ alongside than then"
)
_CONNECTORS = _words("and or but so because while as if though plus n nor yet also too")
_VERBS = _words(
    "am is are was were be been being have has had having do does did done doing go goes went "
    "gone going get got gets getting make made take took will would can could should shall may "
    "might must said told talked spoke chatted discussed met meet saw see seen visited called "
    "texted messaged grabbed caught hung ran bumped came come dropped popped stopped invited "
    "hosted cooked joined helped gave brought showed watched played tried celebrated enjoyed "
    "loved missed hugged introduced planned shared sent wrote replied asked thanked wished "
    "picked drove walked phoned rang emailed pinged facetimed skyped whatsapped dmed hiked "
    "biked swam cycled climbed lunched dined had let think thought"
)
_TIME_WORDS = _words(
    "today tonight yesterday tomorrow morning afternoon evening night noon midday lunchtime "
    "weekend week month year day days weeks months years ago earlier later recently now just "
    "again already still soon once twice monday tuesday wednesday thursday friday saturday "
    "sunday january february march april may june july august september october november "
    "december jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed weds thu thur "
    "thurs fri sat sun"
)
_ADVERBS = _words(
    "really very quite super quick quickly briefly long short great good nice lovely fun "
    "amazing awesome late early finally actually basically randomly accidentally "
    "spontaneously eventually luckily unexpectedly suddenly properly ages forever ok okay "
    "yes not never always sometimes well lol haha"
)
_PLACES = _words(
    "home work office town downtown city school uni university college park beach gym cafe "
    "café pub bar restaurant place house flat apartment church hospital airport station "
    "supermarket shop store mall market online"
)
_GROUPS = _words(
    "friends friend colleagues colleague coworkers coworker team family kids children "
    "neighbours neighbors crew gang group class club lads girls boys"
)
_KIND_WORDS = _words(
    "coffee coffees breakfast brunch lunch dinner supper drinks drink beer beers pint pints "
    "wine cocktails call video message text walk visit party hike run game games movie film "
    "cinema concert gig trip holiday bbq barbecue wedding birthday tennis yoga gym "
    "catch-up catchup meeting break date time chat session hangout"
)
# Capitalised, but not people.
_NOT_PEOPLE = _words(
    "christmas xmas easter halloween thanksgiving diwali eid hanukkah ramadan netflix zoom "
    "teams skype whatsapp facetime google meet discord slack instagram signal telegram "
    "messenger youtube spotify uber"
)
_STOP = (
    _PRONOUNS
    | _DETERMINERS
    | _PREPOSITIONS
    | _CONNECTORS
    | _VERBS
    | _TIME_WORDS
    | _ADVERBS
    | _PLACES
    | _GROUPS
    | _KIND_WORDS
    | _NOT_PEOPLE
)
# Words a note may start or end with without saying anything.
_FUNCTION = _PRONOUNS | _DETERMINERS | _PREPOSITIONS | _CONNECTORS | _VERBS | _ADVERBS
_EDGE_FILLER = _words("with w w/ and & + , had have i me we us then also just")
# Ordinary words that are also first names: a name only when capitalised.
_NAME_WORDS = _words(
    "may will mark bill grace joy hope rose sue pat ray art jack june april august summer dawn "
    "faith frank guy sky max rob don dean penny ruby amber ivy holly iris autumn chase drew "
    "gene sunny victor ben jan"
)
_FAMILY = _words(
    "mum mom mother dad father mam mama papa grandma grandpa granny gran grandad granddad nan "
    "nana nanna grandmother grandfather sister brother sis bro wife husband partner boyfriend "
    "girlfriend fiancé fiancée fiance fiancee son daughter aunt auntie aunty uncle cousin niece "
    "nephew parents grandparents in-laws stepmom stepdad stepmum godmother godfather bestie "
    "roommate flatmate housemate boss"
)
_POSSESSIVE_DETERMINERS = frozenset({"my", "our", "his", "her", "their", "your"})
_OWN = frozenset({"my", "our"})
_PARTICLES = _words(
    "de la le du des da di del della van von der den ter ten bin ibn al el dos das y"
)
_LIST_JOINERS = frozenset({",", "and", "&", "+", "/", "plus", "n"})
_SLOT_WORDS = _words(
    "with w/ w alongside called phoned rang texted messaged emailed e-mailed dmed dm'd pinged "
    "whatsapped facetimed skyped zoomed visited visiting visit saw seen met meet hugged call "
    "text message email phone ring see"
)
# "to"/"into" open a slot only after these: "talked to Bob", "ran into Grace".
_SLOT_BEFORE_TO = _words("talked spoke chatted wrote hi hello ran run bumped going went came back")
_SUBJECT_VERBS = _words(
    "called phoned rang texted messaged emailed pinged facetimed skyped whatsapped visited "
    "came dropped popped stopped invited hosted cooked made took treated showed helped wrote "
    "sent said told met joined had gave brought drove picked asked"
)
_SELF = frozenset({"i", "me", "myself"})
# Places come after these; a capital there is Paris, not a person ("at Bob's" is both).
_PLACE_PREPOSITIONS = _words(
    "at in to from near around into through via across outside inside round over up down "
    "along past towards toward"
)
_TOPIC_WORDS = frozenset({"about", "regarding", "re", "re:"})


class PhraseError(ValueError):
    """A log we couldn't read; `str(e)` is a sentence to show the user."""


@dataclass(frozen=True, slots=True)
class LogPhrase:
    """A log as read: people as written (in order, no repeats), the day, a kind from
    KINDS, and the note ('' if none). Names are not resolved: that needs the store."""

    names: tuple[str, ...]
    day: date
    kind: str
    note: str
    place: str = ""  # "Joe's Diner" in "dinner at Joe's Diner"; it stays in the note too
    assumed: str = ""  # a date-like word that could not be read ("the 3st"): day is today


# ------------------------------------------------------------------ tokens


@dataclass(frozen=True, slots=True)
class _Token:
    """One word of the head; `core` is it without quotes, punctuation or a trailing 's."""

    start: int
    end: int
    raw: str
    core: str
    core_start: int
    core_end: int
    possessive: bool

    @property
    def low(self) -> str:
        return self.core.lower()


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        lead = len(raw) - len(raw.lstrip(_LEAD_STRIP))
        core = raw[lead:].rstrip(_TAIL_STRIP)
        possessive = len(core) > 2 and core[-1] in "sS" and core[-2] in _QUOTES
        if possessive:
            core = core[:-2]
        core = core.rstrip(_QUOTES + _TAIL_STRIP) or (raw if raw in ",&+/" else "")
        start = m.start() + lead
        tokens.append(_Token(m.start(), m.end(), raw, core, start, start + len(core), possessive))
    return tokens


def _case(core: str) -> str:
    """'upper', 'lower' or 'none' (Arabic, Chinese, emoji: scripts without capitals)."""
    for ch in core:
        if ch.isalpha():
            if ch.isupper() or ch.istitle():
                return "upper"
            if ch.islower():
                return "lower"
            return "none"
    return "none"


def _has_letter(core: str) -> bool:
    return any(ch.isalpha() for ch in core)


def _is_symbolic(core: str) -> bool:
    """An emoji or symbol, which some people put in a name ("🌸 Mei")."""
    return bool(core) and all(unicodedata.category(ch)[0] in "SM" or ch == "\u200d" for ch in core)


def _shouting(core: str) -> bool:
    return len(core) >= 4 and core.isupper()


def _name_like(tok: _Token) -> bool:
    core = tok.core
    if not core or not _has_letter(core) or core[0].isdigit():
        return False
    low = tok.low
    if low in _STOP:
        return low in _NAME_WORDS and _case(core) == "upper"
    # Long -ly words are adverbs ("Unexpectedly met Bob"); Emily and Kimberly are shorter.
    return not (low.endswith("ly") and len(low) >= 9)


# ------------------------------------------------------------------ the parse


@dataclass(slots=True)
class _Span:
    first: int  # token indexes, inclusive
    last: int
    consume: bool = True


@dataclass(slots=True)
class _Parse:
    text: str
    tokens: list[_Token]
    index: NameIndex | None
    limit: int  # tokens at or after this are topic ("about X"), never people
    used: list[bool] = field(default_factory=list)
    names: list[_Span] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)  # a place's words: never a person
    place: str = ""
    keys: list[str] = field(default_factory=list)  # each token's name_key, computed once
    known_cache: dict[tuple[int, bool], int | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.used = [False] * len(self.tokens)
        self.keys = [name_key(t.core) if t.core else "" for t in self.tokens]

    def claim(self, first: int, last: int) -> None:
        for i in range(first, last + 1):
            self.used[i] = True

    def taken(self, i: int) -> bool:
        return any(s.first <= i <= s.last for s in self.names)

    def add_name(self, span: _Span) -> None:
        if any(s.first <= span.last and span.first <= s.last for s in self.names):
            return
        self.names.append(span)
        if span.consume:
            self.claim(span.first, span.last)


def _known_at(p: _Parse, i: int, in_slot: bool) -> int | None:
    """Index of the last token of the longest known name starting at token i."""
    if p.index is None or i in p.blocked or _belongs_to_someone(p, i):
        return None
    cached = p.known_cache.get((i, in_slot), -1)
    if cached != -1:
        return cached
    found = _known_at_uncached(p, p.index, i, in_slot)
    p.known_cache[(i, in_slot)] = found
    return found


def _known_at_uncached(p: _Parse, index: NameIndex, i: int, in_slot: bool) -> int | None:
    longest = min(index.max_name_tokens, _MAX_NAME_TOKENS + 1, p.limit - i)
    for n in range(longest, 0, -1):
        words = p.keys[i : i + n]
        if not all(words) or any(t.possessive for t in p.tokens[i : i + n - 1]):
            continue
        key = " ".join(words)
        if not index.knows(key):
            continue
        first = p.tokens[i]
        # "will", "mark": a known name only when capitalised or clearly in a slot.
        common = key in _STOP or key in _NAME_WORDS
        if n == 1 and not in_slot and common and _case(first.core) != "upper":
            continue
        return i + n - 1
    return None


def _belongs_to_someone(p: _Parse, i: int) -> bool:
    """ "her mum", "Zoë's sister": a lowercase word owned by someone else is not a person
    the user saw, even when it is also an alias ("mum")."""
    if i == 0 or _case(p.tokens[i].core) == "upper":
        return False
    before = p.tokens[i - 1]
    return before.possessive or before.low in _POSSESSIVE_DETERMINERS - _OWN


def _extend_upper(p: _Parse, i: int) -> int:
    """Last token of a capitalised (or caseless-script) run starting at i."""
    toks, last = p.tokens, i
    j = i + 1
    while j < p.limit and j - i < _MAX_NAME_TOKENS and not toks[j - 1].possessive:
        after = _skip_particles(p, j)
        tok = toks[after] if after < p.limit else None
        initial = tok is not None and len(tok.core) == 1 and tok.core.isupper()
        if tok is None or (not _name_like(tok) and not initial) or _case(tok.core) == "lower":
            break
        if _shouting(tok.core):
            break
        last = j = after
        j += 1
    return last


def _skip_particles(p: _Parse, j: int) -> int:
    """Past "de la" in "Ana de la Cruz", but only when a capitalised word follows."""
    k = j
    while k < p.limit and p.tokens[k].low in _PARTICLES and _case(p.tokens[k].core) == "lower":
        k += 1
    if k > j and (k >= p.limit or _case(p.tokens[k].core) != "upper"):
        return j
    return k


def _extend_lower(p: _Parse, i: int) -> int:
    toks, last = p.tokens, i
    if toks[i].low in _FAMILY:
        return i
    j = i + 1
    while j < p.limit and j - i < _MAX_LOWER_NAME_TOKENS and not toks[j - 1].possessive:
        tok = toks[j]
        if not (_name_like(tok) and _case(tok.core) == "lower") or tok.low in _FAMILY:
            break
        last = j
        j += 1
    return last


def _one_name(p: _Parse, i: int) -> _Span | None:
    """The person reference starting at token i of a slot, or None."""
    toks = p.tokens
    if i >= p.limit or p.used[i]:
        return None
    start = i
    if i in p.blocked:
        return None
    if toks[i].low in _POSSESSIVE_DETERMINERS:
        # "his wife", "her sister": someone else's relative is part of the note;
        # "my sister" is someone the user saw, and "her sister Anna" is Anna.
        nxt = toks[i + 1] if i + 1 < p.limit else None
        if toks[i].low not in _OWN and (nxt is None or _case(nxt.core) != "upper"):
            return None
        # "with my CV", "in his BMW": a thing owned, unless it is someone known.
        if (
            nxt is not None
            and _case(nxt.core) == "upper"
            and nxt.low not in _FAMILY
            and _known_at(p, i + 1, in_slot=True) is None
        ):
            return None
        i += 1
    if i + 1 < p.limit and toks[i].low in _FAMILY and _case(toks[i].core) == "lower":
        nxt = toks[i + 1]
        if _name_like(nxt) and _case(nxt.core) == "upper":
            i += 1  # "my sister Anna" is Anna; "Auntie Rose" stays whole
    if i >= p.limit:
        return None
    lead = i
    if _is_symbolic(toks[i].core) and i + 1 < p.limit and _name_like(toks[i + 1]):
        i += 1
    known = _known_at(p, lead, in_slot=True) if lead != i else None
    if known is None:
        known = _known_at(p, i, in_slot=True)
    if toks[i].low in _NAME_WORDS and known is None:
        return _Span(lead, i)  # "with will": after "with" it can only be Will
    if not _name_like(toks[i]):
        return _Span(lead, known) if known is not None else None
    case = _case(toks[i].core)
    if case == "lower" and known is None and not _lowercase_name_ok(p, toks[i]):
        return None
    guess = _extend_lower(p, i) if case == "lower" else _extend_upper(p, i)
    last = _pick_extent(p, i, guess, known, case)
    if start != lead:
        p.claim(start, lead - 1)
    return _Span(lead, last)


def _lowercase_name_ok(p: _Parse, tok: _Token) -> bool:
    """A lowercase word is a name only from someone who doesn't capitalise names:
    "coffee with alice", but not the cake in "Heidi came by with cake"."""
    if tok.low in _FAMILY:
        return True
    if any(_case(p.tokens[s.first].core) == "upper" for s in p.names):
        return False
    return not any(_name_like(t) and _case(t.core) == "upper" for t in p.tokens[1 : p.limit])


def _pick_extent(p: _Parse, i: int, guess: int, known: int | None, case: str) -> int:
    """Choose between the index's idea of where a name ends and the capitals' idea."""
    if known is None:
        return guess
    if case == "lower" or known >= guess:
        return known
    guess_key = name_key(" ".join(t.core for t in p.tokens[i : guess + 1]))
    # "Alice Bob and Carol" with Alice and Bob known: two people, not one.
    unknown_run = p.index is not None and not p.index.knows(guess_key)
    if unknown_run and _known_at(p, known + 1, in_slot=True) is not None:
        return known
    return guess


def _name_list(p: _Parse, i: int) -> list[_Span]:
    """People in a slot: "Alice, Bob & Carol", "mum and dad"."""
    spans: list[_Span] = []
    while True:
        span = _one_name(p, i)
        if span is None or (spans and _starts_clause(p, span.first, span.last)):
            break
        spans.append(span)
        j = span.last + 1
        joiners = j
        while joiners < p.limit and p.tokens[joiners].low in _LIST_JOINERS:
            joiners += 1
        if joiners == j or joiners >= p.limit:
            break
        nxt = _peek_name(p, joiners)
        if not nxt:
            break
        p.claim(j, joiners - 1)
        i = joiners
    return spans


def _peek_name(p: _Parse, i: int) -> bool:
    tok = p.tokens[i]
    if tok.low in _SELF:
        return False
    return (
        _name_like(tok)
        or tok.low in _POSSESSIVE_DETERMINERS
        or _is_symbolic(tok.core)
        or _known_at(p, i, in_slot=True) is not None
    )


def _opens_slot(p: _Parse, i: int) -> bool:
    low = p.tokens[i].low
    if low in _SLOT_WORDS:
        return True
    return low in ("to", "into") and i > 0 and p.tokens[i - 1].low in _SLOT_BEFORE_TO


def _slots(p: _Parse) -> None:
    for i in range(min(p.limit, len(p.tokens)) - 1):
        if _opens_slot(p, i) and not p.taken(i + 1):
            spans = _name_list(p, i + 1)
            if spans:
                p.claim(i, i)
            for span in spans:
                p.add_name(span)


def _subject(p: _Parse) -> None:
    """People at the start who did something: "Bob called me", "Alice and I had lunch"."""
    if not p.tokens or not _subject_start(p):
        return
    spans = _name_list(p, 0)
    if not spans:
        return
    after = spans[-1].last + 1
    toks = p.tokens
    owner = toks[spans[-1].last].possessive  # "Alice's party": Alice was there
    follows_self = (
        after + 1 < len(toks)
        and toks[after].low in ("and", "&", "n")
        and toks[after + 1].low in _SELF
    )
    if owner or follows_self or (after < len(toks) and toks[after].low in _SUBJECT_VERBS):
        for span in spans:
            p.add_name(span)
        if follows_self:
            p.claim(after, after + 1)


def _subject_start(p: _Parse) -> bool:
    first, toks = p.tokens[0], p.tokens
    # "ben came round": a known name doing something is the person even in lowercase.
    acts = len(toks) > 1 and toks[1].low in _SUBJECT_VERBS | {"and", "&", "n"}
    if _known_at(p, 0, in_slot=acts) is not None or first.low in _FAMILY:
        return True
    return _name_like(first) and _case(first.core) != "lower"


def _known_anywhere(p: _Parse) -> None:
    i = 0
    while i < p.limit:
        last = None if p.used[i] else _known_at(p, i, in_slot=False)
        if last is not None and _starts_clause(p, i, last):
            last = None
        if last is not None and not any(p.used[i : last + 1]):
            p.add_name(_Span(i, last, consume=not _names_a_place(p, i, last)))
            i = last + 1
        else:
            i += 1


_CLAUSE_VERBS = _words(
    "is was has isn't wasn't hasn't says said seems looks sounds will won't can't couldn't "
    "might thinks wants needs"
)


def _starts_clause(p: _Parse, first: int, last: int) -> bool:
    """ "coffee with Sara, Omar is sick": after a comma, a name and a verb begin the note,
    not one more person in the list."""
    if first == 0 or last + 1 >= len(p.tokens):
        return False
    return p.tokens[first - 1].raw == "," and p.tokens[last + 1].low in _CLAUSE_VERBS


def _names_a_place(p: _Parse, first: int, last: int) -> bool:
    """ "at Bob's": a person who was there, and where it was, so the note keeps it."""
    return (
        first > 0 and p.tokens[first - 1].low in _PLACE_PREPOSITIONS and p.tokens[last].possessive
    )


def _capitalised(p: _Parse) -> None:
    """Capitalised words elsewhere: "Dinner at Bob's", "Bob Lee called"."""
    toks = p.tokens
    i = 1  # the first word is capitalised anyway; `_subject` judges it
    while i < p.limit:
        tok = toks[i]
        prev = toks[i - 1].low
        if (
            p.used[i]
            or p.taken(i)
            or not _name_like(tok)
            or _case(tok.core) != "upper"
            or _shouting(tok.core)
        ):
            i += 1
            continue
        if i in p.blocked or _sentence_start(toks[i - 1]) or prev in _POSSESSIVE_DETERMINERS:
            i += 1  # "with my CV": owned, not someone
            continue
        if prev == "the":
            i = _extend_upper(p, i) + 1  # "the Crown", "the Tate": a place or a thing
            continue
        last = _extend_upper(p, i)
        # After "at"/"in" a capital is a place ("at Chez Panisse"), unless it's "at Bob's";
        # and "at Nando's" after the people were named is a place too.
        at_place = prev in _PLACE_PREPOSITIONS
        if (
            at_place
            and toks[last].possessive
            and i == last
            and prev in _AT_IN
            and _named_before(p, i)
        ):
            p.place = p.place or _place_text(p, i, last)
        elif _starts_clause(p, i, last):
            pass  # "…, Tom said": the note
        elif not at_place or toks[last].possessive:
            p.add_name(_Span(i, last, consume=not _names_a_place(p, i, last)))
        i = last + 1


def _sentence_start(before: _Token) -> bool:
    """After "Thursday." a capital only starts a sentence ("Pizza."); known names are
    found before this, so only unknown words are skipped."""
    return before.raw[-1:] in ".!?" and before.low not in _ABBREVIATIONS and len(before.core) > 1


def _named_before(p: _Parse, i: int) -> bool:
    return any(s.first < i for s in p.names)


_AT_IN = frozenset({"at", "in"})
_MAX_PLACE_TOKENS = 4
# "she works at Google", "his sister is in the Navy": where someone is, not where you met.
_STATE_VERBS = _words(
    "is are was were be been works worked working lives lived living studies studied "
    "studying stays stayed staying based born moved moving teaches taught job"
)


def _places(p: _Parse) -> None:
    """A capitalised name after "at"/"in" is where it happened: "at Joe's Diner", "in Leeds";
    after "to the" too ("invited me to the Crown", "went to the Tate": "to Lisbon" alone is
    as often where someone is going).

    Its words are never people ("Joe" of Joe's Diner is not Joe Rossi) and stay in the
    note. "at Bob's" alone is Bob's home, so Bob is there: left to the people rules.
    """
    toks = p.tokens
    for i in range(min(p.limit, len(toks)) - 1):
        the = toks[i + 1].low == "the" and i + 2 < p.limit
        if toks[i].low not in _AT_IN and not (toks[i].low == "to" and the):
            continue
        if i > 0 and _states(toks[i - 1]):
            continue
        j = i + 2 if the else i + 1
        if not _place_word(toks[j]):
            continue
        k = j
        while k + 1 < p.limit and k - j < _MAX_PLACE_TOKENS - 1 and _place_word(toks[k + 1]):
            if toks[k].raw[-1:] in ",;:":
                break
            k += 1
        if j == k and (toks[j].possessive or _known_at(p, j, in_slot=True) is not None):
            continue  # "at Bob's", "with Sam at Will": people, not places
        p.place = _place_text(p, j, k)
        p.blocked.update(range(j, k + 1))
        return


def _states(before: _Token) -> bool:
    """Whether a place after this word says where someone is ("she's in", "works at")."""
    return before.low in _STATE_VERBS or (before.possessive and before.low in _PRONOUNS)


def _place_word(tok: _Token) -> bool:
    low = tok.low
    return (
        _case(tok.core) == "upper"
        and _has_letter(tok.core)
        and low not in _TIME_WORDS
        and low not in _ABBREVIATIONS
        and low not in _CONNECTORS
        and low not in _PRONOUNS
    )


def _place_text(p: _Parse, first: int, last: int) -> str:
    end = p.tokens[last]
    return p.text[p.tokens[first].core_start : end.end].rstrip(_TAIL_STRIP + " ")


def _topic_limit(tokens: list[_Token]) -> int:
    for i, tok in enumerate(tokens):
        if tok.low in _TOPIC_WORDS:
            return i
    return len(tokens)


# ------------------------------------------------------------------ head and note


# Remembered: classifying a message (understand.read) and parsing it split it alike. A
# small cache: it only has to span one message, and it holds on to name indexes.
@functools.lru_cache(maxsize=16)
def _split_head(text: str, index: NameIndex | None = None) -> tuple[str, str]:
    """(head, tail): the tail is the user's own note, never searched for dates or people.

    Clipped messages ("Tea. Omar. Earlier.", "games night: Sara, Omar, Lena") put the
    head's parts in separate pieces: a short piece is taken into the head while the
    head still lacks a person or a kind, and so is a piece that is only a day or only
    known names.
    """
    window = text[:HEAD_LIMIT]
    cuts: list[tuple[int, int]] = []
    for m in _SEPARATOR_RE.finditer(window):
        if m.group(0).startswith(".") and _abbreviation_before(window, m.start()):
            continue
        if m.start() == 0 or (cuts and m.start() < cuts[-1][1]):
            continue
        if _CORRECTION_AHEAD.match(window, m.end()):
            continue  # "Monday — sorry, Sunday": the correction belongs with the day
        cuts.append((m.start(), m.end()))
    k = 0
    while k < len(cuts):
        piece_end = cuts[k + 1][0] if k + 1 < len(cuts) else len(text)
        if not _absorbs(text[: cuts[k][0]], text[cuts[k][1] : piece_end], index):
            return text[: cuts[k][0]], text[cuts[k][1] :]
        k += 1
    if cuts and len(text) <= HEAD_LIMIT:
        return text, ""
    if len(text) <= HEAD_LIMIT:
        return text, ""
    cut = window.rfind(" ")
    cut = cut if cut > 0 else HEAD_LIMIT
    return text[:cut], text[cut:]


_CORRECTION_AHEAD = re.compile(
    r"\s*(?:no\s*,?\s*(?:actually|wait|sorry)|actually|sorry|oops|i\s+mean(?:t)?|or\s+rather)"
    r"\b[\s,:!]",
    re.IGNORECASE,
)
_ABSORB_HEAD_WORDS = 4
_ABSORB_PIECE_WORDS = 6


def _absorbs(head: str, piece: str, index: NameIndex | None) -> bool:
    words = piece.split()
    if not words:
        return True
    head_words = head.split()
    if len(head_words) <= _ABSORB_HEAD_WORDS + 1 and _only_a_day(piece) and not mentions_day(head):
        return True
    if index is not None and _only_known_names(words, index):
        return True
    if len(head_words) > _ABSORB_HEAD_WORDS or len(words) > _ABSORB_PIECE_WORDS:
        return False
    person = _person_hint(head_words, index)
    kind = bool(_KIND_RE.search(head) or _MEETING_RE.search(head))
    if not person:
        return True
    return not kind and len(head_words) <= 2 and len(words) <= 3


def _only_a_day(piece: str) -> bool:
    try:
        found = read_day(piece, date(2000, 6, 15))
    except DateError:
        return False
    return found.day is not None and not found.rest.strip(" .,!?")


def _only_known_names(words: list[str], index: NameIndex) -> bool:
    cores = [w.strip(_LEAD_STRIP + _TAIL_STRIP) for w in words]
    cores = [c for c in cores if c and c.lower() not in _LIST_JOINERS]
    if not cores:
        return False
    i = 0
    while i < len(cores):
        for n in range(min(3, len(cores) - i), 0, -1):
            if index.knows(name_key(" ".join(cores[i : i + n]))):
                i += n
                break
        else:
            return False
    return True


def _person_hint(words: list[str], index: NameIndex | None) -> bool:
    for word in words:
        core = word.strip(_LEAD_STRIP + _TAIL_STRIP)
        if core.endswith(("'s", "’s")):
            core = core[:-2]
        if not core:
            continue
        if index is not None and index.knows(name_key(core)):
            return True
        low = core.lower()
        if _case(core) == "upper" and low not in _STOP and not _shouting(core):
            return True
    return False


def _abbreviation_before(text: str, dot: int) -> bool:
    word = text[:dot].rsplit(None, 1)[-1].lower() if text[:dot].strip() else ""
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _tidy_tail(tail: str) -> str:
    tail = tail.strip()
    if tail.endswith(")") and tail.count(")") > tail.count("("):
        tail = tail[:-1].rstrip()
    return tail


def _leftover(p: _Parse) -> str:
    """The words of the head nobody claimed, minus connecting filler."""
    pieces: list[str] = []
    run: list[_Token] = []
    for tok, used in zip(p.tokens, p.used, strict=True):
        if used:
            pieces.extend(_segment(p.text, run))
            run = []
        else:
            run.append(tok)
    pieces.extend(_segment(p.text, run))
    return " ".join(pieces)


def _segment(text: str, run: list[_Token]) -> list[str]:
    while run and (run[0].raw.lower() in _EDGE_FILLER or run[0].low in _EDGE_FILLER):
        run = run[1:]
    while run and (run[-1].raw.lower() in _EDGE_FILLER or run[-1].low in _EDGE_FILLER):
        run = run[:-1]
    if not run or all(t.low in _FUNCTION or not t.core for t in run):
        return []
    return [text[run[0].start : run[-1].end].strip(" ,")]


def _join_note(head_rest: str, tail: str) -> str:
    if head_rest and tail:
        return f"{head_rest} — {tail}"
    return head_rest or tail


# ------------------------------------------------------------------ kind


def _kind(p: _Parse) -> str:
    """The first kind word wins; its repeats ("birthday party") are used up with it."""
    meeting = _MEETING_RE.search(p.text)
    if meeting:
        _claim_chars(p, meeting.start(), meeting.end())
    kind = None
    for m in _KIND_RE.finditer(p.text):
        this = _kind_of(m)
        if kind is None or this == kind:
            kind = this
            _claim_chars(p, m.start(), m.end())
    return kind or DEFAULT_KIND


def _kind_of(m: re.Match[str]) -> str:
    assert m.lastgroup is not None  # every alternative is a named group
    kind = _KIND_PATTERNS[int(m.lastgroup[1:])][0]
    # "played tennis with Lukas" reads back as tennis, not as "sport".
    return sport_of(m.group(0)) if kind == "sport" else kind


def _claim_chars(p: _Parse, start: int, end: int) -> None:
    for i, tok in enumerate(p.tokens):
        if tok.start < end and start < tok.end:
            p.used[i] = True


# ------------------------------------------------------------------ public API


def parse_log(
    text: str, today: date, index: NameIndex | None = None, date_order: str = ""
) -> LogPhrase:
    """Read a log: who (as written), which day (today if none), what kind, the note.

    `date_order` ("dmy", "mdy", "ymd" or "" when not known) reads numeric days.
    Raises PhraseError when no person can be found, DateError for a bad date (and
    AmbiguousDate for a numeric one that reads two ways without an order).
    """
    if not text or not text.strip():
        raise PhraseError("Tell me who you saw — for example: coffee with Alice yesterday.")
    head, tail = _split_head(text.strip(), index)
    found = read_day(head, today, date_order)
    if found.future(today):
        raise found.future_error(today)
    day, head_rest = found.day, found.rest
    tokens = _tokenise(head_rest)
    p = _Parse(head_rest, tokens, index, _topic_limit(tokens))
    _places(p)
    kind = _kind(p)
    _subject(p)
    _slots(p)
    _known_anywhere(p)
    _capitalised(p)
    names = _names_in_order(p)
    if not names:
        raise PhraseError("Who was it with? Try: coffee with Alice yesterday.")
    note = _join_note(_leftover(p), _tidy_tail(tail))
    return LogPhrase(names, day or today, kind, note, p.place, found.assumed)


def _names_in_order(p: _Parse) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for span in sorted(p.names, key=lambda s: s.first):
        first, last = p.tokens[span.first], p.tokens[span.last]
        written = p.text[first.core_start : last.core_end].strip()
        key = name_key(written)
        if key and key not in seen:
            seen[key] = written
    return tuple(seen.values())


_QUESTION_START = re.compile(r"^\s*(?:who|whom|what|when|where|why|how)\b", re.IGNORECASE)


def looks_like_log(text: str, index: NameIndex | None = None) -> bool:
    """Whether free text (not a command) reads like "saw someone": a kind, a meeting verb,
    or a known name together with a day."""
    stripped = text.strip()
    if not stripped or stripped.startswith("/") or is_who_question(stripped):
        return False
    if stripped.endswith("?") or _QUESTION_START.match(stripped):
        return False
    head, _ = _split_head(stripped)
    if _KIND_RE.search(head) or _MEETING_RE.search(head):
        return True
    if index is None:
        return False
    if not mentions_day(head):
        return False
    tokens = _tokenise(head)
    p = _Parse(head, tokens, index, len(tokens))
    return any(_known_at(p, i, in_slot=False) is not None for i in range(len(tokens)))


_WHO_RE = re.compile(r"\b(?:who|whom|who's|whos|anyone|anybody|someone|somebody)\b", re.IGNORECASE)
_WHO_NEED_RE = re.compile(
    r"\b(?:overdue|due|neglect\w*|drift\w*|forg[eo]t\w*|next|lately|in\s+a\s+while"
    r"|been\s+a\s+while|long\s+time|ages"
    r"|(?:haven't|have\s+not|havent|not|n't|never)\s+(?:\w+\s+)?(?:seen|see|talked|spoken"
    r"|called|heard|caught|met|texted|messaged|visited|contacted)"
    r"|(?:should|need\s+to|ought\s+to|must|to|gotta|could)\s+(?:i\s+|we\s+)?(?:\w+\s+)?"
    r"(?:see|call|text|message|meet|visit|contact|ping|reach|catch|phone|ring|write|invite)"
    r"|i\s+should\s+(?:see|call|text|message|meet|visit|contact|ping|reach|catch))\b",
    re.IGNORECASE,
)


_WHO_WITHIN_WORDS = 4


def is_who_question(text: str) -> bool:
    """Whether the text asks whom to get in touch with: "who haven't I seen?"."""
    window = text[:200].replace("’", "'")
    who = _WHO_RE.search(window)
    # The question word leads ("so, who should I call?"); later it is reported speech.
    if who is None or len(window[: who.start()].split()) >= _WHO_WITHIN_WORDS:
        return False
    return _WHO_NEED_RE.search(window) is not None


def split_head(text: str, index: NameIndex | None = None) -> tuple[str, str]:
    """(head, note tail) of a message, as `parse_log` splits it."""
    return _split_head(text.strip(), index)


def meeting_words(head: str) -> bool:
    """Whether a head says how people met: a kind ("coffee") or a meeting verb ("saw")."""
    return bool(_KIND_RE.search(head) or _MEETING_RE.search(head))


def mentioned_names(text: str, index: NameIndex | None) -> tuple[str, ...]:
    """Names in `text` as written, roster names first (longest match, accents forgiven),
    then capitalised words; a place's words ("at Joe's Diner") are not names."""
    head = text[:HEAD_LIMIT]
    tokens = _tokenise(head)
    p = _Parse(head, tokens, index, len(tokens))
    _places(p)
    _known_anywhere(p)
    if not p.names:
        _subject(p)
        _slots(p)
        _capitalised(p)
    return _names_in_order(p)


# Words beyond the head are the user's note: the parser never looks for people there.
_CANDIDATE_TEXT = HEAD_LIMIT + 40


def name_candidates(text: str) -> frozenset[str]:
    """The name keys reading `text` is likely to ask an index about: every run of up to
    `_MAX_NAME_TOKENS + 1` words of its head, as the parser cuts words, as
    `_only_known_names` does and as written ("Jake P. López"), as typed and NFKC-folded.

    A probe index is read for these (`NameIndex.probe`); a key missed here is asked for
    again (`Unsure`), so this only has to be right for most messages, not all: each
    word is keyed once and runs are joined keys (the same key but for rare NFKC forms).
    """
    window = text[:_CANDIDATE_TEXT]
    keys: set[str] = set()
    normal = unicodedata.normalize("NFKC", window).replace("’", "'").replace("‘", "'")
    longest = _MAX_NAME_TOKENS + 1
    for version in dict.fromkeys((window, normal)):
        raw = version.split()
        words = [w.strip(_LEAD_STRIP + _TAIL_STRIP) for w in raw]
        worded = [name_key(w) for w in words]
        runs = [
            [name_key(t.core) for t in _tokenise(version)],
            worded,
            [k for w, k in zip(words, worded, strict=True) if w.lower() not in _LIST_JOINERS],
        ]
        for run in runs:
            for i in range(len(run)):
                for part in (run[i : i + n] for n in range(1, longest + 1)):
                    if "" in part:
                        break
                    keys.add(" ".join(part))
        # A name as written spans its inner words' own punctuation ("Jake P. López").
        inner = [name_key(w) for w in raw]
        heads = [name_key(w.lstrip(_LEAD_STRIP)) for w in raw]
        tails = [name_key(w.rstrip(_TAIL_STRIP)) for w in raw]
        for i in range(len(raw)):
            for n in range(2, min(longest, len(raw) - i) + 1):
                keys.add(" ".join([heads[i], *inner[i + 1 : i + n - 1], tails[i + n - 1]]))
        for w in words:
            if w.endswith(("'s", "’s")):
                keys.add(name_key(w[:-2]))
    keys.discard("")
    return frozenset(keys)
