"""The seams: what the engine and the nudges need from the outside, as protocols.

`core` below, these protocols and the values that cross them here, and the engine and
the nudges above them import nothing else. Stores (`bot/store/sqlite/`) implement them;
the composition root (`bot/compose.py`) picks one. bot/ports imports only `bot.core`
and the pure value types of `bot.formats` (an export document crosses the store).
"""

from bot.ports.accounts import AlreadyAnswered, Duplicates, ImportBatch, ImportOutcome
from bot.ports.digests import DigestLedger, Scope
from bot.ports.identities import CONSOLE_USER, Identities, Identity
from bot.ports.store import Change, NewPerson, Roster, Store, StoreError, UndoResult

__all__ = [
    "CONSOLE_USER",
    "AlreadyAnswered",
    "Change",
    "DigestLedger",
    "Duplicates",
    "Identities",
    "Identity",
    "ImportBatch",
    "ImportOutcome",
    "NewPerson",
    "Roster",
    "Scope",
    "Store",
    "StoreError",
    "UndoResult",
]
