import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import type { SearchInstancesRequest, SearchService } from "@eddie-marketplace/gen";
import { callerOf } from "../auth/principal.js";
import { type SearchDeps, searchInstances } from "../search/instance-search.js";
import {
  findSearchRun,
  listSearchRuns,
  toSearchRunMessage,
} from "../search/search-run-repository.js";
import { ForbiddenError, NotFoundError, Violations } from "./errors.js";

const defaultTimeoutMs = 10_000;

/**
 * SearchService: an eligible party searches the AIIDA instances for one of its
 * organisation's published data requests and reads the stored runs. Handlers
 * check the caller and the input; the search itself is `searchInstances`.
 */
export function searchService(deps: SearchDeps): Partial<ServiceImpl<typeof SearchService>> {
  async function* search(req: SearchInstancesRequest, ctx: HandlerContext) {
    const me = callerOf(ctx);
    const organisationId = organisationOf(me.organisation);
    const v = new Violations();
    v.check(req.dataRequestId !== "", "data_request_id", "name the data request to search for");
    let timeoutMs = defaultTimeoutMs;
    if (req.timeout !== undefined) {
      timeoutMs = Number(req.timeout.seconds) * 1000 + Math.floor(req.timeout.nanos / 1e6);
      v.check(
        timeoutMs >= 1000 && timeoutMs <= 60_000,
        "timeout",
        "the timeout must be between 1 s and 60 s",
      );
    }
    v.throwIfAny();
    yield* searchInstances(
      deps,
      { subject: me.subject, organisationId, dataRequestId: req.dataRequestId, timeoutMs },
      ctx.signal,
    );
  }
  return {
    searchInstances: search,
    async getSearchRun(req, ctx) {
      const organisationId = organisationOf(callerOf(ctx).organisation);
      const row = await findSearchRun(deps.db, organisationId, req.id);
      if (row === undefined) throw new NotFoundError("search run", req.id);
      return { searchRun: toSearchRunMessage(row) };
    },
    async listSearchRuns(req, ctx) {
      const organisationId = organisationOf(callerOf(ctx).organisation);
      const v = new Violations();
      v.check(
        req.pageSize >= 0 && req.pageSize <= 100,
        "page_size",
        "the page size must be 1 to 100, or 0 for 20",
      );
      const after = req.pageToken === "" ? undefined : decodePageToken(req.pageToken);
      v.check(after !== null, "page_token", "use the next_page_token of the previous page");
      v.throwIfAny();
      const limit = req.pageSize === 0 ? 20 : req.pageSize;
      const rows = await listSearchRuns(deps.db, {
        organisationId,
        dataRequestId: req.dataRequestId || undefined,
        limit: limit + 1,
        after: after ?? undefined,
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      return {
        searchRuns: page.map(toSearchRunMessage),
        nextPageToken:
          rows.length > limit && last !== undefined
            ? encodePageToken(last.started_at, last.id)
            : "",
      };
    },
  };
}

function organisationOf(org: { readonly id: string } | undefined): string {
  if (org === undefined) {
    throw new ForbiddenError("your account acts for no organisation; finish your profile first");
  }
  return org.id;
}

function encodePageToken(startedAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([startedAt.toISOString(), id])).toString("base64url");
}

function decodePageToken(token: string): { startedAt: Date; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, "base64url").toString()) as [string, string];
    const startedAt = new Date(at);
    if (typeof id !== "string" || Number.isNaN(startedAt.getTime())) return null;
    return { startedAt, id };
  } catch {
    return null;
  }
}
