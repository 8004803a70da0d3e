"""The demo's sign-in accounts, in one place: the demo seed creates them, the sign-in page
lists them in development, and the README's table copies them (a test keeps it in step)."""

from __future__ import annotations

from dataclasses import dataclass

DEMO_PASSWORD = "lienrx-demo-pass"  # noqa: S105 - printed for a first look, development only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    try_it: str  # what to look at first with it
    license_number: str | None = None  # a pharmacist's license

    @property
    def of_the_firm(self) -> bool:
        """An attorney account belongs to the demo law firm."""
        return self.role == "attorney"


DEMO_ACCOUNTS = (
    DemoAccount("admin@demo.lienrx.test", "Ada Admin", "admin",
                "user accounts, the billing board, PDMP reports"),
    DemoAccount("pharmacist@demo.lienrx.test", "Pat Pharmacist, PharmD", "pharmacist",
                "enter and dispense prescriptions, resolve DUR alerts, sign the POGOS",
                "TN-RPH-10001"),
    DemoAccount("verifier@demo.lienrx.test", "Vera Verifier, PharmD", "pharmacist",
                "verify batches another pharmacist or a technician compounded",
                "TN-RPH-10002"),
    DemoAccount("tech@demo.lienrx.test", "Terry Technician", "technician",
                "register patients, enter prescriptions, compound batches"),
    DemoAccount("billing@demo.lienrx.test", "Bill Billing", "billing",
                "cases, lien agreements, settlements, payments, the billing board"),
    DemoAccount("attorney@demo.lienrx.test", "Alex Attorney", "attorney",
                "the attorney portal: the demo firm's case, balance, fills and documents"),
)
