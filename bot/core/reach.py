"""Phone numbers and e-mail addresses: how they are tidied, checked and told apart.

A key decides when two spellings are the same number or address, so a re-import or a
second `/phone` never stores one twice: a phone's key is its digits (a leading + kept,
a leading 00 read as +), an e-mail's its case-folded text.
"""

from __future__ import annotations

import re

MAX_PHONE = 40
MAX_EMAIL = 254  # RFC 5321's limit on a forward path

_PHONE_CHARS = re.compile(r"[+\d\s().\-/]+(?:\s*(?:x|ext\.?)\s*\d+)?", re.IGNORECASE)
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+")


def phone_key(phone: str) -> str:
    """ "+351 912-345-678" → "+351912345678"; "00351…" is the same number as "+351…"."""
    digits = re.sub(r"\D", "", phone)
    if phone.lstrip().startswith("+"):
        return "+" + digits
    if digits.startswith("00") and len(digits) > 4:
        return "+" + digits[2:]
    return digits


def email_key(email: str) -> str:
    return email.strip().casefold()


def check_phone(text: str) -> str | None:
    """A phone number as the user wrote it (spaces tidied), or None when it is not one."""
    phone = " ".join(text.split())
    if phone.lower().startswith("tel:"):
        phone = phone[4:].strip()
    if not phone or len(phone) > MAX_PHONE or not _PHONE_CHARS.fullmatch(phone):
        return None
    if len(re.sub(r"\D", "", phone)) < 3:
        return None
    return phone


def check_email(text: str) -> str | None:
    """An e-mail address (a `mailto:` dropped), or None when it is not one."""
    email = text.strip()
    if email.lower().startswith("mailto:"):
        email = email[7:].strip()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email):
        return None
    return email
