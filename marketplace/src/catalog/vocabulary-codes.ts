import {
  type Asset,
  type ObisCode,
  type Schema,
  ServiceCategory,
  ServiceCategorySchema,
} from "@eddie-marketplace/gen";
import {
  assetName,
  assetValues,
  parseAsset,
  parseSchema,
  schemaName,
  schemaValues,
  tryDescribeObis,
} from "@eddie-marketplace/sdk/vocabulary";

// The catalog stores the vocabulary as AIIDA writes it ("1-0:1.8.0",
// "SMART-METER-P1-RAW"), so the database reads as AIIDA does. The names come
// from the SDK's vocabulary module, which reads them from the contracts' enum
// value options; these functions only adapt it to answer `undefined` for
// values that have no name (UNSPECIFIED, numbers the contracts don't define),
// which is what validation needs.

/** The OBIS code of a data tag, e.g. "1-0:1.8.0"; undefined for UNSPECIFIED or unknown numbers. */
export function obisCodeOf(tag: ObisCode): string | undefined {
  return tryDescribeObis(tag)?.code;
}

/** The AIIDA name of a schema, e.g. "SMART-METER-P1-RAW". */
export function schemaNameOf(schema: Schema): string | undefined {
  return schemaValues.includes(schema) ? schemaName(schema) : undefined;
}

/** The schema of an AIIDA schema name. */
export function schemaOf(name: string): Schema | undefined {
  return attempt(() => parseSchema(name));
}

/** The AIIDA name of an asset, e.g. "CONNECTION-AGREEMENT-POINT". */
export function assetNameOf(asset: Asset): string | undefined {
  return assetValues.includes(asset) ? assetName(asset) : undefined;
}

/** The asset of an AIIDA asset name. */
export function assetOf(name: string): Asset | undefined {
  return attempt(() => parseAsset(name));
}

/** The stored name of a service category: its enum name without prefix, e.g. "FLEXIBILITY". */
export function categoryNameOf(category: ServiceCategory): string | undefined {
  if (category === ServiceCategory.UNSPECIFIED) return undefined;
  return ServiceCategorySchema.values.find((v) => v.number === category)?.localName;
}

/** The service category of a stored name. */
export function categoryOf(name: string): ServiceCategory | undefined {
  const value = ServiceCategorySchema.values.find((v) => v.localName === name);
  return value === undefined || value.number === 0 ? undefined : (value.number as ServiceCategory);
}

function attempt<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}
