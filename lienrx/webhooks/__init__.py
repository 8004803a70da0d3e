"""Webhooks for case-management systems: a firm registers URLs and events; each event is
delivered from the outbox as signed JSON holding ids and codes, no PHI."""
