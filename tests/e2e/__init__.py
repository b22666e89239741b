"""Browser journeys: a real server process, Debian's Chromium through Playwright, axe-core."""
