import { cloneElement, type ReactElement, useId } from "react";

/**
 * A labelled form control with its hint and its error beside it. The control
 * gets the id, `aria-invalid` and `aria-describedby` wired for screen readers.
 */
export function FormField(props: {
  label: string;
  hint?: string;
  error?: string | undefined;
  children: ReactElement<Record<string, unknown>>;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : "", props.error ? errorId : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.hint && (
        <span className="hint" id={hintId}>
          {props.hint}
        </span>
      )}
      {cloneElement(props.children, {
        id,
        "aria-invalid": props.error ? true : undefined,
        "aria-describedby": describedBy || undefined,
      })}
      <FieldError id={errorId} message={props.error} />
    </div>
  );
}

/** The error line under a field; nothing when there is no error. */
export function FieldError(props: { id?: string; message: string | undefined }) {
  if (!props.message) return null;
  return (
    <span className="field-error" id={props.id} data-field-error="">
      {props.message}
    </span>
  );
}
