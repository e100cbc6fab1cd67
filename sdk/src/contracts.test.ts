import * as access from "@eddie-marketplace/gen/eddie/marketplace/v1/access_pb";
import * as account from "@eddie-marketplace/gen/eddie/marketplace/v1/account_pb";
import * as catalog from "@eddie-marketplace/gen/eddie/marketplace/v1/catalog_pb";
import * as instance from "@eddie-marketplace/gen/eddie/marketplace/v1/instance_pb";
import * as search from "@eddie-marketplace/gen/eddie/marketplace/v1/search_pb";
import * as notification from "@eddie-marketplace/gen/eddie/notification/v1/notification_pb";
import * as vocabulary from "@eddie-marketplace/gen/eddie/vocabulary/v1/vocabulary_pb";
import { describe, expect, it } from "vitest";
import * as face from "./index.js";

describe("the contracts re-exported by the SDK", () => {
  it("include every schema, enum and service of the client-facing contracts", () => {
    const generated = { access, account, catalog, instance, search, notification, vocabulary };
    const missing: string[] = [];
    for (const [file, exports] of Object.entries(generated)) {
      for (const name of Object.keys(exports)) {
        // file_* descriptors are the generator's; everything else is API.
        if (name.startsWith("file_")) continue;
        if (!(name in face)) missing.push(`${file}: ${name}`);
      }
    }
    // A new message in proto/ needs its type and schema added to contracts.ts.
    expect(missing).toEqual([]);
  });
});
