import { type DescEnum, type DescEnumValue, getOption, hasOption } from "@bufbuild/protobuf";
import {
  type Asset,
  AssetSchema,
  aiida_name,
  type ObisCode,
  ObisCodeSchema,
  obis,
  type Schema,
  SchemaSchema,
  type ServiceCategory,
  ServiceCategorySchema,
} from "@eddie-marketplace/gen";

/**
 * The AIIDA strings of the vocabulary enums, read from the options the
 * contracts carry on each enum value (`obis` and `aiida_name` in
 * eddie/vocabulary/v1/vocabulary.proto). The catalog stores these strings, so
 * the database reads as AIIDA does ("1-0:1.8.0", "SMART-METER-P1-RAW").
 * There is no second table here: everything is derived from the descriptors.
 */
interface Codebook<E extends number> {
  readonly toCode: ReadonlyMap<E, string>;
  readonly fromCode: ReadonlyMap<string, E>;
}

function codebook<E extends number>(
  desc: DescEnum,
  codeOf: (value: DescEnumValue) => string | undefined,
) {
  const toCode = new Map<E, string>();
  const fromCode = new Map<string, E>();
  for (const value of desc.values) {
    if (value.number === 0) continue;
    const code = codeOf(value);
    if (code === undefined || code === "") continue;
    toCode.set(value.number as E, code);
    fromCode.set(code, value.number as E);
  }
  return { toCode, fromCode } satisfies Codebook<E>;
}

function aiidaNames<E extends number>(desc: DescEnum): Codebook<E> {
  return codebook<E>(desc, (value) =>
    hasOption(value, aiida_name) ? getOption(value, aiida_name) : undefined,
  );
}

const obisCodes = codebook<ObisCode>(ObisCodeSchema, (value) =>
  hasOption(value, obis) ? getOption(value, obis).code : undefined,
);
const schemaNames = aiidaNames<Schema>(SchemaSchema);
const assetNames = aiidaNames<Asset>(AssetSchema);
const categoryNames = codebook<ServiceCategory>(ServiceCategorySchema, (value) => value.localName);

/** The OBIS code of a data tag, e.g. "1-0:1.8.0"; undefined for UNSPECIFIED or unknown numbers. */
export function obisCodeOf(tag: ObisCode): string | undefined {
  return obisCodes.toCode.get(tag);
}

/** The data tag of an OBIS code string; undefined when the contracts don't know it. */
export function obisTagOf(code: string): ObisCode | undefined {
  return obisCodes.fromCode.get(code);
}

/** The AIIDA name of a schema, e.g. "SMART-METER-P1-RAW". */
export function schemaNameOf(schema: Schema): string | undefined {
  return schemaNames.toCode.get(schema);
}

/** The schema of an AIIDA schema name. */
export function schemaOf(name: string): Schema | undefined {
  return schemaNames.fromCode.get(name);
}

/** The AIIDA name of an asset, e.g. "CONNECTION-AGREEMENT-POINT". */
export function assetNameOf(asset: Asset): string | undefined {
  return assetNames.toCode.get(asset);
}

/** The asset of an AIIDA asset name. */
export function assetOf(name: string): Asset | undefined {
  return assetNames.fromCode.get(name);
}

/** The stored name of a service category, e.g. "FLEXIBILITY". */
export function categoryNameOf(category: ServiceCategory): string | undefined {
  return categoryNames.toCode.get(category);
}

/** The service category of a stored name. */
export function categoryOf(name: string): ServiceCategory | undefined {
  return categoryNames.fromCode.get(name);
}
