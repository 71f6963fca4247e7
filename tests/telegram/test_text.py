"""Replies cut to Telegram's size, buttons as keyboards, commands as a menu."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.engine.replies import Button, Reply, em
from bot.telegram.handlers import parts_of
from bot.telegram.keyboards import command_menu, inline_keyboard
from bot.telegram.text import html_chunks, split_text, utf16_len


def test_short_text_is_one_chunk() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("") == [""]


def test_cuts_at_the_last_line_break_that_fits() -> None:
    text = "aaaa\nbbbb\ncccc"
    assert split_text(text, limit=10) == ["aaaa\nbbbb", "cccc"]


def test_falls_back_to_a_space_then_to_a_hard_cut() -> None:
    assert split_text("aaaa bbbb cccc", limit=10) == ["aaaa bbbb", "cccc"]
    assert split_text("a" * 25, limit=10) == ["a" * 10, "a" * 10, "a" * 5]


def test_counts_like_telegram_in_utf16_units() -> None:
    assert utf16_len("🌿") == 2
    chunks = split_text("🌿" * 5, limit=4)
    assert chunks == ["🌿🌿", "🌿🌿", "🌿"]  # never half an emoji


@given(st.text(alphabet=st.sampled_from("ab \n🌿é"), max_size=300), st.integers(2, 40))
def test_chunks_fit_and_keep_every_word(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(utf16_len(c) <= limit for c in chunks)
    assert "".join(chunks).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace(
        "\n", ""
    )


def test_buttons_ride_on_the_last_part_only() -> None:
    reply = Reply("line\n" * 1500, ((Button("Yes", "q:1:y"), Button("No", "q:1:n")),))
    parts = parts_of(reply)
    assert len(parts) == 2
    assert parts[0][1] is None
    markup = parts[1][1]
    assert markup is not None
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [
        ["q:1:y", "q:1:n"]
    ]


def test_a_reply_without_buttons_has_no_keyboard() -> None:
    assert parts_of(Reply("hi")) == [("hi", None)]
    assert inline_keyboard(()) is None


def test_blank_text_with_buttons_still_gets_a_message() -> None:
    [(text, markup)] = parts_of(Reply("  ", ((Button("OK", "ok"),),)))
    assert text.strip() and markup is not None
    assert parts_of(Reply("")) == []


def test_the_keyboard_refuses_data_over_64_bytes() -> None:
    button = Button("x", "n" * 65)  # the engine allows it; Telegram would not
    with pytest.raises(ValueError, match="64 bytes"):
        inline_keyboard([[button]])


def test_command_menu_keeps_what_telegram_accepts() -> None:
    menu = command_menu(
        [
            ("start", "Greets you"),
            ("who", " Who  is\noverdue "),
            ("Bad-Name", "x"),
            ("long", "y" * 300),
        ]
    )
    assert [(c.command, c.description) for c in menu][:2] == [
        ("start", "Greets you"),
        ("who", "Who is overdue"),
    ]
    assert [c.command for c in menu] == ["start", "who", "long"]
    assert len(menu[-1].description) == 256


def test_a_cut_inside_a_bold_name_closes_and_reopens_it() -> None:
    marked = "x" * 8 + " " + em("Zoë & Co") + " tail"
    chunks = html_chunks(marked, limit=14)
    assert chunks == ["xxxxxxxx <b>Zoë</b>", "<b>&amp; Co</b> tail"]


def test_a_reply_whose_text_is_replaced_never_renders_stale_words() -> None:
    from dataclasses import replace

    reply = Reply(f"Logged coffee with {em('Zoë')}.")
    longer = replace(reply, text=reply.text + "\nZoë lives nearby.")
    assert longer.rich == f"Logged coffee with {em('Zoë')}.\nZoë lives nearby."
    other = replace(reply, text="Something else")
    assert other.rich == "" and other.text == "Something else"
