"""The published contract generates TypeScript types that compile strictly (issue 22): openapi-typescript
(pinned in clients/typescript/package-lock.json) turns /api/v1/openapi.json into types with no warning,
and code using the main journey's requests and answers compiles with `tsc --strict`."""

import os
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

TOOLS = Path(settings.BASE_DIR) / "clients" / "typescript" / "node_modules" / ".bin"
USE = """import type { components, paths } from "./plantwright";

type Schemas = components["schemas"];
type Body<P extends keyof paths, M extends "post" | "patch"> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
} ? B : never;

export const request: Body<"/api/v1/work-requests", "post"> = { asset: 12, title: "Pump leaks" };
export const booking: Body<"/api/v1/work-orders/{work_order_id}/labor", "post"> = {
  technician: 3, hours: "1.5", work_date: "2026-11-20",
};
export const parts: Body<"/api/v1/work-orders/{work_order_id}/parts-requests", "post"> = {
  lines: [{ kind: "service", description: "Laser alignment", quantity: "1", estimated_unit_cost: "800" }],
  submit: true,
};
export function line(wo: Schemas["WorkOrderOut"], cost: Schemas["WorkOrderCostOut"]): string {
  return `${wo.number} ${wo.status}: ${cost.total} ${cost.currency}`;
}
export function failed(error: Schemas["ErrorBody"]): string {
  return `${error.error.code}: ${error.error.message}`;
}
"""


@pytest.mark.django_db
def test_the_schema_generates_typescript_that_compiles_strictly(client, tmp_path):
    if not (TOOLS / "tsc").exists():
        if os.environ.get("CI") == "true":
            pytest.fail("clients/typescript/node_modules is missing: `make install-test` runs npm ci there.")
        pytest.skip("npm ci has not run in clients/typescript")
    schema = tmp_path / "openapi.json"
    schema.write_bytes(client.get("/api/v1/openapi.json").content)
    generate = subprocess.run(
        [TOOLS / "openapi-typescript", schema, "-o", tmp_path / "plantwright.d.ts", "--default-non-nullable=false"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = generate.stdout + generate.stderr
    assert generate.returncode == 0 and "warn" not in output.lower(), output
    (tmp_path / "use.ts").write_text(USE)
    compiled = subprocess.run(
        [TOOLS / "tsc", "--strict", "--noEmit", "--target", "es2022", "--module", "esnext",
         "--moduleResolution", "bundler", "use.ts", "plantwright.d.ts"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
