"""One tap to act: Reached out, Snooze, Less often — what each does, and /undo.

Ann gets Thursday's digest about Alice (inner) and Bob (close), then taps its buttons.
A press answers with one reply, which the transport shows in place of the digest: the
same digest, with the pressed person's line marked in place and everyone else as they
were, with their buttons; once everyone is handled, one closing line.
"""

from __future__ import annotations

import pytest

from bot.nudges.digest import button_data, parse_press
from bot.telegram.limits import TELEGRAM_LIMITS
from tests.conversation import Chat
from tests.nudges.conftest import Nudges, says_all


@pytest.fixture
async def digest(ann: Chat, nudges: Nudges) -> str:
    await says_all(
        ann,
        "/add Alice Smith inner",
        "/add Bob Lee close",
        "coffee with Alice 2026-10-01",
        "call with Bob 2026-09-20",
    )
    [text] = await nudges.at("2026-11-26T09:00:00Z")
    ann.replies = [nudges.phone.last()]  # the digest is the message Ann taps on
    return text


async def test_reached_out_logs_a_contact_today_and_leaves_who(
    ann: Chat, digest: str, nudges: Nudges
) -> None:
    assert "Alice Smith" in await ann.says("/who")
    ann.replies = [nudges.phone.last()]

    reply = await ann.presses("Reached out to Alice")

    assert reply == (
        "It's been a while — maybe say hi to:\n"
        "\n"
        "✓ Reached out to Alice Smith · /undo\n"
        "\n"
        "• Bob Lee (close) — 2 months since your last call"
    )
    assert ann.labels == ["Reached out to Bob", "Snooze Bob a week", "Less often for Bob"]
    assert ann.replies[0].undo.startswith("u:")  # Telegram shows it as an Undo button
    assert "Alice" not in await ann.says("/who")
    assert "Last: reaching out to them on Thu 26 Nov (today)" in await ann.says("/show Alice")

    assert await ann.says("/undo") == "Undone: logged reaching out to Alice Smith."
    assert "Alice Smith" in await ann.says("/who")


async def test_pressing_reached_out_twice_logs_once(ann: Chat, digest: str) -> None:
    button = ann.button("Reached out to Alice")
    first = await ann.engine.press(1, button.data)
    again = await ann.engine.press(1, button.data)
    assert again[0].text == first[0].text  # a double tap shows the same marked digest
    assert "✓ Reached out to Alice Smith" in again[0].text
    assert await ann.says("/undo") == "Undone: logged reaching out to Alice Smith."
    assert "Alice Smith" in await ann.says("/who")


async def test_snooze_means_a_week_without_nudges(ann: Chat, digest: str, nudges: Nudges) -> None:
    reply = await ann.presses("Snooze Bob")
    assert reply == (
        "It's been a while — maybe say hi to:\n"
        "\n"
        "• Alice Smith (inner) — nearly 2 months since coffee\n"
        "\n"
        "💤 Snoozed Bob Lee until Thu 3 Dec · /undo"
    )
    assert "💤 snoozed until Thu 3 Dec" in await ann.says("/show Bob")
    assert "Bob" not in await ann.says("/who")

    assert await ann.says("/undo") == "Undone: snoozed Bob Lee."
    assert "Bob Lee" in await ann.says("/who")


async def test_snoozed_someone_is_back_in_the_digest_after_the_week(
    ann: Chat, digest: str, nudges: Nudges
) -> None:
    await ann.presses("Snooze Bob")
    await ann.presses("Reached out to Alice")
    for day in ("11-27", "11-28", "11-29", "11-30", "12-01", "12-02"):
        assert await nudges.at(f"2026-{day}T09:00:00Z") == []
    [back] = await nudges.at("2026-12-03T09:00:00Z")
    assert "• Bob Lee (close)" in back


async def test_less_often_moves_one_circle_out(ann: Chat, digest: str) -> None:
    reply = await ann.presses("Less often for Alice")
    assert "↪ Alice Smith is in close now (every month) · /undo" in reply
    assert "• Bob Lee (close)" in reply
    assert (await ann.says("/show Alice")).startswith("Alice Smith — close, every month")

    assert await ann.says("/undo") == "Undone: moved Alice Smith to close."
    assert (await ann.says("/show Alice")).startswith("Alice Smith — inner, every 2 weeks")


