"""TypeScript from the protocol's JSON Schema: a type per definition, a constant per
enumeration, and the game's command list as data.

Only the parts of JSON Schema the protocol uses are understood (objects, arrays,
``anyOf``/``oneOf``/``allOf``, ``$ref``, ``const``, ``enum``, the scalar types); anything
else becomes ``unknown``, which is safe: the client checks what it reads anyway.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mythos_contracts.schema import COMMANDS_KEY, DIRECTIONS_KEY

JsonSchema = Mapping[str, Any]
_WIDTH = 100
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_SCALARS = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def literal(value: Any) -> str:
    """A JSON value as a TypeScript literal, strings in single quotes."""
    if isinstance(value, str):
        if "'" in value and '"' not in value:
            return json.dumps(value, ensure_ascii=False)
        body = json.dumps(value, ensure_ascii=False)[1:-1].replace('\\"', '"').replace("'", "\\'")
        return f"'{body}'"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)}: {literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"not a JSON value: {value!r}")


def _key(name: str) -> str:
    return name if _IDENTIFIER.match(name) else literal(name)


def _ref_name(ref: str) -> str:
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise ValueError(f"only local $defs references are supported, not {ref!r}")
    return ref[len(prefix) :]


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return " | ".join(unique) if unique else "never"


def _grouped(expression: str) -> str:
    """Parenthesise a union or intersection used inside a bigger type."""
    return f"({expression})" if (" | " in expression or " & " in expression) else expression


def type_of(schema: JsonSchema | bool) -> str:
    """The TypeScript type of one schema (an expression, never a declaration)."""
    if schema is True or schema == {}:
        return "unknown"
    if schema is False:
        return "never"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "const" in schema:
        return literal(schema["const"])
    if "enum" in schema:
        return _union([literal(value) for value in schema["enum"]])
    for keyword in ("anyOf", "oneOf"):
        if keyword in schema:
            return _union([type_of(part) for part in schema[keyword]])
    if "allOf" in schema:
        return _intersection(schema["allOf"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return _union([type_of({**schema, "type": one}) for one in kind])
    if kind == "array":
        return f"{_grouped(type_of(schema.get('items', True)))}[]"
    if kind == "object":
        return _object(schema, indent="")
    return _SCALARS.get(kind, "unknown") if isinstance(kind, str) else "unknown"


def _intersection(parts: list[JsonSchema]) -> str:
    """``allOf``. A property a later part narrows (``event_type``: one value; ``data``: one
    payload) is left out of the earlier parts, so the narrower type is the one TypeScript sees
    instead of an intersection with, say, an index signature."""
    types = []
    for index, part in enumerate(parts):
        narrowed = sorted(
            {name for later in parts[index + 1 :] for name in later.get("properties", {})}
        )
        expression = _grouped(type_of(part))
        if narrowed and "$ref" in part:
            expression = f"Omit<{expression}, {_union([literal(n) for n in narrowed])}>"
        types.append(expression)
    return " & ".join(types)


def _doc(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    lines = text.replace("``", "`").replace("*/", "*\\/").strip().splitlines()
    if len(lines) == 1:
        return [f"{indent}/** {lines[0]} */"]
    return [f"{indent}/**", *(f"{indent} * {line}".rstrip() for line in lines), f"{indent} */"]


def _object(schema: JsonSchema, indent: str) -> str:
    properties: Mapping[str, JsonSchema] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    extra = schema.get("additionalProperties")
    if not properties:
        if extra is False:
            return "Record<string, never>"
        return f"{{ [key: string]: {type_of(True if extra is None else extra)} }}"
    inner = indent + "  "
    lines = ["{"]
    for name, prop in properties.items():
        lines += _doc(prop.get("description"), inner)
        optional = "" if name in required else "?"
        lines.append(f"{inner}{_key(name)}{optional}: {type_of(prop)};")
    if extra is not None and extra is not False:
        lines.append(f"{inner}[key: string]: unknown;")
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def constant_name(type_name: str) -> str:
    """``CloseCode`` -> ``CLOSE_CODES``: the constant listing an enumeration's values."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type_name).upper() + "S"


def _declaration(name: str, schema: JsonSchema) -> list[str]:
    doc = _doc(schema.get("description"), "")
    members = schema.get("oneOf", ())
    if members and all("const" in m and "title" in m for m in members):
        # Named values (the close codes): an object of constants and the union of its values.
        const = constant_name(name)
        lines = [*doc, f"export const {const} = {{"]
        for member in members:
            lines += _doc(member.get("description"), "  ")
            lines.append(f"  {member['title']}: {literal(member['const'])},")
        lines += ["} as const;", f"export type {name} = (typeof {const})[keyof typeof {const}];"]
        return lines
    if "enum" in schema:
        const = constant_name(name)
        values = [literal(v) for v in schema["enum"]]
        one_line = f"export const {const} = [{', '.join(values)}] as const;"
        listed = (
            [one_line]
            if len(one_line) <= _WIDTH
            else [
                f"export const {const} = [",
                *(f"  {value}," for value in values),
                "] as const;",
            ]
        )
        return [*doc, *listed, f"export type {name} = (typeof {const})[number];"]
    if schema.get("type") == "object" and schema.get("properties"):
        return [*doc, f"export interface {name} {_object(schema, indent='')}"]
    expression = type_of(schema)
    line = f"export type {name} = {expression};"
    parts = expression.split(" | ")
    if len(line) > _WIDTH and len(parts) > 1 and not any(c in expression for c in "\n({"):
        return [
            *doc,
            f"export type {name} =",
            *(f"  | {part}" for part in parts[:-1]),
            f"  | {parts[-1]};",
        ]
    return [*doc, line]


def render(schema: JsonSchema, header: str) -> str:
    """The whole TypeScript module for the protocol document ``schema``."""
    out = [f"// {line}".rstrip() for line in header.strip().splitlines()]
    for name, definition in schema.get("$defs", {}).items():
        out += ["", *_declaration(name, definition)]
    commands = schema.get(COMMANDS_KEY, [])
    out += [
        "",
        "/** Every command of the game, by name (what `help` lists, admin ones included). */",
    ]
    out.append("export const COMMANDS: readonly CommandInfo[] = [")
    for command in commands:
        out += ["  {", *(f"    {_key(k)}: {literal(v)}," for k, v in command.items()), "  },"]
    out.append("];")
    directions = schema.get(DIRECTIONS_KEY, {})
    out += [
        "",
        "/** Each direction word (a command by itself: `go <direction>`), with its short forms. */",
    ]
    out.append("export const DIRECTION_WORDS: Readonly<Record<string, readonly string[]>> = {")
    out += [f"  {_key(word)}: {literal(short)}," for word, short in directions.items()]
    out.append("};")
    return "\n".join(out) + "\n"
