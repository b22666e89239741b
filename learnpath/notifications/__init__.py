"""The outbox: messages written in the same transaction as their cause, delivered after commit."""
