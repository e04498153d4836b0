"""Hypothesis-generated client files: never a traceback, always a message naming file and key.

Files start from a valid client file of each tracker and get mutated: keys removed, values
replaced by any TOML value (odd unicode, huge numbers, dates, arrays, tables), unknown keys,
a literal secret where a credential reference belongs; or their text gets broken (bytes
inserted, cut short, invalid UTF-8). ``read_client`` must return, every problem must be one
line naming the file and the key (or the line of a TOML syntax error), a literal secret must
never be echoed; ``revbridge config check`` must exit 0 or 2 with the same lines and no
traceback. A file the loader accepts, whatever words it holds, syncs into a SQLite and a
PostgreSQL store.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import bridge.cli  # noqa: F401  (registers the commands on the app)
from bridge.cli.app import app
from bridge.clientfile.load import SECTIONS, read_client
from bridge.present.notices import validate_texts
from bridge.sync.run import SyncOptions, sync_outcome
from tests.reliability.worlds import client_table, policy, world

ROOT = Path(__file__).resolve().parents[2]
BASE = tomllib.loads((ROOT / "config.example.toml").read_text())
TRACKERS: dict[str, dict[str, Any]] = {
    "jira": BASE["tracker"],
    "trello": {"type": "trello", "board": "5f1a2b3c4d5e6f7a8b9c0d1e", "api_key": "app-key",
               "token": "env:ACME_TRELLO_TOKEN", "statuses": BASE["tracker"]["statuses"]},
    "asana": {"type": "asana", "project": "1208000000001001", "token": "cmd:pass show acme",
              "statuses": BASE["tracker"]["statuses"]},
}
SECRET = "sekrit-4f1d9a7c"  # a literal token a user might paste; never shown back
#: a key as the loader prints it: bare, or quoted as in TOML
KEY = r'(?:[A-Za-z0-9_-]+|"(?:[^"\\\n]|\\.)*")'
PATH = rf"{KEY}(?:\.{KEY}|\[\d+\])*"
#: FILE: [section.sub] key: msg | FILE: [section]: msg | FILE: key: msg | FILE: line N: msg
LINE = re.compile(rf"^(?P<file>.+?): (?:\[{KEY}(?:\.{KEY})*\](?: {PATH})?|{PATH}|line \d+): \S")

text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)
odd_text = st.one_of(
    text,
    st.sampled_from(["", " ", "\u202e\u0000", "{n}", "${HOME}", "keyring:", "env:", "cmd:",
                     "env:1BAD", "keyring:/x", "'; DROP TABLE runs; --", "<b>x</b>", "🙂" * 50,
                     "Europe/Nowhere", "0 10 * * tue", "99h", "0d", "EUR", "x" * 5000]),
)
scalars = st.one_of(
    odd_text,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1)),
    st.times(),
    st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-9))])),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def paths(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every key path of a nested table."""
    found: list[tuple[str, ...]] = []
    for key, value in table.items():
        found.append((*prefix, key))
        if isinstance(value, dict):
            found += paths(value, (*prefix, key))
    return found


def base_table(tracker: str) -> dict[str, Any]:
    table = tomllib.loads(tomli_w.dumps(BASE))  # a deep copy
    table["tracker"] = tomllib.loads(tomli_w.dumps(TRACKERS[tracker]))
    table["comments"]["texts"] = {"ack": "Round {round} of {rounds_included}: {title}"}
    return table


@st.composite
def mutated_tables(draw: st.DrawFn) -> dict[str, Any]:
    table = base_table(draw(st.sampled_from(sorted(TRACKERS))))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(paths(table)))
        parent = table
        for key in where[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["delete", "replace", "replace", "unknown", "secret"]))
        if action == "delete":
            parent.pop(where[-1], None)
        elif action == "replace":
            parent[where[-1]] = draw(values)
        elif action == "unknown":
            target = parent[where[-1]] if isinstance(parent.get(where[-1]), dict) else parent
            target[draw(st.text(min_size=1, max_size=12))] = draw(values)
        elif isinstance(table.get("tracker"), dict):
            table["tracker"]["token"] = SECRET
    return table


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    """A client file's bytes: a mutated table, sometimes with its text broken."""
    data = tomli_w.dumps(draw(mutated_tables())).encode()
    how = draw(st.sampled_from(["as is", "as is", "insert", "cut", "bytes", "bom"]))
    at = draw(st.integers(0, len(data)))
    if how == "insert":
        data = data[:at] + draw(text).encode() + data[at:]
    elif how == "cut":
        data = data[:at]
    elif how == "bytes":
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif how == "bom":
        data = b"\xef\xbb\xbf" + data
    return data


