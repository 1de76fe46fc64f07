"""The web side of the hub: console pages, REST API, metrics and health probes."""
