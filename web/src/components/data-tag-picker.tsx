import { type ObisCode, obisCodes } from "@eddie-marketplace/sdk";
import { useId, useState } from "react";
import { FieldError } from "./form-field.js";

/**
 * Picks OBIS data tags from the contracts' table: a filter box over code,
 * name and unit, and a list of checkboxes showing each code's meaning.
 */
export function DataTagPicker(props: {
  value: readonly ObisCode[];
  onChange: (value: ObisCode[]) => void;
  error?: string | undefined;
  label?: string;
}) {
  const id = useId();
  const [filter, setFilter] = useState("");
  const needle = filter.trim().toLowerCase();
  const shown = obisCodes.filter(
    (o) =>
      needle === "" ||
      o.code.includes(needle) ||
      o.name.toLowerCase().includes(needle) ||
      o.unit.toLowerCase() === needle,
  );
  const selected = new Set(props.value);
  const toggle = (v: ObisCode) => {
    const next = new Set(selected);
    if (next.has(v)) next.delete(v);
    else next.add(v);
    props.onChange(obisCodes.map((o) => o.value).filter((x) => next.has(x)));
  };
  return (
    <fieldset className="field" aria-describedby={props.error ? `${id}-error` : undefined}>
      <legend>{props.label ?? "Data tags (OBIS codes)"}</legend>
      <span className="hint">
        The measurements you need. Each household's AIIDA instance must yield all of them.
      </span>
      <div className="chips" aria-live="polite">
        {props.value.length === 0 ? (
          <span className="hint">None chosen yet.</span>
        ) : (
          obisCodes
            .filter((o) => selected.has(o.value))
            .map((o) => (
              <span className="chip" key={o.value}>
                {o.code} {o.name}
                <button
                  type="button"
                  aria-label={`Remove ${o.name}`}
                  onClick={() => toggle(o.value)}
                >
                  ×
                </button>
              </span>
            ))
        )}
      </div>
      <label htmlFor={`${id}-filter`} className="visually-hidden">
        Filter data tags
      </label>
      <input
        id={`${id}-filter`}
        type="search"
        placeholder="Filter by code, name or unit, e.g. voltage or kWh"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        aria-invalid={props.error ? true : undefined}
      />
      <ul className="tag-picker-list" aria-label="Data tags">
        {shown.length === 0 && <li className="tag-option">No data tag matches “{filter}”.</li>}
        {shown.map((o) => (
          <li key={o.value}>
            <label className="tag-option">
              <input
                type="checkbox"
                checked={selected.has(o.value)}
                onChange={() => toggle(o.value)}
              />
              <code>{o.code}</code>
              <span>{o.name}</span>
              <span className="unit">{o.unit || "no unit"}</span>
            </label>
          </li>
        ))}
      </ul>
      <FieldError id={`${id}-error`} message={props.error} />
    </fieldset>
  );
}
