import {
  Asset,
  assetName,
  assetValues,
  ItemStatus,
  type Schema,
  schemaName,
  schemaValues,
} from "@eddie-marketplace/sdk";
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ErrorAlert, Loading } from "../components/async-state.js";
import { EditorActions, useCatalogSave } from "../components/catalog-editor.js";
import { CountryPicker } from "../components/country-picker.js";
import { DataTagPicker } from "../components/data-tag-picker.js";
import { DurationField } from "../components/duration-field.js";
import { FieldError, FormField } from "../components/form-field.js";
import { ScheduleField } from "../components/schedule-field.js";
import { useMarketplace } from "../marketplace/client-context.js";
import {
  type DataRequestFormValue,
  dataRequestToForm,
  emptyDataRequestForm,
  formToDataRequestInput,
} from "../marketplace/data-request-form.js";
import { describeError } from "../marketplace/error-text.js";
import { assetMeaning, schemaMeaning } from "../marketplace/labels.js";
import { useRpc } from "../marketplace/use-rpc.js";
import { Link } from "../router.js";

/** Creates a data request, or edits a draft one (`id` given). */
export function DataRequestEditorPage(props: { id?: string }) {
  const client = useMarketplace();
  const existing = useRpc(
    async (signal) =>
      props.id
        ? (await client.catalog.getDataRequest({ id: props.id }, { signal })).dataRequest
        : undefined,
    [props.id],
  );
  if (props.id && existing.loading && !existing.data)
    return <Loading label="Loading the data request…" />;
  if (existing.error) return <ErrorAlert error={existing.error} onRetry={existing.reload} />;
  if (existing.data && existing.data.status !== ItemStatus.DRAFT) {
    return (
      <div className="alert info" role="status">
        Only drafts can be edited; this request is already{" "}
        {existing.data.status === ItemStatus.ARCHIVED ? "archived" : "published"}.{" "}
        <Link href={`/requests/${existing.data.id}`}>Back to the request</Link>
      </div>
    );
  }
  return (
    <DataRequestForm
      id={props.id}
      initial={existing.data ? dataRequestToForm(existing.data) : emptyDataRequestForm()}
    />
  );
}

