// The identity benchmark: starts the bundled IAM as a real process and
// measures what a user and the Marketplace feel of it:
// - a whole sign-up (sign-up page, scrypt hash, code + PKCE exchange) and a
//   whole login, end to end through openid-client;
// - client-credentials tokens for an EP backend;
// - access-token verification in the Marketplace's verifier (keys cached).
//
//   npm run bench:identity                  # 20 sign-ups, 20 logins, 200 tokens, 20,000 checks
//   BENCH_QUICK=1 npm run bench:identity    # a few of each
import { performance } from "node:perf_hooks";
import { oidcTokenVerifier } from "@eddie-marketplace/marketplace/src/auth/oidc-token-verifier.js";
import { clientCredentialsToken, logIn, signUp, startIam } from "../harness/iam.js";

const quick = process.env.BENCH_QUICK === "1";
const n = {
  signUps: quick ? 3 : 20,
  logIns: quick ? 3 : 20,
  clientTokens: quick ? 10 : 200,
  verifications: quick ? 500 : 20_000,
};

function stats(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const total = ms.reduce((a, b) => a + b, 0);
  console.log(
    `${label.padEnd(34)} n=${String(ms.length).padStart(6)}  p50 ${at(0.5).toFixed(2).padStart(8)} ms  p99 ${at(0.99).toFixed(2).padStart(8)} ms  ${(ms.length / (total / 1000)).toFixed(1).padStart(9)} /s`,
  );
}

async function timed<T>(times: number[], fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  times.push(performance.now() - start);
  return result;
}

const iam = await startIam({ DATABASE_URL: process.env.BENCH_DATABASE_URL });
try {
  const signUps: number[] = [];
  const people = [];
  for (let i = 0; i < n.signUps; i++) {
    people.push(await timed(signUps, () => signUp(iam, { role: "customer" })));
  }
  stats("sign-up, end to end", signUps);

  const logIns: number[] = [];
  for (let i = 0; i < n.logIns; i++) {
    const p = people[i % people.length];
    if (p === undefined) break;
    await timed(logIns, () => logIn(iam, { email: p.email, password: p.password }));
  }
  stats("login, end to end", logIns);

  const created = await fetch(`http://127.0.0.1:${iam.port}/admin/api-clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${iam.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify({
      name: "bench",
      org_id: "org_bench",
      org_name: "Bench",
      created_by: "x",
    }),
  });
  const client = (await created.json()) as { client_id: string; client_secret: string };
  const clientTokens: number[] = [];
  let token = "";
  for (let i = 0; i < n.clientTokens; i++) {
    token = await timed(clientTokens, () =>
      clientCredentialsToken(iam, {
        clientId: client.client_id,
        clientSecret: client.client_secret,
      }),
    );
  }
  stats("client-credentials token (+discovery)", clientTokens);

  const verifier = oidcTokenVerifier({ issuer: iam.issuer, audience: iam.audience });
  await verifier.verify(token);
  const tokens = [token, ...people.map((p) => p.accessToken)];
  const checks: number[] = [];
  for (let i = 0; i < n.verifications; i++) {
    await timed(checks, () => verifier.verify(tokens[i % tokens.length] ?? token));
  }
  stats("access-token verification", checks);
} finally {
  await iam.stop();
}
