"""Bytes to text for contacts files, saying which encoding was assumed when it is a guess.

Order of trust: a BOM (or UTF-16's tell-tale zero bytes), then valid UTF-8, then a
`CHARSET=` that a vCard property declares (old phones write `FN;CHARSET=SHIFT_JIS:…` with
raw 8-bit bytes), then charset-normalizer's guess. A guess is always reported in the
import summary: on the few bytes of a contacts file it is usually right, not always.
Measured with
charset-normalizer 3.5 on 24 undeclared samples of 8 to 111 bytes (Russian, Ukrainian,
Bulgarian, Japanese, French, German, Spanish, Nordic, Polish, Czech, Chinese, Korean and
Greek names, one to three lines, some as vCards or CSV): 21 read right, about 1 ms each.
The misses were all one or two short names: "Zoë Ñúñez" (9 bytes) taken for Cyrillic, a
Polish name for Western European, two Chinese names for Korean. Restricting the detector
to the encodings below and preferring Windows-1252 on a tie took the Western samples from
wrong to right (unrestricted, "José Müller" came out as cp1006).

Only the lines that are not valid UTF-8 are decoded with the legacy encoding, so a file
that was edited in two programs keeps its UTF-8 lines intact.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass

import charset_normalizer

# What contacts files really come in, when not Unicode. Restricting the detector to these
# keeps it from exotic code pages on short samples (cp1006 for "José Müller").
_CANDIDATES = (
    "cp1252",
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "koi8_r",
    "mac_roman",
    "shift_jis",
    "cp932",
    "euc_jp",
    "gb18030",
    "big5",
    "euc_kr",
)
_LABELS = {
    "cp1252": "Windows-1252 (Western European)",
    "cp1250": "Windows-1250 (Central European)",
    "cp1251": "Windows-1251 (Cyrillic)",
    "cp1253": "Windows-1253 (Greek)",
    "cp1254": "Windows-1254 (Turkish)",
    "cp1255": "Windows-1255 (Hebrew)",
    "cp1256": "Windows-1256 (Arabic)",
    "cp1257": "Windows-1257 (Baltic)",
    "koi8_r": "KOI8-R (Cyrillic)",
    "mac_roman": "Mac Roman",
    "shift_jis": "Shift_JIS (Japanese)",
    "cp932": "Shift_JIS (Japanese)",
    "euc_jp": "EUC-JP (Japanese)",
    "gb18030": "GB18030 (Chinese)",
    "big5": "Big5 (Chinese)",
    "euc_kr": "EUC-KR (Korean)",
    "latin_1": "Latin-1",
}
_SPLIT_FOLD = re.compile(rb"([\xc0-\xf4][\x80-\xbf]{0,2})\r?\n[ \t]([\x80-\xbf])")
_DECLARED = re.compile(rb";[ \t]*CHARSET[ \t]*=[ \t]*\"?([A-Za-z0-9_.-]+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text, the encoding read (a Python codec name) and whether it was a guess."""

    text: str
    encoding: str
    guessed: bool = False

    @property
    def note(self) -> str:
        """A sentence for the import summary when the encoding was guessed, else ""."""
        if not self.guessed:
            return ""
        label = _LABELS.get(self.encoding, self.encoding)
        return (
            f"The file doesn't say how its text is encoded; I read it as {label}. "
            "If names look wrong, save it as UTF-8 and send it again."
        )


def encoding_label(codec: str) -> str:
    return _LABELS.get(codec, codec)


def bom_encoding(data: bytes) -> str | None:
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def utf16_without_bom(data: bytes) -> str | None:
    """Excel's "Unicode text" and some Outlook exports are UTF-16 without a BOM."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.1:
        return "utf-16-be"
    return None


def decode(data: bytes) -> Decoded:
    """`data` as text; see the module doc for the order in which encodings are trusted."""
    encoding = bom_encoding(data) or utf16_without_bom(data)
    if encoding is not None:
        return Decoded(data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    # vCard writers fold at 75 octets, some in the middle of a UTF-8 character: join those
    # folds first (a continuation byte never follows a space in any text, so nothing else
    # is touched), and the file is UTF-8 after all.
    joined = b"".join(_SPLIT_FOLD.sub(rb"\1\2", chunk) for chunk in _chunks(data))
    if joined != data:
        try:
            return Decoded(joined.decode("utf-8"), "utf-8")
        except UnicodeDecodeError:
            pass
    lines = [line for chunk in _chunks(data) for line in chunk.splitlines(keepends=True)]
    legacy = [line for line in lines if not _is_utf8(line)]
    declared = _declared(data, legacy)
    codec = declared or guess(_sample(legacy))
    text = "".join(
        line.decode("utf-8") if _is_utf8(line) else line.decode(codec, errors="replace")
        for line in lines
    )
    return Decoded(text, codec, guessed=declared is None)


# Enough text to tell an encoding by; the detector over a whole 5 MB file is seconds of
# one call that never lets another chat run.
_SAMPLE_BYTES = 64 * 1024


def _sample(lines: list[bytes]) -> bytes:
    """The first lines, whole, up to about _SAMPLE_BYTES."""
    taken: list[bytes] = []
    size = 0
    for line in lines:
        if size >= _SAMPLE_BYTES:
            break
        taken.append(line)
        size += len(line)
    return b"".join(taken)


def _chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    """`data` in pieces of about `size`, each cut just after a line feed that does not
    start a folded line, so no line, CRLF or fold is cut in two: one regex or split over
    5 MB is a single long call that holds the event loop, 64 KB well under a millisecond."""
    start = 0
    while start < len(data):
        cut = start + size
        while True:
            cut = data.find(b"\n", cut)
            if cut < 0 or data[cut + 1 : cut + 2] not in (b" ", b"\t"):
                break
            cut += 1
        end = len(data) if cut < 0 else cut + 1
        yield data[start:end]
        start = end


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declared(data: bytes, legacy: list[bytes]) -> str | None:
    """The first CHARSET= a property declares that reads every non-UTF-8 line."""
    for match in (m for chunk in _chunks(data) for m in _DECLARED.finditer(chunk)):
        name = match[1].decode("ascii").strip('"').lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        if codec == "utf-8":
            continue
        try:
            for line in legacy:
                line.decode(codec)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def guess(sample: bytes) -> str:
    """The legacy encoding these bytes most likely are in (a Python codec name)."""
    matches = list(charset_normalizer.from_bytes(sample, cp_isolation=list(_CANDIDATES)))
    if not matches:
        # Windows-1252 is what most undeclared Western files are; Latin-1 maps every byte.
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return "latin_1"
        return "cp1252"
    best = matches[0]
    # On a few Western names cp1250 and cp1252 read equally well by chaos; the Western one
    # is by far the more common, and the one whose è and ç a French or German name needs.
    for match in matches:
        if match.encoding == "cp1252" and match.chaos <= best.chaos + 0.01:
            return "cp1252"
    # When Windows-1252 reads the bytes exactly as the guess does (ä, ö, ü and ß are the
    # same in both), name the common one.
    try:
        if sample.decode("cp1252") == sample.decode(str(best.encoding)):
            return "cp1252"
    except (UnicodeDecodeError, LookupError):
        pass
    return str(best.encoding)
