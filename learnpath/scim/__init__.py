"""SCIM 2.0 provisioning (RFC 7643/7644): an organisation's identity provider keeps its people
list current through ``/scim/v2``."""
