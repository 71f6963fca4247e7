"""The transport-free conversation engine."""

from __future__ import annotations

from bot.core.circles import Circles
from bot.core.clock import Clock
from bot.core.model import UserSettings
from bot.engine import account, imports, insight, log, people
from bot.engine.engine import Command, Context, Engine, UserError
from bot.engine.replies import Button, Reply
from bot.nudges import actions as nudges
from bot.ports.store import Store

# The order of /help and the Telegram menu: the everyday commands first.
MENU_ORDER = (
    "start", "help", "log", "who", "add", "show", "people", "circle", "every", "note", "ask",
    "tag", "alias", "favor", "date", "phone", "email", "snooze", "rename", "forget", "undo",
    "timezone", "digest", "settings", "export", "import", "circles", "review", "group",
    "deleteme",
)  # fmt: skip

__all__ = ["Button", "Command", "Context", "Engine", "Reply", "UserError", "build_engine"]


def build_engine(
    store: Store,
    circles: Circles,
    clock: Clock,
    defaults: UserSettings | None = None,
    max_per_digest: int = 3,
) -> Engine:
    """An engine with every built-in command registered."""
    engine = Engine(store, circles, clock, defaults or UserSettings(), max_per_digest)
    for module in (account, log, people, nudges):
        module.register(engine)
    imports.register(engine)  # /export, /import and files sent to kith
    insight.register(engine)  # /circles, /review, /group; wraps /who, /show and logs
    rank = {name: i for i, name in enumerate(MENU_ORDER)}
    engine.commands = dict(
        sorted(engine.commands.items(), key=lambda item: rank.get(item[0], len(rank)))
    )
    return engine
