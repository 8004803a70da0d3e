"""What a password must be (API.md, second edition): long, not well known, not the e-mail.

The well-known passwords are the "passwords" frequency list bundled with the ``zxcvbn`` package
(MIT licence; 30,000 passwords ranked by how often they appeared in leaked password dumps,
from Dropbox's zxcvbn). It is read once, on the first check.
"""

from __future__ import annotations

from functools import cache

MIN_LENGTH = 12
MAX_LENGTH = 512


@cache
def common_passwords() -> frozenset[str]:
    """The well-known passwords, lower-cased."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def problems(password: str, email: str) -> list[str]:
    """Why ``password`` may not be used for the account ``email``; empty when it may."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"Use at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        found.append(f"Use at most {MAX_LENGTH} characters.")
    if password.lower() in common_passwords() or password.strip().lower() in common_passwords():
        found.append("This is a well-known password; choose another.")
    local_part = email.strip().rpartition("@")[0].lower()
    if local_part and local_part in password.lower():
        found.append("The password may not contain the e-mail's name part.")
    return found
