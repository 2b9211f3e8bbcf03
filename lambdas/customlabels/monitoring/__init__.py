"""Production model monitoring: drift of the champion's inputs against its test-set baseline."""
