"""The transport-free conversation engine."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.core.circles import Circles
from bot.core.clock import Clock
from bot.core.model import UserSettings
from bot.engine import account, imports, insight, link, log, people
from bot.engine.engine import Command, Context, Engine, UserError
from bot.engine.replies import Button, Reply
from bot.ports.store import Store

# The order of /help and the Telegram menu: the everyday commands first.
MENU_ORDER = (
    "start", "help", "log", "who", "add", "show", "people", "circle", "every", "note", "ask",
    "tag", "alias", "favor", "date", "phone", "email", "snooze", "rename", "forget", "undo",
    "timezone", "digest", "dateorder", "settings", "export", "import", "circles", "review",
    "group", "deleteme",
)  # fmt: skip

__all__ = ["Button", "Command", "Context", "Engine", "Reply", "UserError", "build_engine"]


def build_engine(
    store: Store,
    circles: Circles,
    clock: Clock,
    defaults: UserSettings | None = None,
    max_per_digest: int = 3,
    plugins: Sequence[Callable[[Engine], None]] = (),
) -> Engine:
    """An engine with every built-in command registered, then `plugins` (the composition
    root plugs in the daily digest, `bot.nudges.actions.register`, which sits above)."""
    engine = Engine(store, circles, clock, defaults or UserSettings(), max_per_digest)
    for module in (account, log, people, link):
        module.register(engine)
    for plug in plugins:
        plug(engine)
    imports.register(engine)  # /export, /import and files sent to kith
    insight.register(engine)  # /circles, /review, /group; wraps /who, /show and logs
    rank = {name: i for i, name in enumerate(MENU_ORDER)}
    engine.commands = dict(
        sorted(engine.commands.items(), key=lambda item: rank.get(item[0], len(rank)))
    )
    return engine
