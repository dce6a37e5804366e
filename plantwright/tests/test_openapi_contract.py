"""The published OpenAPI document is a contract a generator can use: every reference and every
discriminator mapping resolves inside it, every security requirement is declared, and the two
inbound endpoints describe their bodies with named component types."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _walk(value, f"{path}/{n}")


def _resolves(document, ref: str) -> bool:
    if not ref.startswith("#/"):
        return False
    node = document
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def test_every_reference_and_mapping_resolves(document):
    assert "$defs" not in json.dumps(document)
    broken = []
    for path, node in _walk(document):
        if "$ref" in node and not _resolves(document, node["$ref"]):
            broken.append((path, node["$ref"]))
        for target in (node.get("discriminator") or {}).get("mapping", {}).values():
            if not _resolves(document, target):
                broken.append((path, target))
    assert broken == []


def test_every_security_requirement_is_declared(document):
    declared = set(document["components"]["securitySchemes"])
    used = {name for operations in document["paths"].values() for operation in operations.values()
            for requirement in operation.get("security", []) for name in requirement}  # fmt: skip
    assert used and used <= declared and "WebhookSignature" in declared


def test_the_inbound_bodies_are_named_types(document):
    erp = document["paths"]["/api/v1/erp/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    downtime = document["paths"]["/api/v1/downtime-events"]["post"]["requestBody"]["content"]["application/json"]
    refs = {node["$ref"] for _path, node in _walk(downtime["schema"]) if "$ref" in node}
    # one type, referred to by the one event and the list, and a wrapper {"events": [...]}: no name clash
    assert refs == {"#/components/schemas/DowntimeEventIn", "#/components/schemas/DowntimeEventBatch"}
    for body, wrapper in ((downtime["schema"], "DowntimeEventBatch"), (erp, "ErpEventBatch")):
        shapes = body["anyOf"]
        assert [shape.get("type") for shape in shapes[1:2]] == ["array"]
        assert (shapes[1]["minItems"], shapes[1]["maxItems"]) == (1, 1000)
        assert shapes[2] == {"$ref": f"#/components/schemas/{wrapper}"}
        events = document["components"]["schemas"][wrapper]
        assert events["required"] == ["events"] and events["properties"]["events"]["maxItems"] == 1000
    mapping = next(node["discriminator"]["mapping"] for _path, node in _walk(erp) if "discriminator" in node)
    assert mapping["invoice.posted"] == "#/components/schemas/InvoicePosted"
