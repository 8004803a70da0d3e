"""The baseline of bench/dispense.py: a bare Flask + Flask-SQLAlchemy endpoint that inserts one
row per request, on the same database and gunicorn settings as LienRx."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BenchRow(db.Model):  # type: ignore[name-defined]
    __tablename__ = "bench_rows"

    id: Mapped[int] = mapped_column(primary_key=True)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)

    @app.post("/insert")
    def insert():
        row = BenchRow(payload=request.get_json(), created_at=datetime.now(UTC))
        db.session.add(row)
        db.session.commit()
        return jsonify({"id": row.id}), 201

    with app.app_context():
        db.create_all()
    return app


app = create_app()
