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


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show the user. `buttons` are rows of buttons; `files` come after it."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    files: tuple[Attachment, ...] = ()

    @property
    def has_photo(self) -> bool:
        return any(f.photo for f in self.files)

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def reply(text: str, *rows: list[Button] | tuple[Button, ...]) -> Reply:
    """Build a Reply from text and button rows."""
    return Reply(text, tuple(tuple(r) for r in rows if r))
