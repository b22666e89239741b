"""Meeting rooms made for you: manual link, Jitsi Meet, Microsoft Teams (Graph onlineMeetings)."""
