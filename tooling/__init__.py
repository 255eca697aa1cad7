"""Development tooling beside bench/: server launcher, REST client, routing evaluation. Not imported at runtime."""
