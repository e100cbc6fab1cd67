import { timestampMs } from "@bufbuild/protobuf/wkt";
import type {
  CatalogFilter,
  DataNeed,
  DataRequestInput,
  ServiceOfferInput,
} from "@eddie-marketplace/gen";
import { ItemStatus, ServiceCategory } from "@eddie-marketplace/gen";
import { Cron } from "croner";
import { Violations } from "../api/errors.js";
import { isCountryCode } from "./country-codes.js";
import { assetNameOf, categoryNameOf, obisCodeOf, schemaNameOf } from "./vocabulary-codes.js";

/** The longest texts the catalog stores, in characters. */
export const limits = {
  name: 120,
  description: 4000,
  purpose: 1000,
  link: 2000,
  schedule: 200,
  filterText: 200,
  id: 200,
  /** Most countries, data tags or schemas one item or filter may list. */
  listEntries: 300,
  pageSize: 100,
} as const;

/**
 * Checks a data request's editable part and throws a `ValidationError` with
 * every broken rule as a field violation (paths like
 * "input.data_need.data_tags[1]"). Returns the input, now known complete.
 */
export function validateDataRequestInput(
  input: DataRequestInput | undefined,
  path = "input",
): DataRequestInput & { dataNeed: DataNeed } {
  const v = new Violations();
  if (!v.check(input !== undefined, path, "the data request's content is required")) v.throwIfAny();
  const { dataNeed } = input!;
  if (v.check(dataNeed !== undefined, `${path}.data_need`, "the data need is required")) {
    checkDataNeed(v, dataNeed!, `${path}.data_need`);
  }
  checkCountries(v, input!.countries, `${path}.countries`, true);
  checkDeliveryEndpoint(v, input!.deliveryEndpoint, `${path}.delivery_endpoint`);
  v.throwIfAny();
  return input as DataRequestInput & { dataNeed: DataNeed };
}

/**
 * Checks a service offer's editable part (except that a referenced data
 * request exists, which needs the database) and throws a `ValidationError`
 * with every broken rule.
 */
export function validateServiceOfferInput(
  input: ServiceOfferInput | undefined,
  path = "input",
): ServiceOfferInput {
  const v = new Violations();
  if (!v.check(input !== undefined, path, "the service offer's content is required")) {
    v.throwIfAny();
  }
  const offer = input!;
  checkText(v, offer.name, `${path}.name`, limits.name, true);
  checkText(v, offer.description, `${path}.description`, limits.description, true);
  if (offer.category === ServiceCategory.UNSPECIFIED) {
    v.add(`${path}.category`, "choose a category");
  } else if (categoryNameOf(offer.category) === undefined) {
    v.add(`${path}.category`, `unknown category ${offer.category}`);
  }
  checkCountries(v, offer.countries, `${path}.countries`, true);
  checkHttpsLink(v, offer.link, `${path}.link`);
  checkDataTags(v, offer.dataTags, `${path}.data_tags`, true);
  if (offer.dataRequestId !== "" && !isUuid(offer.dataRequestId)) {
    v.add(`${path}.data_request_id`, "not the ID of a data request of your organisation");
  }
  v.throwIfAny();
  return offer;
}

/**
 * Checks a browse filter and page size. `mayListOwn` is whether the caller
 * has an organisation whose own items `mine` could list: a customer asking
 * for `mine` gets INVALID_ARGUMENT, not a silently empty page.
 */
