import { type FormEvent, useState } from "react";
import { useMarketplace } from "../api/marketplace-context.js";
import { canScanQr, QrScanner } from "../components/qr-scanner.js";
import { InlineError } from "../components/state-views.js";
import { errorInfo, explainError } from "../features/error-message.js";
import { parsePairingQr } from "../features/pairing-qr.js";
import { navigate, useLocation } from "../router.js";

/** Adds the person's AIIDA instance with its ID and pairing code, typed or scanned. */
export function ClaimInstanceScreen() {
  const mp = useMarketplace();
  const { search } = useLocation();
  const [instanceId, setInstanceId] = useState(search.get("id") ?? "");
  const [pairingCode, setPairingCode] = useState(search.get("code") ?? "");
  const [scanning, setScanning] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (!instanceId.trim() || !pairingCode.trim()) {
      setError("Enter both the instance ID and the pairing code your AIIDA instance shows.");
      return;
    }
    setBusy(true);
    try {
      await mp.instances.claimInstance({
        instanceId: instanceId.trim(),
        pairingCode: pairingCode.trim(),
      });
      navigate("/?added=1", { replace: true });
    } catch (e) {
      setError(
        errorInfo(e).code === 3
          ? "That instance ID and pairing code don't match. Check both on your AIIDA instance; the code changes after a while."
          : explainError(e, "add this instance"),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="claim-title" className="screen">
      <h1 id="claim-title">Add my AIIDA instance</h1>
      <p className="lead">
        Your AIIDA instance shows its ID and a short pairing code on its status page. The code
        proves the instance is in your home.
      </p>
      {canScanQr() && !scanning && (
        <button type="button" className="button secondary wide" onClick={() => setScanning(true)}>
          Scan the QR code
        </button>
      )}
      {scanning && (
        <QrScanner
          onClose={() => setScanning(false)}
          onRead={(text) => {
            const qr = parsePairingQr(text);
            if (!qr) return false;
            setInstanceId(qr.instanceId);
            setPairingCode(qr.pairingCode);
            setScanning(false);
            return true;
          }}
        />
      )}
      <form onSubmit={submit} className="form" noValidate>
        <label htmlFor="instance-id">Instance ID</label>
        <input
          id="instance-id"
          name="instanceId"
          value={instanceId}
          onChange={(e) => setInstanceId(e.target.value)}
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          required
          aria-invalid={error !== undefined}
          aria-describedby={error ? "claim-error" : undefined}
        />
        <label htmlFor="pairing-code">Pairing code</label>
        <input
          id="pairing-code"
          name="pairingCode"
          value={pairingCode}
          onChange={(e) => setPairingCode(e.target.value)}
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          required
          aria-invalid={error !== undefined}
          aria-describedby={error ? "claim-error" : undefined}
        />
        {error && (
          <div id="claim-error">
            <InlineError>{error}</InlineError>
          </div>
        )}
        <button type="submit" className="button primary wide" disabled={busy} aria-busy={busy}>
          {busy ? "Adding…" : "Add instance"}
        </button>
      </form>
    </section>
  );
}
