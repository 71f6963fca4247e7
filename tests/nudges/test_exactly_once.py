"""At most one digest per user per local day: across crashes, restarts and failed sends.

A "crash" is an exception the sweep does not catch, raised at a chosen step (before
the request is marked sending, inside the request, after it): the process dies there.
The test then closes the database and opens it again, as a restarted bot would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.clock import FixedClock, parse_utc
from bot.nudges.sweep import Rejected, Sweeper, TryLater, Undeliverable
from bot.ports.digests import Scope
from bot.ports.identities import CONSOLE_USER, Identity
from tests.conversation import Chat, kith
from tests.nudges.conftest import ANN, Nudges, Phone, says_all, sweeper_for

NINE_AM = "2026-11-26T09:00:00Z"


class Crash(BaseException):
    """The process dying: nothing in the sweep may catch this."""


async def overdue_friend(user: Chat) -> None:
    await says_all(user, "/add Alice inner", "coffee with Alice 2026-10-01")


async def digests(nudges: Nudges) -> list[tuple[str, str, int]]:
    return [
        (str(day), str(status), int(attempts))
        for day, status, attempts in await nudges.rows(
            "SELECT local_day, status, attempts FROM digests ORDER BY id"
        )
    ]


async def test_a_crash_between_recording_and_sending_still_sends_exactly_one(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = Phone()
    async with kith(db_path, clock) as services:
        await overdue_friend(Chat(services.engine, ANN))
        clock.set(parse_utc(NINE_AM))
        sweeper = sweeper_for(services, clock, phone)

        async def die(*args: object) -> bool:
            raise Crash()

        monkeypatch.setattr(sweeper.ledger, "mark_sending", die)
        with pytest.raises(Crash):
            await sweeper.sweep()
    assert phone.inbox == []  # died before the request was even started

    # The bot comes back a minute later: the recorded digest goes out, once.
    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        delivered = await again.at("2026-11-26T09:01:00Z")
        assert len(delivered) == 1 and "Alice" in delivered[0]
        assert await again.at("2026-11-26T09:02:00Z") == []
        assert await again.at("2026-11-26T21:00:00Z") == []
        assert await digests(again) == [("2026-11-26", "sent", 1)]

    # And a third start the same day sends nothing more.
    async with kith(db_path, clock) as services:
        third = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert await third.at("2026-11-26T23:59:00Z") == []
    assert len(phone.texts()) == 1


async def test_a_crash_before_recording_leaves_no_trace(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    phone = Phone()
    async with kith(db_path, clock) as services:
        await overdue_friend(Chat(services.engine, ANN))
        clock.set(parse_utc(NINE_AM))
        sweeper = sweeper_for(services, clock, phone)

        async def die(*args: object) -> list[int]:
            raise Crash()

        monkeypatch.setattr(sweeper.ledger, "record", die)
        with pytest.raises(Crash):
            await sweeper.sweep()

    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert len(await again.at("2026-11-26T09:01:00Z")) == 1
        assert await again.at("2026-11-26T09:02:00Z") == []


async def test_a_crash_while_sending_is_not_resent_but_counted(
    db_path: Path, clock: FixedClock
) -> None:
    """The process died inside the request: it may or may not have reached Telegram.
    At most once when unknown: the digest is not sent again, and is counted as such."""
    phone = Phone(fail_with=[Crash()])
    async with kith(db_path, clock) as services:
        await overdue_friend(Chat(services.engine, ANN))
        clock.set(parse_utc(NINE_AM))
        with pytest.raises(Crash):
            await sweeper_for(services, clock, phone).sweep()

    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert await again.at("2026-11-26T09:01:00Z") == []
        assert again.last.unknown == 1
        assert await again.at("2026-11-26T09:02:00Z") == []
        assert phone.attempts == 1
        assert await again.rows("SELECT status, outcome_unknown FROM digests") == [("sent", 1)]


async def test_delivered_but_not_yet_marked_sent_is_not_sent_twice(
    db_path: Path, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram took the message, the process died before committing 'sent'. The row
    still says *sending*, so the restarted bot does not send it a second time."""
    phone = Phone()
    async with kith(db_path, clock) as services:
        await overdue_friend(Chat(services.engine, ANN))
        clock.set(parse_utc(NINE_AM))
        sweeper = sweeper_for(services, clock, phone)

        async def die(*args: object) -> None:
            raise Crash()

        monkeypatch.setattr(sweeper.ledger, "mark_sent", die)
        with pytest.raises(Crash):
            await sweeper.sweep()
    assert len(phone.texts()) == 1

    async with kith(db_path, clock) as services:
        again = Nudges(services, clock, phone, sweeper_for(services, clock, phone))
        assert await again.at("2026-11-26T09:01:00Z") == []  # at most once when unknown
        assert await again.at("2026-11-26T09:02:00Z") == []
        assert len(phone.texts()) == 1


