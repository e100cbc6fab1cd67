/**
 * Where the app finds the Marketplace and the IAM, from Vite's environment
 * (`VITE_*` variables at build or dev-server start) with the defaults of
 * `npm start` on this machine.
 */
export interface AppConfig {
  /** Base URL of the Marketplace's client-facing listener (Connect). */
  readonly marketplaceUrl: string;
  /** The OpenID provider's issuer URL; discovery is read from it. */
  readonly issuer: string;
  /** The app's public OAuth client id at the IAM. */
  readonly clientId: string;
  /** Where the IAM sends the browser back after sign-in. */
  readonly redirectUri: string;
}

/** The configuration of this running app. */
export const config: AppConfig = {
  marketplaceUrl: import.meta.env.VITE_MARKETPLACE_URL ?? "http://localhost:8080",
  issuer: import.meta.env.VITE_IAM_ISSUER ?? "http://localhost:8081",
  clientId: import.meta.env.VITE_OIDC_CLIENT_ID ?? "eddie-web",
  redirectUri: `${window.location.origin}/callback`,
};
