import { type Kysely, sql } from "kysely";

// The catalog: data requests and service offers. Vocabulary values are stored
// as AIIDA writes them ("1-0:1.8.0", "SMART-METER-P1-RAW"). Browsing reads
// only published rows, newest first, so every browse index is partial on
// status = 'published' and ends in (published_at, id), the keyset.

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);

  await db.schema
    .createTable("data_request")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organisation_id", "text", (c) => c.notNull())
    .addColumn("organisation_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('draft', 'published', 'archived')`),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("purpose", "text", (c) => c.notNull())
    .addColumn("policy_link", "text", (c) => c.notNull())
    .addColumn("relative_start", "text")
    .addColumn("relative_end", "text")
    .addColumn("absolute_start", "timestamptz")
    .addColumn("absolute_end", "timestamptz")
    .addColumn("transmission_schedule", "text", (c) => c.notNull())
    .addColumn("schemas", sql`text[]`, (c) => c.notNull())
    .addColumn("asset", "text", (c) => c.notNull())
    .addColumn("data_tags", sql`text[]`, (c) => c.notNull())
    .addColumn("countries", sql`text[]`, (c) => c.notNull())
    .addColumn("delivery_endpoint", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("published_at", "timestamptz")
    .addColumn("search", sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', purpose), 'B') || setweight(to_tsvector('simple', description), 'C')`,
        )
        .stored(),
    )
    .addCheckConstraint(
      "data_request_duration_check",
      sql`(relative_start is not null and relative_end is not null and absolute_start is null and absolute_end is null)
        or (relative_start is null and relative_end is null and absolute_start is not null and absolute_end is not null)`,
    )
    .addCheckConstraint(
      "data_request_published_at_check",
      sql`status <> 'published' or published_at is not null`,
    )
    .execute();

  await db.schema
    .createTable("service_offer")
    .addColumn("id", "uuid", (c) => c.primaryKey())
    .addColumn("organisation_id", "text", (c) => c.notNull())
    .addColumn("organisation_name", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) =>
      c.notNull().check(sql`status in ('draft', 'published', 'archived')`),
    )
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("countries", sql`text[]`, (c) => c.notNull())
    .addColumn("link", "text", (c) => c.notNull())
    .addColumn("data_tags", sql`text[]`, (c) => c.notNull())
    .addColumn("data_request_id", "uuid", (c) => c.references("data_request.id"))
    .addColumn("created_at", "timestamptz", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull())
    .addColumn("published_at", "timestamptz")
    .addColumn("search", sql`tsvector`, (c) =>
      c
        .generatedAlwaysAs(
          sql`setweight(to_tsvector('simple', name), 'A') || setweight(to_tsvector('simple', description), 'C')`,
        )
        .stored(),
    )
    .addCheckConstraint(
      "service_offer_published_at_check",
      sql`status <> 'published' or published_at is not null`,
    )
    .execute();

  for (const table of ["data_request", "service_offer"] as const) {
    const t = sql.table(table);
    const ix = (name: string) => sql.id(`${table}_${name}_idx`);
    // Newest first over everything published, and per organisation.
    await sql`create index ${ix("published")} on ${t} (published_at, id) where status = 'published'`.execute(
      db,
    );
    await sql`create index ${ix("organisation_published")} on ${t} (organisation_id, published_at, id) where status = 'published'`.execute(
      db,
    );
    // An organisation's own items in any status (`mine`).
    await sql`create index ${ix("organisation_created")} on ${t} (organisation_id, created_at, id)`.execute(
      db,
    );
    // Rare words must be estimated as rare, or the planner walks the newest-first
    // index hoping to meet 20 matches soon; a larger sample keeps them in the stats.
    await sql`alter table ${t} alter column search set statistics 1000`.execute(db);
    for (const column of ["countries", "data_tags", "search"]) {
      await sql`create index ${ix(column)} on ${t} using gin (${sql.ref(column)}) where status = 'published'`.execute(
        db,
      );
    }
  }
  await sql`create index data_request_asset_published_idx on data_request (asset, published_at, id) where status = 'published'`.execute(
    db,
  );
  await sql`create index data_request_schemas_idx on data_request using gin (schemas) where status = 'published'`.execute(
    db,
  );
  await sql`create index data_request_purpose_idx on data_request using gin (purpose gin_trgm_ops) where status = 'published'`.execute(
    db,
  );
  await sql`create index service_offer_category_published_idx on service_offer (category, published_at, id) where status = 'published'`.execute(
    db,
  );
  await sql`create index service_offer_data_request_idx on service_offer (data_request_id)`.execute(
    db,
  );
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run against the schema as it was then.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("service_offer").execute();
  await db.schema.dropTable("data_request").execute();
}
