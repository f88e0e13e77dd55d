"""Autotask PSA REST v1.0 connector (tickets, queues, resources, companies, time entries; ticket writes)."""

from deskpulse.connectors.autotask.connector import AutotaskConnector, Tombstone
from deskpulse.connectors.autotask.http import WriteRejected
from deskpulse.connectors.autotask.settings import AutotaskSettings
from deskpulse.connectors.autotask.writes import WriteReadback

__all__ = ["AutotaskConnector", "AutotaskSettings", "Tombstone", "WriteReadback", "WriteRejected"]
