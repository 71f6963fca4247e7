"""What an engine test may look at besides the replies: the store, through its port.

No table or SQL here: the same helpers would work over any store.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.compose import Services
from bot.core.model import PersonCard
from bot.formats import ExportDocument


async def account(app: Services, owner: int) -> ExportDocument:
    """Everything of the owner, as `/export` would give it (the stamp blanked)."""
    engine = app.engine
    settings = await app.store.settings(owner) or engine.defaults
    doc = await app.store.export(owner, engine.circles, engine.clock.now(), settings)
    return replace(doc, exported_at="")


async def state(app: Services, *owners: int) -> list[Any]:
    """What the owners could ever observe: their accounts, every person as stored (the
    nudge marks too), their digest schedules. Equal states mean nothing changed."""
    out: list[Any] = []
    for owner in owners or (1,):
        out.append(await account(app, owner))
        out.append(await app.store.people(owner))
        out.append(await app.store.settings(owner))
        out.append(await app.store.ledger.next_digest_at(owner))
    return out


async def cards(app: Services, owner: int = 1) -> dict[str, PersonCard]:
    """Every person's card, by name."""
    people = await app.store.people(owner)
    return {c.person.name: c for c in await app.store.cards(owner, people, history=100)}
