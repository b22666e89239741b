"""Calendar output: subscription feeds (RFC 5545/7986) and email invitations (iMIP, RFC 6047).

The rules both follow are in CALENDAR.md of the shared notes (F1–F13 for feeds, M1–M11 for
invitations). Feeds and invitations share each session's UID and persisted SEQUENCE.
"""
