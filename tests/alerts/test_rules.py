"""The rule, channel and silence schema: what the config file accepts, and the sentences it answers with."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from deskpulse.alerts import AlertsConfig, Rule
from deskpulse.alerts.rules import ServiceDown
from deskpulse.domain.tickets import Priority

TOML = """
[[alerts.channels]]
type = "email"
name = "oncall"
to = ["oncall@example.test"]

[[alerts.channels]]
type = "webhook"
name = "pager"
url = "https://pager.example.test/in"
secret = "0123456789abcdef0123"

[[alerts.rules]]
id = "p1-response"
name = "P1 answered late"
severity = "critical"
repeat_interval_minutes = 60
condition = { type = "sla_breached", kind = "first_response", min_overdue_minutes = 30 }
filters = { priorities = ["critical"], clients = ["acme"], business_hours_only = true }
actions = { channels = ["oncall"], writeback = { raise_priority_to = "urgent", note = "Escalated by deskpulse" } }
escalation = { levels = [{ after_minutes = 15, channels = ["pager"] }, { after_minutes = 45, channels = ["pager"] }] }

[[alerts.silences]]
client = "acme"
start = 2026-11-18T22:00:00+01:00
end = 2026-11-19T06:00:00+01:00
reason = "Acme maintenance window"
"""


def errors_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        AlertsConfig.model_validate(data)
    return str(caught.value)


def rule(**overrides: Any) -> dict[str, Any]:
    return {"id": "r1", "name": "Rule", "condition": {"type": "unassigned_for", "minutes": 10}} | overrides


def test_the_config_file_section_loads() -> None:
    section = AlertsConfig.model_validate(tomllib.loads(TOML)["alerts"])
    [p1] = section.rules
    assert p1.filters.priorities == [Priority.URGENT] and p1.filters.business_hours_only
    assert p1.channel_names == ["oncall", "pager"]
    assert p1.actions.writeback is not None and p1.actions.writeback.raise_priority_to is Priority.URGENT
    assert [c.type for c in section.channels] == ["email", "webhook"]
    assert section.silences[0].client == "acme" and section.silences[0].reason == "Acme maintenance window"
    assert "0123456789abcdef0123" not in repr(section), "webhook secrets stay out of logs"


def test_a_rule_round_trips_through_json_for_the_api() -> None:
    parsed = AlertsConfig.model_validate(tomllib.loads(TOML)["alerts"]).rules[0]
    assert Rule.model_validate(parsed.model_dump(mode="json")) == parsed


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        ({"rules": [rule(condition={"type": "ticket_on_fire"})]}, "does not match any of the expected tags"),
        ({"rules": [rule(condition={"type": "sla_breached"})]}, "kind"),
        ({"rules": [rule(filters={"priorities": ["severe"]})]}, "unknown priority 'severe'; use critical"),
        ({"rules": [rule(colour="red")]}, "Extra inputs are not permitted"),
        ({"rules": [rule(id="P1 rule")]}, "should match pattern"),
        ({"rules": [rule(actions={"channels": ["nowhere"]})]},
         "Rule r1 names channels that are not in [[alerts.channels]]: nowhere (known: none are configured)."),
        ({"rules": [rule(), rule()]}, "alert rule ids must be unique; repeated: r1"),
        ({"rules": [rule(escalation={"levels": [{"after_minutes": 30, "channels": ["a"]},
                                                 {"after_minutes": 10, "channels": ["a"]}]})]},
         "escalation levels must come later one after another; after_minutes are [30, 10]"),
        ({"rules": [rule(condition={"type": "queue_backlog_above", "count": 5},
                         actions={"writeback": {"note": "x"}})]},
         "a queue_backlog_above rule has no ticket to write back to"),
        ({"rules": [rule(actions={"writeback": {}})]}, "a write-back needs raise_priority_to, reassign_queue"),
        ({"channels": [{"type": "webhook", "name": "w", "url": "https://x.test", "secret": "short"}]},
         "at least 16 characters"),
        ({"channels": [{"type": "slack", "name": "s", "url": "hooks.slack.com/x"}]}, "must start with https://"),
        ({"channels": [{"type": "email", "name": "m", "to": ["a@x.test, b@x.test"]}]}, "one address per entry"),
        ({"silences": [{"start": "2026-11-18T22:00:00", "end": "2026-11-19T06:00:00", "reason": "x"}]},
         "silence start needs a time zone offset"),
        ({"silences": [{"start": "2026-11-19T06:00:00Z", "end": "2026-11-18T22:00:00Z", "reason": "x"}]},
         "a silence must end after it starts"),
    ],
)  # fmt: skip
def test_a_bad_section_is_refused_with_a_sentence(data: dict[str, Any], sentence: str) -> None:
    assert sentence in errors_of(data)


def test_a_stored_rule_may_not_take_a_config_rule_id_or_name_unknown_channels() -> None:
    section = AlertsConfig.model_validate({"rules": [rule()]})
    clash = Rule.model_validate(rule(actions={"channels": ["pager"]}))
    assert section.problems_with(clash) == [
        "Rule r1 names channels that are not in [[alerts.channels]]: pager (known: none are configured).",
        "Rule id r1 is taken by a rule of the config file; choose another id.",
    ]


def test_an_uptime_condition_may_name_one_service() -> None:
    parsed = Rule.model_validate(rule(condition={"type": "service_down", "service": "mail"}))
    assert isinstance(parsed.condition, ServiceDown) and parsed.condition.service == "mail"


def test_the_example_in_the_alerts_guide_is_a_valid_section() -> None:
    guide = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text(encoding="utf-8")
    example = re.search(r"```toml\n(.*?)```", guide, flags=re.S)
    assert example is not None
    text = re.sub(r"\$\{([A-Z_]+)\}", "https://hooks.example.test/0123456789abcdef", example.group(1))
    section = AlertsConfig.model_validate(tomllib.loads(text)["alerts"])
    assert [r.id for r in section.rules] == ["p1-response"] and len(section.channels) == 3
    for field in AlertsConfig.model_fields:
        assert f"`{field}`" in guide, f"docs/alerts.md does not describe {field}"
    for condition in ("sla_at_risk", "sla_breached", "update_overdue", "unassigned_for", "no_activity_for",
                      "queue_backlog_above", "new_tickets_per_hour_above", "source_stale_for", "service_down",
                      "error_budget_below"):  # fmt: skip
        assert f"`{condition}`" in guide


def test_clients_and_sources_that_rules_and_silences_name_must_be_configured() -> None:
    section = AlertsConfig.model_validate(tomllib.loads(TOML)["alerts"])
    assert section.unknown_references(["acme"], []) == []
    only_globex = section.unknown_references(["globex"], ["fs"])
    assert only_globex == ["alerts name clients that are not configured: acme"]
    stale = AlertsConfig.model_validate({"rules": [rule(filters={"sources": ["fs", "zd"]})]})
    assert stale.unknown_references([], ["fs"]) == ["alerts name sources that are not configured: zd"]
