import { Role } from "@eddie-marketplace/gen";
import { UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./token-verifier.js";
import { cachingVerifier } from "./verified-token-cache.js";

/** Accepts tokens whose subject isn't "refused", counting every check. */
function countingVerifier() {
  const checked: string[] = [];
  const verifier: TokenVerifier = {
    async verify(token) {
      checked.push(token);
      const { sub } = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
      if (sub === "refused") throw new Error("bad signature");
      return { subject: sub, role: Role.CUSTOMER } satisfies Principal;
    },
  };
  return { verifier, checked };
}

const token = (sub: string, exp?: number) => {
  const jwt = new UnsecuredJWT({ sub });
  if (exp !== undefined) jwt.setExpirationTime(exp);
  return jwt.encode();
};

describe("cachingVerifier", () => {
  it("checks a token once while it is valid, and again once it has expired", async () => {
    let now = 1_000_000_000;
    const { verifier, checked } = countingVerifier();
    const cached = cachingVerifier(verifier, { now: () => now });
    const t = token("alice", now / 1000 + 60);

    expect((await cached.verify(t)).subject).toBe("alice");
    expect((await cached.verify(t)).subject).toBe("alice");
    expect(checked).toHaveLength(1);

    now += 60_000;
    await cached.verify(t);
    expect(checked).toHaveLength(2);
  });

  it("never remembers a refused token or one without exp", async () => {
    const { verifier, checked } = countingVerifier();
    const cached = cachingVerifier(verifier);
    const refused = token("refused", Date.now() / 1000 + 60);
    await expect(cached.verify(refused)).rejects.toThrow("bad signature");
    await expect(cached.verify(refused)).rejects.toThrow("bad signature");
    const endless = token("bob");
    await cached.verify(endless);
    await cached.verify(endless);
    expect(checked).toEqual([refused, refused, endless, endless]);
  });

  it("forgets the oldest token when full", async () => {
    const { verifier, checked } = countingVerifier();
    const cached = cachingVerifier(verifier, { maxEntries: 2 });
    const exp = Date.now() / 1000 + 60;
    const [a, b, c] = [token("a", exp), token("b", exp), token("c", exp)];
    for (const t of [a, b, c, c, b, a]) await cached.verify(t);
    // a was forgotten when c came; b and c were still known.
    expect(checked).toEqual([a, b, c, a]);
  });
});
