"""How the outside world reaches the service: bus consumers and the health endpoint."""
