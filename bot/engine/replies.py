"""What the engine answers: text plus optional buttons, independent of any transport."""

from __future__ import annotations

import io
import os
import weakref
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO


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


@dataclass(frozen=True, slots=True, weakref_slot=True)
class Attachment:
    """A file that goes with a reply (an export): Telegram sends it as a document.

    A `photo` (the /circles picture) is shown as a picture where the transport can, with
    the reply's text as its caption; elsewhere it is a file like any other.

    Its bytes are `content`, or, for a file too big to hold in memory (an export of a
    big account), a `spool`: a 0600 file the engine wrote it into.
    Transports read it through `open()`, a reader of its own from the first byte (a
    retried upload starts again); `data` is all of it at once, for small files.
    """

    file_name: str
    content: bytes
    mime_type: str
    photo: bool = False
    spool: IO[bytes] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def spooled(cls, file_name: str, spool: IO[bytes], mime_type: str) -> Attachment:
        attachment = cls(file_name, b"", mime_type, spool=spool)
        # The spool is the attachment's: closed (its space freed) when the reply is gone.
        weakref.finalize(attachment, spool.close)
        return attachment

    def __eq__(self, other: object) -> bool:
        # By what the file holds, spooled or not.
        if not isinstance(other, Attachment):
            return NotImplemented
        return (self.file_name, self.mime_type, self.photo, self.data) == (
            other.file_name,
            other.mime_type,
            other.photo,
            other.data,
        )

    def __hash__(self) -> int:
        return hash((self.file_name, self.mime_type, self.photo))

    @property
    def data(self) -> bytes:
        with self.open() as reader:
            return reader.read()

    @property
    def size(self) -> int:
        if self.spool is None:
            return len(self.content)
        return os.fstat(self.spool.fileno()).st_size

    def open(self) -> BinaryIO:
        """The file's bytes from the first, as a reader the caller may close."""
        if self.spool is None:
            return io.BytesIO(self.content)
        self.spool.flush()
        return io.BufferedReader(_SpoolReader(self.spool.fileno()), 1 << 16)


class _SpoolReader(io.RawIOBase):
    """Reads a spool by offset (`os.pread`): each reader has its own position, and
    closing it leaves the spool open for the next (a retry, another transport)."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._at = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: os.fstat(self._fd).st_size}
        self._at = max(0, base[whence] + offset)
        return self._at

    def tell(self) -> int:
        return self._at

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = os.pread(self._fd, len(view), self._at)
        view[: len(data)] = data
        self._at += len(data)
        return len(data)


# Emphasis travels as two private-use characters around the emphasised words: the engine
# stays free of any transport's markup, `Reply.text` is always plain, and each transport
# renders `Reply.rich` its own way (Telegram as <b>…</b>, the terminal not at all).
# User text can never contain them: the engine drops non-printable characters on input.
UNDO_LABEL = "↩ Undo"
BOLD_ON = "\ue000"
BOLD_OFF = "\ue001"
_MARKS = str.maketrans("", "", BOLD_ON + BOLD_OFF)


def em(text: str) -> str:
    """`text` emphasised (a name in bold on Telegram)."""
    return f"{BOLD_ON}{plain(text)}{BOLD_OFF}"


def plain(text: str) -> str:
    """`text` without emphasis marks."""
    return text.translate(_MARKS)


def close_marks(chunk: str, carry: bool) -> tuple[str, bool]:
    """One piece of marked text cut out of a longer one, with its emphasis closed inside
    it (and reopened first when the piece before was cut inside an emphasised name), and
    whether the next piece must reopen it. A stray closing mark is dropped. Transports
    that split a reply into messages use it so each message's markup stands alone."""
    pieces = [BOLD_ON] if carry else []
    open_ = carry
    for ch in chunk:
        if ch == BOLD_ON:
            if open_:
                continue
            open_ = True
        elif ch == BOLD_OFF:
            if not open_:
                continue
            open_ = False
        pieces.append(ch)
    if open_:
        pieces.append(BOLD_OFF)
    return "".join(pieces).replace(BOLD_ON + BOLD_OFF, ""), open_


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
    def shown_buttons(self) -> tuple[tuple[Button, ...], ...]:
        """The rows a transport with buttons shows: the reply's, then an Undo button when
        it confirms a change (`undo`)."""
        if not self.undo:
            return self.buttons
        return (*self.buttons, (Button(UNDO_LABEL, self.undo),))

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]


def reply(text: str, *rows: list[Button] | tuple[Button, ...]) -> Reply:
    """Build a Reply from text and button rows."""
    return Reply(text, tuple(tuple(r) for r in rows if r))
