"""Organisations, departments, users, roles, login and account links."""
