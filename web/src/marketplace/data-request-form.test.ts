import { create } from "@bufbuild/protobuf";
import { DataRequestSchema, ObisCode, Schema } from "@eddie-marketplace/sdk";
import { describe, expect, it } from "vitest";
import {
  dataRequestToForm,
  emptyDataRequestForm,
  formToDataRequestInput,
} from "./data-request-form.js";

describe("the data request form", () => {
  it("starts with common choices and no country, so the EP must pick one", () => {
    const f = emptyDataRequestForm();
    expect(f.countries).toEqual([]);
    expect(f.dataTags).toEqual([ObisCode.POSITIVE_ACTIVE_ENERGY]);
    expect(f.schedule).toBe("0 */15 * * * *");
  });

  it("sends what was entered, trimmed, and reads a saved request back the same", () => {
    const f = {
      ...emptyDataRequestForm(),
      name: "  Heat pump  ",
      countries: ["AT"],
      schemas: [Schema.SMART_METER_P1_RAW],
      duration: {
        kind: "relative" as const,
        relativeStart: "-P7D",
        relativeEnd: "P1Y",
        absoluteStart: "",
        absoluteEnd: "",
      },
    };
    const input = formToDataRequestInput(f);
    expect(input.dataNeed?.name).toBe("Heat pump");
    expect(input.dataNeed?.duration?.kind).toEqual({
      case: "relative",
      value: { start: "-P7D", end: "P1Y" },
    });
    const saved = create(DataRequestSchema, {
      id: "r1",
      dataNeed: input.dataNeed,
      countries: input.countries,
      deliveryEndpoint: input.deliveryEndpoint,
    });
    expect(dataRequestToForm(saved)).toEqual({ ...f, name: "Heat pump" });
  });

  it("sends calendar dates as whole days in UTC", () => {
    const input = formToDataRequestInput({
      ...emptyDataRequestForm(),
      duration: {
        kind: "absolute",
        relativeStart: "",
        relativeEnd: "",
        absoluteStart: "2026-01-01",
        absoluteEnd: "2026-01-31",
      },
    });
    const kind = input.dataNeed?.duration?.kind;
    expect(kind?.case).toBe("absolute");
    if (kind?.case !== "absolute") return;
    expect(new Date(Number(kind.value.start?.seconds) * 1000).toISOString()).toBe(
      "2026-01-01T00:00:00.000Z",
    );
    expect(new Date(Number(kind.value.end?.seconds) * 1000).toISOString()).toBe(
      "2026-01-31T23:59:59.000Z",
    );
  });
});
