"""Requests to the auth service, which alone owns accounts: an admin's in-game ``ban``.

Published on the accounts exchange into auth's durable request queue, so a ban made
while auth is down is applied when it is back; auth then publishes the revocation.
"""

from __future__ import annotations

import logging

from mythos_contracts.accounts import BanRequest
from mythos_contracts.bus import Bus
from mythos_contracts.routing import ACCOUNTS_EXCHANGE, account_request_key

log = logging.getLogger(__name__)


class AccountRequests:
    def __init__(self, bus: Bus) -> None:
        self._bus = bus

    async def ban(self, request: BanRequest) -> None:
        await self._bus.publish(
            ACCOUNTS_EXCHANGE, account_request_key("ban"), request.model_dump_json().encode()
        )
        log.info(
            "asked auth to ban %s", request.account_id, extra={"player_id": request.account_id}
        )
