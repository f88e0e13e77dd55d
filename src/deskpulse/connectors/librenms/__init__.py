"""LibreNMS API v0 connector (devices, outages, LLDP/CDP links, event log, alerts, ports, groups, services)."""

from deskpulse.connectors.librenms.connector import LibreNmsConnector
from deskpulse.connectors.librenms.outage_sync import DeviceMark, OutageSyncState
from deskpulse.connectors.librenms.records import (
    Alert,
    Device,
    DeviceGroup,
    DeviceStatus,
    Event,
    EventlogBatch,
    Link,
    Outage,
    Port,
    Service,
)
from deskpulse.connectors.librenms.settings import LibreNmsSettings

__all__ = [
    "Alert", "Device", "DeviceGroup", "DeviceMark", "DeviceStatus", "Event", "EventlogBatch", "LibreNmsConnector",
    "LibreNmsSettings", "Link", "Outage", "OutageSyncState", "Port", "Service",
]  # fmt: skip
