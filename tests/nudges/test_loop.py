"""The one sweep loop every transport runs: driven here by a fake sleep, no waiting."""

from __future__ import annotations

import asyncio

from bot.nudges.loop import SweepLoop


async def test_the_loop_sweeps_at_each_tick_survives_a_failure_and_stops() -> None:
    swept: list[int] = []
    slept: list[float] = []
    ticks = asyncio.Event()

    async def sweep() -> None:
        swept.append(len(swept))
        if len(swept) == 2:
            raise RuntimeError("a bad sweep")  # logged; the loop goes on
        if len(swept) == 4:
            ticks.set()

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(0)

    loop = SweepLoop(sweep, 60.0, first=10.0, sleep=sleep)
    loop.start()
    assert loop.running
    await asyncio.wait_for(ticks.wait(), 5)
    await loop.stop()

    assert not loop.running
    assert swept[:4] == [0, 1, 2, 3]
    assert slept[:4] == [10.0, 60.0, 60.0, 60.0]
    count = len(swept)
    await asyncio.sleep(0)
    assert len(swept) == count  # stopped means stopped
