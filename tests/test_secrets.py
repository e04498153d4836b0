"""Credential references, their resolution, and keeping secrets out of every output."""

from __future__ import annotations

import logging
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from bridge.cli import app
from bridge.cli.app import report
from bridge.clientfile.load import load_client
from bridge.clientfile.secrets import REDACTOR, SecretRef, parse_ref, resolve, store_in_keyring
from bridge.store import Store
from bridge.sync.connect import build_connector
from connectors.base import Comment, Person, Ticket, TicketBundle
from connectors.errors import CredentialsError, RemoteFatalError
from tests.memory_keyring import MemoryKeyring

PY = shlex.quote(sys.executable)


def test_references_are_parsed() -> None:
    assert parse_ref("env:ACME_TOKEN") == SecretRef("env", "ACME_TOKEN")
    assert parse_ref("cmd:pass show acme/jira") == SecretRef("cmd", "pass show acme/jira")
    ref = parse_ref("keyring:revbridge/acme")
    assert ref == SecretRef("keyring", "revbridge/acme")
    assert ref.keyring_entry == ("revbridge", "acme")
    assert parse_ref("keyring:svc/me@example.com").keyring_entry == ("svc", "me@example.com")  # type: ignore[union-attr]
    for literal in (
        "ATATT3xFfGF0abc",
        "env:",
        "env:1BAD",
        "cmd:  ",
        "keyring:nouser",
        "http://x:y",
    ):
        assert parse_ref(literal) is None, literal


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RB_TEST_TOKEN", "tok-from-env")
    assert resolve(SecretRef("env", "RB_TEST_TOKEN")) == "tok-from-env"
    monkeypatch.setenv("RB_TEST_TOKEN", "")
    with pytest.raises(CredentialsError, match="RB_TEST_TOKEN is not set or empty"):
        resolve(SecretRef("env", "RB_TEST_TOKEN"))


def test_cmd_reference_trims_stdout() -> None:
    command = f"{PY} -c \"print('  tok-from-cmd  ')\""
    assert resolve(SecretRef("cmd", command)) == "tok-from-cmd"


def test_failed_cmd_never_echoes_its_output() -> None:
    command = (
        f"{PY} -c \"import sys; print('half' + '-secret-out'); "
        f"print('half' + '-secret-err', file=sys.stderr); sys.exit(4)\""
    )
    with pytest.raises(CredentialsError) as raised:
        resolve(SecretRef("cmd", command))
    assert "exit code 4" in str(raised.value)
    assert "half-secret" not in str(raised.value)
    with pytest.raises(CredentialsError, match="failed with exit code 127"):
        resolve(SecretRef("cmd", "/nonexistent/revbridge-secret-helper"))
    with pytest.raises(CredentialsError, match="printed nothing"):
        resolve(SecretRef("cmd", "true"))


def test_cmd_reference_runs_in_a_shell() -> None:
    assert resolve(SecretRef("cmd", "printf 'line-1\\nline-2\\n' | tail -n 1")) == "line-2"


def test_keyring_reference(memory_keyring: MemoryKeyring) -> None:
    ref = SecretRef("keyring", "revbridge/acme")
    with pytest.raises(CredentialsError, match="no secret in the keyring under revbridge/acme"):
        resolve(ref)
    store_in_keyring(ref, "tok-from-keyring")
    assert memory_keyring.entries == {("revbridge", "acme"): "tok-from-keyring"}
    assert resolve(ref) == "tok-from-keyring"


def test_missing_keyring_backend_says_so(no_keyring: None) -> None:
    for action in (
        lambda: resolve(SecretRef("keyring", "revbridge/acme")),
        lambda: store_in_keyring(SecretRef("keyring", "revbridge/acme"), "x"),
    ):
        with pytest.raises(CredentialsError) as raised:
            action()
        message = str(raised.value)
        assert "no usable keyring backend" in message
        assert "env:VARIABLE" in message and "cmd:COMMAND" in message


def test_redaction_reaches_records_of_child_loggers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("RB_TEST_TOKEN", "tok-child-logger-42")
    secret = resolve(SecretRef("env", "RB_TEST_TOKEN"))
    caplog.set_level(logging.DEBUG)
    log = logging.getLogger("some.deep.child")
    log.info("auth header Basic %s", secret)
    try:
        raise ValueError(f"bad token {secret}")
    except ValueError:
        log.exception("request failed")
    assert caplog.records and secret not in caplog.text
    assert "auth header Basic ***" in caplog.text
    assert "bad token ***" in caplog.text


def write_toy_client(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme.toml"
    path.write_text(
        'client = "acme"\n[tracker]\ntype = "toy"\nurl = "http://127.0.0.1:1"\nproject = "WEB"\n'
        'token = "env:ACME_TOY_TOKEN"\nsigning_key = "env:ACME_TOY_KEY"\n'
        "[quote]\nrounds_included = 2\n"
    )
    return path


def test_build_connector_resolves_every_credential_field(
    tmp_path: Path, toy_tracker: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_client(write_toy_client(tmp_path))
    monkeypatch.setenv("ACME_TOY_TOKEN", "tok-build")
    monkeypatch.delenv("ACME_TOY_KEY", raising=False)
    with pytest.raises(
        CredentialsError, match=r"acme: \[tracker\] signing_key \(env:ACME_TOY_KEY\)"
    ):
        build_connector(config)
    monkeypatch.setenv("ACME_TOY_KEY", "key-build")
    connector = build_connector(config)
    assert connector.secrets == {"token": "tok-build", "signing_key": "key-build"}  # type: ignore[attr-defined]


def test_a_resolved_secret_shows_up_nowhere(
    tmp_path: Path,
    toy_tracker: str,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    store_url: str,
) -> None:
    secret = "tok-9f8e7d6c5b4a-never-shown"
    monkeypatch.setenv("ACME_TOY_TOKEN", secret)
    monkeypatch.setenv("ACME_TOY_KEY", "key-3c2b1a")
    caplog.set_level(logging.DEBUG)
    config = load_client(write_toy_client(tmp_path))
    connector = build_connector(config)
    store = Store.open(store_url)
    run = store.start_run("acme")
    try:
        connector.whoami()  # logs and raises with the token in the text
    except RemoteFatalError as exc:
        logging.getLogger("bridge.sync.run").error("sync of acme failed: %s", exc, exc_info=True)
        report(exc)
        store.finish_run(run.id or 0, "failed", error=str(exc))
    now = datetime.now(UTC)
    someone = Person("u1", "Someone")
    ticket = Ticket("1", "WEB-1", "http://x/WEB-1", "t", "To Do", (), now, now, someone)
    store.save_bundles(
        "acme", [TicketBundle(ticket, comments=(Comment("c1", "1", now, someone, "hi"),))]
    )
    # the CLI, too: its own error path prints no secret
    result = CliRunner().invoke(app, ["config", "check", "acme", "--config-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output

    captured = capfd.readouterr()
    texts = [captured.out, captured.err, result.output, caplog.text]
    texts += [r.getMessage() for r in caplog.records]
    with store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            texts += [repr(tuple(row)) for row in conn.execute(select(store_table(store, table)))]
    store.close()
    assert any("refused token ***" in t for t in texts)  # the error was reported, masked
    for text in texts:
        assert secret not in text
        assert "key-3c2b1a" not in text
    assert secret in REDACTOR._secrets


def store_table(store: Store, name: str):  # type: ignore[no-untyped-def]
    from sqlalchemy import MetaData, Table

    return Table(name, MetaData(), autoload_with=store.engine)
