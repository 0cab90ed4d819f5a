"""`make bench`: drives the distributed stack with real WebSocket clients and measures it."""
