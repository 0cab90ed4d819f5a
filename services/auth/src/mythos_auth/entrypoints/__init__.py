"""Ways into the service: the HTTP API."""
