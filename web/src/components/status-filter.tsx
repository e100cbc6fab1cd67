import { ItemStatus } from "@eddie-marketplace/sdk";

const options = [
  { value: ItemStatus.UNSPECIFIED, label: "All" },
  { value: ItemStatus.DRAFT, label: "Drafts" },
  { value: ItemStatus.PUBLISHED, label: "Published" },
  { value: ItemStatus.ARCHIVED, label: "Archived" },
] as const;

/** Tabs that filter a list of catalog items by status. */
export function StatusFilter(props: { value: ItemStatus; onChange: (value: ItemStatus) => void }) {
  return (
    <div className="tabs" role="tablist" aria-label="Filter by status">
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="tab"
          aria-selected={props.value === o.value}
          onClick={() => props.onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}
