import cronstrue from "cronstrue";
import { FormField } from "./form-field.js";

const presets: readonly { cron: string; label: string }[] = [
  { cron: "0 */15 * * * *", label: "Every 15 minutes" },
  { cron: "0 0 * * * *", label: "Hourly" },
  { cron: "0 0 0 * * *", label: "Daily at midnight" },
  { cron: "*/10 * * * * *", label: "Every 10 seconds" },
];

/**
 * The human reading of a six-field (with seconds) cron expression, or an
 * explanation of why it cannot be read.
 */
export function readCron(cron: string): { ok: boolean; text: string } {
  const fields = cron.trim().split(/\s+/);
  if (cron.trim() === "") return { ok: false, text: "Enter a schedule." };
  if (fields.length !== 6) {
    return {
      ok: false,
      text: `AIIDA schedules have six fields (seconds first); this has ${fields.length}.`,
    };
  }
  try {
    return {
      ok: true,
      text: cronstrue.toString(cron, { use24HourTimeFormat: true }),
    };
  } catch (e) {
    return { ok: false, text: `Not a valid schedule: ${String(e).replace(/^Error: /, "")}` };
  }
}

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
