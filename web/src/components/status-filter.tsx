import { ItemStatus } from "@eddie-marketplace/sdk";

const options = [
  { value: ItemStatus.UNSPECIFIED, label: "All" },
  { value: ItemStatus.DRAFT, label: "Drafts" },
  { value: ItemStatus.PUBLISHED, label: "Published" },
  { value: ItemStatus.ARCHIVED, label: "Archived" },
] as const;

/** Toggle buttons that filter a list of catalog items by status. */
export function StatusFilter(props: { value: ItemStatus; onChange: (value: ItemStatus) => void }) {
  return (
    <fieldset className="tabs">
      <legend className="visually-hidden">Filter by status</legend>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          aria-pressed={props.value === o.value}
          onClick={() => props.onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </fieldset>
  );
}
