import { create } from "@bufbuild/protobuf";
import { BadRequestSchema, Code, ConnectError } from "@eddie-marketplace/sdk";
import { describe, expect, it } from "vitest";
import { describeError, fieldErrors, formFieldKey } from "./error-text.js";

const invalid = (violations: { field: string; description: string }[]) =>
  new ConnectError("invalid", Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: violations }) },
  ]);

describe("field errors from the Marketplace", () => {
  it("are keyed by the form's field names, several messages for one field joined", () => {
    const err = invalid([
      { field: "input.data_need.data_tags[0]", description: "is not a known OBIS code." },
      { field: "input.data_need.data_tags[3]", description: "is listed twice." },
      { field: "input.countries", description: "name at least one country" },
    ]);
    expect(fieldErrors(err)).toEqual({
      "data_need.data_tags": "is not a known OBIS code. is listed twice.",
      countries: "name at least one country",
    });
    expect(describeError(err)).toMatch(/fields need attention/);
  });

  it("are empty for errors that are not about fields", () => {
    expect(fieldErrors(new ConnectError("gone", Code.NotFound))).toEqual({});
    expect(fieldErrors(new Error("boom"))).toEqual({});
  });
});

describe("formFieldKey", () => {
  it("maps the server's field paths to the form's field names", () => {
    expect(formFieldKey("input.data_need.data_tags[2]")).toBe("data_need.data_tags");
    expect(formFieldKey("input.countries[0]")).toBe("countries");
    expect(formFieldKey("name")).toBe("name");
  });
});

describe("describeError", () => {
  it("says what to do, by code", () => {
    expect(describeError(new ConnectError("x", Code.Unauthenticated))).toMatch(/sign in again/);
    expect(describeError(new ConnectError("x", Code.Unavailable))).toMatch(/cannot be reached/);
    expect(
      describeError(new ConnectError("only drafts can be published", Code.FailedPrecondition)),
    ).toBe("only drafts can be published");
  });
});
