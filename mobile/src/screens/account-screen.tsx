import { useMarketplace } from "../api/marketplace-context.js";
import { useAuth } from "../auth/auth-session.js";
import { ErrorView, LoadingView } from "../components/state-views.js";
import { formatDate } from "../features/time-format.js";
import { useAsync } from "../features/use-async.js";

/** Who is signed in, and signing out. */
export function AccountScreen() {
  const mp = useMarketplace();
  const { signOut } = useAuth();
  const me = useAsync(async (signal) => (await mp.account.getMe({}, { signal })).account, "me");
  return (
    <section aria-labelledby="account-title" className="screen">
      <h1 id="account-title">Account</h1>
      {me.status === "loading" && <LoadingView label="Loading your account…" />}
      {me.status === "error" && (
        <ErrorView error={me.error} context="load your account" onRetry={me.reload} />
      )}
      {me.status === "ready" && me.data && (
        <dl className="explainer">
          <div>
            <dt>Name</dt>
            <dd>{me.data.displayName || "Not set"}</dd>
          </div>
          <div>
            <dt>E-mail</dt>
            <dd>{me.data.email || "Not shared"}</dd>
          </div>
          <div>
            <dt>Member since</dt>
            <dd>{formatDate(me.data.createdAt)}</dd>
          </div>
        </dl>
      )}
      <button type="button" className="button secondary wide" onClick={() => void signOut()}>
        Log out
      </button>
    </section>
  );
}
