"""Configuration: secret key handling, database URL, production safety."""

from __future__ import annotations

import pytest

from learnpath.config import ConfigError, build_config, normalise_database_url


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("LEARNPATH_SECRET_KEY", raising=False)
    first = build_config(str(tmp_path), {})["SECRET_KEY"]
    second = build_config(str(tmp_path), {})["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("LEARNPATH_SECRET_KEY", raising=False)
    monkeypatch.setenv("LEARNPATH_ENV", "production")
    with pytest.raises(ConfigError):
        build_config(str(tmp_path), {})
    config = build_config(str(tmp_path), {"SECRET_KEY": "s" * 40})
    assert config["SESSION_COOKIE_SECURE"] is True


def test_default_database_is_sqlite_in_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LEARNPATH_DATABASE_URL", raising=False)
    config = build_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/learnpath.sqlite3"
    assert config["DEFAULT_TIMEZONE"] == "Europe/Amsterdam"


def test_environment_selects_postgresql(tmp_path, monkeypatch):
    monkeypatch.setenv("LEARNPATH_DATABASE_URL", "postgresql://u@db/x")
    assert (
        build_config(str(tmp_path), {})["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/x"
    )
    assert normalise_database_url("sqlite:///a") == "sqlite:///a"


def test_mail_goes_to_files_in_development_and_over_smtp_in_production(tmp_path, monkeypatch):
    """A first run (`make run`, the scheduler) has no mail server: development writes .eml files
    (as the README says); production sends over SMTP unless told otherwise."""
    monkeypatch.delenv("LEARNPATH_MAIL_BACKEND", raising=False)
    monkeypatch.delenv("LEARNPATH_ENV", raising=False)
    assert build_config(str(tmp_path), {})["MAIL_BACKEND"] == "file"
    production = {"ENV": "production", "SECRET_KEY": "s"}
    assert build_config(str(tmp_path), production)["MAIL_BACKEND"] == "smtp"
    monkeypatch.setenv("LEARNPATH_MAIL_BACKEND", "smtp")
    assert build_config(str(tmp_path), {})["MAIL_BACKEND"] == "smtp"
