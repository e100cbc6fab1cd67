import type { InstanceIdentity } from "./identity/instance-identity.js";
import { type LinkOptions, MarketplaceLink } from "./link/marketplace-link.js";
import { InstanceSources } from "./sources/instance-sources.js";
import type { SourceProfile } from "./sources/source-profiles.js";

/** One AIIDA instance: who it is, what data it holds, and its link to the Marketplace. */
export interface AiidaInstance {
  readonly identity: InstanceIdentity;
  /** The name of the profile its sources come from. */
  readonly profile: string;
  /** The seed its simulated meters run on. */
  readonly seed: number;
  readonly sources: InstanceSources;
  readonly link: MarketplaceLink;
}

/**
 * Puts an instance together from its identity and a source profile. The link
 * is built but not started.
 */
export function createInstance(
  options: {
    identity: InstanceIdentity;
    profile: SourceProfile;
    seed: number;
    /** Places every source in this country instead of the profile's. */
    country?: string;
  } & Omit<LinkOptions, "identity" | "sources">,
): AiidaInstance {
  const { identity, profile, seed, country, ...link } = options;
  const sources = InstanceSources.fromProfile(profile, seed, country);
  return {
    identity,
    profile: profile.name,
    seed,
    sources,
    link: new MarketplaceLink({ ...link, identity, sources }),
  };
}
