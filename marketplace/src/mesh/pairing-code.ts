import { createHash, randomInt } from "node:crypto";

// No 0/O, 1/I/L: a household reads the code off a screen and types it.
const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/**
 * Makes a fresh pairing code such as "K7Q-4PX-9ZD": nine characters from a
 * 31-letter alphabet (about 44 bits), grouped in threes for reading aloud.
 */
export function newPairingCode(): string {
  let raw = "";
  for (let i = 0; i < 9; i++) raw += alphabet[randomInt(alphabet.length)];
  return `${raw.slice(0, 3)}-${raw.slice(3, 6)}-${raw.slice(6, 9)}`;
}

/**
 * The form a code is compared in: upper case, without dashes or spaces, so
 * "k7q 4px 9zd" and "K7Q-4PX-9ZD" are the same code.
 */
export function normalizePairingCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, "");
}

/** The stored form of a code: only its hash is kept. */
export function hashPairingCode(code: string): string {
  return createHash("sha256").update(normalizePairingCode(code)).digest("base64url");
}
