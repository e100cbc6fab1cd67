import { ItemStatus } from "@eddie-marketplace/sdk";
import { type ReactNode, useState } from "react";
import { describeError } from "../marketplace/error-text.js";
import { itemStatusLabel } from "../marketplace/labels.js";
import { Link } from "../router.js";
import { StatusBadge } from "./status-badge.js";

/** What the head of a data request's or a service offer's page needs. */
export interface CatalogItemHeadProps {
  /** The list the item belongs to; its editor is `${listPath}/${id}/edit`. */
  readonly listPath: string;
  readonly listTitle: string;
  readonly item: { readonly id: string; readonly status: ItemStatus };
  readonly title: ReactNode;
  readonly subtitle: ReactNode;
  /** Asked before archiving. */
  readonly archiveQuestion: string;
  readonly publish: () => Promise<unknown>;
  readonly archive: () => Promise<unknown>;
  /** Called after a publish or archive went through. */
  readonly onChanged: () => void;
}

/**
 * The head of a catalog item's page: breadcrumb, name and status, and the
 * lifecycle buttons (edit and publish a draft, archive what is not archived),
 * with the error of a refused action.
 */
export function CatalogItemHead(props: CatalogItemHeadProps) {
  const [busy, setBusy] = useState<"publish" | "archive">();
  const [error, setError] = useState<unknown>();
  const act = async (what: "publish" | "archive") => {
    if (what === "archive" && !window.confirm(props.archiveQuestion)) return;
    setBusy(what);
    setError(undefined);
    try {
      await (what === "publish" ? props.publish() : props.archive());
      props.onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(undefined);
    }
  };
  const { id, status } = props.item;
  return (
    <>
      <div className="breadcrumb">
        <Link href={props.listPath}>{props.listTitle}</Link> ›
      </div>
      <div className="page-head">
        <div>
          <h1>
            {props.title} <StatusBadge {...itemStatusLabel[status]} />
          </h1>
          <p>{props.subtitle}</p>
        </div>
        <div className="button-row">
          {status === ItemStatus.DRAFT && (
            <>
              <Link className="button" href={`${props.listPath}/${id}/edit`}>
                Edit
              </Link>
              <button
                type="button"
                className="button primary"
                disabled={busy !== undefined}
                onClick={() => void act("publish")}
              >
                {busy === "publish" ? "Publishing…" : "Publish"}
              </button>
            </>
          )}
          {status !== ItemStatus.ARCHIVED && (
            <button
              type="button"
              className="button danger"
              disabled={busy !== undefined}
              onClick={() => void act("archive")}
            >
              {busy === "archive" ? "Archiving…" : "Archive"}
            </button>
          )}
        </div>
      </div>
      {error !== undefined && (
        <div className="alert error" role="alert">
          {describeError(error)}
        </div>
      )}
    </>
  );
}
