import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Who an AIIDA instance is: the ID it registers with and the Ed25519 key that
 * proves it. Both are made on the first start and kept, because the
 * Marketplace pins the key to the ID at the first registration.
 */
export interface InstanceIdentity {
  /** A UUID, shown to the household and typed into the Customer Mobile App. */
  readonly instanceId: string;
  /** The Ed25519 private key; never leaves the instance. */
  readonly privateKey: KeyObject;
  /** The public key as JWK JSON text, exactly as sent in `hello`. */
  readonly publicKeyJwk: string;
}

/** The form an identity is kept in on disk. */
interface StoredIdentity {
  instance_id: string;
  private_key_jwk: { kty: "OKP"; crv: "Ed25519"; x: string; d: string };
  created_at: string;
}

/** The file an instance's identity lives in, inside its state folder. */
export const IDENTITY_FILE = "identity.json";

/** Makes a new identity: a random UUID and a fresh Ed25519 key pair. */
export function createIdentity(): InstanceIdentity {
  const { privateKey } = generateKeyPairSync("ed25519");
  return fromPrivateKey(randomUUID(), privateKey);
}

/**
 * Loads the identity kept in `stateDir`, or makes one and keeps it there when
 * there is none yet. A damaged file is an error, never silently replaced:
 * a new key would make the Marketplace refuse this instance's ID.
 *
 * @example
 * const { identity, created } = await loadOrCreateIdentity(".data/aiida-node");
 */
export async function loadOrCreateIdentity(
  stateDir: string,
): Promise<{ identity: InstanceIdentity; created: boolean }> {
  const file = join(stateDir, IDENTITY_FILE);
  const text = await readIfExists(file);
  if (text !== undefined) return { identity: parseStored(JSON.parse(text), file), created: false };
  const identity = createIdentity();
  await writeAtomically(file, `${JSON.stringify(toStored(identity), null, 2)}\n`);
  return { identity, created: true };
}

/**
 * Loads `count` identities kept together in one file (the simulated
 * instances of a swarm), making and appending the missing ones. The first
 * `count` are returned, so a swarm restarted with the same file keeps its IDs.
 */
export async function loadOrCreateIdentities(
  file: string,
  count: number,
): Promise<InstanceIdentity[]> {
  const text = await readIfExists(file);
  let stored: unknown[] = [];
  if (text !== undefined) {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error(`${file} must hold a JSON array of identities`);
    stored = parsed;
  }
  const identities = stored.slice(0, count).map((s) => parseStored(s, file));
  if (identities.length < count) {
    while (identities.length < count) identities.push(createIdentity());
    const all = [...stored, ...identities.slice(stored.length).map(toStored)];
    await writeAtomically(file, `${JSON.stringify(all)}\n`);
  }
  return identities;
}

function fromPrivateKey(instanceId: string, privateKey: KeyObject): InstanceIdentity {
  const { kty, crv, x } = createPublicKey(privateKey).export({ format: "jwk" });
  return { instanceId, privateKey, publicKeyJwk: JSON.stringify({ kty, crv, x }) };
}

function toStored(identity: InstanceIdentity): StoredIdentity {
  const jwk = identity.privateKey.export({ format: "jwk" });
  return {
    instance_id: identity.instanceId,
    private_key_jwk: { kty: "OKP", crv: "Ed25519", x: String(jwk.x), d: String(jwk.d) },
    created_at: new Date().toISOString(),
  };
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function parseStored(value: unknown, file: string): InstanceIdentity {
  const fail = (why: string): never => {
    throw new Error(
      `the identity in ${file} is damaged (${why}); restore it from a backup, or delete it to start as a new instance`,
    );
  };
  if (typeof value !== "object" || value === null) return fail("not an object");
  const s = value as Partial<StoredIdentity>;
  if (typeof s.instance_id !== "string" || !uuidPattern.test(s.instance_id)) {
    return fail("instance_id is not a UUID");
  }
  const jwk = s.private_key_jwk;
  if (jwk?.kty !== "OKP" || jwk.crv !== "Ed25519" || !jwk.d || !jwk.x) {
    return fail("private_key_jwk is not an Ed25519 private key");
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: { ...jwk }, format: "jwk" });
  } catch (cause) {
    return fail(`key does not load: ${(cause as Error).message}`);
  }
  return fromPrivateKey(s.instance_id, key);
}

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text, { mode: 0o600 });
  await rename(temporary, file);
}
