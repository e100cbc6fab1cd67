import {
  ItemStatus,
  type ObisCode,
  ServiceCategory,
  type ServiceOffer,
} from "@eddie-marketplace/sdk";
import { type FormEvent, useState } from "react";
import { ErrorAlert, Loading } from "../components/async-state.js";
import { EditorActions, useCatalogSave } from "../components/catalog-editor.js";
import { CountryPicker } from "../components/country-picker.js";
import { DataTagPicker } from "../components/data-tag-picker.js";
import { FormField } from "../components/form-field.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError } from "../marketplace/error-text.js";
import { serviceCategoryLabel } from "../marketplace/labels.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";

interface OfferForm {
  name: string;
  description: string;
  category: ServiceCategory;
  countries: string[];
  link: string;
  dataTags: ObisCode[];
  dataRequestId: string;
}

const toForm = (o: ServiceOffer | undefined): OfferForm => ({
  name: o?.name ?? "",
  description: o?.description ?? "",
  category: o?.category ?? ServiceCategory.UNSPECIFIED,
  countries: [...(o?.countries ?? [])],
  link: o?.link ?? "",
  dataTags: [...(o?.dataTags ?? [])],
  dataRequestId: o?.dataRequestId ?? "",
});

/** Creates a service offer, or edits a draft one (`id` given). */
export function ServiceOfferEditorPage(props: { id?: string }) {
  const client = useMarketplace();
  const existing = useRpc(
    async (signal) =>
      props.id
        ? (await client.catalog.getServiceOffer({ id: props.id }, { signal })).serviceOffer
        : undefined,
    [props.id],
  );
  const requests = useRpc(
    async (signal) =>
      (
        await client.catalog.listDataRequests({ filter: { mine: true }, pageSize: 100 }, { signal })
      ).dataRequests.filter((r) => r.status !== ItemStatus.ARCHIVED),
    [],
  );
  if (props.id && !existing.data && existing.error === undefined)
    return <Loading label="Loading the service offer…" />;
  if (existing.error !== undefined)
    return <ErrorAlert error={existing.error} onRetry={existing.reload} />;
  if (existing.data && existing.data.status !== ItemStatus.DRAFT) {
    return (
      <div className="alert info" role="status">
        Only drafts can be edited.{" "}
        <Link href={`/offers/${existing.data.id}`}>Back to the offer</Link>
      </div>
    );
  }
  return (
    <OfferEditor
      id={props.id}
      initial={toForm(existing.data)}
      requests={(requests.data ?? []).map((r) => ({ id: r.id, name: r.dataNeed?.name ?? r.id }))}
    />
  );
}

function OfferEditor(props: {
  id: string | undefined;
  initial: OfferForm;
  requests: { id: string; name: string }[];
}) {
  const client = useMarketplace();
  const [form, setForm] = useState(props.initial);
  const set = <K extends keyof OfferForm>(k: K, v: OfferForm[K]) =>
    setForm((f) => ({ ...f, [k]: v }));
  const { id, busy, errors, failure, submit } = useCatalogSave({
    id: props.id,
    path: "/offers",
    noun: "offer",
    save: async (id) => {
      const input = {
        name: form.name.trim(),
        description: form.description.trim(),
        category: form.category,
        countries: form.countries,
        link: form.link.trim(),
        dataTags: form.dataTags,
        dataRequestId: form.dataRequestId,
      };
      return id
        ? (await client.catalog.updateServiceOffer({ id, input })).serviceOffer
        : (await client.catalog.createServiceOffer({ input })).serviceOffer;
    },
    publish: (id) => client.catalog.publishServiceOffer({ id }),
  });
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(false);
  };
  const count = Object.keys(errors).length;
  return (
    <>
      <div className="breadcrumb">
        <Link href="/offers">Service offers</Link> ›
      </div>
      <div className="page-head">
        <div>
          <h1>{id ? "Edit service offer" : "New service offer"}</h1>
          <p>Tell households what they get in return for sharing their data.</p>
        </div>
      </div>
      <form className="card" onSubmit={onSubmit} noValidate aria-label="Service offer">
        {failure !== undefined && (
          <div className="alert error" role="alert">
            {count > 0 ? (
              <>
                <strong>
                  {count === 1 ? "One field needs" : `${count} fields need`} attention.
                </strong>{" "}
                Nothing was saved.
              </>
            ) : (
              describeError(failure)
            )}
          </div>
        )}
        <div className="grid-2">
          <FormField label="Name" error={errors.name}>
            <input type="text" value={form.name} onChange={(e) => set("name", e.target.value)} />
          </FormField>
          <FormField label="Category" error={errors.category}>
            <select
              value={form.category}
              onChange={(e) => set("category", Number(e.target.value) as ServiceCategory)}
            >
              {Object.entries(serviceCategoryLabel).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </FormField>
        </div>
        <FormField
          label="Description"
          hint="What the household gets, in plain words."
          error={errors.description}
        >
          <textarea value={form.description} onChange={(e) => set("description", e.target.value)} />
        </FormField>
        <FormField
          label="Link"
          hint="An https page where households learn more or sign up."
          error={errors.link}
        >
          <input
            type="url"
            value={form.link}
            onChange={(e) => set("link", e.target.value)}
            placeholder="https://"
          />
        </FormField>
        <DataTagPicker
          label="Data the offer needs (OBIS codes)"
          value={form.dataTags}
          onChange={(v) => set("dataTags", v)}
          error={errors.data_tags}
        />
        <CountryPicker
          value={form.countries}
          onChange={(v) => set("countries", v)}
          error={errors.countries}
        />
        <FormField
          label="Data request used"
          hint="Optional: the request whose data the offer works with."
          error={errors.data_request_id}
        >
          <select value={form.dataRequestId} onChange={(e) => set("dataRequestId", e.target.value)}>
            <option value="">None</option>
            {props.requests.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </FormField>
        <EditorActions
          cancelHref={id ? `/offers/${id}` : "/offers"}
          busy={busy}
          onPublish={() => void submit(true)}
        />
      </form>
    </>
  );
}
