"""Personal data: a person's export, erasure by an admin, and the audit log."""
