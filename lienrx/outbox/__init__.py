"""The outbox: what leaves the application (e-mail and webhook calls), written in the
transaction of the change it reports and delivered by `lienrx notify run`."""
