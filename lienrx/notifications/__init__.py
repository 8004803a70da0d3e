"""Notifications for attorneys, derived from records newer than their last read mark."""
