"""The policy editor: write a new version in both languages, preview it, publish it."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from website.admin.blueprint import bp
from website.admin.forms import PolicyForm
from website.clock import studio_today
from website.htmx import redirect_after_post, render
from website.markdown import Rendered, render_markdown
from website.policy import placeholders, services


@bp.get("/policy")
def policy_versions() -> Response:
    """Every published version, newest first, and where to write the next one."""
    return render("admin/policy/list.html", versions=services.all_versions(), today=studio_today())


@bp.route("/policy/new", methods=["GET", "POST"])
def new_policy_version() -> Response:
    """Start from the current texts; "preview" shows them rendered, "publish" makes them final."""
    form = PolicyForm()
    if request.method == "GET":
        form = PolicyForm(formdata=None, published_on=studio_today(), **_current_bodies())
    # Every version after the first in a language says what changed, once it is published;
    # a preview may come before the summary is written.
    form.languages_published = frozenset(services.languages_published())
    form.publishing = request.form.get("action") == "publish"
    if request.method == "GET":
        return render("admin/policy/form.html", form=form)
    if not form.validate():
        return render(
            "admin/policy/form.html", partial="admin/policy/_form.html", form=form, status=422
        )
    if request.form.get("action") != "publish":
        return render(
            "admin/policy/form.html",
            partial="admin/policy/_form.html",
            form=form,
            previews={
                language: _preview(text, language)
                for language, text in _texts(form, "body").items()
            },
            summaries={
                language: _preview(text, language) if text.strip() else None
                for language, text in _texts(form, "changes").items()
            },
        )
    try:
        services.publish(
            form.published_on.data,
            _texts(form, "body"),
            _texts(form, "changes"),
            current_user.id,
        )
    except services.PolicyConflict as conflict:
        form.published_on.errors = [str(conflict)]
        return render(
            "admin/policy/form.html", partial="admin/policy/_form.html", form=form, status=422
        )
    flash(_("The new version is published."))
    return redirect_after_post(url_for("admin.policy_versions"))


def _texts(form: PolicyForm, kind: str) -> dict[str, str]:
    """The form's texts of one kind ("body" or "changes"), by language."""
    return {language: form[f"{kind}_{language}"].data or "" for language in ("nl", "en")}


def _preview(text: str, language: str) -> Rendered:
    return render_markdown(placeholders.fill(text, language))


def _current_bodies() -> dict[str, str]:
    bodies = {}
    for language in ("nl", "en"):
        version = services.current_version(language)
        bodies[f"body_{language}"] = (
            version.body if version and version.language == language else ""
        )
    return bodies
