import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabaseUrl } from "./iam.js";
import { marketplacePorts, type RunningProgram, startProgram } from "./program.js";

describe("the Marketplace as a real process", () => {
  let mp: RunningProgram<{ httpPort: number; grpcPort: number }>;
  let database: Awaited<ReturnType<typeof freshDatabaseUrl>> | undefined;
  beforeAll(async () => {
    database = await freshDatabaseUrl();
    mp = await startProgram({
      name: "marketplace",
      cwd: "marketplace",
      args: ["src/main.ts"],
      env: {
        MARKETPLACE_PORT: "0",
        MARKETPLACE_GRPC_PORT: "0",
        MARKETPLACE_HOST: "127.0.0.1",
        DATABASE_URL: database.url,
        MARKETPLACE_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/mp-${process.pid}`,
      },
      ready: marketplacePorts,
    });
  });
  afterAll(async () => {
    await mp?.stop();
    await database?.drop();
  });

  it("answers SERVING to a plain JSON health check", async () => {
    const res = await fetch(`http://127.0.0.1:${mp.ready.httpPort}/grpc.health.v1.Health/Check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(await res.json()).toEqual({ status: "SERVING" });
  });

  it("refuses a call without a token as unauthenticated", async () => {
    const res = await fetch(
      `http://127.0.0.1:${mp.ready.httpPort}/eddie.marketplace.v1.AccountService/GetMe`,
      { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
  });

  it("shuts down cleanly on SIGTERM", async () => {
    const code = await mp.stop("SIGTERM");
    expect(code).toBe(0);
    expect(mp.output.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
  });
});
