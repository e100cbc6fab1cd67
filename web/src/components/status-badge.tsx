import type { Tone } from "../marketplace/labels.js";

/** A coloured pill with a status in words (colour is never the only cue). */
export function StatusBadge(props: { text: string; tone: Tone }) {
  return <span className={`badge ${props.tone}`}>{props.text}</span>;
}
