"""HTTPS on a LAN: a self-signed certificate from the CLI, served by uvicorn, with HSTS over TLS only."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx2
from typer.testing import CliRunner

from deskpulse.cli import app as cli
from deskpulse.config import Config
from deskpulse.store.db import Database
from deskpulse.web.app import create_app
from support import LiveServer

runner = CliRunner()


def test_cert_self_signed_writes_a_pair_and_refuses_without_the_flag(tmp_path: Path) -> None:
    done = runner.invoke(cli, ["cert", "--self-signed", "--out-dir", str(tmp_path), "--host", "desk.lan"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "cert.pem").read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0, "the private key is readable by its owner only"
    refused = runner.invoke(cli, ["cert", "--out-dir", str(tmp_path)])
    assert refused.exit_code == 2


def test_serve_refuses_half_a_tls_pair_with_a_sentence(tmp_path: Path) -> None:
    done = runner.invoke(cli, ["serve", "--certfile", str(tmp_path / "cert.pem")], env={"DESKPULSE_CONFIG": ""})
    assert done.exit_code == 2
    assert "both --certfile and --keyfile" in done.output


def test_the_app_serves_https_with_hsts_and_plain_http_without(db: Database, tmp_path: Path) -> None:
    assert runner.invoke(cli, ["cert", "--self-signed", "--out-dir", str(tmp_path)]).exit_code == 0
    app = create_app(Config(), db=db)
    with LiveServer(app) as plain:
        assert "strict-transport-security" not in httpx2.get(f"{plain.url}/healthz").headers
    server = LiveServer(app)
    server.server.config.ssl_certfile = str(tmp_path / "cert.pem")
    server.server.config.ssl_keyfile = str(tmp_path / "key.pem")
    with server:
        context = ssl.create_default_context(cafile=str(tmp_path / "cert.pem"))
        response = httpx2.get(f"https://127.0.0.1:{server.port}/healthz", verify=context)
    assert response.status_code == 200
    assert response.headers["strict-transport-security"].startswith("max-age=")
