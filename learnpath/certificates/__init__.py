"""Certificates of participation: a PDF once the cohort is completed and the required sessions were attended."""
