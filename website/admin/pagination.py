"""Paging a query for the back-office lists (25 rows a page, from ``?page=``)."""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from website.extensions import db

PER_PAGE = 25


def paginate(query: Select) -> Pagination:
    return db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
