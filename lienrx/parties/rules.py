"""Rules about parties, as data."""

from __future__ import annotations

# The professional credentials a prescriber signs with; the label prints one after the name
# ("Jane Roe, MD"), never a title guessed for everyone.
CREDENTIALS = ("MD", "DO", "NP", "APRN", "CNM", "PA-C", "DDS", "DMD", "DPM", "OD")
