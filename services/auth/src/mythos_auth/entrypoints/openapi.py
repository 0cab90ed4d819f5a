"""Fixes to the OpenAPI schema FastAPI generates."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI


def dedupe_security_requirements(app: FastAPI) -> None:
    """FastAPI appends ``openapi_extra`` security to the dependency's; keep each once."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict) and "security" in operation:
                    unique: list[dict[str, Any]] = []
                    for requirement in operation["security"]:
                        if requirement not in unique:
                            unique.append(requirement)
                    operation["security"] = unique
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
