"""Organisation administration: users and their roles."""
