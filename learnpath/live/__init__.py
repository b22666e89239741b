"""Live online sessions: join records, "ik kan niet komen", session evaluations, attendance from joins."""
