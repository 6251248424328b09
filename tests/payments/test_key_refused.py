"""A revoked or rotated Mollie key is a configuration error: staff hear of it at once.

Mollie answers 401 to a key it does not know (403 where a key may not do something); the
sandbox does the same for a revoked key. Retrying cannot help, so the site does not say
"try again in a minute": staff get one mail and a dashboard warning, clients a page that
sends them to the bank transfer, and ``reconcile`` stops with its own exit status.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.admin.conftest import STAFF_EMAIL, STAFF_PASSWORD, sign_in
from tests.payments.test_payments import app_config as app_config  # the sandbox's settings
from tests.payments.test_payments import click_pay, deliver_webhook, the_attempt
from tests.payments.test_payments import token as token
from website.admin.models import StaffMember
from website.admin.services import create_staff
from website.extensions import db
from website.mail.models import OutboxMessage
from website.mollie_sandbox.testing import MollieSandbox
from website.payments.models import MollieKeyStatus

EN = {"Accept-Language": "en"}


def alert_mails(app: Flask) -> list[OutboxMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(OutboxMessage).where(OutboxMessage.kind == "payments/key_refused")
            )
        )


def key_status(app: Flask) -> MollieKeyStatus | None:
    with app.app_context():
        return db.session.get(MollieKeyStatus, 1)


def dashboard(app: Flask) -> str:
    with app.app_context():
        if db.session.scalar(sa.select(StaffMember.id)) is None:
            create_staff(STAFF_EMAIL, STAFF_PASSWORD)
    staff = app.test_client()
    assert sign_in(staff).status_code == 303
    return staff.get("/admin/", headers=EN).text


def test_a_revoked_key_tells_the_client_to_transfer_and_staff_once(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.revoke_key()

    first = click_pay(client, token, "en")
    second = click_pay(client, token, "en")

    for response in (first, second):
        assert response.status_code == 503
        assert "Online payment is not available" in response.text
        assert "pay by bank transfer" in response.text
        assert "try again in a minute" not in response.text
    [mail] = alert_mails(app)  # one mail for the spell, not one per click
    assert mail.recipient == app.config["STUDIO_INBOX"]
    assert "MOLLIE_API_KEY" in mail.text_body and "HTTP 401" in mail.text_body
    status = key_status(app)
    assert status is not None and status.http_status == 401 and status.refused_since
    page = dashboard(app)
    assert "Mollie refuses the website's API key" in page
    assert "Mollie answers HTTP 401" in page

    mollie_sandbox.restore_key()
    assert click_pay(client, token, "en").status_code == 303  # on to Mollie's checkout
    status = key_status(app)
    assert status is not None and status.refused_since is None
    assert "Mollie refuses" not in dashboard(app)
    assert len(alert_mails(app)) == 1


def test_a_new_spell_of_refusals_mails_again(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    mollie_sandbox.revoke_key()
    click_pay(client, token, "en")
    mollie_sandbox.restore_key()
    click_pay(client, token, "en")
    mollie_sandbox.revoke_key()
    assert click_pay(client, token, "en").status_code == 503  # asks Mollie about the open one
    assert len(alert_mails(app)) == 2


def test_a_webhook_under_a_refused_key_is_retried_and_reported(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    click_pay(client, token)
    attempt = the_attempt(app)
    mollie_sandbox.revoke_key()

    response = deliver_webhook(client, attempt)

    assert response.status_code == 503  # Mollie resends for a day: time to replace the key
    assert len(alert_mails(app)) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_reconcile_stops_with_its_own_exit_status(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox, status: int
) -> None:
    click_pay(client, token)
    mollie_sandbox.inject_fault(status=status, method="GET", path_prefix="/v2/payments/")

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 2  # not 1, Mollie being away: cron mail says what to fix
    assert "set a valid MOLLIE_API_KEY" in result.stderr
    assert "not reachable" not in result.output
    status_row = key_status(app)
    assert status_row is not None and status_row.http_status == status


def test_an_outage_is_still_only_temporary(
    app: Flask, client: FlaskClient, token: str, mollie_sandbox: MollieSandbox
) -> None:
    click_pay(client, token)
    mollie_sandbox.inject_fault(status=503, method="GET", path_prefix="/v2/payments/")

    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "Checked 1 payments: 0 changed, 1 not reachable."
    assert key_status(app) is None and alert_mails(app) == []
