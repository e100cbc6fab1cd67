import type { DescEnum } from "@bufbuild/protobuf";
import { getOption, hasOption } from "@bufbuild/protobuf";
import type { Asset, DataSourceType, ObisCode, Schema } from "@eddie-marketplace/gen";
import {
  AssetSchema,
  aiida_name,
  DataSourceTypeSchema,
  ObisCodeSchema,
  obis,
  SchemaSchema,
} from "@eddie-marketplace/gen";

// The AIIDA vocabulary as people and AIIDA write it, read from the enum value
// options in the contracts (eddie/vocabulary/v1/vocabulary.proto). That file is
// the one table; this module only indexes it. Transport-free: the Marketplace,
// the AIIDA node, the apps and integrators all import it.

/** One OBIS code as shown to people: the code, a short name and its unit. */
export interface ObisDescription {
  /** The enum value, as carried in messages. */
  readonly value: ObisCode;
  /** The code as printed on meters and in AIIDA data needs, for example "1-0:1.8.0". */
  readonly code: string;
  /** A short human name, for example "Energy import". */
  readonly name: string;
  /** The unit of the values, for example "kWh"; empty for dimensionless values. */
  readonly unit: string;
}

const obisByValue = new Map<ObisCode, ObisDescription>();
const obisByCode = new Map<string, ObisDescription>();
for (const v of ObisCodeSchema.values) {
  if (!hasOption(v, obis)) continue;
  const info = getOption(v, obis);
  const description: ObisDescription = {
    value: v.number as ObisCode,
    code: info.code,
    name: info.name,
    unit: info.unit,
  };
  obisByValue.set(description.value, description);
  obisByCode.set(description.code, description);
}

/**
 * Every OBIS code the contracts know, in contract order, for pickers and
 * legends.
 *
 * @example
 * for (const o of obisCodes) console.log(`${o.code}  ${o.name} (${o.unit})`);
 */
export const obisCodes: readonly ObisDescription[] = [...obisByValue.values()];

/**
 * The code, name and unit of an OBIS enum value.
 *
 * @throws RangeError for `OBIS_CODE_UNSPECIFIED` and numbers the contracts do
 * not define, so an unknown value never shows as a blank label.
 * @example
 * describeObis(ObisCode.POSITIVE_ACTIVE_ENERGY); // { code: "1-0:1.8.0", name: "Energy import", unit: "kWh", ... }
 */
export function describeObis(value: ObisCode): ObisDescription {
  const d = obisByValue.get(value);
  if (d === undefined) throw new RangeError(`${value} is not a known OBIS code`);
  return d;
}

/**
 * Like {@link describeObis}, but answers `undefined` for `OBIS_CODE_UNSPECIFIED`
 * and numbers the contracts do not define (for labels with a fallback, and
 * for validation).
 *
 * @example
 * tryDescribeObis(tag)?.code ?? `#${tag}`;
 */
export function tryDescribeObis(value: ObisCode): ObisDescription | undefined {
  return obisByValue.get(value);
}

/**
 * Parses an OBIS code as written by AIIDA and on meters ("1-0:1.8.0") into its
 * enum value. Surrounding blanks are ignored; a trailing "*255" billing-period
 * suffix, as some meters print it, is accepted.
 *
 * @throws RangeError naming the input when the code is not one the
 * contracts define.
 * @example
 * parseObis("1-0:32.7.0") === ObisCode.INSTANTANEOUS_VOLTAGE_IN_PHASE_L1;
 */
export function parseObis(code: string): ObisCode {
  const d = obisByCode.get(code.trim().replace(/\*255$/, ""));
  if (d === undefined) throw new RangeError(`"${code}" is not a known OBIS code`);
  return d.value;
}

/** Like {@link parseObis}, but answers `undefined` for an unknown code. */
export function tryParseObis(code: string): ObisCode | undefined {
  return obisByCode.get(code.trim().replace(/\*255$/, ""))?.value;
}

/** A two-way index between the values of one enum and their `aiida_name` options. */
class AiidaNames<E extends number> {
  private readonly byValue = new Map<E, string>();
  private readonly byName = new Map<string, E>();
  constructor(
    private readonly what: string,
    desc: DescEnum,
  ) {
    for (const v of desc.values) {
      if (!hasOption(v, aiida_name)) continue;
      const name = getOption(v, aiida_name);
      this.byValue.set(v.number as E, name);
      this.byName.set(name, v.number as E);
    }
  }
  nameOf(value: E): string {
    const name = this.byValue.get(value);
    if (name === undefined) throw new RangeError(`${value} is not a known ${this.what}`);
    return name;
  }
  parse(name: string): E {
    const value = this.byName.get(name.trim());
    if (value === undefined) throw new RangeError(`"${name}" is not a known ${this.what}`);
    return value;
  }
  values(): readonly E[] {
    return [...this.byValue.keys()];
  }
}

const schemas = new AiidaNames<Schema>("schema", SchemaSchema);
const assets = new AiidaNames<Asset>("asset", AssetSchema);
const sourceTypes = new AiidaNames<DataSourceType>("data source type", DataSourceTypeSchema);

/**
 * The AIIDA name of a schema, for example "SMART-METER-P1-RAW".
 * @throws RangeError for `SCHEMA_UNSPECIFIED` and unknown numbers.
 */
export function schemaName(value: Schema): string {
  return schemas.nameOf(value);
}

/**
 * The schema AIIDA calls `name` ("SMART-METER-P1-CIM-V1-12").
 * @throws RangeError naming the input when AIIDA has no such schema.
 */
export function parseSchema(name: string): Schema {
  return schemas.parse(name);
}

/**
 * The AIIDA name of an asset, for example "CONNECTION-AGREEMENT-POINT".
 * @throws RangeError for `ASSET_UNSPECIFIED` and unknown numbers.
 */
export function assetName(value: Asset): string {
  return assets.nameOf(value);
}

/**
 * The asset AIIDA calls `name` ("SUBMETER").
 * @throws RangeError naming the input when AIIDA has no such asset.
 */
export function parseAsset(name: string): Asset {
  return assets.parse(name);
}

/**
 * The AIIDA name of a data source type, for example "SMART_METER_ADAPTER".
 * @throws RangeError for `DATA_SOURCE_TYPE_UNSPECIFIED` and unknown numbers.
 */
export function dataSourceTypeName(value: DataSourceType): string {
  return sourceTypes.nameOf(value);
}

/**
 * The data source type AIIDA calls `name` ("SHELLY").
 * @throws RangeError naming the input when AIIDA has no such type.
 */
export function parseDataSourceType(name: string): DataSourceType {
  return sourceTypes.parse(name);
}

/** Every schema with an AIIDA name, in contract order. */
export const schemaValues: readonly Schema[] = schemas.values();
/** Every asset with an AIIDA name, in contract order. */
export const assetValues: readonly Asset[] = assets.values();
/** Every data source type with an AIIDA name, in contract order. */
export const dataSourceTypeValues: readonly DataSourceType[] = sourceTypes.values();
