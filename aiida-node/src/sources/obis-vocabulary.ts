import { getOption } from "@bufbuild/protobuf";
import { ObisCode, ObisCodeSchema, obis } from "@eddie-marketplace/gen";

/** How an OBIS code is printed and what it measures, read from the contract. */
export interface ObisDescription {
  /** As printed on meters and in AIIDA data needs, for example "1-0:1.8.0". */
  readonly code: string;
  /** A short human name, for example "Energy import". */
  readonly name: string;
  /** The unit, for example "kWh"; empty for dimensionless values. */
  readonly unit: string;
}

const table = new Map<ObisCode, ObisDescription>(
  ObisCodeSchema.values
    .filter((v) => v.number !== ObisCode.UNSPECIFIED)
    .map((v) => {
      const info = getOption(v, obis);
      return [v.number, { code: info.code, name: info.name, unit: info.unit }];
    }),
);

/**
 * The OBIS description of a data tag, from the options on the `ObisCode`
 * enum in the vocabulary contract (the one table every program reads).
 * Undefined for UNSPECIFIED and numbers the contract does not know.
 */
export function describeObis(code: ObisCode): ObisDescription | undefined {
  return table.get(code);
}
