import { describeObis, type ObisCode } from "@eddie-marketplace/sdk";

/** The human name of an OBIS value ("Energy import"), or its number when unknown. */
export function obisName(value: ObisCode): string {
  try {
    return describeObis(value).name;
  } catch {
    return `#${value}`;
  }
}

/** "1-0:1.8.0 · Energy import (kWh)", or the number when unknown. */
export function obisLabel(value: ObisCode): string {
  try {
    const d = describeObis(value);
    return `${d.code} · ${d.name}${d.unit ? ` (${d.unit})` : ""}`;
  } catch {
    return `#${value}`;
  }
}