def check_lines(lines: list[str], path: Path) -> None:
    for line in lines:
        assert "\n" not in line and "Traceback" not in line, line
        match = LINE.match(line)
        assert match and match.group("file") == str(path), f"not FILE: key: message: {line!r}"
        assert SECRET not in line


@settings(max_examples=1500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=file_bytes())
def test_read_client_names_file_and_key_for_every_problem(data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "client.toml"
    path.write_bytes(data)
    config, problems = read_client(path)
    assert (config is None) == bool(problems)
    check_lines(problems, path)


@settings(max_examples=500, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(table=mutated_tables())
def test_config_check_prints_the_problems_and_exits_2(table: dict[str, Any],
                                                      tmp_path: Path) -> None:
    slug = table.get("client")
    path = tmp_path / f"{slug if isinstance(slug, str) and slug.isidentifier() else 'client'}.toml"
    path.write_bytes(tomli_w.dumps(table).encode())
    result = CliRunner().invoke(app, ["config", "check", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines, "config check printed nothing"
    if result.exit_code == 0:
        assert lines == [f"OK  {path}"]
    else:
        assert result.exit_code == 2
        check_lines([line.removeprefix("error: ") for line in lines], path)


def test_every_section_of_the_example_is_known() -> None:
    """The generator mutates the sections the loader knows (else it would test little)."""
    assert set(SECTIONS) <= set(BASE)


#: text a client file may hold where a person writes words: control characters, NUL, bidi
#: overrides, markup, placeholders, very long text
written = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60),
    st.text(st.sampled_from("a\x00\x07\x1b[]{}\u202e\ufeff\r\n\t\\'\"<>&é🙂"), max_size=30),
    st.sampled_from(["", "\u0000", "a\u0000b", "{title}\u0000", "x" * 20_000,
                     "[link=http://evil.example]x[/link]", "'; DROP TABLE runs; --"]),
)
#: where the store and the notices take a client file's words from
WRITTEN_AT = [("name",), ("quote", "reference"), ("quote", "currency"),
              ("comments", "texts", "ack"), ("comments", "texts", "over_quote"),
              ("scope", "out_of_scope_labels"), ("scope", "excluded_labels")]
_examples = iter(range(10**6))


@pytest.mark.usefixtures("store_backend")
def test_a_client_file_the_loader_accepts_syncs_into_the_store(tmp_path: Path) -> None:
    """Whatever words a client file holds (NUL, control characters, markup, 20,000
    characters) once the loader accepts it, a sync stores them and posts what they make, on
    SQLite and on PostgreSQL (whose text refuses NUL): an accepted file never makes a failed
    run."""
    with world("jira", tmp_path, team_tickets=3, requests=3, chatty_every=100) as w:
        accepted: list[str] = []

        @settings(max_examples=25, deadline=None, database=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture,
                                         HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(changes=st.lists(st.tuples(st.sampled_from(WRITTEN_AT), written),
                                min_size=1, max_size=4))
        def sync_with(changes: list[tuple[tuple[str, ...], str]]) -> None:
            slug = f"c{next(_examples)}"
            table = client_table("jira", w.fake, slug, w.people)
            for where, value in changes:
                parent = table
                for key in where[:-1]:
                    parent = parent.setdefault(key, {})
                parent[where[-1]] = [value] if where[0] == "scope" else value
            path = tmp_path / "clients" / f"{slug}.toml"
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(tomli_w.dumps(table).encode())
            config, problems = read_client(path)
            if config is not None:
                problems = validate_texts(config)
            assume(config is not None and not problems)
            assert config is not None
            accepted.append(slug)
            result = sync_outcome(config, w.store, SyncOptions(policy=policy()))
            assert result.summary is not None and result.summary.outcome == "ok", result.error

        sync_with()
        assert len(accepted) >= 10, "too few accepted files: the test proves little"


def test_a_nul_in_a_client_file_is_named_with_its_key(tmp_path: Path) -> None:
    """A NUL passes TOML and pydantic, then fails every sync on PostgreSQL: a config problem.
    (Other control characters are cleaned where they are shown: test_terminal.py.)"""
    table = base_table("jira")
    table["quote"]["reference"] = "DEV\x00-1"
    table["tracker"]["statuses"]["open"] = ["To Do", "\x1b[2JNew\x00"]
    path = tmp_path / "acme.toml"
    path.write_bytes(tomli_w.dumps(table).encode())
    config, problems = read_client(path)
    assert config is None
    message = "holds a NUL character (U+0000), which notices, reports and stores cannot keep; " \
        "remove it"
    assert problems == [f"{path}: [tracker.statuses] open[1]: {message}",
                        f"{path}: [quote] reference: {message}"]
