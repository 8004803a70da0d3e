"""The outbox: what leaves the application (e-mail now, webhook calls later), written in the
transaction of the change it reports and delivered by `lienrx notify run`."""
