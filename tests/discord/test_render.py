"""Replies cut to Discord's limits before they are sent (pure)."""

from __future__ import annotations

import pytest

from bot.discord.render import MORE, custom_id, label, parts_of, split_text
from bot.engine.replies import Attachment, Button, Reply


def buttons(n: int, prefix: str = "b") -> tuple[Button, ...]:
    return tuple(Button(f"{prefix}{i}", f"x:{prefix}{i}") for i in range(n))


def test_text_is_cut_on_line_breaks_within_2000() -> None:
    text = "\n".join(f"line {i} " + "x" * 90 for i in range(60))
    chunks = split_text(text)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) == 3
    assert "\n".join(chunks) == text


def test_a_word_longer_than_a_message_is_cut_anyway() -> None:
    assert [len(c) for c in split_text("y" * 4500)] == [2000, 2000, 500]


def test_wide_rows_wrap_and_rows_past_five_go_on_a_follow_up() -> None:
    reply = Reply("Pick one", (buttons(7, "a"), *(buttons(2, f"r{n}-") for n in range(5))))
    first, more = parts_of(reply)
    assert first.text == "Pick one" and [len(r) for r in first.rows] == [5, 2, 2, 2, 2]
    assert more.text == MORE and [len(r) for r in more.rows] == [2, 2]
    sent = [b for p in (first, more) for row in p.rows for b in row]
    assert sent == [b for row in reply.buttons for b in row]  # nothing lost, same order


def test_buttons_sit_on_the_last_text_part() -> None:
    parts = parts_of(Reply("z" * 2500, (buttons(1),)))
    assert [bool(p.rows) for p in parts] == [False, True]


def test_labels_and_custom_ids_within_limits() -> None:
    assert len(label(Button("L" * 120, "x:1"))) == 80
    assert custom_id(Button("ok", "n:r:42")) == "k:n:r:42"
    with pytest.raises(ValueError, match="custom_id over 100"):
        custom_id(Button("too long", "d" * 99))


def test_a_photo_rides_on_its_caption_and_an_export_does_not() -> None:
    picture = Attachment("kith-circles.png", b"\x89PNG", "image/png", photo=True)
    export = Attachment("kith.json", b"{}", "application/json")
    [part] = parts_of(Reply("2 people · 1 to reach out to", files=(picture, export)))
    assert (part.text, part.pictures) == ("2 people · 1 to reach out to", (picture,))
    [bare] = parts_of(Reply("", files=(picture,)))
    assert (bare.text, bare.pictures) == ("", (picture,))


def test_user_text_is_escaped_and_names_are_bold() -> None:
    from bot.discord.render import markdown
    from bot.engine.replies import em

    assert markdown(f"Logged tea with {em('_Zoë_')} — 2 days") == (
        "Logged tea with **\\_Zoë\\_** — 2 days"
    )


def test_escapes_never_push_a_message_past_2000() -> None:
    from bot.discord.render import rendered_chunks
    from bot.engine.replies import em

    text = "\n".join(f"{em('a_b*c')} " + "_" * 300 for _ in range(40))
    chunks = rendered_chunks(text)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) > 6
    # Every message closes its bold: an even number of unescaped ** in each.
    assert all(c.replace("\\*", "").count("**") % 2 == 0 for c in chunks)


def test_a_confirmation_ends_with_an_undo_button() -> None:
    [part] = parts_of(Reply("Noted.", undo="u:7"))
    assert [[b.label for b in row] for row in part.rows] == [["↩ Undo"]]
    assert custom_id(part.rows[0][0]) == "k:u:7"
