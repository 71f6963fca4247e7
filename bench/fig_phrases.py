"""Figure 2: reading a log in plain words, alone: `parse_log` with a 1,000-person index.

Every sentence of `bench/phrases_corpus.txt` and of the test corpus
(`tests/core/corpus/`, messages as people write them) is classified (`understand.read`)
and parsed against the name index of a generated owner with 1,000 people
(`NameIndex.build`, as the engine caches it). Beside the time, the row reports the
test corpus's score against its own roster: the share of logs read exactly right
(people and day) and the non-logs that would have been logged (must be none). The
baseline is the floor any reader of the sentence pays: a regex tokenisation of the same
sentence into words (`re.findall`), timed right after it. A sentence the parser refuses
(no person in it) still counts: refusing is work too.
"""

from __future__ import annotations

import contextlib
import gc
import re
import time
from datetime import date
from pathlib import Path

from bench.generate import END, Spec, iter_people
from bench.report import Check, Row, Series
from bench.workspace import BENCH, Sizes, Workspace
from bot.core.dates import DateError
from bot.core.names import NameEntry, NameIndex
from bot.core.phrases import PhraseError, parse_log
from bot.core.understand import read
from tests.core.corpus import log_cases, other_cases
from tests.core.corpus import score as corpus_score

NAME = "phrases"
CORPUS = BENCH / "phrases_corpus.txt"
TODAY: date = END
_WORDS = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")


def corpus(path: Path = CORPUS) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def build_index(path: Path, owner: int = 1) -> NameIndex:
    return NameIndex.build(NameEntry(pid, name) for pid, name in iter_people(path, owner))


def _parse(text: str, index: NameIndex) -> None:
    with contextlib.suppress(PhraseError, DateError):
        read(text, TODAY, index)
        parse_log(text, TODAY, index, "dmy")


def measure(index: NameIndex, sentences: list[str], rounds: int) -> tuple[list[float], ...]:
    parsed: list[float] = []
    tokenised: list[float] = []
    for sentence in sentences:  # warm up: regexes compiled, caches filled
        _parse(sentence, index)
        _WORDS.findall(sentence)
    gc.collect()
    clock = time.perf_counter_ns
    for r in range(rounds):
        for i, sentence in enumerate(sentences):
            if (i + r) % 2:
                start = clock()
                _parse(sentence, index)
                middle = clock()
                _WORDS.findall(sentence)
                end = clock()
                parsed.append((middle - start) / 1e6)
                tokenised.append((end - middle) / 1e6)
            else:
                start = clock()
                _WORDS.findall(sentence)
                middle = clock()
                _parse(sentence, index)
                end = clock()
                tokenised.append((middle - start) / 1e6)
                parsed.append((end - middle) / 1e6)
    return parsed, tokenised


def run(sizes: Sizes, work: Workspace) -> list[Row]:
    path = work.dataset(Spec(owners=1, people=sizes.phrase_people, interactions=0), "people")
    index = build_index(path)
    sentences = corpus() + [c.text for c in log_cases()] + [c.text for c in other_cases()]
    understood = corpus_score()
    refused = 0
    for sentence in sentences:
        try:
            parse_log(sentence, TODAY, index)
        except (PhraseError, DateError):
            refused += 1
    parsed, tokenised = measure(index, sentences, sizes.phrase_rounds)
    return [
        Row(
            "2",
            "parse_log (1,000-name index)" if len(index) >= 1000 else "parse_log",
            measured=Series.of(parsed),
            baseline=Series.of(tokenised),
            baseline_name="regex tokenise",
            checks=(
                Check("p50", "<=", 0.5),
                Check("corpus_logs_pct", ">=", 97.0, label="corpus logs ≥ 97 % exact"),
                Check("corpus_unsafe", "<=", 0.0, label="no non-log logged"),
            ),
            extra={
                "corpus_logs_pct": 100.0 * understood.log_share,
                "corpus_unsafe": float(len(understood.unsafe)),
            },
            notes=(
                f"{len(sentences)} sentences × {sizes.phrase_rounds} rounds, "
                f"index of {len(index):,} people; {refused} refused (no person); "
                f"corpus: {understood.summary()}"
            ),
        )
    ]
