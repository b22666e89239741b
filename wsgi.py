"""WSGI entry point: ``gunicorn wsgi:app``."""

from learnpath import create_app

app = create_app()
