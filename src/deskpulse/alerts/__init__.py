"""Alerts and escalations: rules evaluated against tickets and sources, an alert lifecycle kept in the store,
notifications by e-mail, Slack, Teams and signed webhooks, and write-back to the PSA.

Modules: ``rules``/``settings`` (the schema), ``evaluate``/``conditions`` (pure), ``inputs`` (reading the
store), ``lifecycle``/``resolution``/``outbox`` (alerts in the store), ``rule_store``/``history`` (rules from the
API, listing and search), ``channels``/``payloads``/``delivery``/``channel_status``/``writeback`` (acting),
``runner``/``worker`` (putting it together). Only the schema is imported here, so the configuration can use it
cheaply.
"""

from deskpulse.alerts.rules import Rule
from deskpulse.alerts.settings import AlertsConfig, Silence

__all__ = ["AlertsConfig", "Rule", "Silence"]
