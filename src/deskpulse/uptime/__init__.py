"""The pure uptime engine: dependency graphs, service availability, incidents and trends.

Nothing here reads a clock, the database or the network: callers pass the graph history, the monitoring
data (device outages and gaps) and ``now``. See docs/uptime.md for the rules and the import formats.
"""

from deskpulse.uptime.availability import DEFAULT_POLICY, ServiceAvailability, service_availability
from deskpulse.uptime.builder import GraphImportError, ImportProblem
from deskpulse.uptime.effective import RootCause
from deskpulse.uptime.figures import Figures
from deskpulse.uptime.graph import (
    Device,
    GraphError,
    GraphProblem,
    GraphVersion,
    Location,
    MaintenanceWindow,
    ParentGroup,
    Role,
    Service,
)
from deskpulse.uptime.history import GraphHistory
from deskpulse.uptime.importer import CSV_COLUMNS, GraphFormat, detect_format, load_graph
from deskpulse.uptime.incidents import Incident
from deskpulse.uptime.monitoring import DeviceData, DeviceStatus, Monitoring, Outage
from deskpulse.uptime.policy import UptimePolicy
from deskpulse.uptime.timeline import Slice, State
from deskpulse.uptime.trends import TrendPoint, daily, month_period, monthly
from deskpulse.uptime.validation import validate_version

__all__ = [
    "CSV_COLUMNS",
    "DEFAULT_POLICY",
    "Device",
    "DeviceData",
    "DeviceStatus",
    "Figures",
    "GraphError",
    "GraphFormat",
    "GraphHistory",
    "GraphImportError",
    "GraphProblem",
    "GraphVersion",
    "ImportProblem",
    "Incident",
    "Location",
    "MaintenanceWindow",
    "Monitoring",
    "Outage",
    "ParentGroup",
    "Role",
    "RootCause",
    "Service",
    "ServiceAvailability",
    "Slice",
    "State",
    "TrendPoint",
    "UptimePolicy",
    "daily",
    "detect_format",
    "load_graph",
    "month_period",
    "monthly",
    "service_availability",
    "validate_version",
]