export function validateBrowse(
  filter: CatalogFilter | undefined,
  pageSize: number,
  mayListOwn: boolean,
): void {
  const v = new Violations();
  if (filter !== undefined) {
    const f = filter;
    checkCountries(v, f.countries, "filter.countries", false);
    checkDataTags(v, f.dataTags, "filter.data_tags", false);
    checkSchemas(v, f.schemas, "filter.schemas", false);
    if (f.asset !== 0 && assetNameOf(f.asset) === undefined) {
      v.add("filter.asset", `unknown asset ${f.asset}`);
    }
    if (f.category !== 0 && categoryNameOf(f.category) === undefined) {
      v.add("filter.category", `unknown category ${f.category}`);
    }
    checkText(v, f.purpose, "filter.purpose", limits.filterText, false);
    checkText(v, f.text, "filter.text", limits.filterText, false);
    checkText(v, f.organisationId, "filter.organisation_id", limits.id, false);
    if (f.mine && !mayListOwn) {
      v.add("filter.mine", "only eligible parties have items of their own; leave mine unset");
    }
    if (!Object.values(ItemStatus).includes(f.status)) {
      v.add("filter.status", `unknown status ${f.status}`);
    } else if (
      !f.mine &&
      f.status !== ItemStatus.UNSPECIFIED &&
      f.status !== ItemStatus.PUBLISHED
    ) {
      v.add(
        "filter.status",
        "only published items are listed; set mine to list your own by status",
      );
    }
  }
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > limits.pageSize) {
    v.add("page_size", `ask for 1 to ${limits.pageSize} items, or 0 for the default of 20`);
  }
  v.throwIfAny();
}

function checkDataNeed(v: Violations, need: DataNeed, path: string): void {
  checkText(v, need.name, `${path}.name`, limits.name, true);
  checkText(v, need.description, `${path}.description`, limits.description, true);
  checkText(v, need.purpose, `${path}.purpose`, limits.purpose, true);
  checkHttpsLink(v, need.policyLink, `${path}.policy_link`);
  checkDuration(v, need, `${path}.duration`);
  checkSchedule(v, need.transmissionSchedule, `${path}.transmission_schedule`);
  checkSchemas(v, need.schemas, `${path}.schemas`, true);
  if (need.asset === 0) {
    v.add(`${path}.asset`, "choose where the data is measured");
  } else if (assetNameOf(need.asset) === undefined) {
    v.add(`${path}.asset`, `unknown asset ${need.asset}`);
  }
  checkDataTags(v, need.dataTags, `${path}.data_tags`, true);
}

function checkDuration(v: Violations, need: DataNeed, path: string): void {
  const kind = need.duration?.kind;
  if (kind === undefined || kind.case === undefined) {
    v.add(path, "set a relative or an absolute duration");
    return;
  }
  if (kind.case === "relative") {
    const start = parsePeriod(kind.value.start);
    const end = parsePeriod(kind.value.end);
    const example = 'an ISO-8601 period such as "P0D", "-P30D" or "P1Y"';
    v.check(start !== undefined, `${path}.relative.start`, `must be ${example}`);
    v.check(end !== undefined, `${path}.relative.end`, `must be ${example}`);
    if (start !== undefined && end !== undefined && end < start) {
      v.add(`${path}.relative.end`, "ends before the start; the end must not be before the start");
    }
    return;
  }
  const { start, end } = kind.value;
  v.check(start !== undefined, `${path}.absolute.start`, "the start is required");
  v.check(end !== undefined, `${path}.absolute.end`, "the end is required");
  if (start !== undefined && end !== undefined && timestampMs(end) <= timestampMs(start)) {
    v.add(`${path}.absolute.end`, "must be after the start");
  }
}

/**
 * An ISO-8601 period as AIIDA writes durations (Java's `Period`: years,
 * months, weeks, days, with an optional sign), in approximate days for
 * ordering start and end; undefined when `text` is not one.
 */
export function parsePeriod(text: string): number | undefined {
  const m = /^([+-])?P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?$/.exec(text);
  if (m === null || (m[2] ?? m[3] ?? m[4] ?? m[5]) === undefined) return undefined;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const days = n(m[2]) * 365.2425 + n(m[3]) * 30.436875 + n(m[4]) * 7 + n(m[5]);
  return m[1] === "-" ? -days : days;
}

function checkSchedule(v: Violations, schedule: string, path: string): void {
  const example = 'a cron expression with seconds, such as "0 */15 * * * *" (every 15 minutes)';
  if (schedule.trim() === "") {
    v.add(path, `the transmission schedule is required: ${example}`);
    return;
  }
  if (schedule.length > limits.schedule) {
    v.add(path, `at most ${limits.schedule} characters`);
    return;
  }
  try {
    const cron = new Cron(schedule.trim(), { paused: true, mode: "6-part" });
    if (cron.nextRun() === null) v.add(path, "never fires; choose a date that exists");
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern:\s*/, "") : "";
    v.add(path, `must be ${example}${reason === "" ? "" : ` (${reason})`}`);
  }
}

