import { readCron } from "../marketplace/cron-reading.js";
import { FormField } from "./form-field.js";

const presets: readonly { cron: string; label: string }[] = [
  { cron: "0 */15 * * * *", label: "Every 15 minutes" },
  { cron: "0 0 * * * *", label: "Hourly" },
  { cron: "0 0 0 * * *", label: "Daily at midnight" },
  { cron: "*/10 * * * * *", label: "Every 10 seconds" },
];

/** The transmission schedule: a cron field, its reading in words, and presets. */
export function ScheduleField(props: {
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
}) {
  const reading = readCron(props.value);
  return (
    <div>
      <FormField
        label="Transmission schedule (cron)"
        hint="When AIIDA sends data: six fields, seconds first, as AIIDA schedules it."
        error={props.error}
      >
        <input
          type="text"
          className="mono"
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          spellCheck={false}
          autoComplete="off"
        />
      </FormField>
      <p className="cron-reading" aria-live="polite" data-testid="cron-reading">
        {reading.ok ? reading.text : <span style={{ color: "var(--danger)" }}>{reading.text}</span>}
      </p>
      <div className="cron-presets">
        <span className="hint">Presets:</span>
        {presets.map((p) => (
          <button
            type="button"
            className="button small"
            key={p.cron}
            onClick={() => props.onChange(p.cron)}
          >
            {p.label}
          </button>
        ))}
      </div>
    </div>
  );
}
