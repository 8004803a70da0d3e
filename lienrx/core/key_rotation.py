"""Re-encrypt every PHI column with the newest data key and rebuild the blind indexes.

Found through the mapped models rather than listed: every column of type
:class:`~lienrx.core.crypto.EncryptedText` or
:class:`~lienrx.core.crypto.EncryptedJSON` is re-encrypted, and every column marked with
:func:`~lienrx.core.crypto.blind_index_of` is recomputed from the fields it indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.attributes import flag_modified

from lienrx.core.crypto import BLIND_INDEX_OF, ENCRYPTED_TYPES, blind_index
from lienrx.core.db import Base
from lienrx.extensions import db


@dataclass(frozen=True)
class EncryptedModel:
    """A mapped class holding encrypted columns, and the blind indexes computed from them."""

    model: Any
    table: str
    fields: tuple[str, ...]
    blind_indexes: dict[str, tuple[str, ...]]


def encrypted_models() -> list[EncryptedModel]:
    """Every mapped class with at least one encrypted column, in table-name order."""
    found = []
    for mapper in Base.registry.mappers:
        fields, indexes = [], {}
        for attr in mapper.column_attrs:
            column = attr.columns[0]
            if isinstance(column.type, ENCRYPTED_TYPES):
                fields.append(attr.key)
            if BLIND_INDEX_OF in column.info:
                indexes[attr.key] = tuple(column.info[BLIND_INDEX_OF])
        if fields:
            found.append(EncryptedModel(mapper.class_, mapper.class_.__tablename__, tuple(fields),
                                        indexes))
    return sorted(found, key=lambda m: m.table)


def reencrypt_batch(target: EncryptedModel, after: Any, batch_size: int) -> tuple[int, Any]:
    """Re-encrypt the next ``batch_size`` rows whose primary key follows ``after`` (None: from
    the first); flushes, never commits. Returns (rows done, the last primary key)."""
    key = sa.inspect(target.model).primary_key[0]
    query = sa.select(target.model).order_by(key).limit(batch_size)
    if after is not None:
        query = query.where(key > after)
    rows = list(db.session.execute(query).scalars())
    for row in rows:
        for name in target.fields:
            flag_modified(row, name)  # written back, so encrypted again with the newest key
        for name, parts in target.blind_indexes.items():
            setattr(row, name, blind_index(*(getattr(row, part) for part in parts)))
    db.session.flush()
    last = getattr(rows[-1], key.key) if rows else after
    return len(rows), last