async def test_two_sweepers_on_one_database_send_one_digest(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await overdue_friend(ann)
    other = Sweeper(nudges.services.engine, nudges.clock, phone)
    nudges.clock.set(parse_utc(NINE_AM))
    await nudges.sweeper.sweep()
    await other.sweep()
    assert len(phone.texts()) == 1


async def test_a_failed_send_is_retried_and_delivered_once(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await overdue_friend(ann)
    phone.fail_with = [TryLater("NetworkError: Bad Gateway"), TryLater("TimedOut")]

    assert await nudges.at(NINE_AM) == []
    assert nudges.last.pending == 1
    assert await nudges.at("2026-11-26T09:01:00Z") == []
    delivered = await nudges.at("2026-11-26T09:02:00Z")
    assert len(delivered) == 1 and "Alice" in delivered[0]
    assert await nudges.at("2026-11-26T09:03:00Z") == []
    assert await digests(nudges) == [("2026-11-26", "sent", 3)]
    assert phone.attempts == 3


async def test_the_retry_sends_exactly_what_was_recorded(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await overdue_friend(ann)
    phone.fail_with = [TryLater("Bad Gateway")]
    await nudges.at(NINE_AM)
    await says_all(ann, "/add Bob inner", "call with Bob 2026-10-01")  # due, but not recorded
    [delivered] = await nudges.at("2026-11-26T09:01:00Z")
    assert "Alice" in delivered and "Bob" not in delivered


async def test_a_send_failing_all_day_expires_and_tomorrow_has_its_own(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await says_all(ann, "/add Bob inner", "call with Bob 2026-10-01")
    await overdue_friend(ann)
    phone.fail_with = [TryLater("Bad Gateway")] * 3
    assert await nudges.at(NINE_AM) == []
    assert await nudges.at("2026-11-26T15:00:00Z") == []
    assert await nudges.at("2026-11-26T23:59:00Z") == []

    # Past midnight Thursday's digest is dropped, not sent late ...
    assert await nudges.at("2026-11-27T00:01:00Z") == []
    assert nudges.last.expired == 1
    # ... and Friday's comes at 09:00, with the same people: a nudge that never
    # arrived does not count for the 7-day rule.
    [friday] = await nudges.at("2026-11-27T09:00:00Z")
    assert "Alice" in friday and "Bob" in friday
    assert await digests(nudges) == [("2026-11-26", "expired", 3), ("2026-11-27", "sent", 1)]


async def test_a_blocked_bot_stops_nudging_until_the_user_is_back(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await overdue_friend(ann)
    phone.fail_with = [Undeliverable("Forbidden: bot was blocked by the user")]

    assert await nudges.at(NINE_AM) == []
    assert nudges.last.undeliverable == 1
    assert await nudges.rows("SELECT active FROM users") == [(0,)]
    assert await nudges.at("2026-11-26T09:01:00Z") == []  # not retried
    assert await nudges.at("2026-11-27T09:00:00Z") == []  # no more digests at all
    assert phone.attempts == 1

    # They unblock and /start again (the Telegram transport marks them active). The
    # digest that never reached them did not count as a nudge: Alice is in the next one.
    await nudges.services.store.set_active(ANN, True)
    [back] = await nudges.at("2026-11-28T09:00:00Z")
    assert "Alice" in back


async def test_a_rejected_message_is_not_retried(nudges: Nudges, ann: Chat, phone: Phone) -> None:
    await overdue_friend(ann)
    phone.fail_with = [Rejected("Bad Request: message is too long")]
    assert await nudges.at(NINE_AM) == []
    assert await nudges.at("2026-11-26T09:01:00Z") == []
    assert await digests(nudges) == [("2026-11-26", "rejected", 1)]


async def test_a_bug_in_sending_is_given_up_after_a_few_tries(
    nudges: Nudges, ann: Chat, phone: Phone
) -> None:
    await overdue_friend(ann)
    phone.fail_with = [RuntimeError("bug")] * 5
    for minute in range(5):
        await nudges.at(f"2026-11-26T09:0{minute}:00Z")
    assert await digests(nudges) == [("2026-11-26", "rejected", 3)]
    assert phone.attempts == 3


async def test_many_due_users_go_out_in_batches(nudges: Nudges, phone: Phone) -> None:
    engine = nudges.services.engine
    for owner in range(1, 6):
        await overdue_friend(Chat(engine, owner))
    nudges.sweeper = Sweeper(engine, nudges.clock, phone, batch=2)

    assert len(await nudges.at(NINE_AM)) == 2
    assert len(await nudges.at("2026-11-26T09:01:00Z")) == 2
    assert len(await nudges.at("2026-11-26T09:02:00Z")) == 1
    assert await nudges.at("2026-11-26T09:03:00Z") == []
    assert sorted(o for o, _ in phone.inbox) == [1, 2, 3, 4, 5]


async def test_a_sweep_only_touches_its_own_users(nudges: Nudges, phone: Phone) -> None:
    engine = nudges.services.engine
    identities = nudges.services.store.identities
    terminal_user = await identities.owner_of(CONSOLE_USER)
    telegram_user = await identities.owner_of(Identity("telegram", "42"))
    discord_user = await identities.owner_of(Identity("discord", "42"))
    assert len({terminal_user, telegram_user, discord_user}) == 3
    await overdue_friend(Chat(engine, terminal_user))
    await overdue_friend(Chat(engine, telegram_user))
    await overdue_friend(Chat(engine, discord_user))
    nudges.sweeper = Sweeper(engine, nudges.clock, phone, scope=Scope(transport="telegram"))

    await nudges.at(NINE_AM)
    assert [o for o, _ in phone.inbox] == [telegram_user]
    # The terminal's digest is still there for `kith chat` to send, the Discord
    # user's for the Discord sender.
    terminal = Sweeper(engine, nudges.clock, phone, scope=Scope(transport="console"))
    await terminal.sweep()
    assert [o for o, _ in phone.inbox] == [telegram_user, terminal_user]
    discord = Sweeper(engine, nudges.clock, phone, scope=Scope(transport="discord"))
    await discord.sweep()
    assert [o for o, _ in phone.inbox] == [telegram_user, terminal_user, discord_user]
