"""learnpath as an LTI 1.3 tool: launches from a learning platform, roster import, progress back."""
