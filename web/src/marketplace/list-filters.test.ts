import { ItemStatus } from "@eddie-marketplace/sdk";
import { describe, expect, it } from "vitest";
import { listFiltersHref, readListFilters } from "./list-filters.js";

describe("list filters in the address", () => {
  it("round-trip through the query string", () => {
    const href = listFiltersHref("/requests", { status: ItemStatus.ARCHIVED, text: "heat pump" });
    expect(href).toBe("/requests?status=archived&q=heat+pump");
    expect(readListFilters(new URL(href, "http://x").searchParams)).toEqual({
      status: ItemStatus.ARCHIVED,
      text: "heat pump",
    });
  });

  it("leave out what is unset and read unknown values as any", () => {
    expect(listFiltersHref("/offers", { status: ItemStatus.UNSPECIFIED, text: "" })).toBe(
      "/offers",
    );
    expect(readListFilters(new URLSearchParams("status=nonsense")).status).toBe(
      ItemStatus.UNSPECIFIED,
    );
  });
});
