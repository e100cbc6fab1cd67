import { readPeriod } from "../marketplace/time-format.js";
import { FieldError, FormField } from "./form-field.js";

/** The duration as the form holds it: relative ISO periods or calendar dates. */
export interface DurationValue {
  kind: "relative" | "absolute";
  relativeStart: string;
  relativeEnd: string;
  /** "yyyy-mm-dd" */
  absoluteStart: string;
  /** "yyyy-mm-dd" */
  absoluteEnd: string;
}

/**
 * For how long data is shared: relative to the customer's approval (AIIDA's
 * ISO-8601 periods, read back in words) or between two calendar dates.
 */
export function DurationField(props: {
  value: DurationValue;
  onChange: (value: DurationValue) => void;
  errors: Record<string, string>;
}) {
  const v = props.value;
  const set = (patch: Partial<DurationValue>) => props.onChange({ ...v, ...patch });
  const e = (k: string) => props.errors[`data_need.duration.${k}`];
  const startReading = readPeriod(v.relativeStart);
  const endReading = readPeriod(v.relativeEnd);
  return (
    <fieldset>
      <legend className="label">Duration</legend>
      <div className="choice-row" role="radiogroup" aria-label="Kind of duration">
        <label className="choice">
          <input
            type="radio"
            name="duration-kind"
            checked={v.kind === "relative"}
            onChange={() => set({ kind: "relative" })}
          />
          Relative to approval
        </label>
        <label className="choice">
          <input
            type="radio"
            name="duration-kind"
            checked={v.kind === "absolute"}
            onChange={() => set({ kind: "absolute" })}
          />
          Fixed dates
        </label>
      </div>
      {v.kind === "relative" ? (
        <div className="grid-2">
          <FormField
            label="Start"
            hint={
              startReading
                ? `From ${startReading}.`
                : "An ISO-8601 period such as P0D, or -P30D for 30 days of history."
            }
            error={e("relative.start")}
          >
            <input
              type="text"
              className="mono"
              value={v.relativeStart}
              onChange={(x) => set({ relativeStart: x.target.value })}
            />
          </FormField>
          <FormField
            label="End"
            hint={endReading ? `Until ${endReading}.` : "An ISO-8601 period such as P10D or P1Y."}
            error={e("relative.end")}
          >
            <input
              type="text"
              className="mono"
              value={v.relativeEnd}
              onChange={(x) => set({ relativeEnd: x.target.value })}
            />
          </FormField>
        </div>
      ) : (
        <div className="grid-2">
          <FormField label="First day" error={e("absolute.start")}>
            <input
              type="date"
              value={v.absoluteStart}
              onChange={(x) => set({ absoluteStart: x.target.value })}
            />
          </FormField>
          <FormField label="Last day" error={e("absolute.end")}>
            <input
              type="date"
              value={v.absoluteEnd}
              onChange={(x) => set({ absoluteEnd: x.target.value })}
            />
          </FormField>
        </div>
      )}
      <FieldError message={props.errors["data_need.duration"]} />
    </fieldset>
  );
}
