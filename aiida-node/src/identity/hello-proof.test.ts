import { createPublicKey } from "node:crypto";
import { errors, importJWK, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { HELLO_PROOF_AUDIENCE, signHelloProof } from "./hello-proof.js";
import { createIdentity } from "./instance-identity.js";

describe("signHelloProof", () => {
  it("verifies with the advertised public key and names the instance", async () => {
    const identity = createIdentity();
    const proof = await signHelloProof(identity);
    const key = await importJWK(JSON.parse(identity.publicKeyJwk), "EdDSA");
    const { payload, protectedHeader } = await jwtVerify(proof, key, {
      issuer: identity.instanceId,
      subject: identity.instanceId,
      audience: HELLO_PROOF_AUDIENCE,
      algorithms: ["EdDSA"],
    });
    expect(protectedHeader.alg).toBe("EdDSA");
    expect(payload.aud).toBe("eddie-marketplace");
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBeLessThanOrEqual(300);
  });

  it("expires", async () => {
    const identity = createIdentity();
    const proof = await signHelloProof(identity, {
      now: new Date(Date.now() - 10 * 60_000),
      lifetimeSeconds: 300,
    });
    await expect(
      jwtVerify(proof, createPublicKey(identity.privateKey), { audience: HELLO_PROOF_AUDIENCE }),
    ).rejects.toBeInstanceOf(errors.JWTExpired);
  });

  it("does not verify with another instance's key", async () => {
    const proof = await signHelloProof(createIdentity());
    const other = createPublicKey(createIdentity().privateKey);
    await expect(jwtVerify(proof, other)).rejects.toBeInstanceOf(
      errors.JWSSignatureVerificationFailed,
    );
  });

  it("refuses a lifetime longer than five minutes", async () => {
    await expect(signHelloProof(createIdentity(), { lifetimeSeconds: 301 })).rejects.toThrow(
      RangeError,
    );
  });
});
