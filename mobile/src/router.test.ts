import { describe, expect, it } from "vitest";
import { matchPath } from "./router.js";

describe("matchPath", () => {
  it("matches the root and fixed paths, with or without a trailing slash", () => {
    expect(matchPath("/", "/")).toEqual({});
    expect(matchPath("/browse", "/browse/")).toEqual({});
    expect(matchPath("/browse", "/")).toBeUndefined();
    expect(matchPath("/", "/browse")).toBeUndefined();
  });

  it("reads :name segments, decoded", () => {
    expect(matchPath("/permissions/:id", "/permissions/p%2F1")).toEqual({ id: "p/1" });
    expect(matchPath("/permissions/:id", "/permissions")).toBeUndefined();
  });
});
