"""A worker process's own error reaches the caller; it is not taken for a broken pool."""

from __future__ import annotations

import pytest

from bot import workers


def _fails(path: str) -> int:
    raise FileNotFoundError(path)


async def test_an_error_of_the_work_itself_is_raised_not_retried_in_a_thread() -> None:
    with pytest.raises(FileNotFoundError):
        await workers.in_worker(_fails, "/nowhere/at/all")
    assert workers._pool is not None or workers._unavailable  # the pool was not dropped
