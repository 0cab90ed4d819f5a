"""The Mythos contract: the only code the services share.

Envelopes and payloads (pydantic v2), event types, routing keys, exchange and
queue names, and the bus port with its two adapters (RabbitMQ and in-process).
"""
