"""Read the formulary and price list; add products, prices and formulations (seeds, admin);
approve formulation versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from lienrx.audit import services as audit
from lienrx.core import clock, locks, reference
from lienrx.core.actors import Actor
from lienrx.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from lienrx.core.identifiers import normalize_ndc
from lienrx.core.paging import Page, fetch_page
from lienrx.core.schemas import plain_number
from lienrx.core.security import PHARMACIST
from lienrx.extensions import db
from lienrx.formulary import rules
from lienrx.formulary.models import (
    FormulationIngredient,
    MasterFormulation,
    Product,
    ProductNdc,
    ProductPrice,
)

PRODUCT_FIELDS = ("name", "kind", "dosage_form", "route", "strength", "strength_mg_per_unit",
                  "unit", "dea_schedule", "ndc", "ndc_source", "hazardous", "dur_classes",
                  "indication", "active", "max_quantity_per_fill", "max_days_supply",
                  "limits_source", "medication_guide", "active_ingredient")


def list_products(*, code: str | None = None, page: int = 1, page_size: int = 50,
                  active_only: bool = True) -> Page[Product]:
    """A page of the formulary's products by code (optionally only the one with ``code``)
    and how many there are."""
    query = sa.select(Product).order_by(Product.code)
    if code:
        query = query.where(Product.code == code.strip().upper())
    if active_only:
        query = query.where(Product.active.is_(True))
    return fetch_page(query, page=page, page_size=page_size)


def get_product(product_id: int) -> Product:
    """The product, or NotFound."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


def product_by_code(code: str) -> Product | None:
    """The product with this code, if any."""
    return db.session.execute(
        sa.select(Product).where(Product.code == code.strip().upper())).scalar_one_or_none()


@dataclass(frozen=True)
class ListedPrice:
    """A price list entry in integer cents, in effect from ``effective_from`` until
    ``effective_to`` (exclusive; open-ended when None)."""

    effective_from: date
    effective_to: date | None
    unit_price_cents: int
    dispensing_fee_cents: int
    compounding_fee_cents: int | None


def price_on(product_id: int, on_date: date) -> ListedPrice | None:
    """The price list entry in effect for a product on a date (None when there is none)."""
    listed = reference.cached("price_list", _read_price_list).get(product_id, ())
    return next((p for p in listed if p.effective_from <= on_date
                 and (p.effective_to is None or p.effective_to > on_date)), None)


def _read_price_list() -> dict[int, tuple[ListedPrice, ...]]:
    """Each product's price list entries, latest first."""
    rows = db.session.execute(
        sa.select(ProductPrice.product_id, ProductPrice.effective_from,
                  ProductPrice.effective_to, ProductPrice.unit_price_cents,
                  ProductPrice.dispensing_fee_cents, ProductPrice.compounding_fee_cents)
        .order_by(ProductPrice.product_id, ProductPrice.effective_from.desc()))
    prices: dict[int, list[ListedPrice]] = {}
    for product_id, starts, ends, unit, fee, compounding_fee in rows:
        prices.setdefault(product_id, []).append(
            ListedPrice(starts, ends, unit, fee, compounding_fee))
    return {product_id: tuple(entries) for product_id, entries in prices.items()}


