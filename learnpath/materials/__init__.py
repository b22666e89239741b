"""Materials per session: files and links the facilitator shares, stored in the database."""
