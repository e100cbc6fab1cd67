// The QR code an AIIDA instance shows for pairing: "aiida:<instance id>:<pairing code>".

/** What a pairing QR code carries. */
export interface PairingQr {
  instanceId: string;
  pairingCode: string;
}

/**
 * Reads a scanned pairing QR code; undefined when the text is not one.
 *
 * @example parsePairingQr("aiida:3f2c…:482913") // { instanceId: "3f2c…", pairingCode: "482913" }
 */
export function parsePairingQr(text: string): PairingQr | undefined {
  const m = /^aiida:([^:\s]+):([^:\s]+)$/i.exec(text.trim());
  if (!m?.[1] || !m[2]) return undefined;
  return { instanceId: m[1], pairingCode: m[2] };
}
