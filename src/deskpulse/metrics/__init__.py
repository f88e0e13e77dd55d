"""Service-desk metrics: SLA clocks over stored tickets, figures, trends and the metrics API's envelope."""
