"""Keeping running models honest: the idle / running-hours decision and the usage arithmetic behind it."""
