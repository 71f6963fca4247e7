"""What the engine answers: text plus optional buttons, independent of any transport."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """What one message of a transport can hold. Each transport says its own (e.g.
    bot/telegram/limits.py) and renders any reply within them (splitting text, laying out
    rows); composers that shape a message to fit (the digest) take them as a parameter.
    The defaults are what replies have always been composed within (a Telegram message);
    the engine uses them where it does not know the transport (`/digest now`)."""

    max_text: int = 3500  # characters of one message, with room to spare
    max_buttons_per_row: int = 8
    max_rows: int = 100
    max_data_bytes: int = 64  # a button's data


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True, slots=True)
class Button:
    """A button: what it says, and compact ASCII data the engine gets back when pressed.

    How long the data may be is the transport's business (`Limits.max_data_bytes`): its
    renderer checks, the engine keeps data short.
    """

    label: str
    data: str

    def __post_init__(self) -> None:
        raw = self.data.encode("ascii")  # raises for non-ASCII: ids, never names
        if not raw:
            raise ValueError("button data must not be empty")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file that goes with a reply (an export): Telegram sends it as a document.

    A `photo` (the /circles picture) is shown as a picture where the transport can, with
    the reply's text as its caption; elsewhere it is a file like any other.
    """

    file_name: str
    data: bytes
    mime_type: str
    photo: bool = False


# Emphasis travels as two private-use characters around the emphasised words: the engine
# stays free of any transport's markup, `Reply.text` is always plain, and each transport
# renders `Reply.rich` its own way (Telegram as <b>…</b>, the terminal not at all).
# User text can never contain them: the engine drops non-printable characters on input.
BOLD_ON = "\ue000"
BOLD_OFF = "\ue001"
_MARKS = str.maketrans("", "", BOLD_ON + BOLD_OFF)


def em(text: str) -> str:
    """`text` emphasised (a name in bold on Telegram)."""
    return f"{BOLD_ON}{plain(text)}{BOLD_OFF}"


def plain(text: str) -> str:
    """`text` without emphasis marks."""
    return text.translate(_MARKS)


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show the user. `buttons` are rows of buttons; `files` come after it.

    `text` is plain; `rich` is the same text with emphasis marks (see `em`), or "" when it
    has none. `undo` is the data of an Undo button for a confirmation that changed
    something (set by the engine once the change is committed); transports with inline
    buttons show it, the terminal keeps to the written "/undo" hint.
    """

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[Attachment, ...] = ()
    rich: str = ""
    undo: str = ""

    def __post_init__(self) -> None:
        # Frozen: set once, here, so callers can write Reply(f"… {em(name)} …").
        if BOLD_ON in self.text or BOLD_OFF in self.text:
            object.__setattr__(self, "rich", self.text)
            object.__setattr__(self, "text", plain(self.text))
        elif self.rich and plain(self.rich) != self.text:
            # `replace(reply, text=…)` changed the text under its marks: an appended
            # tail ("…\n3 neighbors nearby") keeps the marks of the part before it,
            # anything else falls back to the plain text, never to stale words.
            before = plain(self.rich)
            rich = self.rich + self.text[len(before) :] if self.text.startswith(before) else ""
            object.__setattr__(self, "rich", rich)

    @property
    def has_photo(self) -> bool:
        return any(f.photo for f in self.files)

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def reply(text: str, *rows: list[Button] | tuple[Button, ...]) -> Reply:
    """Build a Reply from text and button rows."""
    return Reply(text, tuple(tuple(r) for r in rows if r))
