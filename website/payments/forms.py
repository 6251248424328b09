"""The pay button: which installment the client meant to pay."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired
from wtforms.widgets import HiddenInput


class PayForm(FlaskForm):
    # The installment shown on the page; a stale page cannot pay the wrong part.
    installment = IntegerField(validators=[InputRequired()], widget=HiddenInput())
