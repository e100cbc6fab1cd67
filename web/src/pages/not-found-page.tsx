import { EmptyState } from "../components/async-state.js";
import { Link } from "../router.js";

/** A path the app does not know. */
export function NotFoundPage() {
  return (
    <EmptyState title="This page does not exist">
      <p>
        <Link href="/requests">Go to your data requests</Link>
      </p>
    </EmptyState>
  );
}
