"""``flask staff create|disable|enable``."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.admin.conftest import STAFF_PASSWORD
from website.admin.models import StaffMember
from website.audit.models import AuditEvent
from website.extensions import db


def members(app: Flask) -> list[tuple[str, bool]]:
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffMember).order_by(StaffMember.id))
        return [(member.email, member.active) for member in rows]


def test_create_asks_for_the_password_twice(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["staff", "create", "Lotte@iVisualProductions.nl"],
        input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created staff account lotte@ivisualproductions.nl." in result.output
    assert members(app) == [("lotte@ivisualproductions.nl", True)]
    with app.app_context():
        assert db.session.scalar(sa.select(AuditEvent.action)) == "staff.created"


def test_create_refuses_a_mismatch_then_a_weak_password(app: Flask, runner: FlaskCliRunner) -> None:
    mismatch = runner.invoke(
        args=["staff", "create", "a@example.nl"], input=f"{STAFF_PASSWORD}\nother\n"
    )
    assert mismatch.exit_code != 0
    assert "do not match" in mismatch.output
    weak = runner.invoke(args=["staff", "create", "a@example.nl"], input="password1\npassword1\n")
    assert weak.exit_code == 1
    assert "Use at least 12 characters." in weak.output
    assert members(app) == []


def test_disable_and_enable(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(
        args=["staff", "create", "a@example.nl"], input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n"
    )
    assert (
        "Disabled a@example.nl." in runner.invoke(args=["staff", "disable", "A@example.nl"]).output
    )
    assert members(app) == [("a@example.nl", False)]
    assert "Enabled a@example.nl." in runner.invoke(args=["staff", "enable", "a@example.nl"]).output
    assert members(app) == [("a@example.nl", True)]
    unknown = runner.invoke(args=["staff", "disable", "nobody@example.nl"])
    assert unknown.exit_code == 1
    assert "There is no staff account for nobody@example.nl." in unknown.output
