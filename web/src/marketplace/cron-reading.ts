import cronstrue from "cronstrue";

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
