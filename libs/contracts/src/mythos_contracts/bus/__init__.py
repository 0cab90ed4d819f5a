"""The bus port and its two adapters (RabbitMQ and in-process)."""

from mythos_contracts.bus.port import Bus, Delivery, Handler, RequestTimeout, Settlement

__all__ = ["Bus", "Delivery", "Handler", "RequestTimeout", "Settlement"]