async def test_less_often_drops_an_own_cadence_that_would_keep_it_as_often(ann: Chat) -> None:
    await says_all(ann, "/add Carol inner every 10 days", "coffee with Carol 2026-10-01")
    assert "Carol" in await ann.says("/digest now")
    reply = await ann.presses("Less often for Carol")
    assert "Carol is in close now (every month)" in reply
    await ann.says("/undo")
    assert (await ann.says("/show Carol")).startswith("Carol — inner, every 10 days")


async def test_less_often_at_the_widest_circle_says_so_kindly(ann: Chat, nudges: Nudges) -> None:
    await says_all(ann, "/add Dora wider", "coffee with Dora 2025-06-01")
    await ann.says("/digest now")
    reply = await ann.presses("Less often for Dora")
    assert reply == (
        "Dora is already in wider, your widest circle, so I nudge about them only every "
        "6 months. To pause them: /every Dora never"
    )
    assert ann.labels == []
    assert (await ann.says("/show Dora")).startswith("Dora — wider")
    # Nothing changed, so /undo takes back the change before: the logged coffee.
    assert await ann.says("/undo") == "Undone: logged coffee with Dora on Sun 1 Jun 2025."


async def test_the_last_press_closes_the_digest(ann: Chat, digest: str) -> None:
    await ann.presses("Reached out to Alice")
    reply = await ann.presses("Reached out to Bob")
    assert reply == (
        "It's been a while — maybe say hi to:\n"
        "\n"
        "✓ Reached out to Alice Smith · /undo\n"
        "\n"
        "✓ Reached out to Bob Lee · /undo\n"
        "\n"
        "All done for today 🌿"
    )
    assert ann.labels == []
    assert await ann.says("/who") == "Nobody's overdue — you're in touch with everyone. 🌿"


async def test_a_button_about_someone_since_forgotten(ann: Chat, digest: str) -> None:
    stale = ann.button("Reached out to Alice")
    await ann.says("/forget Alice")
    await ann.presses("Yes, forget")
    replies = await ann.engine.press(1, stale.data)
    assert replies[0].text.startswith("That person is no longer in your circles.")


async def test_buttons_only_reach_their_owner_s_people(
    ann: Chat, digest: str, nudges: Nudges
) -> None:
    alice = ann.button("Reached out to Alice")
    mallory = Chat(nudges.services.engine, owner=666)
    replies = await mallory.engine.press(mallory.owner, alice.data)
    assert replies[0].text == "That button has expired."  # a stranger: not even an account
    await mallory.says("/start")
    replies = await mallory.engine.press(mallory.owner, alice.data)
    assert replies[0].text.startswith("That person is no longer in your circles.")
    assert "Alice Smith" in await ann.says("/who")


async def test_button_data_is_compact_ascii_within_telegram_s_limit(ann: Chat, digest: str) -> None:
    for button in ann.buttons:
        assert button.data.isascii() and len(button.data.encode()) <= TELEGRAM_LIMITS.max_data_bytes
        assert button.data.startswith("n:")
    assert ann.button("Reached out to Alice").data == "n:r:1:1.2:--"
    # A digest sent before the marks existed still works: `n:r:1:2` names the others.
    old = parse_press("r:1:2")
    assert old is not None and old.ids == (1, 2) and old.marked() == {1: "r"}

    # Even with twenty huge ids the data stays within 64 bytes (the tail is dropped).
    data = button_data("r", 10**15, [10**15 + i for i in range(20)])
    assert len(data) <= TELEGRAM_LIMITS.max_data_bytes
    press = parse_press(data.removeprefix("n:"))
    assert press is not None and press.person_id == 10**15 and press.others


@pytest.mark.parametrize("data", ["n:x:1", "n:r:abc", "n:r", "n:r:1:2.x", "n:r:1:2:3"])
async def test_a_malformed_button_expires_politely(ann: Chat, data: str) -> None:
    replies = await ann.engine.press(1, data)
    assert [r.text for r in replies] == ["That button has expired."]
