"""What the engine answers: text plus optional buttons, independent of any transport."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CALLBACK_BYTES = 64


@dataclass(frozen=True, slots=True)
class Button:
    """A button: what it says, and compact ASCII data the engine gets back when pressed."""

    label: str
    data: str

    def __post_init__(self) -> None:
        raw = self.data.encode("ascii")  # raises for non-ASCII: ids, never names
        if not 0 < len(raw) <= MAX_CALLBACK_BYTES:
            raise ValueError(f"button data must be 1..{MAX_CALLBACK_BYTES} bytes: {self.data!r}")


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
