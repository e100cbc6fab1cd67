import { useId } from "react";
import { countries } from "../marketplace/labels.js";
import { FieldError } from "./form-field.js";

/** Checkboxes for the target countries, by ISO 3166-1 alpha-2 code. */
export function CountryPicker(props: {
  value: readonly string[];
  onChange: (value: string[]) => void;
  error?: string | undefined;
  hint?: string;
}) {
  const id = useId();
  const chosen = new Set(props.value);
  const toggle = (code: string) => {
    const next = new Set(chosen);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    props.onChange(countries.map((c) => c.code).filter((c) => next.has(c)));
  };
  return (
    <fieldset className="field" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>Countries</legend>
      <span className="hint">{props.hint ?? "Only households in these countries are asked."}</span>
      <div className="choice-row">
        {countries.map((c) => (
          <label className="choice" key={c.code}>
            <input type="checkbox" checked={chosen.has(c.code)} onChange={() => toggle(c.code)} />
            {c.name} <span className="hint">({c.code})</span>
          </label>
        ))}
      </div>
      <FieldError id={`${id}-error`} message={props.error} />
    </fieldset>
  );
}