function DataRequestForm(props: { id: string | undefined; initial: DataRequestFormValue }) {
  const client = useMarketplace();
  const [form, setForm] = useState(props.initial);
  const { id, busy, errors, failure, submit } = useCatalogSave({
    id: props.id,
    path: "/requests",
    noun: "request",
    save: async (id) => {
      const input = formToDataRequestInput(form);
      return id
        ? (await client.catalog.updateDataRequest({ id, input })).dataRequest
        : (await client.catalog.createDataRequest({ input })).dataRequest;
    },
    publish: (id) => client.catalog.publishDataRequest({ id }),
  });
  const summaryRef = useRef<HTMLDivElement>(null);
  const set = <K extends keyof DataRequestFormValue>(key: K, value: DataRequestFormValue[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const err = (key: string) => errors[key];

  useEffect(() => {
    if (failure || Object.keys(errors).length > 0) summaryRef.current?.focus();
  }, [failure, errors]);

  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    void submit(false);
  };
  const errorCount = Object.keys(errors).length;
  return (
    <>
      <div className="breadcrumb">
        <Link href="/requests">Data requests</Link> ›
      </div>
      <div className="page-head">
        <div>
          <h1>{id ? "Edit data request" : "New data request"}</h1>
          <p>
            Say what data you need, how often and for how long. Households see this when you ask
            them for access.
          </p>
        </div>
      </div>
      <form className="card" onSubmit={onSubmit} noValidate aria-label="Data request">
        <div ref={summaryRef} tabIndex={-1}>
          {failure !== undefined && (
            <div className="alert error" role="alert">
              {errorCount > 0 ? (
                <>
                  <strong>
                    {errorCount === 1 ? "One field needs" : `${errorCount} fields need`} attention.
                  </strong>{" "}
                  Nothing was saved.
                  <ul className="error-summary">
                    {Object.entries(errors).map(([key, message]) => (
                      <li key={key}>
                        {fieldLabel(key)}: {message}
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                describeError(failure)
              )}
            </div>
          )}
        </div>
        <section>
          <h2>About the request</h2>
          <FormField
            label="Name"
            hint="A short title households see, e.g. “Heat pump optimisation”."
            error={err("data_need.name")}
          >
            <input type="text" value={form.name} onChange={(e) => set("name", e.target.value)} />
          </FormField>
          <FormField
            label="Description"
            hint="What you do with the data, in plain words."
            error={err("data_need.description")}
          >
            <textarea
              value={form.description}
              onChange={(e) => set("description", e.target.value)}
            />
          </FormField>
          <div className="grid-2">
            <FormField
              label="Purpose"
              hint="The legal purpose shown at consent."
              error={err("data_need.purpose")}
            >
              <input
                type="text"
                value={form.purpose}
                onChange={(e) => set("purpose", e.target.value)}
              />
            </FormField>
            <FormField
              label="Data policy link"
              hint="An https link to your data policy."
              error={err("data_need.policy_link")}
            >
              <input
                type="url"
                value={form.policyLink}
                onChange={(e) => set("policyLink", e.target.value)}
                placeholder="https://"
              />
            </FormField>
          </div>
        </section>
        <section className="form-section">
          <h2>What data</h2>
          <DataTagPicker
            value={form.dataTags}
            onChange={(v) => set("dataTags", v)}
            error={err("data_need.data_tags")}
          />
          <div className="grid-2">
            <FormField
              label="Asset"
              hint={assetMeaning[form.asset] || "Where the data must be measured."}
              error={err("data_need.asset")}
            >
              <select
                value={form.asset}
                onChange={(e) => set("asset", Number(e.target.value) as Asset)}
              >
                <option value={Asset.UNSPECIFIED}>Choose an asset</option>
                {assetValues.map((a) => (
                  <option key={a} value={a}>
                    {assetName(a)}
                  </option>
                ))}
              </select>
            </FormField>
            <fieldset className="field">
              <legend>Schemas</legend>
              <span className="hint">The shapes the data is delivered in; at least one.</span>
              {schemaValues.map((s) => (
                <label className="choice" key={s} title={schemaMeaning[s]}>
                  <input
                    type="checkbox"
                    checked={form.schemas.includes(s)}
                    onChange={() =>
                      set(
                        "schemas",
                        form.schemas.includes(s)
                          ? form.schemas.filter((x) => x !== s)
                          : schemaValues.filter((x) => x === s || form.schemas.includes(x)),
                      )
                    }
                  />
                  <span>
                    <code>{schemaName(s)}</code>{" "}
                    <span className="hint">{schemaMeaning[s as Schema]}</span>
                  </span>
                </label>
              ))}
              <FieldError message={err("data_need.schemas")} />
            </fieldset>
          </div>
        </section>
        <section className="form-section">
          <h2>When and for how long</h2>
          <DurationField
            value={form.duration}
            onChange={(v) => set("duration", v)}
            errors={errors}
          />
          <ScheduleField
            value={form.schedule}
            onChange={(v) => set("schedule", v)}
            error={err("data_need.transmission_schedule")}
          />
        </section>
        <section className="form-section">
          <h2>Who and where to</h2>
          <CountryPicker
            value={form.countries}
            onChange={(v) => set("countries", v)}
            error={err("countries")}
          />
          <FormField
            label="Delivery endpoint"
            hint="The gRPC address of your receiver, where AIIDA instances deliver the data, e.g. https://ep.example:443."
            error={err("delivery_endpoint")}
          >
            <input
              type="url"
              value={form.deliveryEndpoint}
              onChange={(e) => set("deliveryEndpoint", e.target.value)}
              placeholder="https://"
            />
          </FormField>
        </section>
        <EditorActions
          cancelHref={id ? `/requests/${id}` : "/requests"}
          busy={busy}
          onPublish={() => void submit(true)}
        />
      </form>
    </>
  );
}

const fieldLabels: Record<string, string> = {
  "data_need.name": "Name",
  "data_need.description": "Description",
  "data_need.purpose": "Purpose",
  "data_need.policy_link": "Data policy link",
  "data_need.data_tags": "Data tags",
  "data_need.asset": "Asset",
  "data_need.schemas": "Schemas",
  "data_need.duration": "Duration",
  "data_need.transmission_schedule": "Transmission schedule",
  countries: "Countries",
  delivery_endpoint: "Delivery endpoint",
};

/** The form's label for a field the server named ("data_need.duration.relative.end" → "Duration"). */
function fieldLabel(key: string): string {
  if (key === "") return "The request";
  const match = Object.keys(fieldLabels)
    .filter((k) => key === k || key.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  return match ? (fieldLabels[match] ?? key) : key;
}
