"""The formulary: products, their effective-dated prices and USP <795> master formulations."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lienrx.core import clock
from lienrx.core.db import UTCDateTime, one_of
from lienrx.extensions import db
from lienrx.formulary import rules


class Product(db.Model):  # type: ignore[name-defined]
    """Something the pharmacy dispenses: a commercial NDC product or a compounded preparation.

    ``strength_mg_per_unit`` is the active amount in one dispensing unit (per g, mL or each),
    used for daily-dose arithmetic; ``dur_classes`` are the tags the DUR rules match on.
    """

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(12))
    dosage_form: Mapped[str] = mapped_column(sa.String(60))
    route: Mapped[str] = mapped_column(sa.String(12))
    strength: Mapped[str] = mapped_column(sa.String(40))
    strength_mg_per_unit: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 4))
    unit: Mapped[str] = mapped_column(sa.String(8))
    dea_schedule: Mapped[str | None] = mapped_column(sa.String(3))
    ndc: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    ndc_source: Mapped[str | None] = mapped_column(sa.String(500))
    hazardous: Mapped[bool] = mapped_column(default=False)
    # The FDA requires a Medication Guide with each fill (21 CFR 208.24).
    medication_guide: Mapped[bool] = mapped_column(default=False)
    dur_classes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # The drug substance, e.g. "ketamine": refill timing compares the patient's supplies of it.
    active_ingredient: Mapped[str | None] = mapped_column(sa.String(80))
    indication: Mapped[str | None] = mapped_column(sa.Text)
    # Plausibility limits on one dispense (SPEC §7.2) and where they come from.
    max_quantity_per_fill: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    max_days_supply: Mapped[int] = mapped_column(default=rules.DEFAULT_MAX_DAYS_SUPPLY)
    limits_source: Mapped[str | None] = mapped_column(sa.String(500))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    prices: Mapped[list[ProductPrice]] = relationship(
        back_populates="product", order_by="ProductPrice.effective_from")
    formulations: Mapped[list[MasterFormulation]] = relationship(
        back_populates="product", order_by="MasterFormulation.version")
    ndcs: Mapped[list[ProductNdc]] = relationship(
        back_populates="product", order_by="ProductNdc.id", cascade="all, delete-orphan")

    __table_args__ = (
        one_of("kind", rules.KINDS, "kind_known"),
        one_of("route", rules.ROUTES, "route_known"),
        one_of("unit", rules.UNITS, "unit_known"),
        sa.CheckConstraint("dea_schedule IS NULL OR dea_schedule IN ('II', 'III', 'IV', 'V')",
                           name="schedule_known"),
        sa.CheckConstraint("kind = 'commercial' OR ndc IS NULL", name="ndc_only_commercial"),
        sa.CheckConstraint("max_quantity_per_fill > 0", name="max_quantity_positive"),
        sa.CheckConstraint("max_days_supply > 0", name="max_days_supply_positive"),
    )

    @property
    def formulation(self) -> MasterFormulation | None:
        """The newest version of the master formulation (compounded products only)."""
        return self.formulations[-1] if self.formulations else None


class ProductNdc(db.Model):  # type: ignore[name-defined]
    """One package NDC a commercial product may be dispensed as (11-digit 5-4-2): the NDC
    master. ``source`` says where the NDC was read (label, SPL, NDC directory)."""

    __tablename__ = "product_ndcs"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="CASCADE"), index=True)
    ndc: Mapped[str] = mapped_column(sa.String(11))
    labeler: Mapped[str | None] = mapped_column(sa.String(120))
    source: Mapped[str | None] = mapped_column(sa.String(500))

    product: Mapped[Product] = relationship(back_populates="ndcs")

    __table_args__ = (
        sa.UniqueConstraint("product_id", "ndc"),
        sa.CheckConstraint("length(ndc) = 11", name="ndc_11_digits"),
    )


class ProductPrice(db.Model):  # type: ignore[name-defined]
    """A price list entry in integer cents, in effect from ``effective_from`` until
    ``effective_to`` (exclusive; open-ended when null)."""

    __tablename__ = "product_prices"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    unit_price_cents: Mapped[int] = mapped_column(sa.BigInteger)
    dispensing_fee_cents: Mapped[int] = mapped_column(sa.BigInteger)
    compounding_fee_cents: Mapped[int | None] = mapped_column(sa.BigInteger)

    product: Mapped[Product] = relationship(back_populates="prices")

    __table_args__ = (
        sa.UniqueConstraint("product_id", "effective_from"),
        sa.CheckConstraint("unit_price_cents >= 0 AND dispensing_fee_cents >= 0 AND "
                           "(compounding_fee_cents IS NULL OR compounding_fee_cents >= 0)",
                           name="not_negative"),
        sa.CheckConstraint("effective_to IS NULL OR effective_to > effective_from",
                           name="ends_after_start"),
    )


class MasterFormulation(db.Model):  # type: ignore[name-defined]
    """A USP <795> master formulation record (the recipe), versioned per product.

    Ingredient amounts make ``batch_quantity`` of the product (in the product's unit), any
    salt factor already applied: ``strength_basis`` says whether the product's strength is
    of the salt or the base, ``salt_factor`` how many g of the salt weigh for 1 g of base.
    ``qc_checks`` are ``[{name, expected?, min?, max?, unit?, scales_with_batch?}]`` (limits
    as decimal strings, for ``batch_quantity``). ``stability_bud_days`` (with its literature
    reference) replaces the USP <795> category default when set. A version is used to
    compound only once approved: by a pharmacist (``approved_by_user_id``) or, for a version
    loaded from the seed, by the system (no user; ``approval_note`` says so).
    """

    __tablename__ = "master_formulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        sa.ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int]
    batch_quantity: Mapped[Decimal] = mapped_column(sa.Numeric(12, 3))
    bud_category: Mapped[str] = mapped_column(sa.String(30))
    bud_reference: Mapped[str | None] = mapped_column(sa.String(300))
    stability_bud_days: Mapped[int | None]
    stability_reference: Mapped[str | None] = mapped_column(sa.String(500))
    strength_basis: Mapped[str] = mapped_column(sa.String(4), default="salt")
    salt_factor: Mapped[Decimal] = mapped_column(sa.Numeric(8, 4), default=Decimal(1))
    storage: Mapped[str] = mapped_column(sa.String(200))
    container_closure: Mapped[str] = mapped_column(sa.String(300))
    lot_prefix: Mapped[str] = mapped_column(sa.String(12))
    steps: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    qc_checks: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    auxiliary_labels: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    description: Mapped[str | None] = mapped_column(sa.Text)
    # NO ACTION, not RESTRICT: SQLite added the column in place, where an ON DELETE of a
    # column's own REFERENCES is not read back; a referenced user is kept either way.
    approved_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approval_note: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.utcnow)

    product: Mapped[Product] = relationship(back_populates="formulations")
    ingredients: Mapped[list[FormulationIngredient]] = relationship(
        order_by="FormulationIngredient.position", cascade="all, delete-orphan")

    __table_args__ = (
        sa.UniqueConstraint("product_id", "version"),
        one_of("bud_category", tuple(rules.BUD_CATEGORIES), "bud_category_known"),
        one_of("strength_basis", rules.STRENGTH_BASES, "strength_basis_known"),
        sa.CheckConstraint("batch_quantity > 0", name="batch_positive"),
        sa.CheckConstraint("salt_factor >= 1", name="salt_factor_at_least_one"),
        sa.CheckConstraint(
            f"stability_bud_days IS NULL OR (stability_bud_days > 0 AND stability_bud_days <= "
            f"{rules.MAX_STABILITY_BUD_DAYS} AND stability_reference IS NOT NULL)",
            name="stability_bud_referenced"),
        sa.CheckConstraint("approved_by_user_id IS NULL OR approved_at IS NOT NULL",
                           name="approver_has_a_time"),
    )

    @property
    def hazardous(self) -> bool:
        return any(i.hazardous for i in self.ingredients)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class FormulationIngredient(db.Model):  # type: ignore[name-defined]
    """One component of a master formulation: what, how much for one batch, and its role.

    ``qs`` (quantum sufficit) marks a filler or vehicle added to a final weight or volume:
    ``quantity`` is then its nominal amount, and what is used is recorded, not held to ±5 %.
    ``dea_schedule`` is the component's federal schedule; ``ndc`` the NDC of the bulk
    product the formula names, when it names one.
    """

    __tablename__ = "formulation_ingredients"

    id: Mapped[int] = mapped_column(primary_key=True)
    formulation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("master_formulations.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    component: Mapped[str] = mapped_column(sa.String(200))
    quantity: Mapped[Decimal] = mapped_column(sa.Numeric(14, 4))
    unit: Mapped[str] = mapped_column(sa.String(8))
    role: Mapped[str] = mapped_column(sa.String(10))
    hazardous: Mapped[bool] = mapped_column(default=False)
    qs: Mapped[bool] = mapped_column(default=False)
    dea_schedule: Mapped[str | None] = mapped_column(sa.String(3))
    ndc: Mapped[str | None] = mapped_column(sa.String(11))

    __table_args__ = (
        sa.UniqueConstraint("formulation_id", "component"),
        one_of("role", rules.INGREDIENT_ROLES, "role_known"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("dea_schedule IS NULL OR dea_schedule IN ('II', 'III', 'IV', 'V')",
                           name="schedule_known"),
        sa.CheckConstraint("ndc IS NULL OR length(ndc) = 11", name="ndc_11_digits"),
    )
