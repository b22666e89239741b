"""The kansenbank: short internal opportunities (job shadowing, informational interviews, short assignments) that turn work exploration into experience."""
