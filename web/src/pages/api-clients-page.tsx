import { type FormEvent, useState } from "react";
import { EmptyState, ErrorAlert, Loading } from "../components/async-state.js";
import { FormField } from "../components/form-field.js";
import { useMarketplace } from "../marketplace/client-context.js";
import { describeError, fieldErrors } from "../marketplace/error-text.js";
import { formatDateTime } from "../marketplace/time-format.js";
import { useRpc } from "../marketplace/use-rpc.js";

/**
 * The client-credentials clients of the organisation's backend: create one
 * (its secret is shown once), list them, revoke one.
 */
export function ApiClientsPage() {
  const client = useMarketplace();
  const list = useRpc(
    async (signal) => (await client.account.listApiClients({}, { signal })).clients,
    [],
  );
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ clientId: string; secret: string; name: string }>();
  const [copied, setCopied] = useState(false);
  const [revoking, setRevoking] = useState<string>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFailure(undefined);
    try {
      const res = await client.account.createApiClient({ name: name.trim() });
      setCreated({
        clientId: res.client?.clientId ?? "",
        secret: res.clientSecret,
        name: res.client?.name ?? name,
      });
      setCopied(false);
      setName("");
      list.reload();
    } catch (err) {
      setErrors(fieldErrors(err));
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (clientId: string, clientName: string) => {
    if (!window.confirm(`Revoke “${clientName}”? Its backend can no longer get tokens.`)) return;
    setRevoking(clientId);
    setFailure(undefined);
    try {
      await client.account.revokeApiClient({ clientId });
      if (created?.clientId === clientId) setCreated(undefined);
      list.reload();
    } catch (err) {
      setFailure(err);
    } finally {
      setRevoking(undefined);
    }
  };
  const copy = async () => {
    if (!created) return;
    await navigator.clipboard.writeText(created.secret);
    setCopied(true);
  };
  return (
    <>
      <div className="page-head">
        <div>
          <h1>API clients</h1>
          <p>
            Credentials for your backend to call the Marketplace without a person signed in (OAuth
            client credentials).
          </p>
        </div>
      </div>
      {created && (
        <div className="alert success" role="status" data-testid="new-secret">
          <p>
            <strong>“{created.name}” is ready.</strong> Copy its secret now: it is shown only this
            once.
          </p>
          <dl className="facts">
            <dt>Client id</dt>
            <dd>
              <code>{created.clientId}</code>
            </dd>
            <dt>Client secret</dt>
            <dd>
              <span className="secret">
                <code>{created.secret}</code>
                <button type="button" className="button small" onClick={() => void copy()}>
                  {copied ? "Copied" : "Copy"}
                </button>
              </span>
            </dd>
          </dl>
          <button
            type="button"
            className="button small"
            style={{ marginTop: 8 }}
            onClick={() => setCreated(undefined)}
          >
            I have stored the secret
          </button>
        </div>
      )}
      <div className="split">
        <section className="card" aria-labelledby="clients-heading">
          <h2 id="clients-heading">Your clients</h2>
          {failure !== undefined && Object.keys(errors).length === 0 && (
            <div className="alert error" role="alert">
              {describeError(failure)}
            </div>
          )}
          {list.error !== undefined ? (
            <ErrorAlert error={list.error} onRetry={list.reload} />
          ) : !list.data ? (
            <Loading label="Loading API clients…" />
          ) : list.data.length === 0 ? (
            <EmptyState title="No API clients yet">
              <p>Create one for each backend that calls the Marketplace.</p>
            </EmptyState>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Client id</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.data.map((c) => (
                    <tr key={c.clientId}>
                      <td>{c.name}</td>
                      <td>
                        <code>{c.clientId}</code>
                      </td>
                      <td>{formatDateTime(c.createdAt)}</td>
                      <td>
                        <button
                          type="button"
                          className="button small danger"
                          disabled={revoking === c.clientId}
                          onClick={() => void revoke(c.clientId, c.name)}
                          aria-label={`Revoke ${c.name}`}
                        >
                          {revoking === c.clientId ? "Revoking…" : "Revoke"}
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <form
          className="card"
          onSubmit={(e) => void create(e)}
          noValidate
          aria-labelledby="new-client-heading"
        >
          <h2 id="new-client-heading">New API client</h2>
          <FormField
            label="Name"
            hint="To recognise it later, e.g. “Billing backend”."
            error={errors.name}
          >
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </FormField>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? "Creating…" : "Create client"}
          </button>
        </form>
      </div>
    </>
  );
}
