import { useState } from "react";
import { fieldErrors } from "../marketplace/error-text.js";
import { Link, navigate } from "../router.js";

/** How an editor saves its item. */
export interface CatalogSaveOptions {
  /** The item being edited; undefined for a new one. */
  readonly id: string | undefined;
  /** Where the item's page is: the editor goes to `${path}/${id}` once saved. */
  readonly path: string;
  /** The item's name in the error for an answer without it ("request", "offer"). */
  readonly noun: string;
  /** Creates (`id` undefined) or updates the item; resolves with what was stored. */
  readonly save: (id: string | undefined) => Promise<{ id: string } | undefined>;
  readonly publish: (id: string) => Promise<unknown>;
}

/**
 * Saving a data request or a service offer from its editor: as a draft, or
 * saved and published; on success the item's page opens, on failure the
 * server's field errors are kept for the form.
 */
export function useCatalogSave(options: CatalogSaveOptions) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState<"draft" | "publish">();
  const [id, setId] = useState(options.id);
  const submit = async (publish: boolean) => {
    setBusy(publish ? "publish" : "draft");
    setErrors({});
    setFailure(undefined);
    try {
      const saved = await options.save(id);
      if (!saved) throw new Error(`The Marketplace answered without the saved ${options.noun}.`);
      setId(saved.id);
      if (publish) await options.publish(saved.id);
      navigate(`${options.path}/${saved.id}`, { replace: true });
    } catch (e) {
      setErrors(fieldErrors(e));
      setFailure(e);
    } finally {
      setBusy(undefined);
    }
  };
  return { id, busy, errors, failure, submit };
}

/** Cancel, Save draft (the form's submit) and Save and publish. */
export function EditorActions(props: {
  cancelHref: string;
  busy: "draft" | "publish" | undefined;
  onPublish: () => void;
}) {
  return (
    <div className="form-actions">
      <Link className="button" href={props.cancelHref}>
        Cancel
      </Link>
      <button type="submit" className="button" disabled={props.busy !== undefined}>
        {props.busy === "draft" ? "Saving…" : "Save draft"}
      </button>
      <button
        type="button"
        className="button primary"
        disabled={props.busy !== undefined}
        onClick={props.onPublish}
      >
        {props.busy === "publish" ? "Publishing…" : "Save and publish"}
      </button>
    </div>
  );
}