def _clean_product(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    checks = (("kind", rules.KINDS), ("route", rules.ROUTES), ("unit", rules.UNITS))
    for field, allowed in checks:
        if data.get(field) not in allowed:
            errors[field] = [f"One of {', '.join(allowed)}."]
    if data.get("dea_schedule") not in (None, *rules.SCHEDULES):
        errors["dea_schedule"] = ["One of II, III, IV, V or null."]
    if data.get("ndc"):
        if data.get("kind") != "commercial":
            errors["ndc"] = ["Only commercial products carry an NDC."]
        else:
            try:
                data["ndc"] = normalize_ndc(str(data["ndc"]))
            except ValueError as exc:
                errors["ndc"] = [str(exc)]
    if data.get("strength_mg_per_unit") is not None:
        data["strength_mg_per_unit"] = Decimal(str(data["strength_mg_per_unit"]))
    _clean_limits(data, errors)
    if errors:
        raise ValidationFailed(errors)
    return data


def _clean_limits(data: dict[str, Any], errors: dict[str, list[str]]) -> None:
    """Fill in the policy defaults for limits not given (SPEC §7.2) and check them."""
    if data.get("max_quantity_per_fill") is None:
        data.pop("max_quantity_per_fill", None)
    else:
        limit = Decimal(str(data["max_quantity_per_fill"]))
        if limit <= 0 or (data.get("unit") == "each" and limit != limit.to_integral_value()):
            errors["max_quantity_per_fill"] = ["A positive amount (whole for `each`)."]
        data["max_quantity_per_fill"] = limit
    if data.get("max_days_supply") is None:
        data.pop("max_days_supply", None)
    elif not isinstance(data["max_days_supply"], int) or data["max_days_supply"] < 1:
        errors["max_days_supply"] = ["A positive whole number of days."]


def _with_default_limits(data: dict[str, Any]) -> dict[str, Any]:
    """A new product's data with the pharmacy policy defaults for limits it does not give."""
    data = dict(data)
    if "max_quantity_per_fill" not in data or "max_days_supply" not in data:
        data["limits_source"] = data.get("limits_source") or rules.DEFAULT_LIMITS_SOURCE
    data.setdefault("max_days_supply", rules.DEFAULT_MAX_DAYS_SUPPLY)
    data.setdefault("max_quantity_per_fill",
                    Decimal(rules.DEFAULT_MAX_QUANTITY_PER_FILL[data["unit"]]))
    return data


def upsert_product(actor: Actor | None, *, code: str, **fields: Any) -> tuple[Product, bool]:
    """Create the product with ``code`` or bring its fields up to date; say whether it changed."""
    data = _clean_product({k: fields.get(k) for k in PRODUCT_FIELDS if k in fields})
    data.setdefault("dur_classes", [])
    product = product_by_code(code)
    if product is None:
        product = Product(code=code.strip().upper(), **_with_default_limits(data))
        db.session.add(product)
        db.session.flush()
        _keep_default_ndc_listed(product)
        audit.record(actor, "product.created", "product", product.id, {"code": product.code})
        return product, True
    changed = [k for k, v in data.items() if getattr(product, k) != v]
    for key in changed:
        setattr(product, key, data[key])
    if changed:
        db.session.flush()
        _keep_default_ndc_listed(product)
        audit.record(actor, "product.updated", "product", product.id, {"fields": changed})
    return product, bool(changed)


def _clean_ndcs(product: Product, ndcs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if product.kind != "commercial" and ndcs:
        raise ValidationFailed({"ndcs": ["Only commercial products carry NDCs."]})
    cleaned: list[dict[str, Any]] = []
    errors: list[str] = []
    for entry in ndcs:
        try:
            ndc = normalize_ndc(str(entry.get("ndc") or ""))
        except ValueError as exc:
            errors.append(f"{entry.get('ndc')!r}: {exc}")
            continue
        if any(c["ndc"] == ndc for c in cleaned):
            errors.append(f"{ndc} is listed twice.")
            continue
        cleaned.append({"ndc": ndc, "labeler": entry.get("labeler") or None,
                        "source": entry.get("source") or None})
    if errors:
        raise ValidationFailed({"ndcs": errors})
    return cleaned


def set_product_ndcs(actor: Actor | None, product: Product,
                     ndcs: list[dict[str, Any]]) -> bool:
    """Make ``ndcs`` (``[{ndc, labeler, source}]``, first = default) the product's NDC master:
    rows are added, updated or dropped to match, and the product's single ``ndc`` becomes the
    first one. Says whether anything changed."""
    wanted = _clean_ndcs(product, ndcs)
    existing = {row.ndc: row for row in product.ndcs}
    changed = False
    for row in list(product.ndcs):
        if row.ndc not in {w["ndc"] for w in wanted}:
            product.ndcs.remove(row)
            changed = True
    for entry in wanted:
        found = existing.get(entry["ndc"])
        if found is None:
            product.ndcs.append(ProductNdc(**entry))
            changed = True
        elif (found.labeler, found.source) != (entry["labeler"], entry["source"]):
            found.labeler, found.source = entry["labeler"], entry["source"]
            changed = True
    default = wanted[0] if wanted else {"ndc": None, "source": None}
    if (product.ndc, product.ndc_source) != (default["ndc"], default["source"]):
        product.ndc, product.ndc_source = default["ndc"], default["source"]
        changed = True
    if changed:
        db.session.flush()
        audit.record(actor, "product.ndcs_set", "product", product.id,
                     {"ndcs": [w["ndc"] for w in wanted]})
    return changed


def dispensable_ndcs(product_id: int) -> tuple[str, ...]:
    """The package NDCs the product may be dispensed as, the default first (from the
    process's copy of the NDC master)."""
    return reference.cached("product_ndcs", _read_ndc_master).get(product_id, ())


def _read_ndc_master() -> dict[int, tuple[str, ...]]:
    listed: dict[int, list[str]] = {}
    for product_id, ndc in db.session.execute(
            sa.select(ProductNdc.product_id, ProductNdc.ndc).order_by(ProductNdc.id)):
        listed.setdefault(product_id, []).append(ndc)
    return {product_id: tuple(ndcs) for product_id, ndcs in listed.items()}


def _keep_default_ndc_listed(product: Product) -> None:
    """A product given a single ``ndc`` lists it in its NDC master too."""
    if product.ndc and product.ndc not in [row.ndc for row in product.ndcs]:
        product.ndcs.append(ProductNdc(ndc=product.ndc, source=product.ndc_source))
        db.session.flush()


def set_price(actor: Actor | None, product: Product, *, effective_from: date, unit_price_cents: int,
              dispensing_fee_cents: int, compounding_fee_cents: int | None = None,
              effective_to: date | None = None) -> tuple[ProductPrice, bool]:
    """Add a price list entry (idempotent on product + effective_from)."""
    existing = db.session.execute(
        sa.select(ProductPrice).where(ProductPrice.product_id == product.id,
                                      ProductPrice.effective_from == effective_from)
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    if product.kind != "compounded" and compounding_fee_cents is not None:
        raise ValidationFailed({"compounding_fee": ["Only compounded products have one."]})
    price = ProductPrice(product_id=product.id, effective_from=effective_from,
                         effective_to=effective_to, unit_price_cents=unit_price_cents,
                         dispensing_fee_cents=dispensing_fee_cents,
                         compounding_fee_cents=compounding_fee_cents)
    db.session.add(price)
    db.session.flush()
    audit.record(actor, "product_price.created", "product_price", price.id,
                 {"product_id": product.id, "effective_from": effective_from.isoformat()})
    return price, True


def _plain(value: Any) -> str | None:
    """A QC limit as a plain decimal string, or None when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return plain_number(number) if number.is_finite() else None


def _clean_qc_check(check: dict[str, Any], seen: set[str]) -> tuple[dict[str, Any], list[str]]:
    name = str(check.get("name") or "")
    problems = []
    if not rules.QC_CHECK_NAME.fullmatch(name):
        problems.append(f"QC check {name!r}: a name of letters, digits and _ (≤ 40).")
    elif name in seen:
        problems.append(f"QC check {name} is listed twice.")
    seen.add(name)
    cleaned: dict[str, Any] = {"name": name}
    if check.get("expected"):
        cleaned["expected"] = str(check["expected"]).strip()[:300]
    for limit in ("min", "max"):
        if check.get(limit) is not None:
            value = _plain(check[limit])
            if value is None:
                problems.append(f"QC check {name}: {limit} must be a number.")
            cleaned[limit] = value
    low, high = cleaned.get("min"), cleaned.get("max")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        problems.append(f"QC check {name}: min is above max.")
    if "expected" not in cleaned and low is None and high is None:
        problems.append(f"QC check {name}: give the expected result or a min/max range.")
    if check.get("unit"):
        cleaned["unit"] = str(check["unit"]).strip()[:12]
    if check.get("scales_with_batch"):
        cleaned["scales_with_batch"] = True
    return cleaned, problems


def _clean_qc_checks(checks: list[dict[str, Any]], errors: dict[str, list[str]]
                     ) -> list[dict[str, Any]]:
    seen: set[str] = set()
    cleaned = []
    for check in checks:
        one, problems = _clean_qc_check(check, seen)
        cleaned.append(one)
        if problems:
            errors.setdefault("qc_checks", []).extend(problems)
    return cleaned


def _check_salt_basis(product: Product, batch_quantity: Decimal, strength_basis: str,
                      salt_factor: Decimal, ingredients: list[dict[str, Any]],
                      errors: dict[str, list[str]]) -> None:
    """The drug substance's amount must carry the product's strength on its stated basis:
    strength × batch, times the salt factor when the strength is of the base."""
    if strength_basis not in rules.STRENGTH_BASES:
        errors["strength_basis"] = [f"One of {', '.join(rules.STRENGTH_BASES)}."]
        return
    if salt_factor < 1:
        errors["salt_factor"] = ["Grams of the salt per gram of base: at least 1."]
        return
    apis = [i for i in ingredients if i.get("role") == "api"]
    if product.strength_mg_per_unit is None or len(apis) != 1 or \
            apis[0].get("unit") not in rules.MASS:
        return
    factor = salt_factor if strength_basis == "base" else Decimal(1)
    wanted_g = (Decimal(product.strength_mg_per_unit) * batch_quantity * factor
                / Decimal(1000))
    given_g = Decimal(str(apis[0]["quantity"])) * Decimal(rules.MASS[apis[0]["unit"]])
    if abs(given_g - wanted_g) > wanted_g * rules.SALT_BASIS_TOLERANCE:
        errors.setdefault("ingredients", []).append(
            f"{apis[0]['component']}: {product.strength} as {strength_basis} for "
            f"{plain_number(batch_quantity)} {product.unit} needs "
            f"{plain_number(wanted_g.quantize(Decimal('0.0001')))} g"
            + (f" (salt factor {plain_number(salt_factor)})" if strength_basis == "base" else "")
            + f", not {plain_number(given_g)} g.")


def _clean_ingredients(ingredients: list[dict[str, Any]], errors: dict[str, list[str]]
                       ) -> list[FormulationIngredient]:
    names = [i["component"].strip().lower() for i in ingredients]
    if not ingredients or len(set(names)) != len(names):
        errors["ingredients"] = ["List each component once."]
    problems = errors.setdefault("ingredients", [])
    if any(i["unit"] not in rules.INGREDIENT_UNITS for i in ingredients):
        problems.append(f"Units are {', '.join(rules.INGREDIENT_UNITS)}.")
    rows = []
    for n, item in enumerate(ingredients):
        schedule, ndc = item.get("dea_schedule"), item.get("ndc") or None
        if schedule not in (None, *rules.SCHEDULES):
            problems.append(f"{item['component']}: a DEA schedule is one of II, III, IV, V.")
        if ndc is not None:
            try:
                ndc = normalize_ndc(str(ndc))
            except ValueError as exc:
                problems.append(f"{item['component']}: {exc}.")
        rows.append(FormulationIngredient(
            position=n, component=item["component"].strip(),
            quantity=Decimal(str(item["quantity"])), unit=item["unit"], role=item["role"],
            hazardous=bool(item.get("hazardous")), qs=bool(item.get("qs")),
            dea_schedule=schedule, ndc=ndc))
    if not problems:
        errors.pop("ingredients")
    return rows


def _check_stability(days: int | None, reference: str | None,
                     errors: dict[str, list[str]]) -> None:
    if days is None:
        return
    if isinstance(days, bool) or not isinstance(days, int) or \
            not 0 < days <= rules.MAX_STABILITY_BUD_DAYS:
        errors["stability_bud_days"] = [
            f"Whole days, at most {rules.MAX_STABILITY_BUD_DAYS} (USP <795>)."]
    if not (reference or "").strip():
        errors["stability_reference"] = ["Cite the stability study that supports it."]


def add_formulation(actor: Actor | None, product: Product, *, version: int,
                    batch_quantity: Decimal, bud_category: str, storage: str,
                    container_closure: str, lot_prefix: str, ingredients: list[dict[str, Any]],
                    strength_basis: str = "salt", salt_factor: Decimal | str | int = 1,
                    steps: list[str] | None = None, qc_checks: list[dict[str, Any]] | None = None,
                    auxiliary_labels: list[str] | None = None, description: str | None = None,
                    bud_reference: str | None = None, stability_bud_days: int | None = None,
                    stability_reference: str | None = None) -> tuple[MasterFormulation, bool]:
    """Add a master formulation version, not yet approved; an existing version is never
    rewritten. Its drug substance must carry the product's strength on the stated salt or
    base basis (422 on ``ingredients``)."""
    existing = db.session.execute(
        sa.select(MasterFormulation).where(MasterFormulation.product_id == product.id,
                                           MasterFormulation.version == version)
    ).scalar_one_or_none()
    if existing is not None:
        return existing, False
    errors: dict[str, list[str]] = {}
    if product.kind != "compounded":
        errors["product_id"] = ["Only compounded products have a master formulation."]
    if bud_category not in rules.BUD_CATEGORIES:
        errors["bud_category"] = [f"One of {', '.join(rules.BUD_CATEGORIES)}."]
    batch, factor = Decimal(str(batch_quantity)), Decimal(str(salt_factor))
    rows = _clean_ingredients(ingredients, errors)
    checks = _clean_qc_checks(qc_checks or [], errors)
    _check_salt_basis(product, batch, strength_basis, factor, ingredients, errors)
    _check_stability(stability_bud_days, stability_reference, errors)
    if errors:
        raise ValidationFailed(errors)
    formulation = MasterFormulation(
        product_id=product.id, version=version, batch_quantity=batch,
        bud_category=bud_category, storage=storage, container_closure=container_closure,
        lot_prefix=lot_prefix, steps=steps or [], qc_checks=checks,
        auxiliary_labels=auxiliary_labels or [], description=description,
        bud_reference=bud_reference, stability_bud_days=stability_bud_days,
        stability_reference=stability_reference, strength_basis=strength_basis,
        salt_factor=factor, ingredients=rows)
    db.session.add(formulation)
    db.session.flush()
    db.session.refresh(product, ["formulations"])
    audit.record(actor, "formulation.created", "master_formulation", formulation.id,
                 {"product_id": product.id, "version": version})
    return formulation, True


def get_formulation(formulation_id: int) -> MasterFormulation:
    """The master formulation version, or NotFound."""
    formulation = db.session.get(MasterFormulation, formulation_id)
    if formulation is None:
        raise NotFound("No such master formulation.")
    return formulation


def compounding_formulation(product: Product) -> MasterFormulation | None:
    """The version a batch of ``product`` is made from: its newest approved one."""
    approved = [f for f in product.formulations if f.approved]
    return approved[-1] if approved else None


def unreviewed_formulations() -> list[MasterFormulation]:
    """Versions no pharmacist has approved yet (new ones, and those the seed loaded)."""
    return list(db.session.execute(
        sa.select(MasterFormulation).where(MasterFormulation.approved_by_user_id.is_(None))
        .order_by(MasterFormulation.product_id, MasterFormulation.version)).scalars())


def approve_formulation(actor: Actor, formulation_id: int) -> MasterFormulation:
    """A pharmacist approves a version (their account and the time are recorded); from then
    on it is used to compound. Approved by a pharmacist already → 409 ``invalid_transition``."""
    if actor.role != PHARMACIST:
        raise Forbidden("Only a pharmacist approves a master formulation.")
    formulation = get_formulation(formulation_id)
    # the product's lock serialises approval with batches being recorded from it
    locks.lock(sa.select(Product).where(Product.id == formulation.product_id), Product)
    db.session.refresh(formulation)
    if formulation.approved_by_user_id is not None:
        raise Conflict("invalid_transition",
                       f"Version {formulation.version} is already approved by a pharmacist.")
    formulation.approved_by_user_id, formulation.approved_at = actor.id, clock.utcnow()
    formulation.approval_note = None
    db.session.flush()
    audit.record(actor, "formulation.approved", "master_formulation", formulation.id,
                 {"product_id": formulation.product_id, "version": formulation.version})
    return formulation


def approve_as_seeded(formulation: MasterFormulation) -> bool:
    """The seed loader's approval of a version it loaded: by the system, not a pharmacist,
    and marked so. A version approved before is left as it is; says whether it changed."""
    if formulation.approved:
        return False
    formulation.approved_at, formulation.approval_note = clock.utcnow(), rules.SEED_APPROVAL
    db.session.flush()
    audit.record(None, "formulation.approved", "master_formulation", formulation.id,
                 {"product_id": formulation.product_id, "version": formulation.version,
                  "by": "seed"})
    return True