function checkText(
  v: Violations,
  text: string,
  path: string,
  max: number,
  required: boolean,
): void {
  if (required && text.trim() === "") v.add(path, "is required");
  else v.check(codePoints(text) <= max, path, `at most ${max} characters`);
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function checkCountries(
  v: Violations,
  countries: readonly string[],
  path: string,
  required: boolean,
): void {
  if (required && countries.length === 0) {
    v.add(path, 'name at least one country (ISO 3166-1 alpha-2, e.g. "AT")');
  }
  if (!v.check(countries.length <= limits.listEntries, path, "too many countries")) return;
  const seen = new Set<string>();
  countries.forEach((c, i) => {
    if (!isCountryCode(c)) {
      const hint = isCountryCode(c.toUpperCase()) ? ` (write "${c.toUpperCase()}")` : "";
      v.add(`${path}[${i}]`, `"${c}" is not an ISO 3166-1 alpha-2 country code${hint}`);
    } else if (seen.has(c)) {
      v.add(`${path}[${i}]`, `"${c}" is listed twice`);
    }
    seen.add(c);
  });
}

function checkDataTags(
  v: Violations,
  tags: readonly number[],
  path: string,
  required: boolean,
): void {
  if (required && tags.length === 0) v.add(path, "name at least one measurement (OBIS code)");
  if (!v.check(tags.length <= limits.listEntries, path, "too many data tags")) return;
  const seen = new Set<number>();
  tags.forEach((t, i) => {
    const code = obisCodeOf(t);
    if (code === undefined) {
      v.add(`${path}[${i}]`, t === 0 ? "no OBIS code given" : `unknown OBIS code ${t}`);
    } else if (seen.has(t)) {
      v.add(`${path}[${i}]`, `${code} is listed twice`);
    }
    seen.add(t);
  });
}

function checkSchemas(
  v: Violations,
  schemas: readonly number[],
  path: string,
  required: boolean,
): void {
  if (required && schemas.length === 0) v.add(path, "name at least one schema");
  if (!v.check(schemas.length <= limits.listEntries, path, "too many schemas")) return;
  const seen = new Set<number>();
  schemas.forEach((s, i) => {
    const name = schemaNameOf(s);
    if (name === undefined) {
      v.add(`${path}[${i}]`, s === 0 ? "no schema given" : `unknown schema ${s}`);
    } else if (seen.has(s)) {
      v.add(`${path}[${i}]`, `${name} is listed twice`);
    }
    seen.add(s);
  });
}

function checkHttpsLink(v: Violations, link: string, path: string): void {
  if (link.trim() === "") {
    v.add(path, "is required: an https:// link");
    return;
  }
  const url = parseUrl(link);
  if (url === undefined || url.protocol !== "https:" || url.hostname === "") {
    v.add(path, "must be an https:// link");
  } else if (url.username !== "" || url.password !== "") {
    v.add(path, "must not contain a user name or password");
  } else {
    v.check(link.length <= limits.link, path, `at most ${limits.link} characters`);
  }
}

const loopbackHosts = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The receiver must be reachable over TLS; plain http is accepted only on a
 * loopback address, where an eligible party tests its receiver locally.
 */
function checkDeliveryEndpoint(v: Violations, endpoint: string, path: string): void {
  const example = '"https://receiver.example:443"';
  if (endpoint.trim() === "") {
    v.add(path, `is required: the address of your data receiver, such as ${example}`);
    return;
  }
  const url = parseUrl(endpoint);
  if (url === undefined || url.hostname === "") {
    v.add(path, `must be a URL such as ${example}`);
  } else if (
    url.protocol !== "https:" &&
    !(url.protocol === "http:" && loopbackHosts.has(url.hostname))
  ) {
    v.add(path, `must use https (plain http only on a loopback address), such as ${example}`);
  } else if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    v.add(path, "must not contain a user name, password, query or fragment");
  } else {
    v.check(endpoint.length <= limits.link, path, `at most ${limits.link} characters`);
  }
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** Whether `id` has the shape of the catalog's IDs (UUIDs). */
export function isUuid(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id);
}
