"""Monthly client reports: a figures document turned into HTML, e-mail and PDF, stored per run and sent."""
