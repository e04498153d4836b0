"""``config check --online`` and ``discover`` against each fake tracker, through the CLI.

Each wrong name of issue 18 (statuses, contacts, e-mails on Trello, labels, team, project) is
caught with a line naming the file, the key, the wrong value and the closest real name.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bridge.cli import app
from bridge.cli.story import Story, play_story
from connectors.testing.fakes import Fake, make_fake, tracker_table
from tests.e2e import write_client_file

TOKEN_ENV = "REVBRIDGE_ONLINE_TOKEN"
runner = CliRunner()


@dataclass
class Client:
    fake: Fake
    story: Story
    table: dict[str, Any]
    folder: Path

    def write(self, **sections: dict[str, Any]) -> Path:
        table = {**self.table}
        for name, values in sections.items():
            table[name] = {**table.get(name, {}), **values}
        return write_client_file(self.folder, table)

    def run(self, *args: str) -> Any:
        return runner.invoke(app, [*args], env={TOKEN_ENV: self.fake.token, "COLUMNS": "250"})


@pytest.fixture(params=["jira", "trello", "asana"])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Client]:
    fake = make_fake(request.param)
    fake.start()
    try:
        story = play_story(fake)
        table = story.client_file(tracker_table(request.param, fake, f"env:{TOKEN_ENV}"))
        yield Client(fake, story, table, tmp_path / "clients")
    finally:
        fake.stop()


def test_a_right_file_passes_online(client: Client) -> None:
    path = client.write()
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    assert "token accepted: 'Revision Bridge" in result.output
    assert f"OK  {path}" in result.output


def test_a_misspelt_status_names_the_closest(client: Client) -> None:
    path = client.write(tracker={**client.table["tracker"], "statuses": {
        "open": ["To Do"], "in_progress": ["In Progres"], "delivered": ["In Review"],
        "done": ["Done"]}})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 2, result.output
    assert (f"{path}: [tracker.statuses] in_progress: 'In Progres' is not a status"
            in result.output)
    assert "did you mean 'In Progress'?" in result.output
    assert "'In Progress' is not mapped; tickets there count as open" in result.output


def test_waiting_statuses_are_checked_and_count_as_mapped(client: Client) -> None:
    path = client.write(tracker={**client.table["tracker"], "statuses": {
        "open": ["To Do"], "delivered": ["In Review"], "done": ["Done"],
        "waiting": ["In Progress", "Waiting for clent"]}})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 2, result.output
    assert (f"{path}: [tracker.statuses] waiting: 'Waiting for clent' is not a status"
            in result.output)
    assert "'In Progress' is not mapped" not in result.output


def test_an_unknown_contact_names_the_closest_person(client: Client) -> None:
    path = client.write(contacts={"client": ["Claire Dubios"]})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 2, result.output
    assert f"{path}: [contacts] client: 'Claire Dubios' matches nobody" in result.output
    assert f"did you mean 'Claire Dubois' (\"{client.story.client}\")?" in result.output


def test_a_misspelt_label_is_a_warning_naming_the_closest(client: Client) -> None:
    path = client.write(scope={"excluded_labels": ["internl"]})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    assert (f"warning: {path}: [scope] excluded_labels: label 'internl' is not used"
            in result.output)
    assert "did you mean 'internal'?" in result.output


def test_the_api_user_missing_from_team_is_a_warning(client: Client) -> None:
    path = client.write(contacts={"team": [client.story.team]})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    assert f"warning: {path}: [contacts] team: the API user 'Revision Bridge" in result.output
    assert f'add "{client.fake.bot_id}"' in result.output


def test_an_invisible_project_is_an_error(client: Client) -> None:
    key = "board" if "board" in client.table["tracker"] else "project"
    path = client.write(tracker={**client.table["tracker"], key: "99999999"})
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 2, result.output
    assert f"{path}: [tracker] {key}: '99999999' is not visible to the token" in result.output


def test_a_refused_token_exits_3(client: Client) -> None:
    path = client.write()
    result = runner.invoke(app, ["config", "check", str(path), "--online"],
                           env={TOKEN_ENV: "not-the-token"})
    assert result.exit_code == 3, result.output
    assert "not-the-token" not in result.output


def test_email_contacts_per_tracker(client: Client) -> None:
    path = client.write(contacts={"client": ["claire@acme.example"]})
    offline = client.run("config", "check", str(path))
    online = client.run("config", "check", str(path), "--online")
    if client.fake.__class__.__name__ == "FakeTrello":
        assert offline.exit_code == 2
        assert (f"{path}: [contacts] client: 'claire@acme.example' is an e-mail, and trello "
                "never shows members' e-mails; write the member id instead") in offline.output
    else:
        assert offline.exit_code == 0, offline.output
        assert online.exit_code == 0, online.output


def _priority_sla(client: Client, **sla: Any) -> dict[str, Any]:
    """``[sla]`` naming priorities; on Trello they are labels, so ``priority_labels`` too."""
    ticket = next(iter(client.story.tickets.values()))
    client.fake.set_priority(ticket, "High")  # on Trello, the label is on the board now
    if client.table["tracker"]["type"] == "trello":
        sla.setdefault("priority_labels", ["High"])
    return sla


def test_priority_names_the_tracker_has_pass(client: Client) -> None:
    path = client.write(sla=_priority_sla(client, priorities={"High": "1d"}))
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    assert "[sla" not in result.output
    # in another case: the engine matches them case-insensitively, and so does the check
    trello = client.table["tracker"]["type"] == "trello"
    path = client.write(sla=_priority_sla(client, priorities={"high": "1d"},
                                          priority_field="priority",
                                          **({"priority_labels": ["HIGH"]} if trello else {})))
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    assert "[sla" not in result.output


def test_a_misspelt_priority_is_a_warning_naming_what_the_tracker_has(client: Client) -> None:
    path = client.write(sla=_priority_sla(client, priorities={"Hihg": "4h", "High": "1d"}))
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "[sla.priorities]" in x)
    assert line.startswith(f"warning: {path}: [sla.priorities] 'Hihg' is no priority a ticket")
    assert "did you mean 'High'?" in line and "its requests get handle_within (2d)" in line
    expected = {"jira": "Jira's priorities are 'Highest', 'High', 'Medium', 'Low', 'Lowest'",
                "asana": "the options of 'Priority' are 'High', 'Medium', 'Low'",
                "trello": "a priority here is a label listed in [sla] priority_labels "
                          "('High')"}
    assert expected[client.table["tracker"]["type"]] in line
    assert "'High' is no priority" not in result.output


def test_priority_labels_and_field_the_project_lacks_are_warnings(client: Client) -> None:
    kind = client.table["tracker"]["type"]
    path = client.write(sla=_priority_sla(client, priorities={"High": "1d"},
                                          priority_labels=["High", "Urgnet"],
                                          priority_field="Priorité"))
    result = client.run("config", "check", str(path), "--online")
    assert result.exit_code == 0, result.output
    labels = f"warning: {path}: [sla] priority_labels: 'Urgnet' is not a label of"
    assert labels in result.output
    field = (f"warning: {path}: [sla] priority_field: 'Priorité' is not a single-choice custom "
             "field of 'Website relaunch' (its fields: 'Priority'); did you mean 'Priority'?")
    assert (field in result.output) == (kind == "asana"), result.output
    if kind == "trello":  # 'High' is a label on the board: a priority a card can have
        assert "[sla.priorities]" not in result.output
    if kind == "jira":  # 'High' is one of Jira's priorities
        assert "[sla.priorities]" not in result.output
        assert "'High' is not a label" in result.output  # no Jira issue carries that label


def test_french_jira_workflow_left_in_english(tmp_path: Path) -> None:
    with make_fake("jira") as fake:
        story = play_story(fake)
        for name, category in (("À faire", "new"), ("En cours", "indeterminate"),
                               ("En recette", "indeterminate"), ("Terminé", "done")):
            fake.add_status(name, category)
        fake.statuses = {k: v for k, v in fake.statuses.items()
                         if k in ("À faire", "En cours", "En recette", "Terminé")}
        table = story.client_file(tracker_table("jira", fake, f"env:{TOKEN_ENV}"))
        path = write_client_file(tmp_path, table)
        result = runner.invoke(app, ["config", "check", str(path), "--online"],
                               env={TOKEN_ENV: fake.token, "COLUMNS": "250"})
    assert result.exit_code == 2, result.output
    assert (f"{path}: [tracker.statuses] done: 'Done' is not a status of 'Website'; "
            "did you mean 'Terminé'?") in result.output
    assert "[tracker.statuses] open: 'To Do' is not a status" in result.output
    assert "'En recette' is not mapped; tickets there count as open" in result.output


def test_discover_json_is_stable_and_matches_the_tracker(client: Client) -> None:
    # a file that fails its check (an e-mail contact on Trello) is still discoverable
    path = client.write(contacts={"client": ["claire@acme.example"]})
    result = client.run("discover", str(path), "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert set(found) == {"tracker", "me", "projects", "project", "statuses", "people", "labels",
                          "priorities", "custom_fields"}
    kind = client.table["tracker"]["type"]
    assert (found["priorities"] is None) == (kind != "jira")
    assert found["custom_fields"] == ([{"name": "Priority", "options": ["High", "Medium", "Low"]}]
                                      if kind == "asana" else None)
    assert found["me"]["id"] == client.fake.bot_id
    assert [s["name"] for s in found["statuses"]][:4] == ["To Do", "In Progress", "In Review",
                                                          "Done"]
    assert client.story.client in {p["id"] for p in found["people"]}


def test_discover_without_a_client_file_lists_the_projects(client: Client) -> None:
    tracker = client.table["tracker"]
    args = ["discover", "--type", tracker["type"], "--token", f"env:{TOKEN_ENV}"]
    args += ["--url", tracker.get("url") or tracker["api_url"]]
    if tracker.get("email"):
        args += ["--email", tracker["email"]]
    if tracker.get("api_key"):
        args += ["--api-key", tracker["api_key"]]
    result = client.run(*args)
    assert result.exit_code == 0, result.output
    assert "Projects the token sees" in result.output
    assert "Revision Bridge" in result.output


def test_discover_escapes_hostile_names(tmp_path: Path) -> None:
    with make_fake("jira") as fake:
        fake.add_person("Eve \x1b[2J\x1b[31mRed [bold]x[/bold] :smile:", "eve@client.example")
        table = play_story(fake).client_file(tracker_table("jira", fake, f"env:{TOKEN_ENV}"))
        path = write_client_file(tmp_path, table)
        result = runner.invoke(app, ["discover", str(path)],
                               env={TOKEN_ENV: fake.token, "COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "[2J" not in result.output
    # the sequences gone, the markup and the emoji code shown as written
    assert "Eve Red [bold]x[/bold] :smile:" in result.output


def test_discover_lists_the_priorities_a_client_file_can_map(tmp_path: Path) -> None:
    with make_fake("jira") as fake:
        fake.add_priority("Urgente \x1b[31m[bold]now[/bold]")
        table = play_story(fake).client_file(tracker_table("jira", fake, f"env:{TOKEN_ENV}"))
        path = write_client_file(tmp_path, table)
        result = runner.invoke(app, ["discover", str(path)],
                               env={TOKEN_ENV: fake.token, "COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("Priorities"))
    assert line.startswith("Priorities (for [sla.priorities]): ")
    assert all(name in line for name in fake.priorities[:-1])
    assert "Urgente [bold]now[/bold]" in line and "\x1b" not in line
