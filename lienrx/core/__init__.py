"""Shared building blocks every domain may use: database base, errors, money, time, security."""
